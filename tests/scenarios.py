"""Every SDK call path the engine must record and replay, written once for sync and async clients.

A scenario takes a client and returns a snapshot: plain data that includes the classes the SDK
returned, their model_dump() and request ids. Record and replay must give equal snapshots.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

import anthropic
import openai
from pydantic import BaseModel

GPT = "gpt-4o-mini"
CLAUDE = "claude-sonnet-4-6"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
    },
}
CLAUDE_WEATHER = {
    "name": "get_weather",
    "description": "Weather lookup",
    "input_schema": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
}


class City(BaseModel):
    name: str
    population: int
    kind: Literal["capital", "town"]


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


async def maybe(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def collect(stream: Any) -> list[Any]:
    if hasattr(stream, "__aiter__"):
        return [item async for item in stream]
    return list(stream)


@asynccontextmanager
async def opened(manager: Any) -> Any:
    if hasattr(manager, "__aenter__"):
        async with manager as entered:
            yield entered
    else:
        with manager as entered:
            yield entered


def snap(value: Any) -> Any:
    """Comparable plain data, keeping the class each object came back as."""
    if isinstance(value, BaseModel):
        return {
            "class": f"{type(value).__module__}.{type(value).__qualname__}",
            "dump": value.model_dump(mode="json", warnings=False),  # parsed generics warn
            "request_id": getattr(value, "_request_id", None),
        }
    if isinstance(value, list):
        return [snap(item) for item in value]
    return value


async def snap_stream(stream: Any) -> dict[str, Any]:
    return {"stream": type(stream).__name__, "items": snap(await collect(stream))}


async def snap_error(call: Callable[[], Any]) -> dict[str, Any]:
    try:
        await maybe(call())
    except (openai.APIStatusError, anthropic.APIStatusError) as error:
        return {
            "error": type(error).__name__,
            "status": error.status_code,
            "body": error.body,
            "request_id": error.request_id,
        }
    raise AssertionError("the call did not raise")


@dataclass(frozen=True)
class Scenario:
    provider: str
    run: Callable[[Any], Awaitable[Any]]
    calls: int = 1


# -- OpenAI ----------------------------------------------------------------------------------------


async def chat_create(c: Any) -> Any:
    return snap(await maybe(c.chat.completions.create(model=GPT, messages=user("plain chat"))))


async def chat_tools(c: Any) -> Any:
    return snap(await maybe(c.chat.completions.create(model=GPT, messages=user("weather in Paris"), tools=[WEATHER])))


async def chat_stream(c: Any) -> Any:
    return await snap_stream(
        await maybe(c.chat.completions.create(model=GPT, messages=user("stream this"), stream=True))
    )


async def chat_stream_usage(c: Any) -> Any:
    stream = await maybe(
        c.chat.completions.create(
            model=GPT, messages=user("stream usage"), stream=True, stream_options={"include_usage": True}
        )
    )
    return await snap_stream(stream)


async def chat_parse(c: Any) -> Any:
    completion = await maybe(c.chat.completions.parse(model=GPT, messages=user("Paris"), response_format=City))
    return {"parsed": snap(completion.choices[0].message.parsed), "completion": snap(completion)}


async def chat_stream_helper(c: Any) -> Any:
    async with opened(c.chat.completions.stream(model=GPT, messages=user("helper stream"))) as stream:
        kinds = [event.type for event in await collect(stream)]
        final = await maybe(stream.get_final_completion())
    return {"events": kinds, "final": snap(final)}


async def responses_create(c: Any) -> Any:
    return snap(await maybe(c.responses.create(model=GPT, input="tell a joke", instructions="be brief")))


async def responses_stream(c: Any) -> Any:
    return await snap_stream(await maybe(c.responses.create(model=GPT, input="stream a joke", stream=True)))


async def responses_stream_helper(c: Any) -> Any:
    async with opened(c.responses.stream(model=GPT, input="helper joke")) as stream:
        kinds = [event.type for event in await collect(stream)]
        final = await maybe(stream.get_final_response())
    return {"events": kinds, "final": snap(final), "text": final.output_text}


async def responses_parse(c: Any) -> Any:
    response = await maybe(c.responses.parse(model=GPT, input="Oslo", text_format=City))
    return {"parsed": snap(response.output_parsed), "response": snap(response)}


async def embeddings(c: Any) -> Any:
    return snap(await maybe(c.embeddings.create(model="text-embedding-3-small", input=["alpha", "beta gamma"])))


async def completions(c: Any) -> Any:
    return snap(await maybe(c.completions.create(model="gpt-3.5-turbo-instruct", prompt="once upon a time")))


async def raw_response(c: Any) -> Any:
    raw = await maybe(c.chat.completions.with_raw_response.create(model=GPT, messages=user("raw please")))
    parsed = await maybe(raw.parse())
    return {"status": raw.status_code, "request_id": raw.headers.get("x-request-id"), "parsed": snap(parsed)}


async def streaming_response(c: Any) -> Any:
    manager = c.chat.completions.with_streaming_response.create(model=GPT, messages=user("lines please"), stream=True)
    async with opened(manager) as response:
        lines = await collect(response.iter_lines())
        # JSON is stored structured and replayed compact: compare what the lines say, not their spacing.
        data = [json.loads(line[6:]) if line.startswith("data: {") else line for line in lines]
        return {"status": response.status_code, "request_id": response.headers.get("x-request-id"), "data": data}


async def openai_400(c: Any) -> Any:
    return await snap_error(lambda: c.chat.completions.create(model="trigger-400", messages=user("bad")))


async def openai_404(c: Any) -> Any:
    return await snap_error(lambda: c.chat.completions.create(model="trigger-404", messages=user("missing")))


# -- Anthropic -------------------------------------------------------------------------------------


async def messages_create(c: Any) -> Any:
    return snap(
        await maybe(c.messages.create(model=CLAUDE, max_tokens=64, system="be kind", messages=user("hello claude")))
    )


async def messages_tool_use(c: Any) -> Any:
    return snap(
        await maybe(
            c.messages.create(model=CLAUDE, max_tokens=64, messages=user("weather Rome"), tools=[CLAUDE_WEATHER])
        )
    )


async def messages_stream(c: Any) -> Any:
    return await snap_stream(
        await maybe(c.messages.create(model=CLAUDE, max_tokens=64, messages=user("go fast"), stream=True))
    )


async def messages_stream_helper(c: Any) -> Any:
    async with opened(c.messages.stream(model=CLAUDE, max_tokens=64, messages=user("stream helper"))) as stream:
        text = "".join(await collect(stream.text_stream))
        final = await maybe(stream.get_final_message())
    return {"text": text, "final": snap(final)}


async def messages_parse(c: Any) -> Any:
    message = await maybe(c.messages.parse(model=CLAUDE, max_tokens=64, messages=user("Rome"), output_format=City))
    return {"parsed": snap(message.parsed_output), "message": snap(message)}


async def count_tokens(c: Any) -> Any:
    return snap(await maybe(c.messages.count_tokens(model=CLAUDE, messages=user("three little words"))))


async def beta_messages(c: Any) -> Any:
    return snap(await maybe(c.beta.messages.create(model=CLAUDE, max_tokens=64, messages=user("beta hello"))))


async def anthropic_400(c: Any) -> Any:
    return await snap_error(lambda: c.messages.create(model="trigger-400", max_tokens=64, messages=user("bad")))


SCENARIOS: dict[str, Scenario] = {
    "chat_create": Scenario("openai", chat_create),
    "chat_tools": Scenario("openai", chat_tools),
    "chat_stream": Scenario("openai", chat_stream),
    "chat_stream_usage": Scenario("openai", chat_stream_usage),
    "chat_parse": Scenario("openai", chat_parse),
    "chat_stream_helper": Scenario("openai", chat_stream_helper),
    "responses_create": Scenario("openai", responses_create),
    "responses_stream": Scenario("openai", responses_stream),
    "responses_stream_helper": Scenario("openai", responses_stream_helper),
    "responses_parse": Scenario("openai", responses_parse),
    "embeddings": Scenario("openai", embeddings),
    "completions": Scenario("openai", completions),
    "raw_response": Scenario("openai", raw_response),
    "streaming_response": Scenario("openai", streaming_response),
    "openai_400": Scenario("openai", openai_400),
    "openai_404": Scenario("openai", openai_404),
    "messages_create": Scenario("anthropic", messages_create),
    "messages_tool_use": Scenario("anthropic", messages_tool_use),
    "messages_stream": Scenario("anthropic", messages_stream),
    "messages_stream_helper": Scenario("anthropic", messages_stream_helper),
    "messages_parse": Scenario("anthropic", messages_parse),
    "count_tokens": Scenario("anthropic", count_tokens),
    "beta_messages": Scenario("anthropic", beta_messages),
    "anthropic_400": Scenario("anthropic", anthropic_400),
}
