"""DebuggerWidget: step through a trace, one step in full at a time."""

from __future__ import annotations

from typing import Any

import traitlets

from ...trace import Event, as_trace
from ..fallback import debugger_html, debugger_text
from ..steps import step_columns, step_detail, totals
from .base import TraceWidgetBase
from .library import loader
from .trajectory import default_title


class DebuggerWidget(TraceWidgetBase):
    """Previous / next / first / last / jump to a step; keys ← → (or k j), Home, End, g when focused.

    Shows the step's input messages as a chat, its output, the tool calls it requested (arguments as
    pretty JSON), a tool's input and output, and tokens and cost of the step and so far. `step` is the
    current step, synced both ways: read it, or set it to move the view.
    """

    _esm = loader("debugger")
    steps = traitlets.Dict().tag(sync=True)
    totals = traitlets.Dict().tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)

    def __init__(self, trace: Any, *, step: int = 0, title: str | None = None, **kwargs: Any) -> None:
        self.trace = as_trace(trace)
        events = self.trace.events
        super().__init__(
            title=title or default_title(self.trace), steps=step_columns(events), totals=totals(self.trace), **kwargs
        )
        self.step = step

    @traitlets.validate("step")
    def _clamp(self, proposal: Any) -> int:
        return max(0, min(int(proposal["value"]), len(self.trace.events) - 1))

    @property
    def event(self) -> Event | None:
        """The current step's event."""
        return self.trace.events[self.step] if self.trace.events else None

    def detail(self, request: dict[str, Any]) -> dict[str, Any]:
        return step_detail(self.trace.events[int(request["step"])])

    def fallback(self) -> dict[str, str]:
        return {"text/plain": debugger_text(self.trace, self.title), "text/html": debugger_html(self.trace, self.title)}
