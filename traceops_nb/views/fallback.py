"""The widgets' outputs for places that run no JavaScript (nbconvert HTML, GitHub, a kernel-less notebook)
and for nbval: a deterministic text/plain and a static text/html.

Deterministic means the same in a record run and a replay run: no durations, timestamps, ids or
addresses. Every model and tool string is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from ..analysis.diff import TraceDiff
from ..trace import Trace
from .steps import describe
from .text import totals_line

MAX_STEPS = 50  # the debugger's fallback shows this many steps in full
MAX_ROWS = 200  # the diff's fallback table


def _hidden(total: int, shown: int, what: str) -> list[str]:
    return [f"… {total - shown} more {what}"] if total > shown else []


# -- debugger -----------------------------------------------------------------------------------------


def debugger_text(trace: Trace, title: str) -> str:
    events = trace.events
    blocks = ["\n".join(describe(event)) for event in events[:MAX_STEPS]]
    return "\n\n".join([f"{title}\n{totals_line(trace)}", *blocks, *_hidden(len(events), MAX_STEPS, "steps")])


def debugger_html(trace: Trace, title: str) -> str:
    steps = "".join(
        f"<details><summary>{_e(lines[0])}</summary><pre>{_e(chr(10).join(lines[1:]))}</pre></details>"
        for lines in (describe(event) for event in trace.events[:MAX_STEPS])
    )
    more = "".join(f"<div>{_e(line)}</div>" for line in _hidden(len(trace.events), MAX_STEPS, "steps"))
    return _frame(title, totals_line(trace), steps + more)


# -- diff -----------------------------------------------------------------------------------------------


def diff_text(diff: TraceDiff, badges: Iterable[dict[str, str]], titles: Sequence[str]) -> str:
    head = f"{titles[0]} → {titles[1]}\n" + " · ".join(badge["text"] for badge in badges)
    return f"{head}\n{diff.summary()}"


_ROW_STYLE = {
    "same": "",
    "changed": "background:rgba(245,124,0,0.16)",
    "added": "background:rgba(46,160,67,0.25)",
    "removed": "background:rgba(248,81,73,0.25)",
}
_MARKER = {"same": "=", "changed": "≠", "added": "+", "removed": "−"}


def diff_html(diff: TraceDiff, badges: Iterable[dict[str, str]], titles: Sequence[str]) -> str:
    cell = "<td style='padding:2px 8px'>{}</td>"
    rows = []
    for step in diff.steps[:MAX_ROWS]:
        old = f"{step.old_step} · {step.old_label}" if step.old_step is not None else "—"
        new = f"{step.new_step} · {step.new_label}" if step.new_step is not None else "—"
        changes = ", ".join(name for name in step.changes if name not in diff.ignore)
        cells = (old, _MARKER.get(step.status, "?"), new, changes)
        rows.append(f"<tr style='{_ROW_STYLE.get(step.status, '')}'>{''.join(cell.format(_e(c)) for c in cells)}</tr>")
    more = "".join(f"<div>{_e(line)}</div>" for line in _hidden(len(diff.steps), MAX_ROWS, "aligned steps"))
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{_e(c)}</th>" for c in ("old", "", "new", "changed"))
    badge = "<span style='padding:1px 8px;border:1px solid rgba(127,127,127,0.5);border-radius:10px'>{}</span>"
    badge_html = " ".join(badge.format(_e(b["text"])) for b in badges)
    body = (
        f"<div>{badge_html}</div><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"{more}<pre>{_e(diff.summary())}</pre>"
    )
    return _frame(f"{titles[0]} → {titles[1]}", "", body)


def _frame(title: str, subtitle: str, body: str) -> str:
    sub = f"<div>{_e(subtitle)}</div>" if subtitle else ""
    return f"<div class='traceops-nb-summary'><div><strong>{_e(title)}</strong></div>{sub}{body}</div>"


def _e(text: str) -> str:
    return html.escape(text, quote=True)
