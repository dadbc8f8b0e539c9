"""The fake LLM server, driven by the REAL openai and anthropic SDKs.

Every test also fails if the SDKs emit any warning (see `no_warnings`), which is how a
response shape the SDK only half understands (pydantic serializer warnings) shows up.
"""

from __future__ import annotations

import asyncio
import json
import warnings
from collections.abc import Iterator
from typing import Any, Literal

import anthropic
import openai
import pytest
from anthropic.types import Message, RawMessageStreamEvent
from fakellm import FakeLLMServer, ToolCall  # same import as conftest.py (tests/ is not a package)
from openai.types.chat import ChatCompletion
from openai.types.responses import Response, ResponseStreamEvent
from pydantic import BaseModel, TypeAdapter

GPT = "gpt-4o-mini"
CLAUDE = "claude-sonnet-4-6"  # current in anthropic 2.14: no deprecation warning
WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
    },
}
LOOKUP_TOOL: Any = {
    "type": "function",
    "name": "lookup",
    "strict": False,
    "parameters": {"type": "object", "properties": {}},
}  # Responses-API tool shape
CLAUDE_TOOL: Any = {
    "name": "get_weather",
    "description": "Weather lookup",
    "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}},
}


class Address(BaseModel):
    city: str
    zip_code: int


class Person(BaseModel):
    name: str
    age: int
    height: float
    active: bool
    tags: list[str]
    address: Address
    mood: Literal["happy", "sad"]
    nickname: str | None = None


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as fake:
        yield fake


@pytest.fixture(autouse=True)
def no_warnings() -> Iterator[None]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    assert [str(w.message) for w in caught] == []


@pytest.fixture
def oai(server: FakeLLMServer) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(api_key="test-key", base_url=server.openai_base_url, max_retries=0) as client:
        yield client


@pytest.fixture
def claude(server: FakeLLMServer) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(api_key="test-key", base_url=server.anthropic_base_url, max_retries=0) as client:
        yield client


def user(text: str) -> list[Any]:
    return [{"role": "user", "content": text}]


def assert_person(person: Any, text: str) -> None:
    assert isinstance(person, Person)
    assert (person.name, person.age, person.height, person.active) == (text, 1, 1.5, True)
    assert person.tags == [text] and person.address == Address(city=text, zip_code=1) and person.mood == "happy"


# --------------------------------------------------------------------------- server basics


def test_lifecycle_and_request_log() -> None:
    fake = FakeLLMServer().start()
    assert fake.url.startswith("http://127.0.0.1:") and fake.openai_base_url == fake.url + "/v1"
    assert fake.anthropic_base_url == fake.url
    client = openai.OpenAI(api_key="test-key", base_url=fake.openai_base_url, max_retries=0)
    client.chat.completions.create(model=GPT, messages=user("log me"), extra_query={"trace": "1"})
    [record] = fake.requests
    assert (record["method"], record["path"], record["query"]) == ("POST", "/v1/chat/completions", {"trace": "1"})
    assert record["headers"]["authorization"] == "Bearer test-key"
    assert record["json"]["messages"] == user("log me")
    fake.stop()
    fake.stop()  # idempotent
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model=GPT, messages=user("gone"))
    client.close()


def test_unknown_path_is_openai_404(oai: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        oai.batches.list()
    assert info.value.status_code == 404
    assert set(info.value.response.json()["error"]) == {"message", "type", "param", "code"}


def sse_payloads(lines: Iterator[str]) -> list[Any]:
    return [json.loads(line[6:]) for line in lines if line.startswith("data: {")]


def test_raw_bodies_validate_against_sdk_models(oai: openai.OpenAI, claude: anthropic.Anthropic) -> None:
    """The SDKs build response objects without validating; strict validation proves the shapes exact."""
    raw = oai.chat.completions.with_raw_response.create(model=GPT, messages=user("v"), tools=[WEATHER_TOOL])
    ChatCompletion.model_validate(raw.http_response.json())
    Response.model_validate(oai.responses.with_raw_response.create(model=GPT, input="v").http_response.json())
    raw_message = claude.messages.with_raw_response.create(model=CLAUDE, max_tokens=9, messages=user("v"))
    Message.model_validate(raw_message.http_response.json())
    with oai.responses.with_streaming_response.create(model=GPT, input="v", stream=True, tools=[LOOKUP_TOOL]) as resp:
        events = sse_payloads(resp.iter_lines())
    assert "response.function_call_arguments.done" in [e["type"] for e in events]
    for event in events:
        TypeAdapter(ResponseStreamEvent).validate_python(event)
    with claude.messages.with_streaming_response.create(
        model=CLAUDE, max_tokens=9, messages=user("v"), tools=[CLAUDE_TOOL], stream=True
    ) as resp:
        events = sse_payloads(resp.iter_lines())
    assert events[2] == {"type": "ping"}
    for event in events[:2] + events[3:]:
        TypeAdapter(RawMessageStreamEvent).validate_python(event)


# --------------------------------------------------------------------------- OpenAI chat completions


def test_chat_create_plain(oai: openai.OpenAI) -> None:
    completion = oai.chat.completions.create(
        model=GPT, messages=[{"role": "system", "content": "be brief"}, *user("hello big world")]
    )
    choice = completion.choices[0]
    assert choice.message.content == "echo: hello big world" and choice.finish_reason == "stop"
    assert (completion.id, completion.created, completion.model) == ("chatcmpl-fake-1", 1700000000, GPT)
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens, completion.usage.total_tokens) == (
        5,
        4,
        9,
    )


def test_chat_create_with_tools_then_tool_result(oai: openai.OpenAI) -> None:
    first = oai.chat.completions.create(model=GPT, messages=user("weather in Paris"), tools=[WEATHER_TOOL])
    message = first.choices[0].message
    assert first.choices[0].finish_reason == "tool_calls" and message.content is None
    [call] = message.tool_calls or []
    assert call.type == "function" and call.id == "call_fake_1"
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"query": "weather in Paris"}

    history = [
        *user("weather in Paris"),
        message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "sunny"},
    ]
    second = oai.chat.completions.create(model=GPT, messages=history, tools=[WEATHER_TOOL])
    assert second.choices[0].message.content == "final: sunny" and second.choices[0].finish_reason == "stop"


def test_chat_stream_without_usage(oai: openai.OpenAI, server: FakeLLMServer) -> None:
    chunks = list(oai.chat.completions.create(model=GPT, messages=user("stream me now"), stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "echo: stream me now"
    assert len(chunks) == 1 + 4 + 1  # role, one per word, finish
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.usage is None and c.object == "chat.completion.chunk" for c in chunks)
    assert server.requests[0]["json"]["stream"] is True


def test_chat_stream_with_usage(oai: openai.OpenAI) -> None:
    chunks = list(
        oai.chat.completions.create(
            model=GPT, messages=user("count these words"), stream=True, stream_options={"include_usage": True}
        )
    )
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert (chunks[-1].usage.prompt_tokens, chunks[-1].usage.completion_tokens) == (3, 4)
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert "".join(c.choices[0].delta.content or "" for c in chunks[:-1]) == "echo: count these words"


def test_chat_stream_tool_call(oai: openai.OpenAI) -> None:
    chunks = list(
        oai.chat.completions.create(model=GPT, messages=user("rain in Oslo"), tools=[WEATHER_TOOL], stream=True)
    )
    calls = [tc for c in chunks if c.choices for tc in c.choices[0].delta.tool_calls or []]
    assert calls[0].id == "call_fake_1" and calls[0].function and calls[0].function.name == "get_weather"
    arguments = "".join(tc.function.arguments or "" for tc in calls if tc.function)
    assert json.loads(arguments) == {"query": "rain in Oslo"}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


# --------------------------------------------------------------------------- scripted replies and tool calls


def function_tool(name: str, **properties: str) -> Any:
    schema = {"type": "object", "properties": {key: {"type": kind} for key, kind in properties.items()}}
    return {"type": "function", "function": {"name": name, "parameters": schema}}


AGENT_TOOLS = [function_tool("get_weather", city="string"), function_tool("to_fahrenheit", celsius="number")]
AGENT_SCRIPT: dict[str, Any] = {
    "Oslo weather in Fahrenheit?": ToolCall("get_weather", {"city": "Oslo"}),
    "4 C, light rain": ToolCall("to_fahrenheit", {"celsius": 4}),
    "39.2": "Oslo: 39.2 F, light rain.",
}


def test_scripted_tool_calls_drive_a_chat_agent_loop(oai: openai.OpenAI, server: FakeLLMServer) -> None:
    server.replies.update(AGENT_SCRIPT)
    results = {"get_weather": "4 C, light rain", "to_fahrenheit": "39.2"}
    messages: list[Any] = user("Oslo weather in Fahrenheit?")
    calls = []
    for _ in range(5):
        completion = oai.chat.completions.create(model=GPT, messages=messages, tools=AGENT_TOOLS)
        message = completion.choices[0].message
        if not message.tool_calls:
            break
        messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls:
            assert call.type == "function"
            calls.append((call.function.name, json.loads(call.function.arguments)))
            messages.append({"role": "tool", "tool_call_id": call.id, "content": results[call.function.name]})
    # The second call is to the second tool: the script, not "the first tool offered", decides.
    assert calls == [("get_weather", {"city": "Oslo"}), ("to_fahrenheit", {"celsius": 4})]
    assert message.content == "Oslo: 39.2 F, light rain." and completion.choices[0].finish_reason == "stop"
    assert len(server.requests) == 3

    # Streamed, the scripted call arrives as tool-call deltas.
    chunks = list(oai.chat.completions.create(model=GPT, messages=messages[:3], tools=AGENT_TOOLS, stream=True))
    deltas = [tc for c in chunks if c.choices for tc in c.choices[0].delta.tool_calls or []]
    assert deltas[0].function is not None and deltas[0].function.name == "to_fahrenheit"
    assert json.loads("".join(d.function.arguments or "" for d in deltas if d.function)) == {"celsius": 4}


def test_scripted_tool_call_needs_tools_offered(oai: openai.OpenAI, server: FakeLLMServer) -> None:
    server.replies.update(AGENT_SCRIPT)
    prompt = "Oslo weather in Fahrenheit?"
    no_tools = oai.chat.completions.create(model=GPT, messages=user(prompt))
    assert no_tools.choices[0].message.content == f"echo: {prompt}"
    refused = oai.chat.completions.create(model=GPT, messages=user(prompt), tools=AGENT_TOOLS, tool_choice="none")
    assert refused.choices[0].message.content == f"echo: {prompt}"


def test_scripted_text_reply_with_tools_still_calls_the_first_tool(oai: openai.OpenAI, server: FakeLLMServer) -> None:
    server.replies["weather in Rome"] = "It is hot in Rome."
    first = oai.chat.completions.create(model=GPT, messages=user("weather in Rome"), tools=[WEATHER_TOOL])
    [call] = first.choices[0].message.tool_calls or []
    assert call.type == "function" and json.loads(call.function.arguments) == {"query": "weather in Rome"}
    assert oai.chat.completions.create(model=GPT, messages=user("weather in Rome")).choices[0].message.content == (
        "It is hot in Rome."
    )


def test_scripted_tool_calls_in_anthropic_and_responses(
    oai: openai.OpenAI, claude: anthropic.Anthropic, server: FakeLLMServer
) -> None:
    server.replies.update(AGENT_SCRIPT)
    tools: Any = [
        {"name": "get_weather", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}},
        {"name": "to_fahrenheit", "input_schema": {"type": "object", "properties": {"celsius": {"type": "number"}}}},
    ]
    history: list[Any] = user("Oslo weather in Fahrenheit?")
    with claude.messages.stream(model=CLAUDE, max_tokens=100, messages=history, tools=tools) as stream:
        first = stream.get_final_message()
    block = first.content[0]
    assert block.type == "tool_use" and (block.name, block.input) == ("get_weather", {"city": "Oslo"})
    result = {"type": "tool_result", "tool_use_id": block.id, "content": "4 C, light rain"}
    history += [first.to_param(), {"role": "user", "content": [result]}]
    second = claude.messages.create(model=CLAUDE, max_tokens=100, messages=history, tools=tools)
    block = second.content[0]
    assert block.type == "tool_use" and (block.name, block.input) == ("to_fahrenheit", {"celsius": 4})

    responses_tools: Any = [{**tool["function"], "type": "function", "strict": False} for tool in AGENT_TOOLS]
    response = oai.responses.create(model=GPT, input="Oslo weather in Fahrenheit?", tools=responses_tools)
    item = response.output[0]
    assert item.type == "function_call" and (item.name, json.loads(item.arguments)) == ("get_weather", {"city": "Oslo"})
    output = {"type": "function_call_output", "call_id": item.call_id, "output": "39.2"}
    final = oai.responses.create(
        model=GPT,
        input=[*user("Oslo weather in Fahrenheit?"), item.model_dump(exclude_none=True), output],
        tools=responses_tools,
    )
    assert final.output_text == "Oslo: 39.2 F, light rain."


def test_chat_parse_pydantic(oai: openai.OpenAI, server: FakeLLMServer) -> None:
    completion = oai.chat.completions.parse(model=GPT, messages=user("describe Ada"), response_format=Person)
    parsed = completion.choices[0].message.parsed
    assert_person(parsed, "echo: describe Ada")
    assert parsed is not None and parsed.nickname == "echo: describe Ada"  # strict schema: all fields required
    assert server.requests[0]["json"]["response_format"]["type"] == "json_schema"


def test_chat_stream_helper(oai: openai.OpenAI) -> None:
    with oai.chat.completions.stream(model=GPT, messages=user("helper stream")) as stream:
        deltas = [e.delta for e in stream if e.type == "content.delta"]
        final = stream.get_final_completion()
    assert "".join(deltas) == "echo: helper stream"
    assert final.choices[0].message.content == "echo: helper stream"
    with oai.chat.completions.stream(model=GPT, messages=user("Grace"), response_format=Person) as stream:
        assert_person(stream.get_final_completion().choices[0].message.parsed, "echo: Grace")


# --------------------------------------------------------------------------- OpenAI responses


def test_responses_create_plain(oai: openai.OpenAI) -> None:
    response = oai.responses.create(model=GPT, input="tell me a joke", instructions="be funny")
    assert response.output_text == "echo: tell me a joke" and response.status == "completed"
    assert response.id == "resp_fake_1" and response.output[0].type == "message"
    assert response.usage is not None
    assert (response.usage.input_tokens, response.usage.output_tokens, response.usage.total_tokens) == (6, 5, 11)
    assert response.usage.input_tokens_details.cached_tokens == 0


def test_responses_retrieve_returns_the_response_made(oai: openai.OpenAI) -> None:
    """OpenAI's Responses cookbook prints `client.responses.retrieve(response_id=response.id)`'s text."""
    made = oai.responses.create(model="gpt-5.4-mini", input="tell me a joke")
    fetched = oai.responses.retrieve(response_id=made.id)
    assert fetched.id == made.id and fetched.output_text == made.output_text == "echo: tell me a joke"


def test_responses_input_items_and_function_call(oai: openai.OpenAI) -> None:
    items: list[Any] = [{"role": "user", "content": [{"type": "input_text", "text": "find Bob"}]}]
    first = oai.responses.create(model=GPT, input=items, tools=[LOOKUP_TOOL])
    call = first.output[0]
    assert call.type == "function_call" and call.name == "lookup"
    assert json.loads(call.arguments) == {"query": "find Bob"}
    items += [
        call.model_dump(exclude_none=True),
        {"type": "function_call_output", "call_id": call.call_id, "output": "Bob is here"},
    ]
    second = oai.responses.create(model=GPT, input=items, tools=[LOOKUP_TOOL])
    assert second.output_text == "final: Bob is here"


def test_responses_create_stream(oai: openai.OpenAI) -> None:
    events = list(oai.responses.create(model=GPT, input="one two", stream=True))
    assert [e.type for e in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == "echo: one two"
    completed = events[-1]
    assert completed.type == "response.completed" and completed.response.output_text == "echo: one two"


def test_responses_stream_helper(oai: openai.OpenAI) -> None:
    with oai.responses.stream(model=GPT, input="helper please") as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == final.output_text == "echo: helper please"
    with oai.responses.stream(model=GPT, input="Linus", text_format=Person) as stream:
        assert_person(stream.get_final_response().output_parsed, "echo: Linus")


def test_responses_parse(oai: openai.OpenAI, server: FakeLLMServer) -> None:
    response = oai.responses.parse(model=GPT, input="describe Alan", text_format=Person)
    assert_person(response.output_parsed, "echo: describe Alan")
    assert server.requests[0]["json"]["text"]["format"]["type"] == "json_schema"


# --------------------------------------------------------------------------- OpenAI embeddings, completions


def test_embeddings(oai: openai.OpenAI) -> None:
    default = oai.embeddings.create(model="text-embedding-3-small", input=["alpha", "beta gamma"])
    floats = oai.embeddings.create(model="text-embedding-3-small", input="alpha", encoding_format="float")
    assert [d.index for d in default.data] == [0, 1] and len(default.data[0].embedding) == 8
    # The SDK asks for base64 by default and decodes it; the decoded vector matches the float one.
    assert default.data[0].embedding == floats.data[0].embedding
    assert default.data[0].embedding != default.data[1].embedding
    assert (default.usage.prompt_tokens, default.usage.total_tokens) == (3, 3)


def test_legacy_completions(oai: openai.OpenAI) -> None:
    completion = oai.completions.create(model="gpt-3.5-turbo-instruct", prompt="once upon")
    assert completion.object == "text_completion" and completion.choices[0].text == "echo: once upon"
    assert completion.usage is not None and completion.usage.prompt_tokens == 2


# --------------------------------------------------------------------------- OpenAI raw responses, errors, retries


def test_with_raw_response_headers(oai: openai.OpenAI) -> None:
    raw = oai.chat.completions.with_raw_response.create(model=GPT, messages=user("raw"))
    assert raw.headers["x-request-id"] == "req_fake_1"
    assert raw.headers["set-cookie"] == "session=secret-cookie"
    assert raw.headers["openai-organization"] == "org-secret"
    assert raw.parse().choices[0].message.content == "echo: raw"


def test_with_streaming_response(oai: openai.OpenAI) -> None:
    with oai.chat.completions.with_streaming_response.create(model=GPT, messages=user("lines"), stream=True) as resp:
        assert resp.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in resp.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    assert json.loads(lines[0].removeprefix("data: "))["object"] == "chat.completion.chunk"


@pytest.mark.parametrize(
    ("model", "error"),
    [
        ("trigger-400", openai.BadRequestError),
        ("trigger-404", openai.NotFoundError),
        ("trigger-429", openai.RateLimitError),
    ],
)
def test_openai_errors(server: FakeLLMServer, model: str, error: type[openai.APIStatusError]) -> None:
    client = openai.OpenAI(api_key="test-key", base_url=server.openai_base_url, max_retries=2)
    with pytest.raises(error) as info:
        client.chat.completions.create(model=model, messages=user("boom"))
    assert info.value.status_code == int(model[-3:])
    assert info.value.response.headers["x-should-retry"] == "false"
    assert len(server.requests) == 1  # x-should-retry: false stops the SDK from retrying even a 429
    assert isinstance(info.value.body, dict) and "trigger" in info.value.body["message"]


def test_openai_retry_after_500(server: FakeLLMServer) -> None:
    server.fail_next(500)
    client = openai.OpenAI(api_key="test-key", base_url=server.openai_base_url, max_retries=2)
    completion = client.chat.completions.create(model=GPT, messages=user("retry me"))
    assert completion.choices[0].message.content == "echo: retry me"
    assert len(server.requests) == 2
    assert [r["headers"]["x-stainless-retry-count"] for r in server.requests] == ["0", "1"]


def test_fail_next_exhausts_retries(server: FakeLLMServer) -> None:
    server.fail_next(503, times=5)
    client = openai.OpenAI(api_key="test-key", base_url=server.openai_base_url, max_retries=1)
    with pytest.raises(openai.InternalServerError) as info:
        client.chat.completions.create(model=GPT, messages=user("down"))
    assert info.value.status_code == 503 and "x-should-retry" not in info.value.response.headers
    assert len(server.requests) == 2


def test_async_openai(server: FakeLLMServer) -> None:
    async def run() -> tuple[str | None, str]:
        async with openai.AsyncOpenAI(api_key="test-key", base_url=server.openai_base_url, max_retries=0) as client:
            completion = await client.chat.completions.create(model=GPT, messages=user("async hi"))
            stream = await client.chat.completions.create(model=GPT, messages=user("async stream"), stream=True)
            text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
            return completion.choices[0].message.content, text

    assert asyncio.run(run()) == ("echo: async hi", "echo: async stream")


# --------------------------------------------------------------------------- Anthropic


def test_messages_create_plain(claude: anthropic.Anthropic) -> None:
    message = claude.messages.create(
        model=CLAUDE,
        max_tokens=100,
        system="be nice",
        messages=[{"role": "user", "content": [{"type": "text", "text": "hi Claude"}]}],
    )
    assert message.content[0].type == "text" and message.content[0].text == "echo: hi Claude"
    assert (message.id, message.stop_reason, message.model) == ("msg_fake_1", "end_turn", CLAUDE)
    assert (message.usage.input_tokens, message.usage.output_tokens) == (4, 3)
    assert message.usage.cache_read_input_tokens == 0


def test_a_tool_whose_schema_has_no_query_is_called_with_arguments_for_its_schema(
    oai: openai.OpenAI, claude: anthropic.Anthropic
) -> None:
    """Anthropic's calculator cookbook reads tool_input["expression"]: arguments follow the tool's own schema."""
    schema = {
        "type": "object",
        "properties": {"expression": {"type": "string"}, "precision": {"type": "integer"}},
        "required": ["expression"],
    }
    message = claude.messages.create(
        model=CLAUDE, max_tokens=100, messages=user("2 + 3"), tools=[{"name": "calculator", "input_schema": schema}]
    )
    assert message.content[0].type == "tool_use" and message.content[0].input == {"expression": "2 + 3"}
    chat = oai.chat.completions.create(
        model=GPT,
        messages=user("2 + 3"),
        tools=[{"type": "function", "function": {"name": "calc", "parameters": schema}}],
    )
    [call] = chat.choices[0].message.tool_calls or []
    assert json.loads(call.function.arguments) == {"expression": "2 + 3"}
    response = oai.responses.create(
        model=GPT, input="2 + 3", tools=[{"type": "function", "name": "calc", "parameters": schema, "strict": False}]
    )
    assert json.loads(response.output[0].arguments) == {"expression": "2 + 3"}  # type: ignore[union-attr]


def test_messages_tool_use_then_result(claude: anthropic.Anthropic) -> None:
    first = claude.messages.create(model=CLAUDE, max_tokens=100, messages=user("weather Rome"), tools=[CLAUDE_TOOL])
    block = first.content[0]
    assert first.stop_reason == "tool_use" and block.type == "tool_use"
    assert (block.id, block.name, block.input) == ("toolu_fake_1", "get_weather", {"query": "weather Rome"})
    result = {"type": "tool_result", "tool_use_id": block.id, "content": [{"type": "text", "text": "hot"}]}
    second = claude.messages.create(
        model=CLAUDE,
        max_tokens=100,
        tools=[CLAUDE_TOOL],
        messages=[*user("weather Rome"), first.to_param(), {"role": "user", "content": [result]}],
    )
    assert second.content[0].type == "text" and second.content[0].text == "final: hot"


def test_messages_create_stream(claude: anthropic.Anthropic) -> None:
    events = list(claude.messages.create(model=CLAUDE, max_tokens=100, messages=user("go fast"), stream=True))
    types = [e.type for e in events]
    assert types == ["message_start", "content_block_start"] + ["content_block_delta"] * 3 + [
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]  # the SDK drops `ping`
    text = "".join(e.delta.text for e in events if e.type == "content_block_delta" and e.delta.type == "text_delta")
    assert text == "echo: go fast"
    delta = events[-2]
    assert delta.type == "message_delta" and delta.delta.stop_reason == "end_turn" and delta.usage.output_tokens == 3


def test_messages_stream_helper(claude: anthropic.Anthropic) -> None:
    with claude.messages.stream(model=CLAUDE, max_tokens=100, messages=user("stream helper")) as stream:
        texts = list(stream.text_stream)
        final = stream.get_final_message()
    assert "".join(texts) == "echo: stream helper" and len(texts) == 3
    assert final.content[0].type == "text" and final.content[0].text == "echo: stream helper"
    assert (final.usage.input_tokens, final.usage.output_tokens, final.stop_reason) == (2, 3, "end_turn")
    with claude.messages.stream(model=CLAUDE, max_tokens=100, messages=user("use tool"), tools=[CLAUDE_TOOL]) as stream:
        tool_message = stream.get_final_message()
    assert tool_message.content[0].type == "tool_use" and tool_message.content[0].input == {"query": "use tool"}


def test_messages_parse(claude: anthropic.Anthropic, server: FakeLLMServer) -> None:
    message = claude.messages.parse(model=CLAUDE, max_tokens=100, messages=user("describe Ada"), output_format=Person)
    assert_person(message.parsed_output, "echo: describe Ada")
    assert message.parsed_output is not None and message.parsed_output.nickname is None  # not required: omitted
    assert server.requests[0]["json"]["output_config"]["format"]["type"] == "json_schema"


def test_responses_input_tokens_count(oai: openai.OpenAI, server: FakeLLMServer) -> None:
    count = oai.responses.input_tokens.count(model=GPT, input="three little words")
    assert count.input_tokens == 3
    assert server.requests[0]["path"] == "/v1/responses/input_tokens"


def test_count_tokens(claude: anthropic.Anthropic, server: FakeLLMServer) -> None:
    count = claude.messages.count_tokens(model=CLAUDE, messages=user("three little words"))
    assert count.input_tokens == 3
    assert server.requests[0]["path"] == "/v1/messages/count_tokens"


def test_beta_messages_create(claude: anthropic.Anthropic, server: FakeLLMServer) -> None:
    message = claude.beta.messages.create(
        model=CLAUDE, max_tokens=100, messages=user("beta hello"), betas=["fake-beta-2025"]
    )
    assert message.content[0].type == "text" and message.content[0].text == "echo: beta hello"
    assert server.requests[0]["headers"]["anthropic-beta"] == "fake-beta-2025"
    # anthropic 2.14 no longer adds `?beta=true`; older SDKs did, so the server must still accept it.
    again = claude.beta.messages.create(
        model=CLAUDE, max_tokens=100, messages=user("beta query"), extra_query={"beta": "true"}
    )
    assert again.content[0].type == "text" and again.content[0].text == "echo: beta query"
    assert (server.requests[1]["path"], server.requests[1]["query"]) == ("/v1/messages", {"beta": "true"})


def test_anthropic_headers(claude: anthropic.Anthropic) -> None:
    raw = claude.messages.with_raw_response.create(model=CLAUDE, max_tokens=100, messages=user("headers"))
    assert raw.headers["request-id"] == "req_fake_1" and "x-request-id" not in raw.headers
    assert raw.headers["set-cookie"] == "session=secret-cookie"
    assert raw.parse().content[0].type == "text"


def test_anthropic_bad_request(claude: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError) as info:
        claude.messages.create(model="trigger-400", max_tokens=100, messages=user("boom"))
    assert info.value.status_code == 400 and info.value.response.headers["x-should-retry"] == "false"
    assert info.value.body == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": "Error triggered by model 'trigger-400'."},
    }


def test_anthropic_retry_after_500(server: FakeLLMServer) -> None:
    server.fail_next(500)
    client = anthropic.Anthropic(api_key="test-key", base_url=server.anthropic_base_url, max_retries=2)
    message = client.messages.create(model=CLAUDE, max_tokens=100, messages=user("again"))
    assert message.content[0].type == "text" and message.content[0].text == "echo: again"
    assert len(server.requests) == 2


def test_async_anthropic(server: FakeLLMServer) -> None:
    async def run() -> tuple[str, str]:
        async with anthropic.AsyncAnthropic(
            api_key="test-key", base_url=server.anthropic_base_url, max_retries=0
        ) as client:
            message = await client.messages.create(model=CLAUDE, max_tokens=100, messages=user("async hi"))
            async with client.messages.stream(model=CLAUDE, max_tokens=100, messages=user("async s")) as stream:
                text = "".join([t async for t in stream.text_stream])
            block = message.content[0]
            return (block.text if block.type == "text" else ""), text

    assert asyncio.run(run()) == ("echo: async hi", "echo: async s")
