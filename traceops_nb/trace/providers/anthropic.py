"""Anthropic interactions (messages, count_tokens, beta messages) as events. Pure."""

from __future__ import annotations

import json
from typing import Any

from ...cassette.interactions import Interaction
from ..event import Event, ToolCall, join_text, parts_text
from .common import common_fields

READ = ("messages", "messages.count_tokens")  # the operations read here


def to_event(interaction: Interaction, step: int) -> Event:
    fields = common_fields(interaction, step)
    path = interaction.request.path
    operation = interaction.operation or ("messages.count_tokens" if path.endswith("/count_tokens") else "messages")
    fields["operation"] = operation
    if operation not in READ:  # recorded and replayed, shown under its own name, never read as a message
        return Event(**fields)  # type: ignore[arg-type]
    request = interaction.request.body if isinstance(interaction.request.body, dict) else {}
    messages = list(request.get("messages") or [])
    if request.get("system"):
        messages.insert(0, {"role": "system", "content": request["system"]})
    fields["input_messages"] = tuple(messages)
    if fields["kind"] == "llm_call":
        body = _final_body(interaction)
        fields.update(_output(body))
        fields.update(_usage(body.get("usage") or {}))
        if isinstance(body.get("model"), str):
            fields["model"] = body["model"]
    return Event(**fields)  # type: ignore[arg-type]


def _final_body(interaction: Interaction) -> dict[str, Any]:
    """The response as one message object; a stream is folded into the message it describes."""
    response = interaction.response
    if response.events is None:
        return response.body if isinstance(response.body, dict) else {}
    message: dict[str, Any] = {"content": [], "usage": {}}
    for event in response.events:
        data = event.get("data")
        if isinstance(data, dict):
            _fold(message, data)
    return message


def _fold(message: dict[str, Any], data: dict[str, Any]) -> None:
    kind = data.get("type")
    if kind == "message_start":
        started = data.get("message") or {}
        message.update({k: v for k, v in started.items() if k not in ("content", "usage")})
        message["usage"].update(started.get("usage") or {})
    elif kind == "content_block_start":
        message["content"].append(dict(data.get("content_block") or {}, partial_json=""))
    elif kind == "content_block_delta" and message["content"]:
        block, delta = message["content"][-1], data.get("delta") or {}
        block["text"] = block.get("text", "") + (delta.get("text") or "")
        block["partial_json"] += delta.get("partial_json") or ""
    elif kind == "message_delta":
        message.update(data.get("delta") or {})
        message["usage"].update({k: v for k, v in (data.get("usage") or {}).items() if v is not None})


def _output(body: dict[str, Any]) -> dict[str, Any]:
    blocks = body.get("content") or []
    text = join_text([block.get("text") for block in blocks if block.get("type") == "text"])
    calls = tuple(
        ToolCall(name=block.get("name", ""), arguments=_tool_input(block), id=block.get("id"))
        for block in blocks
        if block.get("type") == "tool_use"
    )
    return {"output_text": text, "tool_calls": calls, "finish_reason": body.get("stop_reason")}


def _tool_input(block: dict[str, Any]) -> Any:
    if block.get("partial_json"):
        try:
            return json.loads(block["partial_json"])
        except ValueError:
            return block["partial_json"]
    return block.get("input")


def _usage(usage: dict[str, Any]) -> dict[str, Any]:
    """Anthropic's input_tokens leave out cache reads and writes; the event's input counts them all,
    as OpenAI's does, so totals compare across providers."""
    fresh = int(usage.get("input_tokens") or 0)
    cached = int(usage.get("cache_read_input_tokens") or 0)
    written = int(usage.get("cache_creation_input_tokens") or 0)
    split = usage.get("cache_creation") or {}
    return {
        "input_tokens": fresh + cached + written,
        "output_tokens": int(usage.get("output_tokens") or 0),
        "cached_tokens": cached,
        "cache_write_tokens": written,
        "cache_write_1h_tokens": int(split.get("ephemeral_1h_input_tokens") or 0),
        "has_usage": bool(usage),
    }


def tool_results(messages: tuple[Any, ...], wanted: set[str]) -> dict[str, Any]:
    """`tool_result` blocks of the user messages, by tool_use_id."""
    results: dict[str, Any] = {}
    for message in reversed(messages):
        if len(results) == len(wanted):
            break
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else []:
            if isinstance(block, dict) and block.get("type") == "tool_result" and block.get("tool_use_id") in wanted:
                results[str(block["tool_use_id"])] = parts_text(block.get("content"))
    return results
