"""Google Gemini interactions (generateContent, its streams, countTokens, embedContent, and the Interactions
API's `interactions.create`) as events. Pure.

Gemini names the model in the path (`/v1beta/models/gemini-2.5-flash:generateContent`), sends the
conversation as `contents` of `parts`, and usually gives function calls no id: a call and the
functionResponse that answers it are paired by name (and by order, for a tool called twice at once).
The API reads request fields in camelCase or snake_case (the SDK sends the first, LiteLLM the second).
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
_SNAKE = {
    "systemInstruction": "system_instruction",
    "generateContentRequest": "generate_content_request",
    "functionCall": "function_call",
    "functionResponse": "function_response",
}


def field(source: dict[str, Any], name: str) -> Any:
    """A request field by its camelCase name, or its snake_case spelling."""
    return source.get(name, source.get(_SNAKE.get(name, name)))


def to_event(interaction: Interaction, step: int) -> Event:
    fields = common_fields(interaction, step)
    if _INTERACTIONS.search(interaction.request.path):
        return _interactions_event(interaction, fields)
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


# -- the Interactions API (client.interactions.create): steps in, steps out ------------------------------

_INTERACTIONS = re.compile(r"/interactions$")


def _interactions_event(interaction: Interaction, fields: dict[str, Any]) -> Event:
    """An Interaction as the same event a generateContent call gives: its input as Gemini contents (text
    from the user, function results as functionResponse parts), its model_output and function_call steps."""
    request = interaction.request.body if isinstance(interaction.request.body, dict) else {}
    fields["model"] = str(request.get("model") or "")
    fields["operation"] = "interactions.create"
    fields["input_messages"] = tuple(interactions_input(request))
    body = _interaction_body(interaction)
    if fields["kind"] == "llm_call":
        steps = [step for step in body.get("steps") or [] if isinstance(step, dict)]
        texts = [c.get("text") for s in steps if s.get("type") == "model_output" for c in s.get("content") or []]
        calls = [s for s in steps if s.get("type") == "function_call"]
        given = body.get("usage")
        usage: dict[str, Any] = given if isinstance(given, dict) else {}
        thoughts = int(usage.get("total_thought_tokens") or 0)
        fields.update(
            output_text=join_text([text for text in texts if isinstance(text, str)]),
            tool_calls=tuple(
                ToolCall(str(c.get("name", "")), c.get("arguments") or {}, str(c.get("id"))) for c in calls
            ),
            finish_reason=body.get("status"),
            input_tokens=int(usage.get("total_input_tokens") or 0),
            output_tokens=int(usage.get("total_output_tokens") or 0) + thoughts,
            cached_tokens=int(usage.get("total_cached_tokens") or 0),
            reasoning_tokens=thoughts,
            has_usage=bool(usage),
        )
    return Event(**fields)


def _interaction_body(interaction: Interaction) -> dict[str, Any]:
    """The Interaction; a stream's events folded into one: each step as it started, text deltas appended to
    its content, the status and usage of the last event that carries the interaction."""
    response = interaction.response
    if response.events is None:
        return response.body if isinstance(response.body, dict) else {}
    folded: dict[str, Any] = {}
    steps: dict[int, dict[str, Any]] = {}
    for event in response.events:
        data = event.get("data")
        if not isinstance(data, dict):
            continue
        kind, index = data.get("event_type"), data.get("index")
        if isinstance(data.get("interaction"), dict):
            folded.update({k: v for k, v in data["interaction"].items() if k in ("status", "usage")})
        elif kind == "step.start" and isinstance(data.get("step"), dict) and isinstance(index, int):
            steps[index] = {**data["step"], "content": list(data["step"].get("content") or [])}
        elif kind == "step.delta" and isinstance(data.get("delta"), dict) and index in steps:
            delta = data["delta"]
            if delta.get("type") == "text":
                steps[index]["content"].append({"type": "text", "text": delta.get("text", "")})
    folded["steps"] = [steps[index] for index in sorted(steps)]
    return folded


def interactions_input(request: dict[str, Any]) -> list[Any]:
    given = request.get("input")
    items = given if isinstance(given, list) else [given]
    contents: list[Any] = []
    if isinstance(request.get("system_instruction"), str):
        contents.append({"role": "system", "parts": [{"text": request["system_instruction"]}]})
    for item in items:
        if isinstance(item, str):
            contents.append({"role": "user", "parts": [{"text": item}]})
        elif isinstance(item, dict) and item.get("type") == "function_result":
            answer = {"id": item.get("call_id"), "name": item.get("name"), "response": {"result": item.get("result")}}
            contents.append({"role": "user", "parts": [{"functionResponse": answer}]})
        elif isinstance(item, dict) and item.get("type") == "text":
            contents.append({"role": "user", "parts": [{"text": item.get("text")}]})
    return contents


def input_messages(request: dict[str, Any]) -> list[Any]:
    """The contents sent, the system instruction first (as a content of role "system")."""
    request = field(request, "generateContentRequest") or request  # countTokens may wrap the request
    contents = [content for content in request.get("contents") or [] if isinstance(content, dict)]
    for embedded in request.get("requests") or []:  # batchEmbedContents
        if isinstance(embedded, dict) and isinstance(embedded.get("content"), dict):
            contents.append({"role": "user", **embedded["content"]})
    if isinstance(request.get("content"), dict):  # embedContent
        contents.append({"role": "user", **request["content"]})
    system = field(request, "systemInstruction")
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
    calls = [call for call in (field(part, "functionCall") for part in parts) if isinstance(call, dict)]
    names = _name_ids(calls)
    return tuple(
        ToolCall(str(call.get("name", "")), call.get("args") or {}, str(call.get("id") or names[i]))
        for i, call in enumerate(calls)
    )


def _name_ids(items: list[dict[str, Any]]) -> list[str]:
    """`name`, then `name#2`, `name#3` for the same tool called again in one turn."""
    seen: Counter[str] = Counter()
    ids = []
    for item in items:
        name = str(item.get("name", ""))
        seen[name] += 1
        ids.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
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
        found = [field(part, "functionResponse") for part in content.get("parts") or [] if isinstance(part, dict)]
        responses[:0] = [response for response in found if isinstance(response, dict)]
    # A framework may add ids of its own to the calls it sends back (PydanticAI does) when Gemini gave none:
    # a response answers a call by its id, or else by name.
    results = {}
    for response, name_id in zip(responses, _name_ids(responses), strict=True):
        key = next((k for k in (response.get("id"), name_id) if k is not None and str(k) in wanted), None)
        if key is not None:
            results[str(key)] = tool_result_value(response.get("response"))
    return results
