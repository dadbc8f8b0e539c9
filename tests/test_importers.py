"""Importing VCR.py and TraceOps 0.5 cassettes: recorded by the real packages against the fake server,
imported, then replayed with the server stopped and sockets blocked, through the real SDKs.

The TraceOps cassette under tests/import_fixtures/ was written by traceops 0.5.0 itself
(`python tests/test_importers.py` re-records it); a fresh one is recorded by each run too. Its pytest
plugin must not load beside pytest-recording's (both define --record-mode): pyproject's addopts pass
`-p no:traceops`.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import anthropic
import fakellm
import openai
import pytest
import vcr
from clients import FORBIDDEN_IN_CASSETTES, OPENAI_TEST_KEY, make_client
from fakellm import FakeLLMServer
from scenarios import CLAUDE, GPT, WEATHER, user

from traceops_nb import CassetteFormatError, Recorder, Replayer, import_cassette, load_cassette
from traceops_nb.cassette.redact import KEY_LIKE_MARKER
from traceops_nb.errors import RedactedKeyWarning

FIXTURE = Path(__file__).parent / "import_fixtures" / "traceops-0.5.0.yaml"


@pytest.fixture
def gzip_server(server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch) -> FakeLLMServer:
    """The fake server, answering JSON gzip-compressed to clients that accept it (as the real APIs do)."""
    plain = fakellm._Handler._send_json

    def send_json(handler: Any, body: Any) -> None:
        if "gzip" not in handler.headers.get("accept-encoding", ""):
            plain(handler, body)
            return
        data = gzip.compress(json.dumps(body).encode())
        for name, value in (("content-type", "application/json"), ("content-encoding", "gzip")):
            handler.send_header(name, value)
        handler.send_header("content-length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    monkeypatch.setattr(fakellm._Handler, "_send_json", send_json)
    return server


def run_calls(oa: Any, claude: Any) -> dict[str, Any]:
    """JSON, streamed and tool-using calls of both SDKs, as plain data to compare record with replay."""
    completion = oa.chat.completions.create(model=GPT, messages=user("gzip me"), tools=[WEATHER])
    chunks = oa.chat.completions.create(
        model=GPT, messages=user("stream me"), stream=True, stream_options={"include_usage": True}
    )
    message = claude.messages.create(model=CLAUDE, max_tokens=64, messages=user("hello claude"))
    with claude.messages.stream(model=CLAUDE, max_tokens=64, messages=user("stream claude")) as stream:
        streamed = stream.get_final_message()
    return {
        "completion": (type(completion), completion.model_dump(), completion._request_id),
        "chunks": [(type(chunk), chunk.model_dump()) for chunk in chunks],
        "message": (type(message), message.model_dump(), message._request_id),
        "streamed": (type(streamed), streamed.model_dump()),
    }


def assert_no_secrets(path: Path) -> None:
    text = path.read_text().lower()
    assert not [needle for needle in FORBIDDEN_IN_CASSETTES if needle.lower() in text]


def test_a_vcr_cassette_with_gzip_and_streams_imports_and_replays_offline(
    gzip_server: FakeLLMServer, tmp_path: Path, cassette_path: Path, offline: Any
) -> None:
    source = tmp_path / "vcr.yaml"
    with vcr.use_cassette(str(source), record_mode="all"):
        recorded = run_calls(make_client("openai", gzip_server), make_client("anthropic", gzip_server))
    raw = source.read_text()
    assert "content-encoding:\n      - gzip" in raw and "!!binary" in raw  # VCR.py kept the compressed bytes
    assert "Bearer sk-proj-" in raw  # and the key: the import must drop it

    trace = import_cassette(source, cassette_path)

    assert_no_secrets(cassette_path)
    assert trace.trajectory == ["llm:gpt-4o-mini", "llm:gpt-4o-mini", f"llm:{CLAUDE}", f"llm:{CLAUDE}"]
    assert [i.stream for i in trace.interactions] == [False, True, False, True]
    assert trace.llm_calls[0].tool_calls[0].name == "get_weather"
    assert load_cassette(cassette_path).total_tokens == trace.total_tokens > 0
    stored = trace.interactions[1].response.events
    assert stored is not None and stored[-1] == {"text": "[DONE]"}  # a stream is kept as its events

    clients = make_client("openai", gzip_server), make_client("anthropic", gzip_server)
    gzip_server.stop()
    attempts = offline()
    with Replayer(cassette_path, strict=True) as replayer:
        replayed = run_calls(*clients)
    assert replayed == recorded
    assert attempts == []
    assert replayer.trace.trajectory == trace.trajectory


def test_an_imported_vcr_cassette_holds_what_the_recorder_writes(gzip_server: FakeLLMServer, tmp_path: Path) -> None:
    """The same calls, recorded by VCR.py from one fake server and by a Recorder from a fresh one (same
    ids): the import stores the same requests, responses, stream events and costs."""
    source = tmp_path / "vcr.yaml"
    with vcr.use_cassette(str(source), record_mode="all"):
        run_calls(make_client("openai", gzip_server), make_client("anthropic", gzip_server))
    with FakeLLMServer() as fresh, Recorder(tmp_path / "native.yaml", mode="rewrite") as recorder:
        run_calls(make_client("openai", fresh), make_client("anthropic", fresh))

    def stored(interaction: Any) -> Any:
        data = interaction.to_dict()
        return {key: data[key] for key in ("provider", "request", "response", "stream", "cost_usd")}

    native = [stored(i) for i in recorder.trace.interactions]
    assert [stored(i) for i in import_cassette(source).interactions] == native


def test_vcr_traffic_that_is_not_an_llm_api_is_left_out(tmp_path: Path) -> None:
    source = tmp_path / "mixed.yaml"
    source.write_text(
        "interactions:\n"
        "- request: {method: GET, uri: 'https://example.com/health', body: null, headers: {}}\n"
        "  response: {status: {code: 200, message: OK}, headers: {}, body: {string: ok}}\n"
        "version: 1\n"
    )
    assert import_cassette(source).records == []


# -- TraceOps 0.5 ---------------------------------------------------------------------------------------


def record_with_traceops(path: Path, server: FakeLLMServer) -> dict[str, Any]:
    """One agent run recorded by TraceOps 0.5's own Recorder: a tool loop, a Claude stream, an API error, and
    a LangChain call (for which TraceOps keeps no message: the import leaves it out, with a warning).

    TraceOps 0.5 cannot record an OpenAI stream with openai 3 (its chunk assembler raises on the
    null fields of the chunks), so that call is added with TraceOps' own classes, as its recorder
    would have stored it.
    """
    import trace_ops
    from langchain_openai import ChatOpenAI
    from trace_ops._types import EventType, TraceEvent
    from trace_ops.streaming import _assemble_openai_chunks

    oa, claude = make_client("openai", server), make_client("anthropic", server)
    off = {f"intercept_{name}": False for name in ("litellm", "langgraph", "crewai")}
    chat = ChatOpenAI(model=GPT, api_key=OPENAI_TEST_KEY, base_url=server.openai_base_url, max_retries=0)
    with trace_ops.Recorder(**off) as recorder:
        messages: list[Any] = user("weather in Paris")
        first = oa.chat.completions.create(model=GPT, messages=messages, tools=[WEATHER])
        call = first.choices[0].message.tool_calls[0]
        recorder.record_tool_call("get_weather", json.loads(call.function.arguments), "sunny")
        messages += [first.choices[0].message.model_dump(exclude_none=True)]
        messages += [{"role": "tool", "tool_call_id": call.id, "content": "sunny"}]
        final = oa.chat.completions.create(model=GPT, messages=messages, tools=[WEATHER])
        streamed = list(claude.messages.create(model=CLAUDE, max_tokens=64, messages=user("hi"), stream=True))
        with pytest.raises(openai.BadRequestError):
            oa.chat.completions.create(model="trigger-400", messages=user("fail"))
        chat.invoke("through langchain")
    chunks = [
        _without_nulls(chunk.model_dump())
        for chunk in oa.chat.completions.create(model=GPT, messages=user("stream me"), stream=True)
    ]
    trace = recorder.trace
    trace.add_event(
        TraceEvent(
            EventType.LLM_REQUEST, provider="openai", model=GPT, messages=user("stream me"), metadata={"stream": True}
        )
    )
    trace.add_event(
        TraceEvent(
            EventType.LLM_RESPONSE,
            provider="openai",
            model=GPT,
            response=_assemble_openai_chunks(chunks),
            metadata={"streamed": True},
        )
    )
    trace.finalize()
    trace_ops.save_cassette(trace, path)
    return {"first": first.model_dump(), "final": final.model_dump(), "streamed": len(streamed)}


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


def replay_traceops_run(oa: Any, claude: Any) -> dict[str, Any]:
    messages: list[Any] = user("weather in Paris")
    first = oa.chat.completions.create(model=GPT, messages=messages, tools=[WEATHER])
    call = first.choices[0].message.tool_calls[0]
    messages += [first.choices[0].message.model_dump(exclude_none=True)]
    messages += [{"role": "tool", "tool_call_id": call.id, "content": "sunny"}]
    final = oa.chat.completions.create(model=GPT, messages=messages, tools=[WEATHER])
    with claude.messages.stream(model=CLAUDE, max_tokens=64, messages=user("hi")) as stream:
        text = stream.get_final_text()
    with pytest.raises(openai.BadRequestError, match="trigger-400"):
        oa.chat.completions.create(model="trigger-400", messages=user("fail"))
    pieces = [
        c.choices[0].delta.content
        for c in oa.chat.completions.create(model=GPT, messages=user("stream me"), stream=True)
        if c.choices
    ]
    return {"first": first, "final": final, "text": text, "stream": "".join(p for p in pieces if p)}


def check_traceops_import(source: Path, target: Path, server: FakeLLMServer, offline: Any) -> dict[str, Any]:
    with pytest.warns(UserWarning) as warned:
        trace = import_cassette(source, target)
    assert [str(w.message).split(":")[0] for w in warned] == [
        "TraceOps LLM steps recorded through langchain were left out",
        "1 TraceOps LLM call(s) were left out",
    ]
    assert trace.trajectory == [
        "llm:gpt-4o-mini",
        "tool:get_weather",
        "llm:gpt-4o-mini",
        f"llm:{CLAUDE}",
        "error:trigger-400",
        "llm:gpt-4o-mini",
    ]
    assert trace.tool_calls[0].input == {"query": "weather in Paris"} and trace.tool_calls[0].output == "sunny"
    assert_no_secrets(target)
    clients = make_client("openai", server), make_client("anthropic", server)
    server.stop()
    attempts = offline()
    with Replayer(target, strict=True) as replayer:
        replayed = replay_traceops_run(*clients)
    assert attempts == []
    assert replayer.trace.trajectory == trace.trajectory  # the tool step inferred from the conversation
    assert isinstance(replayed["first"], openai.types.chat.ChatCompletion)
    assert replayed["first"].choices[0].message.tool_calls[0].function.name == "get_weather"
    assert replayed["final"].choices[0].message.content == "final: sunny"
    assert replayed["text"] == "echo: hi"
    assert replayed["stream"] == "echo: stream me"
    return replayed


def test_a_cassette_written_by_traceops_imports_and_replays_offline(
    server: FakeLLMServer, cassette_path: Path, offline: Any
) -> None:
    check_traceops_import(FIXTURE, cassette_path, server, offline)


def test_a_fresh_traceops_recording_imports_and_replays_the_same_objects(
    server: FakeLLMServer, tmp_path: Path, cassette_path: Path, offline: Any
) -> None:
    source = tmp_path / "traceops.yaml"
    recorded = record_with_traceops(source, server)
    replayed = check_traceops_import(source, cassette_path, server, offline)
    assert replayed["first"].model_dump() == recorded["first"]
    assert replayed["final"].model_dump() == recorded["final"]


def test_what_traceops_did_not_keep_is_a_mismatch_not_a_wrong_answer(
    server: FakeLLMServer, cassette_path: Path
) -> None:
    """TraceOps keeps model, messages, tools, temperature, max_tokens and stream: a call that also
    sends another parameter does not match (ignore_fields lets it)."""
    with pytest.warns(UserWarning):
        import_cassette(FIXTURE, cassette_path)
    client = make_client("openai", server)
    server.stop()
    with pytest.raises(Exception, match="No recorded response matches"), Replayer(cassette_path):
        client.chat.completions.create(model=GPT, messages=user("stream me"), stream=True, top_p=0.5)
    with Replayer(cassette_path, ignore_fields=["top_p"]):
        chunks = list(client.chat.completions.create(model=GPT, messages=user("stream me"), stream=True, top_p=0.5))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "echo: stream me"


def test_files_that_are_not_cassettes_are_refused(tmp_path: Path) -> None:
    for text in ("just: text\n", "!!python/object/apply:os.system ['true']\n", "events: [1]\n"):
        source = tmp_path / "bad.yaml"
        source.write_text(text)
        with pytest.raises(CassetteFormatError):
            import_cassette(source)
    assert not (tmp_path / "out.yaml").exists()


def vcr_cassette(path: Path, request_body: str, response_body: str) -> Path:
    request = {"method": "POST", "uri": "https://api.openai.com/v1/chat/completions", "body": request_body}
    response = {
        "status": {"code": 200},
        "headers": {"content-type": ["application/json"]},
        "body": {"string": response_body},
    }
    path.write_text(json.dumps({"interactions": [{"request": {**request, "headers": {}}, "response": response}]}))
    return path


def test_secrets_in_imported_bodies_are_scrubbed_or_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTNER_TOKEN", "partner-value-123456")
    asked = json.dumps({"model": GPT, "messages": user("use partner-value-123456")})
    source = vcr_cassette(tmp_path / "a.yaml", asked, json.dumps({"choices": []}))
    trace = import_cassette(source, tmp_path / "out.yaml")
    assert "partner-value" not in (tmp_path / "out.yaml").read_text()
    assert trace.interactions[0].request.body["messages"][0]["content"] == "use <redacted:PARTNER_TOKEN>"

    key = "sk-ant-api03-" + "x" * 30
    leaked = json.dumps({"choices": [], "note": key})
    with pytest.warns(RedactedKeyWarning, match=r"interactions\[0\]\.response\.body\.note"):
        import_cassette(vcr_cassette(tmp_path / "b.yaml", asked, leaked), tmp_path / "leak.yaml")
    written = (tmp_path / "leak.yaml").read_text()
    assert key not in written and KEY_LIKE_MARKER in written


def test_a_body_that_does_not_decode_as_its_encoding_says_is_a_format_error(tmp_path: Path) -> None:
    source = tmp_path / "broken.yaml"
    source.write_text(
        "interactions:\n"
        "- request: {method: POST, uri: 'https://api.openai.com/v1/chat/completions', body: '{}', headers: {}}\n"
        "  response:\n"
        "    status: {code: 200, message: OK}\n"
        "    headers: {content-encoding: [gzip], content-type: [application/json]}\n"
        "    body: {string: not gzip}\n"
        "version: 1\n"
    )
    with pytest.raises(CassetteFormatError, match="interaction #0 cannot be read"):
        import_cassette(source, tmp_path / "out.yaml")
    assert not (tmp_path / "out.yaml").exists()


def test_anthropic_error_statuses_come_back_as_the_sdks_own_error(
    server: FakeLLMServer, tmp_path: Path, cassette_path: Path
) -> None:
    source = tmp_path / "vcr.yaml"
    with vcr.use_cassette(str(source), record_mode="all"), pytest.raises(anthropic.NotFoundError):
        make_client("anthropic", server).messages.create(model="trigger-404", max_tokens=8, messages=user("x"))
    trace = import_cassette(source, cassette_path)
    assert trace.trajectory == ["error:trigger-404"]
    client = make_client("anthropic", server)
    server.stop()
    with Replayer(cassette_path), pytest.raises(anthropic.NotFoundError):
        client.messages.create(model="trigger-404", max_tokens=8, messages=user("x"))


def test_the_import_command_writes_a_cassette_and_never_replaces_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from traceops_nb.cli import main

    target = tmp_path / "imported.yaml"
    with pytest.warns(UserWarning):  # the LangChain call TraceOps kept no message for
        assert main(["import", str(FIXTURE), "-o", str(target)]) == 0
    assert "4 LLM calls, 1 tool calls" in capsys.readouterr().out
    assert load_cassette(target).trajectory[:2] == ["llm:gpt-4o-mini", "tool:get_weather"]
    before = target.read_bytes()
    assert main(["import", str(FIXTURE), "-o", str(target)]) == 2
    assert "--force" in capsys.readouterr().err and target.read_bytes() == before
    assert main(["import", str(tmp_path / "missing.yaml"), "-o", str(tmp_path / "x.yaml")]) == 2


if __name__ == "__main__":  # re-record the TraceOps fixture (needs traceops 0.5 and langchain-openai)
    with FakeLLMServer() as fake:
        record_with_traceops(FIXTURE, fake)
    print(f"wrote {FIXTURE}")
