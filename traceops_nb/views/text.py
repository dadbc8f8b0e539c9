"""The compact inline view of a trace: a deterministic text/plain and a static text/html.

Both are the same in a record run and a replay run of the same cassette (no durations, ids,
timestamps or addresses), because nbval compares them. Model and tool text is escaped, never HTML.
"""

from __future__ import annotations

import html
import math

from ..analysis.savings import replay_savings
from ..trace import Event, Trace, plural
from ..trace.unknowns import notes, usage_unknown

_COLUMNS = ("step", "kind", "name", "tokens in", "tokens out", "cost")
_MARKED = (*_COLUMNS, "from")  # with marks: where each step came from, "replayed" or "live"


def mime_bundle(trace: Trace, title: str, max_rows: int | None = None, *, marks: bool = False) -> dict[str, str]:
    """max_rows: show the first steps only (a 10,000-step table is no use inline); the rest are counted.

    marks: say which steps were replayed from the cassette and which went live, and what replay saved
    (for a run that does both, record mode new_episodes).
    """
    return {
        "text/plain": plain_text(trace, title, max_rows, marks=marks),
        "text/html": html_table(trace, title, max_rows, marks=marks),
    }


def _rows(trace: Trace, max_rows: int | None = None, marks: bool = False) -> list[tuple[str, ...]]:
    return [
        (
            str(event.step),
            event.kind,
            _name(event),
            *(("?", "?") if usage_unknown(event) else (str(event.input_tokens), str(event.output_tokens))),
            _cost(event.cost_usd),
            *((_origin(event),) if marks else ()),
        )
        for event in trace.events[:max_rows]
    ]


def _origin(event: Event) -> str:
    return "replayed" if event.replayed else "live"


def _heading(trace: Trace, title: str, marks: bool) -> list[str]:
    return [title, totals_line(trace), *notes(trace.events), *([replay_savings(trace).line()] if marks else [])]


def _more(trace: Trace, max_rows: int | None) -> str:
    hidden = len(trace.events) - max_rows if max_rows is not None else 0
    return f"… {plural(hidden, 'more step')}" if hidden > 0 else ""


def _name(event: Event) -> str:
    return event.label.split(":", 1)[1] if ":" in event.label else event.label


def _known(cost: float | None) -> bool:
    return cost is not None and not math.isnan(cost)


def _cost(cost: float | None) -> str:
    return f"${cost:.6f}" if cost is not None and _known(cost) else "–"


def totals_line(trace: Trace) -> str:
    """`3 steps · 2 LLM calls · 29 tokens · $0.000091`; what is not known is said so, never counted as 0."""
    llm_calls = [event for event in trace.events if event.kind == "llm_call"]
    priced = [event.cost_usd for event in llm_calls if event.cost_usd is not None and _known(event.cost_usd)]
    unpriced = len(llm_calls) - len(priced)
    if not priced:
        cost = "cost unknown" if unpriced else "$0"
    else:
        cost = f"${sum(priced):.6f}" + (f" (cost of {plural(unpriced, 'call')} unknown)" if unpriced else "")
    usageless = sum(usage_unknown(event) for event in llm_calls)
    if usageless == len(llm_calls) and usageless:
        tokens = "tokens unknown"
    else:
        tokens = plural(trace.total_tokens, "token") + (
            f" ({plural(usageless, 'call')} without usage)" if usageless else ""
        )
    return f"{plural(len(trace.events), 'step')} · {plural(len(llm_calls), 'LLM call')} · {tokens} · {cost}"


def plain_text(trace: Trace, title: str, max_rows: int | None = None, *, marks: bool = False) -> str:
    lines = _heading(trace, title, marks)
    if trace.events:
        lines.append("trajectory: " + _trajectory(trace, max_rows))
        columns = _MARKED if marks else _COLUMNS
        rows = [columns, *_rows(trace, max_rows, marks)]
        widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
        lines.extend(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
        )
        more = _more(trace, max_rows)
        if more:
            lines.append(more)
    return "\n".join(lines)


def _trajectory(trace: Trace, max_rows: int | None) -> str:
    labels = trace.trajectory
    shown = " → ".join(labels[:max_rows])
    return shown + " → …" if max_rows is not None and len(labels) > max_rows else shown


def html_table(trace: Trace, title: str, max_rows: int | None = None, *, marks: bool = False) -> str:
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{c}</th>" for c in (_MARKED if marks else _COLUMNS))
    body = "".join(
        "<tr>" + "".join(f"<td style='padding:2px 8px'>{html.escape(cell)}</td>" for cell in row) + "</tr>"
        for row in _rows(trace, max_rows, marks)
    )
    more = _more(trace, max_rows)
    trajectory = html.escape(_trajectory(trace, max_rows)) if trace.events else ""
    heading = "".join(f"<div>{html.escape(line)}</div>" for line in _heading(trace, title, marks)[1:])
    return (
        "<div class='traceops-nb-summary'>"
        f"<div><strong>{html.escape(title)}</strong></div>"
        f"{heading}"
        f"<div><code>{trajectory}</code></div>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        + (f"<div>{more}</div>" if more else "")
        + "</div>"
    )
