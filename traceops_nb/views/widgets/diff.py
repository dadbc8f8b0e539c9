"""DiffWidget: two runs side by side, aligned step to step by diff_traces."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import traitlets

from ...analysis.diff import diff_traces
from ...trace import Trace, as_trace
from ..fallback import diff_html, diff_text
from ..payload import badges as diff_badges
from ..payload import diff_columns, row_detail
from .base import TraceWidgetBase
from .library import loader


def _name(trace: Trace, fallback: str) -> str:
    return Path(trace.cassette).name if trace.cassette else fallback


class DiffWidget(TraceWidgetBase):
    """The aligned steps of `old` and `new` (each a Trace, a session or a cassette path), changed steps
    highlighted, word-level diffs of changed prompts and responses, and summary badges (model changed,
    new tool used, extra LLM call, cost +x %). `selected` is the opened aligned pair (-1: none);
    `.diff` is the TraceDiff shown. `ignore=` is passed to diff_traces.
    """

    _esm = loader("diff")
    rows = traitlets.Dict().tag(sync=True)  # diff_columns(): one entry per aligned pair
    badges: traitlets.List[dict[str, str]] = traitlets.List().tag(sync=True)
    titles: traitlets.List[str] = traitlets.List().tag(sync=True)
    selected = traitlets.Int(-1).tag(sync=True)

    def __init__(self, old: Any, new: Any, *, ignore: Iterable[str] = (), **kwargs: Any) -> None:
        self.old, self.new = as_trace(old), as_trace(new)
        self.diff = diff_traces(self.old, self.new, ignore=ignore)
        titles = [_name(self.old, "old"), _name(self.new, "new")]
        first_change = next((i for i, step in enumerate(self.diff.steps) if step.status != "same"), -1)
        kwargs.setdefault("selected", first_change)
        super().__init__(
            title=f"{titles[0]} → {titles[1]}",
            rows=diff_columns(self.diff),
            badges=diff_badges(self.diff, self.old, self.new),
            titles=titles,
            **kwargs,
        )

    def detail(self, request: dict[str, Any]) -> dict[str, Any]:
        return row_detail(self.diff, int(request["row"]), self.old, self.new)

    def fallback(self) -> dict[str, str]:
        return {
            "text/plain": diff_text(self.diff, self.badges, self.titles),
            "text/html": diff_html(self.diff, self.badges, self.titles),
        }
