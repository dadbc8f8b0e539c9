"""AzureOpenAI / AsyncAzureOpenAI and clients with query parameters, recorded against the fake server's Azure
routes and replayed with the server stopped, sockets blocked and no key, on both replay routes.

Azure always sends `api-version`; a deployment client (`azure_deployment=`) posts chat calls under
/openai/deployments/<name> and Responses calls to /openai/responses, outside its base path: the operation comes
from the SDK call, so those are still read as Responses calls.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import openai
import pytest
from clients import OPENAI_TEST_KEY
from fakellm import FakeLLMServer
from scenarios import GPT, maybe, snap, snap_stream, user

import traceops_nb
from traceops_nb import Recorder, Replayer
from traceops_nb.cassette.file import read_records, write_interactions

API_VERSION = "2025-04-01-preview"
DEPLOYMENT = "prod-mini"
WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
}
AZURE_ENV = ("AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_AD_TOKEN", "OPENAI_API_KEY")


def azure_client(is_async: bool, **options: Any) -> Any:
    cls = openai.AsyncAzureOpenAI if is_async else openai.AzureOpenAI
    return cls(api_version=API_VERSION, max_retries=0, **options)


async def azure_calls(client: Any) -> list[Any]:
    """Chat (plain and streamed) and Responses (plain and streamed) through a client without a deployment."""
    return [
        snap(await maybe(client.chat.completions.create(model=GPT, messages=user("azure chat")))),
        await snap_stream(await maybe(client.chat.completions.create(model=GPT, messages=user("az"), stream=True))),
        snap(await maybe(client.responses.create(model=GPT, input="azure responses"))),
        await snap_stream(await maybe(client.responses.create(model=GPT, input="azure stream", stream=True))),
    ]


async def deployment_calls(client: Any) -> list[Any]:
    """A deployment client: a chat call, a Responses tool round trip, a streamed Responses call."""
    chat = snap(await maybe(client.chat.completions.create(model=GPT, messages=user("deployed chat"))))
    asked = await maybe(client.responses.create(model=GPT, input="weather in Oslo", tools=[WEATHER_TOOL]))
    call = asked.output[0]
    result = {"type": "function_call_output", "call_id": call.call_id, "output": "rain in Oslo"}
    items = [{"role": "user", "content": "weather in Oslo"}, call.model_dump(exclude_none=True), result]
    final = await maybe(client.responses.create(model=GPT, input=items, tools=[WEATHER_TOOL]))
    streamed = await snap_stream(await maybe(client.responses.create(model=GPT, input="deployed", stream=True)))
    return [chat, snap(asked), snap(final), final.output_text, streamed]


def record_then_replay_keyless(
    calls: Any, make: Any, server: FakeLLMServer, path: Path, offline: Any, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, traceops_nb.Trace, Any, traceops_nb.Trace]:
    """Record with a key and the server's endpoint; replay with neither (make(None) builds the client from
    the environment only, as a notebook's setup cell would in CI)."""
    for name in AZURE_ENV:
        monkeypatch.delenv(name, raising=False)
    with Recorder(path, mode="rewrite") as recorder:
        recorded = asyncio.run(calls(make(server.url)))
    server.stop()
    attempts = offline()
    with Replayer(path, strict=True) as replayer:
        replayed = asyncio.run(calls(make(None)))
    assert attempts == []
    assert all(interaction.replayed for interaction in replayer.trace.interactions)
    return recorded, recorder.trace, replayed, replayer.trace


@pytest.fixture(params=[True, False], ids=["fast-replay", "full-replay"])
def replay_route(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    monkeypatch.setenv("TRACEOPS_FAST_REPLAY", "1" if request.param else "0")
    return bool(request.param)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_azure_chat_streams_and_responses_replay_with_no_key_and_no_endpoint(
    is_async: bool,
    replay_route: bool,
    server: FakeLLMServer,
    cassette_path: Path,
    offline: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def make(endpoint: str | None) -> Any:
        if endpoint is None:
            return azure_client(is_async)  # key and endpoint: the replay placeholders
        return azure_client(is_async, api_key=OPENAI_TEST_KEY, azure_endpoint=endpoint)

    recorded, trace, replayed, replay_trace = record_then_replay_keyless(
        azure_calls, make, server, cassette_path, offline, monkeypatch
    )
    assert replayed == recorded
    assert recorded[2]["dump"]["output"][0]["content"][0]["text"] == "echo: azure responses"
    assert [r["path"] for r in server.requests] == [
        f"/openai/deployments/{GPT}/chat/completions",
        f"/openai/deployments/{GPT}/chat/completions",
        "/openai/responses",
        "/openai/responses",
    ]
    assert {r["query"]["api-version"] for r in server.requests} == {API_VERSION}
    operations = ["chat.completions", "chat.completions", "responses", "responses"]
    assert [event.operation for event in replay_trace.llm_calls] == operations
    assert [event.output_text for event in trace.llm_calls] == [
        "echo: azure chat",
        "echo: az",
        "echo: azure responses",
        "echo: azure stream",
    ]
    assert [i.request.query for i in trace.interactions] == [{"api-version": API_VERSION}] * 4
    assert "AZURE_OPENAI_API_KEY" not in os.environ  # the placeholders left with the replay


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_an_azure_deployment_client_keeps_its_responses_operation_and_tool_step(
    is_async: bool,
    replay_route: bool,
    server: FakeLLMServer,
    cassette_path: Path,
    offline: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def make(endpoint: str | None) -> Any:
        key = {} if endpoint is None else {"api_key": OPENAI_TEST_KEY, "azure_endpoint": endpoint}
        return azure_client(is_async, azure_deployment=DEPLOYMENT, **key)

    recorded, trace, replayed, replay_trace = record_then_replay_keyless(
        deployment_calls, make, server, cassette_path, offline, monkeypatch
    )
    assert replayed == recorded
    assert recorded[3] == "final: rain in Oslo"
    assert [r["path"] for r in server.requests] == [
        f"/openai/deployments/{DEPLOYMENT}/chat/completions",
        "/openai/responses",
        "/openai/responses",
        "/openai/responses",
    ]
    for run in (trace, replay_trace):
        assert run.trajectory == [f"llm:{GPT}", f"llm:{GPT}", "tool:get_weather", f"llm:{GPT}", f"llm:{GPT}"]
        assert [e.operation for e in run.llm_calls] == ["chat.completions", "responses", "responses", "responses"]
        assert [e.output_text for e in run.llm_calls][2:] == ["final: rain in Oslo", "echo: deployed"]
        assert run.llm_calls[1].tool_calls[0].name == "get_weather"
        assert run.tool_calls[0].output == "rain in Oslo"
    text = cassette_path.read_text()
    assert "operation: responses" in text and OPENAI_TEST_KEY not in text and "api-key" not in text


def test_a_cassette_without_operations_reads_azure_paths_as_their_operations(
    server: FakeLLMServer, cassette_path: Path
) -> None:
    """Cassettes recorded before interactions named their operation still read right, from the path."""
    with Recorder(cassette_path, mode="rewrite") as recorder:
        asyncio.run(
            deployment_calls(
                azure_client(False, api_key=OPENAI_TEST_KEY, azure_endpoint=server.url, azure_deployment=DEPLOYMENT)
            )
        )
    records = read_records(cassette_path)
    for record in records:
        record.operation = None  # type: ignore[union-attr]
    write_interactions(cassette_path, records)
    assert "operation:" not in cassette_path.read_text()
    reread = traceops_nb.load_cassette(cassette_path)
    assert [e.operation for e in reread.llm_calls] == [e.operation for e in recorder.trace.llm_calls]
    assert reread.trajectory == recorder.trace.trajectory


def test_an_operation_the_trace_does_not_read_is_recorded_replayed_and_shown_as_itself(
    server: FakeLLMServer, cassette_path: Path, offline: Any, replay_route: bool
) -> None:
    def run(client: openai.OpenAI) -> Any:
        return snap(client.moderations.create(model="omni-moderation-latest", input="is this fine"))

    client = openai.OpenAI(api_key=OPENAI_TEST_KEY, base_url=server.openai_base_url, max_retries=0)
    with Recorder(cassette_path, mode="rewrite") as recorder:
        recorded = run(client)
    server.stop()
    attempts = offline()
    with Replayer(cassette_path) as replayer:
        replayed = run(client)
    assert replayed == recorded and attempts == []
    assert recorded["class"] == "openai.types.moderation_create_response.ModerationCreateResponse"
    for event in (recorder.trace.events[0], replayer.trace.events[0]):
        assert event.operation == "moderations"
        assert (event.output_text, event.tool_calls, event.input_messages) == ("", (), ())


def test_default_query_parameters_replay_on_both_routes(
    server: FakeLLMServer, cassette_path: Path, offline: Any, replay_route: bool
) -> None:
    """OpenAI(default_query=...) plus a call's extra_query: the query is matched, on the fast route too."""

    def run(client: openai.OpenAI) -> Any:
        return snap(client.chat.completions.create(model=GPT, messages=user("q"), extra_query={"trace": "on"}))

    base = server.openai_base_url
    client = openai.OpenAI(api_key=OPENAI_TEST_KEY, base_url=base, default_query={"tenant": "acme"}, max_retries=0)
    with Recorder(cassette_path, mode="rewrite") as recorder:
        recorded = run(client)
    assert server.requests[0]["query"] == {"tenant": "acme", "trace": "on"}
    server.stop()
    attempts = offline()
    with Replayer(cassette_path) as replayer:
        replayed = run(client)
    assert replayed == recorded and attempts == []
    assert replayer.trace.interactions[0].request.query == recorder.trace.interactions[0].request.query
