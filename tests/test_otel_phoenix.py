"""A real backend: Arize Phoenix, started here on 127.0.0.1 from its own environment (`.venv-phoenix`, made by
scripts/test: arize-phoenix requires anthropic<2), receives exported cassettes over OTLP/HTTP, and its REST API
returns the spans with the names, parents, models and token counts the cassettes hold.

Phoenix missing is a failure, not a skip: run scripts/test (or set TRACEOPS_PHOENIX_PYTHON to a Python that has
arize-phoenix installed).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clients import make_client
from fakellm import FakeLLMServer
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan
from sdk_agents import chat_agent, claude_agent

from traceops_nb import Recorder, load_cassette, otel, tool
from traceops_nb.cli import main

ROOT = Path(__file__).resolve().parent.parent
PHOENIX_PYTHON = Path(os.environ.get("TRACEOPS_PHOENIX_PYTHON") or ROOT / ".venv-phoenix" / "bin" / "python")
START_TIMEOUT = 180  # seconds; 17-28 s on two busy cores


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def phoenix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not PHOENIX_PYTHON.exists():
        pytest.fail(f"no Phoenix environment at {PHOENIX_PYTHON}: run scripts/test, which creates .venv-phoenix")
    port, workdir = _free_port(), tmp_path_factory.mktemp("phoenix")
    env = {
        **os.environ,
        "PHOENIX_HOST": "127.0.0.1",
        "PHOENIX_PORT": str(port),
        "PHOENIX_GRPC_PORT": str(_free_port()),  # else it takes 4317
        "PHOENIX_WORKING_DIR": str(workdir),
        "PHOENIX_TELEMETRY_ENABLED": "false",
        "PHOENIX_ALLOW_EXTERNAL_RESOURCES": "false",
    }
    log = (workdir / "server.log").open("w")
    server = subprocess.Popen(
        [str(PHOENIX_PYTHON), "-m", "phoenix.server.main", "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1):
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                tail = (workdir / "server.log").read_text()[-2000:]
                pytest.fail(f"Phoenix did not start (exit status {server.poll()}):\n{tail}")
            time.sleep(0.25)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def project_spans(base: str, project: str, count: int) -> list[dict[str, Any]]:
    """Phoenix ingests in the background: poll until the project holds `count` spans."""
    deadline = time.monotonic() + 60
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        try:
            found = _get(f"{base}/v1/projects/{project}/spans?limit=1000")["data"]
        except urllib.error.HTTPError as err:  # 404 until the project exists
            if err.code != 404:
                raise
        if len(found) >= count:
            return found
        time.sleep(0.3)
    raise AssertionError(f"Phoenix holds {len(found)} spans of project {project}, expected {count}")


@tool
def get_weather(query: str) -> str:
    return f"sunny in {query}"


@pytest.fixture(scope="module")
def agent_cassette(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("agents") / "travel_agent.yaml"
    with FakeLLMServer() as server, Recorder(path, mode="rewrite"):
        chat_agent(make_client("openai", server), [], "Lisbon", {"get_weather": get_weather})
        claude_agent(make_client("anthropic", server), [], "Oslo", {"get_weather": get_weather})
    return path


def assert_as_recorded(received: list[dict[str, Any]], sent: list[ReadableSpan]) -> None:
    """Phoenix's spans are the ones sent: same ids, names, parents, models and token counts as the cassette."""
    by_id = {span["context"]["span_id"]: span for span in received}
    assert set(by_id) == {f"{span.context.span_id:016x}" for span in sent}
    root = sent[0]
    for span in sent:
        stored = by_id[f"{span.context.span_id:016x}"]
        assert stored["name"] == span.name
        assert stored["context"]["trace_id"] == f"{root.context.trace_id:032x}"
        expected_parent = None if span.parent is None else f"{span.parent.span_id:016x}"
        assert stored["parent_id"] == expected_parent
        for key in ("gen_ai.request.model", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens"):
            assert stored["attributes"].get(key) == span.attributes.get(key), (span.name, key)


def test_phoenix_receives_the_cli_export(phoenix: str, agent_cassette: Path) -> None:
    code = main(["export", str(agent_cassette), "--otlp-endpoint", phoenix, "--header", "x-project-name=cli-export"])
    assert code == 0
    trace = load_cassette(agent_cassette)
    sent = otel.spans(agent_cassette)
    received = project_spans(phoenix, "cli-export", len(sent))
    assert_as_recorded(received, sent)

    names = sorted(span["name"] for span in received)
    openai_loop = ["chat gpt-4o-mini", "execute_tool get_weather", "chat gpt-4o-mini"]
    claude_loop = ["chat claude-sonnet-4-6", "execute_tool get_weather", "chat claude-sonnet-4-6"]
    assert names == sorted(["invoke_agent travel_agent", *openai_loop, *claude_loop])
    llm = [span for span in received if span["name"].startswith("chat ")]
    recorded_usage = sorted((e.model, e.input_tokens, e.output_tokens) for e in trace.llm_calls)
    assert recorded_usage == sorted(
        (
            span["attributes"]["gen_ai.response.model"],
            span["attributes"]["gen_ai.usage.input_tokens"],
            span["attributes"]["gen_ai.usage.output_tokens"],
        )
        for span in llm
    )
    # Phoenix reads the GenAI conventions into its own (OpenInference) view: an agent, LLM calls, tools
    kinds = {span["name"].split(" ")[0]: span["span_kind"] for span in received}
    assert kinds == {"invoke_agent": "AGENT", "chat": "LLM", "execute_tool": "TOOL"}


def test_phoenix_receives_an_sdk_exporters_export_with_contents(
    phoenix: str, agent_cassette: Path, tmp_path: Path
) -> None:
    # Another cassette (the same cassette again has the same ids: a backend keeps its first copy)
    other = tmp_path / "travel_agent_copy.yaml"
    shutil.copy(agent_cassette, other)
    exporter = OTLPSpanExporter(endpoint=f"{phoenix}/v1/traces", headers={"x-project-name": "sdk-export"})
    sent = otel.export(other, exporter, include_content=True)
    received = project_spans(phoenix, "sdk-export", len(sent))
    assert_as_recorded(received, sent)
    results = sorted(
        json.loads(span["attributes"]["gen_ai.tool.call.result"])
        for span in received
        if span["name"] == "execute_tool get_weather"
    )
    assert results == ["sunny in Lisbon", "sunny in Oslo"]
