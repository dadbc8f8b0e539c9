"""Event and Trace: what an agent run did, derived from interactions by pure provider adapters."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .interactions import Interaction


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: Any  # a dict when the model sent valid JSON, else the raw text
    id: str | None = None


@dataclass(frozen=True)
class Event:
    step: int
    kind: str  # "llm_call", "tool_call", "decision" or "error"
    provider: str | None = None
    model: str | None = None
    operation: str = ""  # "chat.completions", "responses", "messages", …
    name: str | None = None  # the tool's name, for tool calls
    input_messages: tuple[Any, ...] = ()
    output_text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float | None = None
    duration_ms: float = 0.0
    started_at: str = ""
    stream: bool = False
    status: int | None = None
    error: str | None = None
    replayed: bool = False
    interaction: int | None = field(default=None, compare=False)  # index into Trace.interactions

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


class Trace:
    """The ordered events of one run, with totals. Built from interactions; carries them for saving."""

    def __init__(self, interactions: Iterable[Interaction] = (), *, cassette: str | None = None) -> None:
        self.interactions: list[Interaction] = list(interactions)
        self.cassette = cassette
        self._events: list[Event] | None = None

    @property
    def events(self) -> list[Event]:
        if self._events is None:
            self._events = [event_from(interaction, step) for step, interaction in enumerate(self.interactions)]
        return self._events

    @property
    def llm_calls(self) -> list[Event]:
        return [event for event in self.events if event.kind == "llm_call"]

    @property
    def total_llm_calls(self) -> int:
        return len(self.llm_calls)

    @property
    def total_tokens(self) -> int:
        return sum(event.total_tokens for event in self.events)

    @property
    def trajectory(self) -> list[str]:
        return [event.label for event in self.events]

    def __len__(self) -> int:
        return len(self.events)

    def __repr__(self) -> str:
        where = f" from {self.cassette}" if self.cassette else ""
        return f"<Trace{where}: {self.total_llm_calls} LLM calls, {self.total_tokens} tokens>"


def event_from(interaction: Interaction, step: int) -> Event:
    from .providers import adapter_for

    return adapter_for(interaction.provider)(interaction, step)


def join_text(parts: Sequence[str | None]) -> str:
    return "".join(part for part in parts if part)
