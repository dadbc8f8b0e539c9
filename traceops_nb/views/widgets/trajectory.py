"""TrajectoryWidget: the run as a timeline of steps."""

from __future__ import annotations

from typing import Any

import traitlets

from ...analysis.savings import replay_savings
from ...trace import Trace, as_trace
from ..steps import step_columns, step_detail, totals
from ..text import mime_bundle
from .base import TraceWidgetBase
from .library import loader

FALLBACK_ROWS = 200  # steps in the text/plain and text/html fallbacks; the rest are counted


def default_title(trace: Trace) -> str:
    return f"traceops_nb · {trace.cassette or 'trace'}"


class TrajectoryWidget(TraceWidgetBase):
    """Every step (LLM calls: provider, model, tokens, cost, time; tool calls: name, time, error) with
    totals, the trajectory line and bars proportional to time and cost. Clicking a step opens it.

    `TrajectoryWidget(trace)` takes a Trace, a session or a cassette path. `selected` is the opened
    step (-1: none), synced both ways. `marks=True` marks each step replayed (from the cassette) or
    live, and shows what the replayed steps saved (`savings`): for record mode new_episodes.
    """

    _esm = loader("trajectory")
    steps = traitlets.Dict().tag(sync=True)  # step_columns(): one list per summary field
    totals = traitlets.Dict().tag(sync=True)
    selected = traitlets.Int(-1).tag(sync=True)
    savings = traitlets.Dict().tag(sync=True)  # ReplaySavings.to_dict() with marks, else empty

    def __init__(self, trace: Any, *, title: str | None = None, marks: bool = False, **kwargs: Any) -> None:
        self.trace = as_trace(trace)
        self.marks = marks
        events = self.trace.events
        if marks:
            kwargs.setdefault("savings", replay_savings(self.trace).to_dict())
        super().__init__(
            title=title or default_title(self.trace),
            steps=step_columns(events, replayed=marks),
            totals=totals(self.trace),
            **kwargs,
        )

    def detail(self, request: dict[str, Any]) -> dict[str, Any]:
        return step_detail(self.trace.events[int(request["step"])])

    def fallback(self) -> dict[str, str]:
        return mime_bundle(self.trace, self.title, max_rows=FALLBACK_ROWS, marks=self.marks)
