"""One provider-neutral shape for an LLM call: messages, tool calls, tool results, text and usage.

OpenAI chat completions, the Responses API, legacy completions, Anthropic messages and Gemini contents all come out
the same way, without what changes on every run (response, message and tool call ids, timestamps,
request ids). The diff compares calls through it, so a step moved from one provider to the other
shows as a provider / model change plus its real content differences. Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..cassette.interactions import Interaction, Request, Response, to_json
from .event import Event, ToolCall, tool_arguments
from .providers.google import tool_result_value
from .trace import event_from

ROLES = {"developer": "system", "model": "assistant"}  # OpenAI's newer system role; Gemini's assistant
# Why a model stopped, in one vocabulary: OpenAI chat, Responses, Anthropic, Gemini.
STOPS = {
    "stop": "end",
    "end_turn": "end",
    "completed": "end",
    "stop_sequence": "end",
    "tool_calls": "tool_calls",
    "tool_use": "tool_calls",
    "length": "length",
    "max_tokens": "length",
    "incomplete": "length",
    "STOP": "end",
    "MAX_TOKENS": "length",
}


@dataclass(frozen=True)
class Message:
    """role: system, user, assistant or tool (a tool result, its output as text)."""

    role: str
    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()  # requested by an assistant message
    tool_call_id: str | None = None  # the call a tool result answers (kept with ids=True only)

    def to_dict(self) -> dict[str, Any]:
        calls = [{"name": call.name, "arguments": call.arguments} for call in self.tool_calls]
        return {"role": self.role, "text": self.text, "tool_calls": calls}


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0  # every prompt token, cached ones included (Anthropic's are added up)
    output_tokens: int = 0  # reasoning included
    cached_tokens: int = 0
    reasoning_tokens: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cached_tokens": self.cached_tokens,
            "reasoning_tokens": self.reasoning_tokens,
        }


@dataclass(frozen=True)
class NormalizedCall:
    provider: str | None
    model: str | None
    operation: str
    messages: tuple[Message, ...]  # what was sent, system prompt first
    text: str  # what came back
    tool_calls: tuple[ToolCall, ...]  # what the model asked for; ids left out
    stop: str | None  # end, tool_calls, length, or the provider's own word
    usage: Usage
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "model": self.model,
            "operation": self.operation,
            "messages": [message.to_dict() for message in self.messages],
            "text": self.text,
            "tool_calls": [{"name": call.name, "arguments": call.arguments} for call in self.tool_calls],
            "stop": self.stop,
            "usage": self.usage.to_dict(),
            "error": self.error,
        }


def normalize(
    call: Interaction | Event | None = None,
    *,
    request: Any = None,
    response: Any = None,
    provider: str | None = None,
) -> NormalizedCall:
    """An LLM call in the provider-neutral shape.

    Pass a recorded Interaction or an Event (`trace.events[i]`), or the `request=` body that was sent
    (the keyword arguments of the SDK call) with the `response=` that came back (the SDK's object or
    its dict); `provider=` ("openai", "anthropic" or "google") when it cannot be told from the response.
    For Gemini, `request=` is the REST body with the model added (`{"model": ..., "contents": [...]}`).
    """
    if isinstance(call, Event):
        return from_event(call)
    if isinstance(call, Interaction):
        return from_event(event_from(call, 0))
    if call is not None:
        raise TypeError(f"expected an Interaction or an Event, not {type(call).__name__}")
    return from_event(event_from(_interaction(request, response, provider), 0))


def from_event(event: Event) -> NormalizedCall:
    stop = event.finish_reason
    stop = STOPS.get(stop, stop) if stop is not None else None
    if stop == "end" and event.tool_calls:
        stop = "tool_calls"  # Gemini ends a turn that calls tools with STOP, as it ends any other
    return NormalizedCall(
        provider=event.provider,
        model=event.model,
        operation=event.operation,
        messages=normalize_messages(event.input_messages),
        text=event.output_text,
        tool_calls=tuple(ToolCall(call.name, tool_arguments(call.arguments)) for call in event.tool_calls),
        stop=stop,
        usage=Usage(event.input_tokens, event.output_tokens, event.cached_tokens, event.reasoning_tokens),
        error=event.error,
    )


def _interaction(request: Any, response: Any, provider: str | None) -> Interaction:
    body, answer = to_json(request), _response_json(response)
    if not isinstance(body, dict) or not isinstance(answer, dict):
        raise TypeError("request= and response= must be the call's keyword arguments and its response (or dicts)")
    provider = provider or _provider_of(answer)
    if provider == "google":
        path = f"/v1beta/models/{body.pop('model', '')}:generateContent"
    else:
        path = "/v1/messages" if provider == "anthropic" else _openai_path(body, answer)
    return Interaction(provider, Request("POST", path, body=body), Response(200, body=answer))


def _response_json(response: Any) -> Any:
    """google-genai's objects dump in snake_case; the API (and a cassette) speaks camelCase, their alias."""
    if hasattr(response, "candidates") and hasattr(response, "model_dump"):
        return response.model_dump(mode="json", by_alias=True, exclude_none=True)
    return to_json(response)


def _provider_of(response: dict[str, Any]) -> str:
    if response.get("type") == "message":
        return "anthropic"
    if "candidates" in response:
        return "google"
    if response.get("object") in ("chat.completion", "response", "text_completion", "list"):
        return "openai"
    raise ValueError('cannot tell the provider from this response: pass provider="openai", "anthropic" or "google"')


def _openai_path(request: dict[str, Any], response: dict[str, Any]) -> str:
    kind = response.get("object")
    if kind == "list":
        return "/embeddings"
    if kind == "response":
        return "/responses"
    return "/completions" if kind == "text_completion" or "prompt" in request else "/chat/completions"


# -- messages -----------------------------------------------------------------------------------------------


def normalize_messages(messages: Iterable[Any], *, ids: bool = False) -> tuple[Message, ...]:
    """OpenAI chat messages, Responses input items or Anthropic messages, in one shape.

    An Anthropic user message carrying tool results becomes one tool message per result, as OpenAI
    sends them. Tool call ids are left out (they change on every run) unless `ids` is true.
    """
    return tuple(normal for message in messages for normal in normalize_message(message, ids=ids))


def normalize_message(message: Any, *, ids: bool = False) -> tuple[Message, ...]:
    if not isinstance(message, dict):
        return (Message("user", _text(message)),)
    if "parts" in message and "content" not in message:
        return _gemini_content(message, ids)
    kind = message.get("type")
    if kind == "function_call":  # Responses items
        call = _call(message.get("name"), message.get("arguments"), _id(message, "call_id", ids))
        return (Message("assistant", tool_calls=(call,)),)
    if kind == "function_call_output":
        return (Message("tool", _text(message.get("output")), tool_call_id=_id(message, "call_id", ids)),)
    if kind not in (None, "message"):
        return (Message("assistant", f"[{kind}]"),)  # reasoning and other items: named, not compared
    role = str(message.get("role") or "user")
    return _with_content(ROLES.get(role, role), message, ids)


def _with_content(role: str, message: dict[str, Any], ids: bool) -> tuple[Message, ...]:
    texts: list[str] = []
    calls: list[ToolCall] = []
    results: list[Message] = []  # Anthropic tool results arrive as blocks of a user message
    content = message.get("content")
    for block in content if isinstance(content, list) else []:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind in ("text", "input_text", "output_text"):
            texts.append(str(block.get("text", "")))
        elif kind == "tool_use":
            calls.append(_call(block.get("name"), block.get("input"), _id(block, "id", ids)))
        elif kind == "tool_result":
            answered = _id(block, "tool_use_id", ids)
            results.append(Message("tool", _text(block.get("content")), tool_call_id=answered))
        else:
            texts.append(f"[{kind}]" if kind else _text(block))
    if content is not None and not isinstance(content, list):
        texts.append(_text(content))
    for call in message.get("tool_calls") or []:
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict):
            calls.append(_call(function.get("name"), function.get("arguments"), _id(call, "id", ids)))
    if texts or calls or not results:
        results.append(Message(role, "\n".join(texts), tuple(calls), _id(message, "tool_call_id", ids)))
    return tuple(results)


def _gemini_content(content: dict[str, Any], ids: bool) -> tuple[Message, ...]:
    """A Gemini content: text parts, functionCall parts (tool calls) and functionResponse parts (one tool
    message each, as OpenAI sends them); thoughts and media are named, not compared."""
    role = str(content.get("role") or "user")
    texts: list[str] = []
    calls: list[ToolCall] = []
    results: list[Message] = []
    for part in content.get("parts") or []:
        if not isinstance(part, dict):
            continue
        if isinstance(part.get("functionCall"), dict):
            call = part["functionCall"]
            calls.append(_call(call.get("name"), call.get("args") or {}, _id(call, "id", ids)))
        elif isinstance(part.get("functionResponse"), dict):
            answer = part["functionResponse"]
            value = tool_result_value(answer.get("response"))
            results.append(Message("tool", _text(value), tool_call_id=_id(answer, "id", ids)))
        elif "text" in part:
            texts.append("[thought]" if part.get("thought") else str(part["text"]))
        else:
            texts.extend(f"[{key}]" for key in part if key not in ("thoughtSignature", "partMetadata"))
    if texts or calls or not results:
        results.append(Message(ROLES.get(role, role), "\n".join(texts), tuple(calls)))
    return tuple(results)


def _id(source: dict[str, Any], key: str, ids: bool) -> str | None:
    value = source.get(key) if ids else None
    return None if value is None else str(value)


def _call(name: Any, arguments: Any, call_id: str | None = None) -> ToolCall:
    return ToolCall(str(name), tool_arguments(arguments), call_id)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(b, dict) and b.get("type") in ("text", "input_text") for b in value):
        return "\n".join(str(block.get("text", "")) for block in value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=repr)


def render(messages: Sequence[Message]) -> list[str]:
    """Messages as text lines: `user: …`, `assistant: [tool call search {...}]`, `tool: …`."""
    return [line for message in messages for line in render_message(message)]


def render_message(message: Message) -> list[str]:
    parts = [message.text] if message.text else []
    parts.extend(f"[tool call {call.name} {_json(call.arguments)}]" for call in message.tool_calls)
    text = "\n".join(parts).splitlines() or [""]
    role = message.role
    return [f"{role}: {text[0]}", *(f"{' ' * len(role)}  {line}" for line in text[1:])]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=repr)
