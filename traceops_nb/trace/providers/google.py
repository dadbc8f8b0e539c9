"""Google Gemini interactions (generateContent, its streams, countTokens, embedContent) as events. Pure.

Gemini names the model in the path (`/v1beta/models/gemini-2.5-flash:generateContent`), sends the
conversation as `contents` of `parts`, and usually gives function calls no id: a call and the
functionResponse that answers it are paired by name (and by order, for a tool called twice at once).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from ...cassette.interactions import Interaction
from ..event import Event, ToolCall, join_text
from .common import common_fields

_PATH = re.compile(r"models/(?P<model>[^/:]+):(?P<method>[A-Za-z]+)$")
_OPERATIONS = {
    "generateContent": "models.generate_content",
    "streamGenerateContent": "models.generate_content",
    "countTokens": "models.count_tokens",
    "embedContent": "models.embed_content",
    "batchEmbedContents": "models.embed_content",
}
# The SDK wraps a Python tool's return value as {"result": value}; LangChain sends {"output": value}.
_WRAPPERS = ("result", "output")


def to_event(interaction: Interaction, step: int) -> Event:
    fields = common_fields(interaction, step)
    match = _PATH.search(interaction.request.path)
    if match is not None:
        fields["model"] = match["model"]
        fields["operation"] = _OPERATIONS.get(match["method"], f"models.{match['method']}")
    else:
        fields["operation"] = interaction.request.path.strip("/").replace("/", ".")
    request = interaction.request.body if isinstance(interaction.request.body, dict) else {}
    fields["input_messages"] = tuple(input_messages(request))
    if fields["kind"] == "llm_call":
        body = _final_body(interaction)
        fields.update(_output(body))
        fields.update(_usage(body.get("usageMetadata") or {}))
    return Event(**fields)  # type: ignore[arg-type]


def input_messages(request: dict[str, Any]) -> list[Any]:
    """The contents sent, the system instruction first (as a content of role "system")."""
    request = request.get("generateContentRequest") or request  # countTokens may wrap the request
    contents = [content for content in request.get("contents") or [] if isinstance(content, dict)]
    for embedded in request.get("requests") or []:  # batchEmbedContents
        if isinstance(embedded, dict) and isinstance(embedded.get("content"), dict):
            contents.append({"role": "user", **embedded["content"]})
    if isinstance(request.get("content"), dict):  # embedContent
        contents.append({"role": "user", **request["content"]})
    system = request.get("systemInstruction")
    if isinstance(system, dict):
        contents.insert(0, {**system, "role": "system"})
    return contents


def _final_body(interaction: Interaction) -> dict[str, Any]:
    """The response as one GenerateContentResponse; a stream's chunks are folded into it."""
    response = interaction.response
    if response.events is None:
        return response.body if isinstance(response.body, dict) else {}
    parts: list[Any] = []
    folded: dict[str, Any] = {}
    for event in response.events:
        chunk = event.get("data")
        if not isinstance(chunk, dict):
            continue
        candidate = (chunk.get("candidates") or [{}])[0]
        parts.extend((candidate.get("content") or {}).get("parts") or [])
        folded["finishReason"] = candidate.get("finishReason") or folded.get("finishReason")
        folded["usageMetadata"] = chunk.get("usageMetadata") or folded.get("usageMetadata")
    folded["candidates"] = [{"content": {"parts": parts}, "finishReason": folded.pop("finishReason")}]
    return folded


def _output(body: dict[str, Any]) -> dict[str, Any]:
    candidate = (body.get("candidates") or [{}])[0]
    parts = [part for part in (candidate.get("content") or {}).get("parts") or [] if isinstance(part, dict)]
    text = join_text([part.get("text") for part in parts if not part.get("thought")])
    return {"output_text": text, "tool_calls": tool_calls(parts), "finish_reason": candidate.get("finishReason")}


def tool_calls(parts: list[dict[str, Any]]) -> tuple[ToolCall, ...]:
    """The functionCall parts, each with its id, or its name (and its place among calls of that name)."""
    calls = [part["functionCall"] for part in parts if isinstance(part.get("functionCall"), dict)]
    ids = _pairing_ids(calls)
    return tuple(ToolCall(str(call.get("name", "")), call.get("args") or {}, ids[i]) for i, call in enumerate(calls))


def _pairing_ids(items: list[dict[str, Any]]) -> list[str]:
    seen: Counter[str] = Counter()
    ids = []
    for item in items:
        name = str(item.get("name", ""))
        seen[name] += 1
        ids.append(str(item.get("id") or (name if seen[name] == 1 else f"{name}#{seen[name]}")))
    return ids


def _usage(usage: dict[str, Any]) -> dict[str, Any]:
    """promptTokenCount includes cached tokens; thoughts are billed as output, so output includes them.
    Tokens of what built-in tools fetched (toolUsePromptTokenCount) are input."""
    thoughts = int(usage.get("thoughtsTokenCount") or 0)
    return {
        "input_tokens": int(usage.get("promptTokenCount") or 0) + int(usage.get("toolUsePromptTokenCount") or 0),
        "output_tokens": int(usage.get("candidatesTokenCount") or 0) + thoughts,
        "cached_tokens": int(usage.get("cachedContentTokenCount") or 0),
        "reasoning_tokens": thoughts,
        "has_usage": bool(usage),
    }


def tool_result_value(response: Any) -> Any:
    """A functionResponse's response, without the wrapper the SDK or a framework put around the value."""
    if isinstance(response, dict) and len(response) == 1:
        key = next(iter(response))
        if key in _WRAPPERS:
            return response[key]
    return response


def tool_results(messages: tuple[Any, ...], wanted: set[str]) -> dict[str, Any]:
    """The functionResponse parts sent after the model's last turn, by call id (or paired name)."""
    responses: list[dict[str, Any]] = []
    for content in reversed(messages):
        if not isinstance(content, dict) or content.get("role") == "model":
            break
        found = [part["functionResponse"] for part in content.get("parts") or [] if _is_response(part)]
        responses[:0] = found
    ids = _pairing_ids(responses)
    return {ids[i]: tool_result_value(r.get("response")) for i, r in enumerate(responses) if ids[i] in wanted}


def _is_response(part: Any) -> bool:
    return isinstance(part, dict) and isinstance(part.get("functionResponse"), dict)
