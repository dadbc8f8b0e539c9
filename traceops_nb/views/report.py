"""One self-contained HTML file of one or more traces: the widgets' own front-end, no server, no network.

The page embeds the built widget bundles (traceops_nb/static/*.js, unchanged) and their stylesheet,
a small loader (report_page.js) that gives each widget an in-page stand-in for its anywidget model,
and the data as JSON: the same per-step summaries the widgets get in a notebook, plus every step's
detail (which a widget would otherwise ask Python for), each chat message stored once. Model and tool
text only ever travels as JSON and is set as text by the widgets; a Content-Security-Policy allows the
page's own scripts only (by hash), no inline event handlers and no requests, so even markup that
slipped through could not run or call out.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path
from typing import Any

from ..analysis.diff import TraceDiff, diff_traces
from ..cassette.file import atomic_write
from ..trace import Trace, traces
from .fallback import diff_html
from .payload import badges, diff_columns, row_detail
from .steps import step_columns, step_detail, totals
from .text import mime_bundle
from .widgets.static import static_file

WIDGETS = ("trajectory", "debugger", "diff")
LOADER = Path(__file__).resolve().parent / "report_page.js"
FALLBACK_ROWS = 200

_PAGE_STYLE = """
:root { color-scheme: light dark; }
body { margin: 0 auto; padding: 16px 24px 48px; max-width: 1200px;
  font-family: system-ui, sans-serif; font-size: 14px; color: #1f2328; background: #fff; }
@media (prefers-color-scheme: dark) { body { color: #e6edf3; background: #0d1117; } }
h1 { font-size: 1.4em; margin: 8px 0 4px; }
h2 { font-size: 1.15em; margin: 28px 0 8px; }
h3 { font-size: 1em; margin: 16px 0 6px; font-weight: 600; }
.tnb-report-meta, .tnb-report-failed { color: rgba(127, 127, 127, 0.95); }
.tnb-report-failed { margin-bottom: 6px; }
"""


def report(
    trace_or_paths: Any,
    path: str | os.PathLike[str] = "report.html",
    *,
    title: str | None = None,
    ignore: Iterable[str] = (),
) -> Path:
    """Write one HTML file showing the traces, and return its path.

    `trace_or_paths` is a Trace, a session, a cassette path or folder, or a list of these. Each trace
    gets a trajectory and a step-through debugger; given exactly two, the page opens with their diff
    (`ignore=` is passed to diff_traces). The file opens from disk with a double-click: it loads
    nothing from anywhere.
    """
    collected = list(traces(trace_or_paths))
    if not collected:
        raise ValueError("nothing to report: give a Trace, a cassette, or a folder that holds cassettes")
    target = Path(path)
    atomic_write(target, render_report(collected, title=title, ignore=ignore).encode("utf-8"), durable=False)
    return target


def render_report(traces: list[Trace], *, title: str | None = None, ignore: Iterable[str] = ()) -> str:
    """The page, as text; deterministic (no date, no random ids), so two reports of one run are equal."""
    names = unique_names(traces)
    messages = MessageTable()
    data: dict[str, Any] = {
        "traces": [trace_data(trace, name, messages) for trace, name in zip(traces, names, strict=True)],
        "messages": messages.table,
    }
    sections: list[str] = []
    if len(traces) == 2:
        diff, fallback = diff_data(traces[0], traces[1], names, ignore)
        data["diffs"] = [diff]
        sections.append(f"<h2>Diff: {_e(diff['title'])}</h2>" + placeholder("diff", "data-tnb-diff='0'", fallback))
    sections.extend(trace_section(index, traces[index], name) for index, name in enumerate(names))
    heading = title or ("traceops_nb report: " + ", ".join(names))
    return page(heading, "".join(sections), data)


def unique_names(traces: list[Trace]) -> list[str]:
    """What each trace is called on the page: its cassette's file name, or its path where names repeat."""
    names = [Path(trace.cassette).name if trace.cassette else f"trace {i + 1}" for i, trace in enumerate(traces)]
    return [
        str(trace.cassette) if trace.cassette and names.count(name) > 1 else name
        for trace, name in zip(traces, names, strict=True)
    ]


class MessageTable:
    """Each distinct chat message once. A step's detail carries the whole conversation so far, so an
    agent's messages would otherwise be repeated at every step: a file quadratic in the run's length."""

    def __init__(self) -> None:
        self.table: list[Any] = []
        self._index: dict[str, int] = {}

    def refer(self, message: Any) -> int:
        key = json.dumps(message, sort_keys=True, default=str)
        if key not in self._index:
            self._index[key] = len(self.table)
            self.table.append(message)
        return self._index[key]


def trace_data(trace: Trace, name: str, messages: MessageTable) -> dict[str, Any]:
    """The widgets' state, and every step's detail with its messages as indices into the message table."""
    details = [step_detail(event) for event in trace.events]
    return {
        "title": name,
        "steps": step_columns(trace.events),
        "totals": totals(trace),
        "details": [{**detail, "messages": [messages.refer(m) for m in detail["messages"]]} for detail in details],
    }


def diff_data(old: Trace, new: Trace, names: list[str], ignore: Iterable[str]) -> tuple[dict[str, Any], str]:
    """What the diff widget gets, and its static summary."""
    diff = diff_traces(old, new, ignore=ignore)
    first_change = next((i for i, step in enumerate(diff.steps) if step.status != "same"), -1)
    found = badges(diff, old, new)
    data = {
        "title": f"{names[0]} → {names[1]}",
        "titles": names[:2],
        "rows": diff_columns(diff),
        "badges": found,
        "selected": first_change,
        "details": [compact_row(diff, row, old, new) for row in range(len(diff.steps))],
    }
    return data, diff_html(diff, found, names[:2])


def compact_row(diff: TraceDiff, row: int, old: Trace, new: Trace) -> dict[str, Any]:
    """row_detail with its two steps named by number: the traces' details hold them already."""
    step = diff.steps[row]
    return {**row_detail(diff, row, old, new), "old": step.old_step, "new": step.new_step}


def trace_section(index: int, trace: Trace, name: str) -> str:
    summary = mime_bundle(trace, name, max_rows=FALLBACK_ROWS)["text/html"]
    where = f"<div class='tnb-report-meta'>{_e(str(trace.cassette))}</div>" if trace.cassette else ""
    which = f"data-tnb-trace='{index}'"
    return (
        f"<section id='trace-{index}'><h2>{_e(name)}</h2>{where}"
        f"<h3>Trajectory</h3>{placeholder('trajectory', which, summary)}"
        f"<h3>Step through</h3>{placeholder('debugger', which, '')}</section>"
    )


def placeholder(widget: str, attribute: str, fallback_html: str) -> str:
    """Where a widget is mounted; until then (or without JavaScript) it shows the static, escaped summary."""
    return f"<div class='tnb-report-view' data-tnb-widget='{widget}' {attribute}>{fallback_html}</div>"


def page(title: str, body: str, data: dict[str, Any]) -> str:
    loader = LOADER.read_text(encoding="utf-8")
    scripts = "".join(
        f"<script type='text/x-traceops-module' id='tnb-esm-{name}'>{script_text(static_file(f'{name}.js'))}</script>"
        for name in WIDGETS
    )
    policy = (
        "default-src 'none'; "
        f"script-src '{csp_hash(loader)}' blob:; "
        "style-src 'unsafe-inline'; img-src data:; font-src data:; "
        "connect-src 'none'; form-action 'none'; base-uri 'none'"
    )
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{policy}\">"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(title)}</title>"
        f"<style>{_PAGE_STYLE}{style_text(static_file('widgets.css'))}</style></head>\n<body>"
        f"<h1>{_e(title)}</h1><div class='tnb-report-meta'>made by traceops_nb {_e(version('traceops_nb'))}</div>"
        f"{body}\n"
        f"<script type='application/json' id='tnb-report-data'>{script_json(data)}</script>\n"
        f"{scripts}\n<script type='module'>{loader}</script>\n</body></html>\n"
    )


def script_json(value: Any) -> str:
    """JSON that cannot end its <script> element or open a comment: <, > and & as \\u escapes."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, default=str, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


_SCRIPT_BREAKERS = re.compile(r"<(/script|!--)", re.IGNORECASE)


def script_text(path: Path) -> str:
    """A bundle's text, safe inside a <script> element: `</script` and `<!--` may only appear in its
    strings, comments and regular expressions, where `<\\/script` and `<\\!--` mean the same."""
    return _SCRIPT_BREAKERS.sub(lambda match: "<\\" + match.group(1), path.read_text(encoding="utf-8"))


def style_text(path: Path) -> str:
    return re.sub(r"</(style)", r"<\\/\1", path.read_text(encoding="utf-8"), flags=re.IGNORECASE)


def csp_hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()


def _e(text: str) -> str:
    return html.escape(text, quote=True)
