"""OpenTelemetry GenAI export: the spans of a recorded agent, attribute by attribute (in memory, through the
SDK's own InMemorySpanExporter), the OTLP/JSON file checked against opentelemetry-proto's message types, and
the OTLP/HTTP route through a local collector (environment variables, headers, clear errors)."""

from __future__ import annotations

import base64
import io
import json
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import openai
import pytest
from clients import make_client
from fakellm import FakeLLMServer
from google.protobuf import json_format
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from scenarios import CLAUDE, GPT, user
from sdk_agents import chat_agent
from traceops_nb.otel import COST_ATTRIBUTE, SCHEMA_URL, OtelExportError, export, spans

import traceops_nb
from traceops_nb import Recorder, load_cassette, record_decision, tool
from traceops_nb.cli import main

EMBEDDER = "text-embedding-3-small"
CONTENT_KEYS = {
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.system_instructions",
    "gen_ai.tool.call.arguments",
    "gen_ai.tool.call.result",
    "traceops_nb.decision.choice",
    "traceops_nb.decision.reason",
}


@tool
def get_weather(query: str) -> str:
    return f"sunny in {query}"


@tool
def broken_lookup(city: str) -> str:
    raise ValueError(f"no such city: {city}")


@pytest.fixture(scope="module")
def agent_cassette(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run with every kind of step: a decision, a tool loop, an Anthropic call, a failed call (with
    request parameters), embeddings, a tool that raised."""
    path = tmp_path_factory.mktemp("otel") / "weather_agent.yaml"
    with FakeLLMServer() as server, Recorder(path, mode="rewrite"):
        oai, claude = make_client("openai", server), make_client("anthropic", server)
        record_decision("route", "weather_agent", reason="the user asked about the weather")
        chat_agent(oai, [], "Paris", {"get_weather": get_weather})
        claude.messages.create(
            model=CLAUDE,
            max_tokens=64,
            stop_sequences=["END"],
            system="Answer briefly.",
            messages=user("Is Paris sunny?"),
        )
        with pytest.raises(openai.RateLimitError):
            oai.chat.completions.create(
                model="trigger-429",
                messages=user("too many"),
                temperature=0.2,
                top_p=0.9,
                seed=7,
                max_completion_tokens=50,
                frequency_penalty=0.1,
                presence_penalty=0.3,
                stop="END",
                n=2,
            )
        oai.embeddings.create(model=EMBEDDER, input="sunny", encoding_format="float")
        with pytest.raises(ValueError):
            broken_lookup("Atlantis")
    return path


def by_name(found: list[ReadableSpan]) -> dict[str, list[ReadableSpan]]:
    named: dict[str, list[ReadableSpan]] = {}
    for span in found:
        named.setdefault(span.name, []).append(span)
    return named


def iso_ns(text: str) -> int:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return round((moment - datetime(1970, 1, 1, tzinfo=timezone.utc)).total_seconds() * 1000) * 1_000_000


def test_every_attribute_of_every_step(agent_cassette: Path) -> None:
    exporter = InMemorySpanExporter()
    returned = export(agent_cassette, exporter)
    found = list(exporter.get_finished_spans())
    assert [span.name for span in found] == [span.name for span in returned]
    trace = load_cassette(agent_cassette)
    records = trace.interactions
    first, final, claude, failed, embedded = records
    named = by_name(found)
    assert list(named) == [
        "invoke_agent weather_agent",
        "chat gpt-4o-mini",
        "execute_tool get_weather",
        f"chat {CLAUDE}",
        "chat trigger-429",
        f"embeddings {EMBEDDER}",
        "execute_tool broken_lookup",
    ]

    (root,) = named["invoke_agent weather_agent"]
    assert root.parent is None and root.kind is SpanKind.INTERNAL
    assert {span.context.trace_id for span in found} == {root.context.trace_id}
    assert all(span.parent is not None and span.parent.span_id == root.context.span_id for span in found[1:])
    assert len({span.context.span_id for span in found}) == len(found)
    llm_usage = [r.response.body["usage"] for r in (first, final, embedded)]
    claude_usage = claude.response.body["usage"]
    assert dict(root.attributes) == {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": "weather_agent",
        "gen_ai.provider.name": "openai",
        "gen_ai.usage.input_tokens": sum(u["prompt_tokens"] for u in llm_usage) + claude_usage["input_tokens"],
        "gen_ai.usage.output_tokens": sum(u.get("completion_tokens", 0) for u in llm_usage)
        + claude_usage["output_tokens"],
        COST_ATTRIBUTE: pytest.approx(sum(r.cost_usd for r in (first, final, claude, embedded))),
        "traceops_nb.cassette": "weather_agent.yaml",
    }
    (decision,) = root.events
    assert decision.name == "traceops_nb.decision"
    assert dict(decision.attributes) == {"traceops_nb.decision.name": "route", "traceops_nb.step": 0}
    assert root.instrumentation_scope.name == "traceops_nb" and root.instrumentation_scope.schema_url == SCHEMA_URL
    assert root.resource.attributes["service.name"] == "traceops_nb"

    asking, answering = named["chat gpt-4o-mini"]
    call = first.response.body["choices"][0]["message"]["tool_calls"][0]
    for span, record, finish in ((asking, first, "tool_calls"), (answering, final, "stop")):
        usage = record.response.body["usage"]
        assert span.kind is SpanKind.CLIENT and span.status.status_code is StatusCode.UNSET
        assert dict(span.attributes) == {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "traceops_nb.step": span.attributes["traceops_nb.step"],
            "gen_ai.request.model": GPT,
            "openai.api.type": "chat_completions",
            "gen_ai.response.model": record.response.body["model"],
            "gen_ai.response.id": record.response.body["id"],
            "openai.response.system_fingerprint": record.response.body["system_fingerprint"],
            "openai.response.service_tier": record.response.body["service_tier"],
            "gen_ai.response.finish_reasons": (finish,),
            "gen_ai.usage.input_tokens": usage["prompt_tokens"],
            "gen_ai.usage.output_tokens": usage["completion_tokens"],
            "gen_ai.usage.cache_read.input_tokens": 0,
            COST_ATTRIBUTE: record.cost_usd,
        }
        assert span.start_time == iso_ns(record.started_at)
        assert span.end_time == span.start_time + round(record.duration_ms * 1_000_000)
    assert [asking.attributes["traceops_nb.step"], answering.attributes["traceops_nb.step"]] == [1, 3]

    (weather,) = named["execute_tool get_weather"]
    assert weather.kind is SpanKind.INTERNAL and weather.status.status_code is StatusCode.UNSET
    assert dict(weather.attributes) == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "get_weather",
        "gen_ai.tool.type": "function",
        "traceops_nb.step": 2,
        "gen_ai.tool.call.id": call["id"],
    }
    # In order, to the precision of the recorded start times (milliseconds; durations are finer).
    tick = 1_000_000
    assert asking.end_time <= weather.start_time + tick
    assert weather.start_time <= weather.end_time <= answering.start_time + tick
    assert asking.start_time <= weather.start_time <= answering.start_time

    (claude_span,) = named[f"chat {CLAUDE}"]
    assert dict(claude_span.attributes) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "anthropic",
        "traceops_nb.step": 4,
        "gen_ai.request.model": CLAUDE,
        "gen_ai.request.max_tokens": 64,
        "gen_ai.request.stop_sequences": ("END",),
        "gen_ai.response.model": claude.response.body["model"],
        "gen_ai.response.id": claude.response.body["id"],
        "gen_ai.response.finish_reasons": ("end_turn",),
        "gen_ai.usage.input_tokens": claude_usage["input_tokens"]
        + claude_usage["cache_read_input_tokens"]
        + claude_usage["cache_creation_input_tokens"],
        "gen_ai.usage.output_tokens": claude_usage["output_tokens"],
        "gen_ai.usage.cache_read.input_tokens": claude_usage["cache_read_input_tokens"],
        COST_ATTRIBUTE: claude.cost_usd,
    }

    (error,) = named["chat trigger-429"]
    assert error.status.status_code is StatusCode.ERROR
    assert error.status.description == failed.response.body["error"]["message"]
    assert dict(error.attributes) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "traceops_nb.step": 5,
        "gen_ai.request.model": "trigger-429",
        "gen_ai.request.temperature": 0.2,
        "gen_ai.request.top_p": 0.9,
        "gen_ai.request.max_tokens": 50,
        "gen_ai.request.frequency_penalty": 0.1,
        "gen_ai.request.presence_penalty": 0.3,
        "gen_ai.request.seed": 7,
        "gen_ai.request.stop_sequences": ("END",),
        "gen_ai.request.choice.count": 2,
        "openai.api.type": "chat_completions",
        "error.type": "rate_limit_exceeded",
        "http.response.status_code": 429,
    }

    (embeddings,) = named[f"embeddings {EMBEDDER}"]
    assert embeddings.attributes["gen_ai.operation.name"] == "embeddings"
    assert embeddings.attributes["gen_ai.request.encoding_formats"] == ("float",)
    assert embeddings.attributes["gen_ai.usage.input_tokens"] == embedded.response.body["usage"]["prompt_tokens"]
    assert "gen_ai.response.finish_reasons" not in embeddings.attributes

    (broken,) = named["execute_tool broken_lookup"]
    assert broken.status.status_code is StatusCode.ERROR and "no such city: Atlantis" in broken.status.description
    assert broken.attributes["error.type"] == "ValueError"

    assert root.start_time == decision.timestamp == iso_ns(trace.records[0].started_at)  # the decision came first
    assert root.start_time <= min(span.start_time for span in found[1:])
    assert root.end_time == max(span.end_time for span in found[1:])
    assert not [key for span in found for key in span.attributes if key in CONTENT_KEYS]


def test_contents_only_when_asked_for(agent_cassette: Path) -> None:
    named = by_name(spans(agent_cassette, include_content=True))
    asking, answering = named["chat gpt-4o-mini"]
    call = load_cassette(agent_cassette).interactions[0].response.body["choices"][0]["message"]["tool_calls"][0]
    assert json.loads(asking.attributes["gen_ai.input.messages"]) == [
        {"role": "user", "parts": [{"type": "text", "content": "Paris"}]}
    ]
    assert json.loads(asking.attributes["gen_ai.output.messages"]) == [
        {
            "role": "assistant",
            "finish_reason": "tool_call",
            "parts": [{"type": "tool_call", "id": call["id"], "name": "get_weather", "arguments": {"query": "Paris"}}],
        }
    ]
    sent_back = json.loads(answering.attributes["gen_ai.input.messages"])
    assert sent_back[-1] == {
        "role": "tool",
        "parts": [{"type": "tool_call_response", "id": call["id"], "response": "sunny in Paris"}],
    }
    assert json.loads(answering.attributes["gen_ai.output.messages"])[0]["parts"] == [
        {"type": "text", "content": "final: sunny in Paris"}
    ]
    (weather,) = named["execute_tool get_weather"]
    assert json.loads(weather.attributes["gen_ai.tool.call.arguments"]) == {"query": "Paris"}
    assert json.loads(weather.attributes["gen_ai.tool.call.result"]) == "sunny in Paris"
    (claude,) = named[f"chat {CLAUDE}"]
    assert json.loads(claude.attributes["gen_ai.system_instructions"]) == [
        {"type": "text", "content": "Answer briefly."}
    ]
    assert json.loads(claude.attributes["gen_ai.input.messages"])[0]["role"] == "user"
    (root,) = named["invoke_agent weather_agent"]
    decision = dict(root.events[0].attributes)
    assert json.loads(decision["traceops_nb.decision.choice"]) == "weather_agent"
    assert json.loads(decision["traceops_nb.decision.reason"]) == "the user asked about the weather"


def test_ids_come_from_the_cassette(agent_cassette: Path, tmp_path: Path) -> None:
    once, again = spans(agent_cassette), spans(agent_cassette)
    assert [(s.context.trace_id, s.context.span_id) for s in once] == [
        (s.context.trace_id, s.context.span_id) for s in again
    ]
    copy = tmp_path / "another_run.yaml"
    shutil.copy(agent_cassette, copy)
    both = spans([agent_cassette, copy])
    assert len({span.context.trace_id for span in both}) == 2  # one trace per cassette
    assert [span.name for span in both].count("invoke_agent another_run") == 1
    session_trace = spans(load_cassette(agent_cassette))  # a Trace gives the same spans as its file
    assert [s.context.span_id for s in session_trace] == [s.context.span_id for s in once]


def test_resource_attributes_come_from_the_environment_or_the_caller(
    agent_cassette: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "openinference.project.name=agents,deployment.environment=ci")
    (root, *_) = spans(agent_cassette, resource={"service.name": "weather-bot"})
    assert dict(root.resource.attributes) == {
        "service.name": "weather-bot",
        "openinference.project.name": "agents",
        "deployment.environment": "ci",
    }


# -- the OTLP/JSON file ----------------------------------------------------------------------------------------

ID_LENGTHS = {"traceId": 32, "spanId": 16, "parentSpanId": 16}


def otlp_request(text: str) -> ExportTraceServiceRequest:
    """Parsed with opentelemetry-proto's own message types, strictly (an unknown field fails), after checking what
    protobuf's JSON parser would let through: ids must be hex (it would read them as base64), enums integers."""
    document = json.loads(text)

    def check(value: Any) -> Any:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ID_LENGTHS and item:
                    assert len(item) == ID_LENGTHS[key] and int(item, 16) >= 0, (key, item)
                if key in ("kind", "code"):
                    assert isinstance(item, int), (key, item)
            return {
                key: base64.b64encode(bytes.fromhex(item)).decode() if key in ID_LENGTHS and item else check(item)
                for key, item in value.items()
            }
        return [check(item) for item in value] if isinstance(value, list) else value

    message = ExportTraceServiceRequest()
    json_format.ParseDict(check(document), message)
    return message


def test_the_otlp_json_file_is_opentelemetry_protos_message(
    agent_cassette: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "spans.json"
    assert main(["export", str(agent_cassette), "--format", "otlp", "-o", str(out)]) == 0
    text = out.read_text()
    parsed = otlp_request(text)
    assert parsed == encode_spans(spans(agent_cassette))  # byte for byte what the SDK's encoder makes of the spans
    (resource_spans,) = parsed.resource_spans
    (scope_spans,) = resource_spans.scope_spans
    assert scope_spans.schema_url == SCHEMA_URL
    names = [span.name for span in scope_spans.spans]
    assert names[0] == "invoke_agent weather_agent" and len(names) == 8
    assert "wrote the spans of 1 cassette to" in capsys.readouterr().err

    again = tmp_path / "again.json"
    assert main(["export", str(agent_cassette), "--format", "otlp", "-o", str(again)]) == 0
    assert again.read_bytes() == out.read_bytes()  # deterministic for the same input
    assert main(["export", str(agent_cassette), "--format", "otlp"]) == 0
    assert capsys.readouterr().out == text  # standard output without -o
    assert "gen_ai.input.messages" not in text
    assert main(["export", str(agent_cassette), "--format", "otlp", "--content", "-o", str(again)]) == 0
    assert "gen_ai.input.messages" in again.read_text()


def test_importing_the_package_does_not_import_the_opentelemetry_sdk() -> None:
    # (the anthropic SDK imports the small opentelemetry API itself; the SDK, exporters and protobuf are ours)
    heavy = "('opentelemetry.sdk', 'opentelemetry.exporter', 'opentelemetry.proto', 'google.protobuf')"
    code = f"import sys, traceops_nb, traceops_nb.otel; print(sorted(m for m in sys.modules if m.startswith({heavy})))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
    assert traceops_nb.otel.spans is spans


# -- OTLP/HTTP ---------------------------------------------------------------------------------------------------


@dataclass
class Collector:
    """A tiny OTLP/HTTP receiver on 127.0.0.1: keeps what it is sent, answers `status`."""

    status: int = 200
    answer: bytes = b""
    posts: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def collector() -> Iterator[Collector]:
    received = Collector()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            received.posts.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(received.status)
            self.send_header("content-length", str(len(received.answer)))
            self.end_headers()
            self.wfile.write(received.answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    received.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield received
    httpd.shutdown()
    httpd.server_close()


def test_sends_protobuf_to_the_collector_the_environment_names(
    agent_cassette: Path,
    tmp_path: Path,
    collector: Collector,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shutil.copy(agent_cassette, tmp_path / "second.yaml")
    shutil.copy(agent_cassette, tmp_path / "first.yaml")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.url + "/")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Basic%20dXNlcjpwYXNz,x-team=agents")
    code = main(["export", str(tmp_path), "--otlp-endpoint", "--header", "x-project-name=weather", "--content"])
    assert code == 0
    assert [path for path, _, _ in collector.posts] == ["/v1/traces", "/v1/traces"]  # one request per cassette
    for (_, headers, body), name in zip(collector.posts, ("first", "second"), strict=True):
        assert headers["content-type"] == "application/x-protobuf"
        assert headers["authorization"] == "Basic dXNlcjpwYXNz" and headers["x-team"] == "agents"
        assert headers["x-project-name"] == "weather"
        sent = ExportTraceServiceRequest.FromString(body)
        expected = encode_spans(spans(tmp_path / f"{name}.yaml", include_content=True))
        assert sent == expected
    assert capsys.readouterr().err.strip() == f"sent 16 spans of 2 cassettes to {collector.url}/v1/traces"


def test_an_endpoint_given_wins_and_gzip_is_honoured(
    agent_cassette: Path, collector: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gzip

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip")
    assert main(["export", str(agent_cassette), "--otlp-endpoint", collector.url]) == 0
    ((_, headers, body),) = collector.posts
    assert headers["content-encoding"] == "gzip"
    assert ExportTraceServiceRequest.FromString(gzip.decompress(body)) == encode_spans(spans(agent_cassette))


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_a_collector_that_answers_an_error_is_one_line_naming_url_and_status(
    agent_cassette: Path, collector: Collector, capsys: pytest.CaptureFixture[str]
) -> None:
    collector.status, collector.answer = 401, b'{"code": 16, "message": "bad credentials"}'
    assert main(["export", str(agent_cassette), "--otlp-endpoint", collector.url + "/v1/traces"]) == 2
    line = _one_error_line(capsys)
    assert line.startswith(f"traceops-nb export: error: OTLP export to {collector.url}/v1/traces failed: HTTP 401")
    assert "bad credentials" in line and str(agent_cassette) in line


def test_an_unreachable_collector_is_one_line_naming_the_url(
    agent_cassette: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once closed: nothing listens there
    assert main(["export", str(agent_cassette), "--otlp-endpoint", f"http://127.0.0.1:{port}"]) == 2
    line = _one_error_line(capsys)
    assert f"OTLP export to http://127.0.0.1:{port}/v1/traces failed:" in line and "refused" in line


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--otlp-endpoint", "ftp://collector"], "is not an http:// or https:// URL"),
        (["--otlp-endpoint", "http://127.0.0.1:9", "--header", "novalue"], "is not NAME=VALUE"),
        (["--otlp-endpoint", "http://127.0.0.1:9", "-o", "spans.json"], "give one of them"),
        (["--format", "otlp", "--header", "a=b"], "give --otlp-endpoint too"),
        (["--format", "csv", "--content"], "add --format otlp or --otlp-endpoint"),
    ],
)
def test_bad_export_options_are_one_line(
    arguments: list[str], message: str, agent_cassette: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", str(agent_cassette), *arguments]) == 2
    assert message in _one_error_line(capsys)


def test_an_sdk_exporter_that_fails_raises(agent_cassette: Path, collector: Collector) -> None:
    collector.status = 400
    exporter = OTLPSpanExporter(endpoint=collector.url + "/v1/traces", timeout=5)
    with pytest.raises(OtelExportError, match=r"OTLPSpanExporter could not export the trace of .*weather_agent"):
        export(agent_cassette, exporter)
    collector.status = 200
    assert len(export(agent_cassette, exporter)) == 8
    assert ExportTraceServiceRequest.FromString(collector.posts[-1][2]) == encode_spans(spans(agent_cassette))


def test_a_cassette_with_no_steps_gives_no_spans_and_no_request(
    tmp_path: Path, collector: Collector, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "nothing.yaml"
    with Recorder(empty, mode="rewrite"):
        pass
    assert empty.exists() and spans(empty) == []
    assert main(["export", str(empty), "--otlp-endpoint", collector.url]) == 0
    assert collector.posts == []  # receivers refuse an empty request (MLflow answers 400)
    assert "sent 0 spans of 1 cassette" in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_many_cassettes_show_a_progress_bar_on_a_terminal_only(
    agent_cassette: Path, tmp_path: Path, collector: Collector, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a", "b", "c"):
        shutil.copy(agent_cassette, tmp_path / f"{name}.yaml")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["export", str(tmp_path), "--otlp-endpoint", collector.url]) == 0
    shown = terminal.getvalue()
    assert "\r[##########....................] 1/3 cassettes" in shown
    assert "\r[##############################] 3/3 cassettes\n" in shown
    log = io.StringIO()  # a CI log: no bar, only the summary
    monkeypatch.setattr(sys, "stderr", log)
    assert main(["export", str(tmp_path), "--otlp-endpoint", collector.url]) == 0
    assert log.getvalue() == f"sent 24 spans of 3 cassettes to {collector.url}/v1/traces\n"
