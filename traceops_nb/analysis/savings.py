"""What replaying saved: in a run that replays part of a cassette and goes live for the rest (record mode
`new_episodes`), the tokens, cost and time the replayed steps took when they were recorded. Pure."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..trace import as_trace, format_cost, plural, total_cost


@dataclass(frozen=True)
class ReplaySavings:
    replayed_steps: int  # served from the cassette
    live_steps: int  # called or run live in this run
    tokens: int  # of the replayed steps, as recorded
    cost_usd: float  # of the replayed LLM calls, as recorded; NaN when one has no known cost
    duration_ms: float  # of the replayed steps, as recorded

    def line(self) -> str:
        """Deterministic text (no durations): the same in every run over the same cassette."""
        total = self.replayed_steps + self.live_steps
        return (
            f"{self.replayed_steps} of {plural(total, 'step')} replayed from the cassette, {self.live_steps} live"
            f" · replay saved {plural(self.tokens, 'token')}, {format_cost(self.cost_usd)}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "replayed_steps": self.replayed_steps,
            "live_steps": self.live_steps,
            "tokens": self.tokens,
            "cost_usd": None if math.isnan(self.cost_usd) else self.cost_usd,
            "duration_ms": round(self.duration_ms, 1),
        }


def replay_savings(trace: Any) -> ReplaySavings:
    """The savings of a trace (a Trace, a session or a cassette path) from its replayed steps."""
    events = as_trace(trace).events
    replayed = [event for event in events if event.replayed]
    return ReplaySavings(
        replayed_steps=len(replayed),
        live_steps=len(events) - len(replayed),
        tokens=sum(event.total_tokens for event in replayed),
        cost_usd=total_cost(replayed),
        duration_ms=sum(event.duration_ms for event in replayed),
    )
