"""Google Gemini through the real google-genai SDK: every call path records against the fake server, then
replays with the server stopped, sockets blocked and no key, returning the SDK's own objects equal
(`model_dump()`) to what was recorded; errors, retries, keys, and the trace built from it."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from clients import GOOGLE_TEST_KEY
from fakellm import FakeLLMServer
from google import genai
from google.genai import errors, types
from pydantic import BaseModel

import traceops_nb
from traceops_nb import Recorder, Replayer, load_cassette
from traceops_nb.views.steps import step_columns, step_detail

FLASH = "gemini-2.5-flash"


def make_client(server: FakeLLMServer, **options: Any) -> genai.Client:
    return genai.Client(api_key=GOOGLE_TEST_KEY, http_options={"base_url": server.gemini_base_url, **options})


def lookup(query: str) -> str:
    """Look a query up."""
    return f"found {query}"


class Person(BaseModel):
    name: str
    age: int


def dump(value: Any) -> Any:
    return [item.model_dump() for item in value] if isinstance(value, list) else value.model_dump()


# -- the call paths, sync and async -----------------------------------------------------------------------


def generate(client: genai.Client) -> Any:
    return dump(client.models.generate_content(model=FLASH, contents="hello there"))


def stream(client: genai.Client) -> Any:
    return dump(list(client.models.generate_content_stream(model=FLASH, contents="stream this answer")))


def count_and_embed(client: genai.Client) -> Any:
    counted = client.models.count_tokens(model=FLASH, contents="three words here")
    return [dump(counted), dump(client.models.embed_content(model="gemini-embedding-001", contents=["a", "b"]))]


def chat_with_automatic_function_calling(client: genai.Client) -> Any:
    config = types.GenerateContentConfig(tools=[lookup], system_instruction="be brief")
    chat = client.chats.create(model=FLASH, config=config)
    return [dump(chat.send_message("find cats")), dump(list(chat.send_message_stream("and dogs")))]


def declarations_only(client: genai.Client) -> Any:
    declaration = types.FunctionDeclaration(
        name="get_weather",
        description="The weather in a city.",
        parameters_json_schema={"type": "object", "properties": {"query": {"type": "string"}}},
    )
    config = types.GenerateContentConfig(
        tools=[types.Tool(function_declarations=[declaration]), lookup],
        automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
    )
    response = client.models.generate_content(model=FLASH, contents="weather in Paris", config=config)
    assert response.function_calls is not None and response.function_calls[0].name == "get_weather"
    return dump(response)


def json_schema(client: genai.Client) -> Any:
    config = {"response_mime_type": "application/json", "response_schema": Person}
    response = client.models.generate_content(model=FLASH, contents="a person", config=config)
    assert isinstance(response.parsed, Person)
    return dump(response)


def api_error(client: genai.Client) -> Any:
    with pytest.raises(errors.ClientError) as raised:
        client.models.generate_content(model="trigger-400", contents="x")
    return [type(raised.value).__name__, raised.value.code, raised.value.status, raised.value.message]


async def agenerate(client: genai.Client) -> Any:
    return dump(await client.aio.models.generate_content(model=FLASH, contents="hello there"))


async def astream(client: genai.Client) -> Any:
    chunks = await client.aio.models.generate_content_stream(model=FLASH, contents="stream this answer")
    return [chunk.model_dump() async for chunk in chunks]


async def acount_and_embed(client: genai.Client) -> Any:
    counted = await client.aio.models.count_tokens(model=FLASH, contents="three words here")
    embedded = await client.aio.models.embed_content(model="gemini-embedding-001", contents=["a", "b"])
    return [dump(counted), dump(embedded)]


async def achat_with_automatic_function_calling(client: genai.Client) -> Any:
    config = types.GenerateContentConfig(tools=[lookup], system_instruction="be brief")
    chat = client.aio.chats.create(model=FLASH, config=config)
    first = dump(await chat.send_message("find cats"))
    return [first, [chunk.model_dump() async for chunk in await chat.send_message_stream("and dogs")]]


async def aapi_error(client: genai.Client) -> Any:
    with pytest.raises(errors.ClientError) as raised:
        await client.aio.models.generate_content(model="trigger-404", contents="x")
    return [type(raised.value).__name__, raised.value.code, raised.value.status, raised.value.message]


@dataclass(frozen=True)
class Scenario:
    run: Callable[[genai.Client], Any]
    calls: int  # HTTP requests it makes


SCENARIOS = {
    "generate_content": Scenario(generate, 1),
    "generate_content_stream": Scenario(stream, 1),
    "count_tokens_embed_content": Scenario(count_and_embed, 2),
    "chat_automatic_function_calling": Scenario(chat_with_automatic_function_calling, 4),
    "function_declarations_no_afc": Scenario(declarations_only, 1),
    "json_schema": Scenario(json_schema, 1),
    "api_error": Scenario(api_error, 1),
    "aio_generate_content": Scenario(lambda c: asyncio.run(agenerate(c)), 1),
    "aio_generate_content_stream": Scenario(lambda c: asyncio.run(astream(c)), 1),
    "aio_count_tokens_embed_content": Scenario(lambda c: asyncio.run(acount_and_embed(c)), 2),
    "aio_chat_automatic_function_calling": Scenario(lambda c: asyncio.run(achat_with_automatic_function_calling(c)), 4),
    "aio_api_error": Scenario(lambda c: asyncio.run(aapi_error(c)), 1),
}


@pytest.fixture
def no_google_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)


@pytest.mark.parametrize("fast", [True, False], ids=["fast-replay", "full-replay"])
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_records_then_replays_offline_without_a_key(
    name: str,
    fast: bool,
    server: FakeLLMServer,
    cassette_path: Path,
    offline: Any,
    no_google_keys: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRACEOPS_FAST_REPLAY", "1" if fast else "0")
    scenario = SCENARIOS[name]
    with Recorder(cassette_path, mode="rewrite") as recorder:
        recorded = scenario.run(make_client(server))
    assert len(server.requests) == scenario.calls
    assert [i.provider for i in recorder.trace.interactions] == ["google"] * scenario.calls
    base_url = server.gemini_base_url

    server.stop()
    attempts = offline()
    with Replayer(cassette_path, strict=True) as replayer:
        replayed = scenario.run(genai.Client(http_options={"base_url": base_url}))  # the placeholder key

    assert replayed == recorded  # model_dump() of every object, the response headers the SDK shows included
    assert attempts == []
    assert [i.replayed for i in replayer.trace.interactions] == [True] * scenario.calls


def test_async_calls_are_recorded_although_aiohttp_would_carry_them(server: FakeLLMServer) -> None:
    """google-genai sends client.aio calls through aiohttp when it is installed, past httpx."""
    import aiohttp  # noqa: F401  (installed with the test extra: without it this test proves nothing)

    client = make_client(server)
    assert client._api_client._use_aiohttp()
    with Recorder(mode="rewrite") as recorder:
        asyncio.run(agenerate(client))
    assert len(recorder.trace.interactions) == 1
    assert client._api_client._use_aiohttp()  # only the call in flight is kept on httpx


def test_a_retried_error_keeps_its_last_attempt_and_replays_once(server: FakeLLMServer, cassette_path: Path) -> None:
    retry = types.HttpRetryOptions(attempts=3, initial_delay=0.01, max_delay=0.02)
    config = types.GenerateContentConfig(http_options=types.HttpOptions(retry_options=retry))

    def call(client: genai.Client) -> tuple[Any, ...]:
        with pytest.raises(errors.ClientError) as raised:
            client.models.generate_content(model="trigger-429", contents="x", config=config)
        return raised.value.code, raised.value.status, raised.value.message

    with Recorder(cassette_path, mode="rewrite") as recorder:
        recorded = call(make_client(server))
    assert len(server.requests) == 3
    assert len(recorder.trace.interactions) == 1
    replay_client = make_client(server)
    server.stop()
    with Replayer(cassette_path, strict=True) as replayer:
        assert call(replay_client) == recorded == (429, "RESOURCE_EXHAUSTED", recorded[2])
    assert len(replayer.trace.interactions) == 1


def test_the_key_never_reaches_the_cassette(server: FakeLLMServer, cassette_path: Path) -> None:
    server.gemini_headers["set-cookie"] = "session=secret-cookie"
    with Recorder(cassette_path, mode="rewrite"):
        generate(make_client(server))
    assert server.requests[0]["headers"]["x-goog-api-key"] == GOOGLE_TEST_KEY
    text = cassette_path.read_text()
    assert GOOGLE_TEST_KEY not in text and "x-goog-api-key" not in text and "secret-cookie" not in text
    assert "server-timing" in text  # Google's own headers are kept: the SDK shows them


def test_a_key_in_the_query_is_redacted_and_still_matches(server: FakeLLMServer, cassette_path: Path) -> None:
    """Hand-written REST callers send the key as ?key=; httpx is what they use."""
    import httpx

    url = f"{server.url}/v1beta/models/{FLASH}:generateContent"
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    with Recorder(cassette_path, mode="rewrite") as recorder:
        live = httpx.post(url, params={"key": GOOGLE_TEST_KEY}, json=body).json()
    assert recorder.trace.interactions[0].request.query == {"key": "<redacted>"}
    assert GOOGLE_TEST_KEY not in cassette_path.read_text()
    server.stop()
    with Replayer(cassette_path, strict=True):
        assert httpx.post(url, params={"key": "another-key-entirely"}, json=body).json() == live


def test_replay_needs_no_key_and_sets_only_one_placeholder(
    cassette_path: Path, server: FakeLLMServer, no_google_keys: None, caplog: pytest.LogCaptureFixture
) -> None:
    with Recorder(cassette_path, mode="rewrite"):
        generate(make_client(server))
    with pytest.raises(ValueError, match="API key"):
        genai.Client()
    with caplog.at_level(logging.WARNING), Replayer(cassette_path):
        client = genai.Client(http_options={"base_url": server.gemini_base_url})
        assert client.models.generate_content(model=FLASH, contents="hello there").text == "echo: hello there"
    assert "Both GOOGLE_API_KEY and GEMINI_API_KEY" not in caplog.text


def test_a_changed_prompt_is_a_mismatch(server: FakeLLMServer, cassette_path: Path) -> None:
    with Recorder(cassette_path, mode="rewrite"):
        generate(make_client(server))
    replay_client = make_client(server)
    server.stop()
    with pytest.raises(traceops_nb.CassetteMismatchError) as raised, Replayer(cassette_path):
        replay_client.models.generate_content(model=FLASH, contents="hello there, again")
    assert 'contents[0].parts[0].text: "hello there" → "hello there, again"' in str(raised.value)


# -- the trace --------------------------------------------------------------------------------------------


@pytest.fixture
def agent_cassette(server: FakeLLMServer, cassette_path: Path) -> Path:
    """A chat with automatic function calling, a thinking call over a cached prompt, a count and an error."""
    client = make_client(server)
    with Recorder(cassette_path, mode="rewrite"):
        chat_with_automatic_function_calling(client)
        config = types.GenerateContentConfig(
            thinking_config=types.ThinkingConfig(thinking_budget=64), cached_content="cachedContents/abc"
        )
        client.models.generate_content(model=FLASH, contents="think about it", config=config)
        client.models.count_tokens(model=FLASH, contents="three words here")
        api_error(client)
    return cassette_path


def test_events_carry_tokens_finish_reason_tool_calls_and_inferred_tool_steps(agent_cassette: Path) -> None:
    trace = load_cassette(agent_cassette)
    assert trace.trajectory == [
        "llm:gemini-2.5-flash",
        "tool:lookup",
        "llm:gemini-2.5-flash",
        "llm:gemini-2.5-flash",
        "tool:lookup",
        "llm:gemini-2.5-flash",
        "llm:gemini-2.5-flash",
        "llm:gemini-2.5-flash",
        "error:trigger-400",
    ]
    first, tool, answer = trace.events[:3]
    assert (first.provider, first.operation, first.finish_reason) == ("google", "models.generate_content", "STOP")
    assert [(call.name, call.arguments) for call in first.tool_calls] == [("lookup", {"query": "find cats"})]
    assert (tool.inferred, tool.input, tool.output) == (True, {"query": "find cats"}, "found find cats")
    assert answer.output_text == 'final: {"result": "found find cats"}'
    assert answer.input_messages[0] == {"parts": [{"text": "be brief"}], "role": "system"}
    streamed = trace.events[5]
    assert streamed.stream and streamed.output_text == 'final: {"result": "found and dogs"}'
    thinking, counting, error = trace.events[6:]
    # promptTokenCount 3 (2 of them cached); candidates 4 ("echo: think about it") + thoughts 3
    tokens = (thinking.input_tokens, thinking.cached_tokens, thinking.output_tokens, thinking.reasoning_tokens)
    assert tokens == (3, 2, 7, 3)
    assert thinking.cost_usd == pytest.approx((1 * 0.30 + 2 * 0.03 + 7 * 2.50) / 1e6)  # gemini-2.5-flash's rates
    assert (counting.operation, counting.cost_usd) == ("models.count_tokens", 0.0)
    assert (error.kind, error.status, error.error) == ("error", 400, "Error for model 'trigger-400' (generateContent).")


def test_dataframe_and_cli_inspect_show_the_google_provider(agent_cassette: Path) -> None:
    frame = traceops_nb.to_dataframe(agent_cassette)
    llm = frame[frame.kind == "llm_call"]
    assert set(llm.provider) == {"google"} and set(llm.model) == {FLASH}
    assert frame.reasoning_tokens.sum() == 3 and frame.cached_tokens.sum() == 2
    assert frame[frame.inferred].name.tolist() == ["lookup", "lookup"]
    report = json.loads(inspect(agent_cassette, "--json"))
    assert report["trajectory"][:2] == ["llm:gemini-2.5-flash", "tool:lookup"]
    assert "llm:gemini-2.5-flash → tool:lookup → llm:gemini-2.5-flash" in inspect(agent_cassette)


def inspect(path: Path, *options: str) -> str:
    command = [sys.executable, "-m", "traceops_nb", "inspect", str(path), *options]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def test_a_widget_payload_shows_the_gemini_conversation(agent_cassette: Path) -> None:
    trace = load_cassette(agent_cassette)
    columns = step_columns(trace.events)
    assert columns["provider"][:2] == ["google", "google"]  # an inferred tool step is the provider's
    assert columns["label"][:2] == ["llm:gemini-2.5-flash", "tool:lookup"]
    detail = step_detail(trace.events[2])
    assert [(m["role"], m["text"]) for m in detail["messages"]] == [
        ("system", "be brief"),
        ("user", "find cats"),
        ("assistant", ""),
        ("tool", "found find cats"),
    ]
    assert detail["tokens"] == {"input": 8, "output": 5, "cached": 0, "reasoning": 0}


def test_switching_a_step_from_openai_to_gemini_diffs_as_a_provider_change(
    server: FakeLLMServer, tmp_path: Path
) -> None:
    from clients import make_client as sdk_client

    openai_path, gemini_path = tmp_path / "openai.yaml", tmp_path / "gemini.yaml"
    with Recorder(openai_path, mode="rewrite"):
        sdk_client("openai", server).chat.completions.create(
            model="gpt-5.4-mini",
            messages=[{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello there"}],
        )
    client = make_client(server)  # kept: a genai.Client closes its http client when collected
    with Recorder(gemini_path, mode="rewrite"):
        config = types.GenerateContentConfig(system_instruction="be brief")
        client.models.generate_content(model=FLASH, contents="hello there", config=config)
    diff = traceops_nb.diff_traces(openai_path, gemini_path)
    assert "model" in diff.changes and "prompt" not in diff.changes and "response" not in diff.changes
    assert "openai gpt-5.4-mini → google gemini-2.5-flash" in diff.summary()
    normalized = traceops_nb.normalize(load_cassette(gemini_path).events[0])
    assert [(m.role, m.text) for m in normalized.messages] == [("system", "be brief"), ("user", "hello there")]
    assert (normalized.text, normalized.stop) == ("echo: hello there", "end")


def test_normalize_takes_a_gemini_request_and_the_sdk_response(server: FakeLLMServer) -> None:
    body = {"contents": [{"role": "user", "parts": [{"text": "find cats"}]}]}
    config = types.GenerateContentConfig(
        tools=[lookup], automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True)
    )
    client = make_client(server)
    response = client.models.generate_content(model=FLASH, contents="find cats", config=config)
    call = traceops_nb.normalize(request={"model": FLASH, **body}, response=response)
    assert (call.provider, call.model, call.stop) == ("google", FLASH, "tool_calls")
    assert [(c.name, c.arguments) for c in call.tool_calls] == [("lookup", {"query": "find cats"})]


def test_a_response_field_the_sdk_does_not_know_replays_as_the_sdk_reads_it(
    server: FakeLLMServer, cassette_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fast replay validates first; an unknown field (a newer API) sends it the SDK's way, which drops it."""
    client = make_client(server)
    with Recorder(cassette_path, mode="rewrite"):
        recorded = generate(client)
    document = yaml.safe_load(cassette_path.read_text())
    document["interactions"][0]["response"]["body"]["candidates"][0]["someFutureField"] = {"x": 1}
    cassette_path.write_text(yaml.safe_dump(document, sort_keys=False))
    for fast in ("1", "0"):
        monkeypatch.setenv("TRACEOPS_FAST_REPLAY", fast)
        with Replayer(cassette_path):
            assert generate(client) == recorded


def test_a_gemini_key_anywhere_else_is_scrubbed_and_the_recording_kept(
    server: FakeLLMServer, cassette_path: Path
) -> None:
    client = make_client(server)
    with Recorder(cassette_path, mode="rewrite"):
        client.models.generate_content(model=FLASH, contents=f"my key is {GOOGLE_TEST_KEY}")
    written = cassette_path.read_text()
    assert GOOGLE_TEST_KEY not in written and "my key is <redacted:" in written


def test_generate_content_replays_before_any_http_request_and_gives_fresh_objects(
    server: FakeLLMServer, cassette_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast route answers `generate_content` (plain, streamed, async) with no request sent through the
    SDK's `_request`. What the SDK made of a recorded answer is kept from its second replay on, and each
    replay still gets a new object tree: what a caller changed in one answer never reaches the next."""
    from google.genai import _api_client

    from traceops_nb.intercept import google_fastpath

    async def astreamed(client: genai.Client) -> list[Any]:
        return [chunk async for chunk in await client.aio.models.generate_content_stream(model=FLASH, contents="hi")]

    def calls(client: genai.Client) -> list[Any]:
        return [
            client.models.generate_content(model=FLASH, contents="hello there"),
            list(client.models.generate_content_stream(model=FLASH, contents="stream this answer")),
            asyncio.run(client.aio.models.generate_content(model=FLASH, contents="hello there")),
            asyncio.run(astreamed(client)),
        ]

    with Recorder(cassette_path, mode="rewrite"):
        recorded = [dump(each) for each in calls(make_client(server))]
    sent = []
    original = _api_client.BaseApiClient._request
    original_async = _api_client.BaseApiClient._async_request

    async def async_request(self: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(args)
        return await original_async(self, *args, **kwargs)

    monkeypatch.setattr(
        _api_client.BaseApiClient, "_request", lambda self, *a, **k: sent.append(a) or original(self, *a, **k)
    )
    monkeypatch.setattr(_api_client.BaseApiClient, "_async_request", async_request)
    client = make_client(server)
    server.stop()
    monkeypatch.setattr(google_fastpath, "_ANSWERS", {})
    rounds = []
    for _ in range(2):  # the first replay keeps nothing; the second keeps what the SDK made of each chunk
        with Replayer(cassette_path, strict=True):
            rounds.append(calls(client))
    assert [answer.replays for answer in google_fastpath._ANSWERS.values()] == [2, 2, 2, 2]
    assert all(None not in answer.kept for answer in google_fastpath._ANSWERS.values())
    for first, chunks, *_ in rounds:
        first.candidates[0].content.parts[0].text = "changed by the caller"
        first.usage_metadata.total_token_count = -1
        first.candidates.append(first.candidates[0])
        chunks[0].candidates[0].content.parts.clear()
    with Replayer(cassette_path, strict=True):
        again = calls(client)
    assert [dump(each) for each in again] == recorded
    assert sent == []

    monkeypatch.setenv("TRACEOPS_FAST_REPLAY", "0")
    with Replayer(cassette_path, strict=True):
        assert [dump(each) for each in calls(client)] == recorded
    assert len(sent) == 4  # the full route: the SDK's own request, answered by layer B


def test_membership_in_an_sdk_model_answers_as_python_does_while_a_replay_builds_a_request(
    server: FakeLLMServer, cassette_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replay answers `"name" in model` at once while it builds the request (the SDK's converters ask it);
    the answer is Python's, there and everywhere else."""
    from traceops_nb.intercept import google_fastpath

    part = types.Part(text="x")
    with Recorder(cassette_path, mode="rewrite"):
        recorded = generate(make_client(server))
    asked = []
    original = google_fastpath._Route._built_request

    def building(*args: Any) -> Any:
        asked.append(["text" in part, ("text", "x") in part, ("text", "y") in part, 1 in part])
        return original(*args)

    monkeypatch.setattr(google_fastpath._Route, "_built_request", building)
    with Replayer(cassette_path):
        assert generate(make_client(server)) == recorded
    asked.append(["text" in part, ("text", "x") in part, ("text", "y") in part, 1 in part])
    assert asked == [[False, True, False, False]] * 2


# -- the Interactions API (client.interactions), as Google's cookbook uses it ---------------------------------

LIGHTS = [
    {
        "type": "function",
        "name": "enable_lights",
        "description": "Turn on the lighting system.",
        "parameters": {"type": "object", "properties": {}},
    }
]


def interactions_turns(client: genai.Client) -> list[Any]:
    """A function call, its result sent back on the same interaction chain, a turn async, a JSON answer."""
    first = client.interactions.create(model=FLASH, input="It's awful dark in here", tools=LIGHTS)
    call = next(step for step in first.steps if step.type == "function_call")
    result = {"type": "function_result", "name": call.name, "call_id": call.id, "result": "lights on"}
    second = client.interactions.create(model=FLASH, previous_interaction_id=first.id, input=[result], tools=LIGHTS)
    third = asyncio.run(client.aio.interactions.create(model=FLASH, input="Say hello", system_instruction="Be brief"))
    as_json = {"type": "text", "mime_type": "application/json", "schema": Person.model_json_schema()}
    fourth = client.interactions.create(model=FLASH, input="a person", response_format=as_json)
    assert Person.model_validate_json(fourth.steps[-1].content[0].text)
    return [first.model_dump(), second.model_dump(), third.model_dump(), fourth.model_dump()]


def test_the_interactions_api_records_and_replays_offline_with_its_steps(
    server: FakeLLMServer, cassette_path: Path, offline: Any, no_google_keys: None
) -> None:
    with Recorder(cassette_path, mode="rewrite"):
        recorded = interactions_turns(make_client(server))
    assert recorded[1]["output_text"] == "final: lights on"
    base_url = server.gemini_base_url
    server.stop()
    attempts = offline()
    with Replayer(cassette_path, strict=True) as replayer:
        assert interactions_turns(genai.Client(http_options={"base_url": base_url})) == recorded
    assert attempts == []

    trace = replayer.trace
    assert [i.operation for i in trace.interactions] == ["interactions.create"] * 4
    assert trace.trajectory == [f"llm:{FLASH}", "tool:enable_lights", *[f"llm:{FLASH}"] * 3]
    first, tool, second, third, _ = trace.events
    assert (first.provider, first.tool_calls[0].name, first.tool_calls[0].id) == ("google", "enable_lights", "call-1")
    assert tool.output == "lights on"  # the result sent back, paired with the call by its id
    assert (second.output_text, second.input_tokens, second.output_tokens) == ("final: lights on", 2, 3)
    assert third.input_messages[0] == {"role": "system", "parts": [{"text": "Be brief"}]}
    assert trace.total_tokens == sum(i["usage"]["total_tokens"] for i in recorded)
    assert GOOGLE_TEST_KEY not in cassette_path.read_text()


def test_a_streamed_interaction_replays_its_events_and_shows_its_text_and_usage(
    server: FakeLLMServer, cassette_path: Path, offline: Any, no_google_keys: None
) -> None:
    async def streamed_async(client: genai.Client) -> list[Any]:
        events = await client.aio.interactions.create(model=FLASH, input="Write a cat story", stream=True)
        return [event.model_dump() async for event in events]

    def streamed(client: genai.Client) -> list[Any]:
        events = client.interactions.create(model=FLASH, input="Tell me a story about a robot", stream=True)
        return [[event.model_dump() for event in events], asyncio.run(streamed_async(client))]

    with Recorder(cassette_path, mode="rewrite"):
        recorded = streamed(make_client(server))
    base_url = server.gemini_base_url
    server.stop()
    attempts = offline()
    with Replayer(cassette_path, strict=True) as replayer:
        assert streamed(genai.Client(http_options={"base_url": base_url})) == recorded
    assert attempts == []
    deltas = "".join(e["delta"]["text"] for e in recorded[0] if e["event_type"] == "step.delta")
    sync, async_ = replayer.trace.events
    assert (sync.output_text, async_.output_text) == (deltas, "echo: Write a cat story")
    assert [i.stream for i in replayer.trace.interactions] == [True, True]
    completed = recorded[0][-1]["interaction"]["usage"]
    assert (sync.input_tokens, sync.output_tokens) == (
        completed["total_input_tokens"],
        completed["total_output_tokens"],
    )
