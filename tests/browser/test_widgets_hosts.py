"""The widgets outside JupyterLab, in headless Chromium: a page that, like VS Code's notebook outputs,
defines only VS Code's theme variables, and a bare page that defines none. The built modules are loaded
as any anywidget host loads them (an ES module with `export default { render }`, plus widgets.css) and
rendered with a stand-in model that answers detail requests as the kernel would. Also: every control is
reachable with the keyboard (Tab), and the step lists work from the keyboard."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from traceops_nb.widgets import DebuggerWidget, DiffWidget, TrajectoryWidget

HERE = Path(__file__).resolve().parent
STATIC = HERE.parent.parent / "traceops_nb" / "static"
CASSETTES = HERE / "cassettes"
ORIGIN = "http://widgets.test"  # served by the page's route handler; nothing leaves the browser

# VS Code's dark theme variables alone, as a page with no --jp-* variables would define them (VS Code's own
# widget manager defines --jp-* ones too: tests/browser/test_vscode_browser.py).
VSCODE_DARK = """
body {
  --vscode-editor-background: #1e1e1e; --vscode-editor-foreground: #d4d4d4;
  --vscode-editorWidget-background: #252526; --vscode-panel-border: #80808059;
  --vscode-focusBorder: #007fd4; --vscode-descriptionForeground: #ccccccb3;
  --vscode-errorForeground: #f48771; --vscode-font-family: sans-serif; --vscode-editor-font-family: monospace;
  --vscode-charts-blue: #3794ff; --vscode-charts-orange: #d18616; --vscode-charts-purple: #b180d7;
  background: #1e1e1e; color: #d4d4d4;
}
"""
BARE = "body { background: #ffffff; color: #111111; }"

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><link rel="stylesheet" href="/widgets.css"><style>{style}</style></head>
<body>
<button id="before">before</button>
<div id="trajectory"></div><div id="debugger"></div><div id="diff"></div>
<script type="application/json" id="state">{state}</script>
<script type="module">
import trajectory from "/trajectory.js";
import debuggerWidget from "/debugger.js";
import diff from "/diff.js";

// The part of an anywidget model the widgets use; detail requests are answered from `details`.
function model(state, details) {{
  const listeners = {{}};
  const fire = (name, ...args) => (listeners[name] || []).slice().forEach((f) => f(...args));
  return {{
    get: (name) => state[name],
    set(name, value) {{ state[name] = value; fire(`change:${{name}}`); }},
    save_changes() {{}},
    on: (name, f) => (listeners[name] ||= []).push(f),
    off(name, f) {{ listeners[name] = (listeners[name] || []).filter((g) => g !== f); }},
    send(message) {{
      const key = "step" in message ? message.step : message.row;
      setTimeout(() => fire("msg:custom", {{ type: "detail", key: message.key, detail: details[key] }}), 0);
    }},
  }};
}}
const all = JSON.parse(document.getElementById("state").textContent);
const widgets = {{ trajectory, debugger: debuggerWidget, diff }};
for (const [name, widget] of Object.entries(widgets)) {{
  widget.render({{ model: model(all[name].state, all[name].details), el: document.getElementById(name) }});
}}
window.__rendered = true;
</script>
</body></html>
"""

SYNCED = {
    "trajectory": ("title", "steps", "totals", "selected", "savings"),
    "debugger": ("title", "steps", "totals", "step"),
    "diff": ("title", "rows", "badges", "titles", "selected"),
}


def widget_state() -> dict[str, Any]:
    trajectory = TrajectoryWidget(CASSETTES / "agent.yaml")
    debugger = DebuggerWidget(CASSETTES / "agent.yaml", step=1)
    diff = DiffWidget(CASSETTES / "agent.yaml", CASSETTES / "agent_v2.yaml")
    steps = range(len(trajectory.trace.events))
    return {
        "trajectory": (trajectory, {i: trajectory.detail({"step": i}) for i in steps}),
        "debugger": (debugger, {i: debugger.detail({"step": i}) for i in steps}),
        "diff": (diff, {i: diff.detail({"row": i}) for i in range(len(diff.diff.steps))}),
    }


def page_html(style: str) -> str:
    state = {}
    for name, (widget, details) in widget_state().items():
        synced = widget.get_state()
        state[name] = {"state": {key: synced[key] for key in SYNCED[name] if key in synced}, "details": details}
    return PAGE.format(style=style, state=json.dumps(state).replace("</", "<\\/"))


def open_host(browser: Any, style: str) -> Any:
    context = browser.new_context(viewport={"width": 1100, "height": 2000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    html = page_html(style)

    def serve(route: Any) -> None:
        path = route.request.url[len(ORIGIN) :]
        if path == "/":
            route.fulfill(status=200, content_type="text/html", body=html)
        elif path.lstrip("/") in {"trajectory.js", "debugger.js", "diff.js", "widgets.css"}:
            kind = "text/css" if path.endswith(".css") else "text/javascript"
            route.fulfill(status=200, content_type=kind, body=(STATIC / path.lstrip("/")).read_text())
        else:
            route.abort()

    page.route("**/*", serve)
    page.goto(f"{ORIGIN}/")
    page.wait_for_function("() => window.__rendered === true")
    page.locator("#debugger .tnb-detail[data-step='1']").wait_for()
    page.errors = errors
    return page


@pytest.fixture(scope="module")
def vscode(browser: Any) -> Iterator[Any]:
    page = open_host(browser, VSCODE_DARK)
    yield page
    page.context.close()


def rgba(page: Any, selector: str, prop: str) -> tuple[float, ...]:
    value = page.locator(selector).first.evaluate(f"(el) => getComputedStyle(el).{prop}")
    parts = value[value.index("(") + 1 : value.index(")")].split(",")
    return tuple(float(part) for part in parts) + ((1.0,) if len(parts) == 3 else ())


def test_in_vs_code_the_widgets_take_vs_code_theme_colours(vscode: Any, artifacts: Path) -> None:
    for root in (".tnb-trajectory", ".tnb-debugger", ".tnb-diff"):
        assert rgba(vscode, root, "backgroundColor") == (30, 30, 30, 1), root  # --vscode-editor-background
        assert rgba(vscode, root, "color") == (212, 212, 212, 1), root  # --vscode-editor-foreground
    assert rgba(vscode, ".tnb-trajectory .tnb-chip", "backgroundColor") == (37, 37, 38, 1)  # editorWidget
    assert rgba(vscode, ".tnb-debugger .tnb-button", "color") == (212, 212, 212, 1)
    assert rgba(vscode, ".tnb-debugger .tnb-msg-role", "color")[:3] == (204, 204, 204)  # descriptionForeground
    assert rgba(vscode, ".tnb-trajectory .tnb-title", "color") == (212, 212, 212, 1)
    # step kinds in the theme's chart colours, readable on its background
    assert rgba(vscode, ".tnb-trajectory .tnb-badge.tnb-kind-decision", "color") == (177, 128, 215, 1)
    assert rgba(vscode, ".tnb-trajectory .tnb-badge.tnb-kind-llm", "color") == (55, 148, 255, 1)
    assert rgba(vscode, ".tnb-trajectory .tnb-badge.tnb-kind-tool", "color") == (209, 134, 22, 1)
    # Lists whose rows all fit have no scrollbar (nothing to scroll, not even a border's width).
    sizes = vscode.evaluate(
        "() => [...document.querySelectorAll('.tnb-vlist')].map((l) => l.scrollHeight - l.clientHeight)"
    )
    assert sizes == [0, 0, 0]
    vscode.locator(".tnb-trajectory").screenshot(path=str(artifacts / "trajectory-vscode-dark.png"))
    vscode.locator(".tnb-debugger").screenshot(path=str(artifacts / "debugger-vscode-dark.png"))
    assert vscode.errors == []


def test_with_no_theme_variables_the_widgets_inherit_the_page_colours(browser: Any) -> None:
    page = open_host(browser, BARE)
    try:
        assert rgba(page, ".tnb-trajectory", "color") == (17, 17, 17, 1)  # the host's text colour
        assert rgba(page, ".tnb-trajectory", "backgroundColor")[3] == 0  # transparent: the host's background
        border = rgba(page, ".tnb-trajectory", "borderTopColor")
        assert border[3] > 0.2  # a visible neutral border
        assert rgba(page, ".tnb-trajectory .tnb-chip", "backgroundColor")[3] > 0
        assert page.errors == []
    finally:
        page.context.close()


def focused(page: Any) -> str:
    return str(
        page.evaluate(
            """() => {
              const el = document.activeElement;
              const widget = el.closest('.tnb');
              const where = widget ? [...widget.classList].find((c) => c !== 'tnb') : 'page';
              return `${where} ${el.tagName.toLowerCase()} ${el.getAttribute('aria-label') || el.className}`;
            }"""
        )
    )


def test_every_control_is_reachable_with_tab_and_the_lists_work_from_the_keyboard(vscode: Any) -> None:
    page = vscode
    page.locator("#before").focus()
    stops = []
    for _ in range(12):
        page.keyboard.press("Tab")
        stops.append(focused(page))
    widgets = [stop.split(" ", 1)[0] for stop in stops]
    assert widgets[0] == "tnb-trajectory" and "steps: arrow keys move" in stops[0]
    debugger = [stop for stop in stops if stop.startswith("tnb-debugger")]
    assert "step-through debugger" in debugger[0]
    for label in ("first step", "previous step", "jump to step", "next step", "last step"):
        assert any(label in stop for stop in debugger), (label, debugger)
    assert any(stop.startswith("tnb-diff div aligned steps") for stop in stops), stops
    assert any(stop.startswith("tnb-diff summary") for stop in stops), stops  # the opened pair's "in full"

    trajectory = page.locator(".tnb-trajectory .tnb-steps")
    trajectory.focus()
    assert trajectory.get_attribute("role") == "listbox"
    page.keyboard.press("ArrowDown")  # nothing open: the first step opens
    page.locator(".tnb-trajectory .tnb-detail[data-step='0']").wait_for()
    page.keyboard.press("End")
    page.locator(".tnb-trajectory .tnb-detail[data-step='3']").wait_for()
    active = trajectory.get_attribute("aria-activedescendant")
    assert active, "the focused list names its selected row"
    row = page.locator(f"#{active}")
    assert row.get_attribute("data-index") == "3" and row.get_attribute("role") == "option"
    assert row.get_attribute("aria-selected") == "true"
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('.tnb-trajectory .tnb-detail')")
    assert trajectory.get_attribute("aria-activedescendant") is None

    diff = page.locator(".tnb-diff .tnb-steps")
    diff.focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_function("() => document.querySelector('.tnb-diff .tnb-steps').getAttribute('aria-activedescendant')")
    assert page.locator(f"#{diff.get_attribute('aria-activedescendant')}").get_attribute("data-index") == "1"
    page.keyboard.press("End")
    page.locator(".tnb-diff .tnb-diff-row.tnb-selected[data-index='5']").wait_for()
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('.tnb-diff .tnb-selected')")
    page.keyboard.press("Enter")  # nothing open: the first change opens
    page.locator(".tnb-diff .tnb-diff-row.tnb-selected[data-index='0']").wait_for()
    page.keyboard.press("Home")
    assert page.locator(".tnb-diff .tnb-diff-row.tnb-selected").get_attribute("data-index") == "0"

    page.locator(".tnb-debugger").focus()
    page.keyboard.press("j")
    page.locator(".tnb-debugger .tnb-detail[data-step='2']").wait_for()
    assert page.errors == []
