"""A step, viewed: the one-line summary columns and totals, a step's full detail, and its text description.

Shared by the CLI, the widgets and the HTML report. Pure functions of events; JSON-ready values only.
Costs that are unknown are None, never 0.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from ..trace import Event, Trace, format_cost
from ..trace.normalize import Message, normalize_messages
from ..trace.unknowns import notes, usage_unknown

# The per-step summary, sent as columns (one list per field): a 10,000-step trace stays a few hundred KB.
SUMMARY_FIELDS = (
    "step",
    "kind",
    "label",
    "provider",
    "model",
    "name",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "duration_ms",
    "error",
)
# Sent only by a trajectory that marks replayed and live steps (a new_episodes run): True when the step
# was served from the cassette, False when it went live.
REPLAYED_FIELD = "replayed"


def known(cost: float | None) -> float | None:
    return None if cost is None or math.isnan(cost) else cost


def step_columns(events: Sequence[Event], *, replayed: bool = False) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {
        "step": [event.step for event in events],
        "kind": [event.kind for event in events],
        "label": [event.label for event in events],
        "provider": [event.provider for event in events],
        "model": [event.model for event in events],
        "name": [event.name for event in events],
        "input_tokens": [None if usage_unknown(event) else event.input_tokens for event in events],
        "output_tokens": [None if usage_unknown(event) else event.output_tokens for event in events],
        "cost_usd": [known(event.cost_usd) for event in events],
        "duration_ms": [round(event.duration_ms, 1) for event in events],
        "error": [event.error is not None for event in events],
    }
    if replayed:
        columns[REPLAYED_FIELD] = [event.replayed for event in events]
    return columns


def totals(trace: Trace) -> dict[str, Any]:
    llm_calls = trace.llm_calls
    priced = [cost for event in llm_calls if (cost := known(event.cost_usd)) is not None]
    return {
        "steps": len(trace.events),
        "llm_calls": len(llm_calls),
        "tool_calls": trace.total_tool_calls,
        "tokens": trace.total_tokens,
        "cost_usd": sum(priced) if priced or not llm_calls else None,
        "unpriced": len(llm_calls) - len(priced),
        "without_usage": sum(usage_unknown(event) for event in llm_calls),
        "notes": notes(trace.events),  # why a total is unknown, and how to fix it
        "duration_ms": round(sum(event.duration_ms for event in trace.events), 1),
    }


def step_detail(event: Event) -> dict[str, Any]:
    """Everything about one step the debugger and the detail panes show."""
    return {
        "step": event.step,
        "kind": event.kind,
        "label": event.label,
        "provider": event.provider,
        "model": event.model,
        "name": event.name,
        "operation": event.operation,
        "finish_reason": event.finish_reason,
        "status": event.status,
        "stream": event.stream,
        "inferred": event.inferred,
        "messages": chat_messages(event.input_messages),
        "output_text": event.output_text,
        "tool_calls": [{"name": call.name, "arguments": call.arguments, "id": call.id} for call in event.tool_calls],
        "input": event.input,
        "output": event.output,
        "error": event.error,
        "tokens": {  # input and output None: the response reported no usage
            "input": None if usage_unknown(event) else event.input_tokens,
            "output": None if usage_unknown(event) else event.output_tokens,
            "cached": event.cached_tokens,
            "reasoning": event.reasoning_tokens,
        },
        "cost_usd": known(event.cost_usd),
        "duration_ms": round(event.duration_ms, 1),
    }


# -- messages as a chat: OpenAI chat / Responses items and Anthropic messages, one shape ---------------


def chat_messages(messages: Sequence[Any]) -> list[dict[str, Any]]:
    """Each message as {role, text, tool_calls, tool_call_id}; role is system, user, assistant or tool."""
    return [_chat_entry(message) for message in normalize_messages(messages, ids=True)]


def _chat_entry(message: Message) -> dict[str, Any]:
    calls = [{"name": call.name, "arguments": call.arguments, "id": call.id} for call in message.tool_calls]
    return {"role": message.role, "text": message.text, "tool_calls": calls, "tool_call_id": message.tool_call_id}


def describe(event: Event) -> list[str]:
    """One step in full, as text lines: what went in, what came out, tokens, cost."""
    head = f"step {event.step} · {event.label}"
    if event.kind in ("llm_call", "error"):
        head += f" · {event.input_tokens} in / {event.output_tokens} out · {format_cost(event.cost_usd)}"
    lines = [head]
    if event.kind in ("llm_call", "error"):
        for message in chat_messages(event.input_messages):
            lines.extend(_indent(f"{message['role']}: ", message["text"]))
            lines.extend(f"    → tool {call['name']}({_json(call['arguments'])})" for call in message["tool_calls"])
        if event.output_text:
            lines.extend(_indent("→ ", event.output_text))
        lines.extend(f"  → tool {call.name}({_json(call.arguments)})" for call in event.tool_calls)
    else:
        lines.extend(_indent("input: ", _json(event.input)))
        if event.error is None:
            lines.extend(_indent("output: ", _json(event.output)))
    if event.error:
        lines.append(f"  ! {event.error}")
    return lines


def _indent(prefix: str, text: str) -> list[str]:
    first, *rest = text.splitlines() or [""]
    return [f"  {prefix}{first}".rstrip(), *(f"  {' ' * len(prefix)}{line}".rstrip() for line in rest)]


def _json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True, default=repr)
