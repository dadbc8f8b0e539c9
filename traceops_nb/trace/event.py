"""Event: one step of an agent run (an LLM call, a tool call, a decision or a failed call), and the small
text helpers every view of a step shares."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# Calls that only count tokens: they generate nothing, ask for no tool and are not billed. One may carry tool
# results, as the conversation it counts does; the calls whose results it does not carry stay pending.
COUNTING_OPERATIONS = frozenset({"messages.count_tokens", "responses.input_tokens", "models.count_tokens"})


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: Any  # a dict when the model sent valid JSON, else the raw text
    id: str | None = None


def tool_arguments(raw: Any) -> Any:
    """Tool-call arguments as data: OpenAI sends a JSON string, Anthropic an object; text that is not JSON
    stays text."""
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


@dataclass(frozen=True)
class Event:
    step: int
    kind: str  # "llm_call", "tool_call", "decision" or "error"
    provider: str | None = None
    model: str | None = None
    operation: str = ""  # "chat.completions", "responses", "messages", …
    name: str | None = None  # the tool's (or decision's) name
    input_messages: tuple[Any, ...] = ()
    output_text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()  # tool calls the model requested
    finish_reason: str | None = None
    input_tokens: int = 0  # every prompt token, cached and cache-written ones included
    output_tokens: int = 0  # reasoning tokens included
    cached_tokens: int = 0  # prompt tokens read from the cache
    cache_write_tokens: int = 0  # prompt tokens written to the cache
    cache_write_1h_tokens: int = 0  # the part of those written for one hour (Anthropic)
    reasoning_tokens: int = 0
    has_usage: bool = False  # False when the response reported no usage (tokens then read 0)
    cost_usd: float | None = None  # stored at record time; None when unknown
    duration_ms: float = 0.0
    started_at: str = ""
    stream: bool = False
    status: int | None = None
    error: str | None = None
    input: Any = None  # a tool's input, a decision's reason
    output: Any = None  # a tool's output, a decision's choice
    replayed: bool = False
    inferred: bool = False  # a tool call read from the conversation, not recorded by the code
    interaction: int | None = field(default=None, compare=False)  # index into Trace.records

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def label(self) -> str:
        """The event's name in a trajectory: `llm:gpt-4o`, `tool:search`, `error:openai`."""
        if self.kind == "llm_call":
            return f"llm:{self.model or self.provider}"
        if self.kind == "error":
            return f"error:{self.model or self.provider}"
        return f"{self.kind.removesuffix('_call')}:{self.name}"


def join_text(parts: Sequence[str | None]) -> str:
    return "".join(part for part in parts if part)


def parts_text(content: Any) -> Any:
    """A list of text parts (OpenAI content parts, Anthropic text blocks) as its text; anything else as it is."""
    if isinstance(content, list) and all(isinstance(part, dict) and "text" in part for part in content):
        return join_text([part.get("text") for part in content])
    return content


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def format_cost(cost: float | None) -> str:
    return "cost unknown" if cost is None or math.isnan(cost) else f"${cost:.6f}"


def short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True, default=repr)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
