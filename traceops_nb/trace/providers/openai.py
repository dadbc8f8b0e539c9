"""OpenAI interactions (chat completions, Responses, embeddings, legacy completions) as events. Pure."""

from __future__ import annotations

import re
from typing import Any

from ...cassette.interactions import Interaction
from ..event import Event, ToolCall, join_text, parts_text, tool_arguments
from .common import common_fields

# The operations read here; any other is recorded and replayed, and shown under its own name, unread.
CHAT, RESPONSES, COMPLETIONS = "chat.completions", "responses", "completions"
# Azure puts a path under its endpoint's /openai, and deployment operations under /deployments/<name>.
_AZURE_PREFIX = re.compile(r"^/openai(?=/|$)|^/deployments/[^/]+(?=/)")


def to_event(interaction: Interaction, step: int) -> Event:
    fields = common_fields(interaction, step)
    operation = interaction.operation or operation_of_path(interaction.request.path)
    fields["operation"] = operation
    request = interaction.request.body if isinstance(interaction.request.body, dict) else {}
    fields["input_messages"] = tuple(_input_messages(operation, request))
    if fields["kind"] == "llm_call":
        body = _final_body(operation, interaction)
        fields.update(_output(operation, body))
        fields.update(_usage(body.get("usage") or {}))
        if isinstance(body.get("model"), str):
            fields["model"] = body["model"]
    return Event(**fields)  # type: ignore[arg-type]


def operation_of_path(path: str) -> str:
    """The operation of a call recorded before interactions named it, from its SDK-relative path (an Azure
    one too: `/deployments/<name>/chat/completions`, a deployment client's `/openai/responses`)."""
    while True:
        stripped = _AZURE_PREFIX.sub("", path, count=1)
        if stripped == path:
            return ".".join(part for part in path.split("/") if part)
        path = stripped


def _input_messages(operation: str, request: dict[str, Any]) -> list[Any]:
    if operation in (RESPONSES, "responses.input_tokens"):
        given = request.get("input")
        items = [{"role": "user", "content": given}] if isinstance(given, str) else list(given or [])
        if request.get("instructions"):
            items.insert(0, {"role": "system", "content": request["instructions"]})
        return items
    if operation == COMPLETIONS:
        return [{"role": "user", "content": request.get("prompt")}]
    return list(request.get("messages") or []) if operation == CHAT else []


def _final_body(operation: str, interaction: Interaction) -> dict[str, Any]:
    """The response as one JSON object; a stream is folded into the object it describes."""
    response = interaction.response
    if response.events is None:
        return response.body if isinstance(response.body, dict) else {}
    payloads = [event["data"] for event in response.events if isinstance(event.get("data"), dict)]
    if operation == RESPONSES:
        done = [p for p in payloads if p.get("type") in ("response.completed", "response.incomplete")]
        return done[-1].get("response") or {} if done else {}
    return _fold_chat_chunks(payloads) if operation in (CHAT, COMPLETIONS) else {}


def _fold_chat_chunks(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    text: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    folded: dict[str, Any] = {}
    finish = None
    for chunk in chunks:
        folded.setdefault("model", chunk.get("model"))
        if chunk.get("usage"):
            folded["usage"] = chunk["usage"]
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            text.append(delta.get("content") or "")
            for call in delta.get("tool_calls") or []:
                slot = calls.setdefault(call.get("index", 0), {"function": {"name": "", "arguments": ""}})
                slot["id"] = slot.get("id") or call.get("id")
                function = call.get("function") or {}
                slot["function"]["name"] += function.get("name") or ""
                slot["function"]["arguments"] += function.get("arguments") or ""
            finish = choice.get("finish_reason") or finish
    message = {"content": join_text(text), "tool_calls": [calls[i] for i in sorted(calls)]}
    folded["choices"] = [{"message": message, "finish_reason": finish}]
    return folded


def _output(operation: str, body: dict[str, Any]) -> dict[str, Any]:
    if operation == RESPONSES:
        return _responses_output(body)
    if operation not in (CHAT, COMPLETIONS):
        return {}
    choices = body.get("choices") or [{}]
    first = choices[0]
    if operation == COMPLETIONS:
        return {"output_text": first.get("text") or "", "finish_reason": first.get("finish_reason")}
    message = first.get("message") or {}
    calls = tuple(
        ToolCall(
            name=call["function"]["name"],
            arguments=tool_arguments(call["function"].get("arguments")),
            id=call.get("id"),
        )
        for call in message.get("tool_calls") or []
        if call.get("function")
    )
    return {
        "output_text": message.get("content") or "",
        "tool_calls": calls,
        "finish_reason": first.get("finish_reason"),
    }


def _responses_output(body: dict[str, Any]) -> dict[str, Any]:
    text: list[str] = []
    calls: list[ToolCall] = []
    for item in body.get("output") or []:
        if item.get("type") == "message":
            text.extend(part.get("text") for part in item.get("content") or [] if part.get("type") == "output_text")
        elif item.get("type") == "function_call":
            calls.append(
                ToolCall(
                    name=item.get("name", ""), arguments=tool_arguments(item.get("arguments")), id=item.get("call_id")
                )
            )
    return {"output_text": join_text(text), "tool_calls": tuple(calls), "finish_reason": body.get("status")}


def _usage(usage: dict[str, Any]) -> dict[str, Any]:
    """Chat completions say prompt/completion, Responses and embeddings input/output; the details
    (cached, cache-written, reasoning) are parts of those totals."""
    input_tokens = usage.get("prompt_tokens", usage.get("input_tokens")) or 0
    output_tokens = usage.get("completion_tokens", usage.get("output_tokens")) or 0
    details = usage.get("prompt_tokens_details") or usage.get("input_tokens_details") or {}
    output_details = usage.get("completion_tokens_details") or usage.get("output_tokens_details") or {}
    return {
        "input_tokens": int(input_tokens),
        "output_tokens": int(output_tokens),
        "cached_tokens": int(details.get("cached_tokens") or 0),
        "cache_write_tokens": int(details.get("cache_write_tokens") or 0),
        "reasoning_tokens": int(output_details.get("reasoning_tokens") or 0),
        "has_usage": bool(usage),
    }


def tool_results(messages: tuple[Any, ...], wanted: set[str]) -> dict[str, Any]:
    """Chat `{"role": "tool", "tool_call_id", "content"}` messages and Responses
    `{"type": "function_call_output", "call_id", "output"}` items, by call id."""
    results: dict[str, Any] = {}
    for item in reversed(messages):
        if len(results) == len(wanted):
            break
        if not isinstance(item, dict):
            continue
        if item.get("role") == "tool" and item.get("tool_call_id") in wanted:
            results[str(item["tool_call_id"])] = parts_text(item.get("content"))
        elif item.get("type") == "function_call_output" and item.get("call_id") in wanted:
            results[str(item["call_id"])] = parts_text(item.get("output"))
    return results
