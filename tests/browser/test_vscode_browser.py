"""The widgets in VS Code's own widget manager (tests/browser/vscode_host.py), live against a real kernel of the
lab's server that replays a shipped cassette: the steps shown, a step opened through the kernel, the debugger's
step synced back to Python, and the widgets' code loaded once, from one library model, for every widget in the
page."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lab import Lab, WatchedPage
from vscode_host import PREFIX, Files, build

CELLS = [
    "%load_ext traceops_nb",
    "import openai\nfrom agent import QUESTION, run_agent\nclient = openai.OpenAI()",
    "%%replay cassettes/agent.yaml --as run\nrun_agent(client, QUESTION)",
    "dbg = %traceops debug run\ndbg",
]
PRINT_STEP = "print('python sees step', dbg.step)"


@pytest.fixture(scope="module")
def manager() -> Iterator[Path]:
    """VS Code's widget manager package and what its page needs, fetched with npm."""
    with tempfile.TemporaryDirectory(prefix="traceops-vscode-") as folder:
        yield build(Path(folder))


@pytest.fixture
def host(browser: Any, lab: Lab, manager: Path) -> Iterator[WatchedPage]:
    files = Files(manager, f"{lab.url}/", lab.start_kernel("vscode.ipynb"), ("anywidget",))
    host = WatchedPage(browser, (lab.url, "data:", "blob:"), height=1400)
    # The page's files come from the route handler, which Chromium counts as outside the local network: the
    # page may still open its kernel's websocket on 127.0.0.1.
    host.context.grant_permissions(["local-network-access"], origin=lab.url)

    def serve(route: Any) -> None:
        found = files.body(route.request.url.split("?")[0][len(lab.url + PREFIX) :])
        if found is None:
            route.fulfill(status=404, body="not found")
        else:
            route.fulfill(status=200, content_type=found[0], body=found[1])

    host.page.route(f"{lab.url}{PREFIX}**", serve)
    host.page.goto(f"{lab.url}{PREFIX}index.html")
    host.page.wait_for_function("() => window.host && window.host.ready === true", timeout=60_000)
    yield host
    host.close()


def run(page: Any, code: str) -> str:
    result = page.evaluate("(code) => window.runCell(code)", code)
    assert result["status"] == "ok", (code, result)
    return str(result["stdout"])


def trait(page: Any, model: str, name: str) -> Any:
    """A synced trait of a widget model, as VS Code's manager holds it."""
    return page.evaluate("([model, name]) => window.trait(model, name)", [model, name])


def texts(locator: Any) -> list[str]:
    return [text.strip() for text in locator.all_inner_texts()]


def test_vs_code_widget_manager_renders_the_widgets_live_and_talks_to_the_kernel(
    host: WatchedPage, artifacts: Path
) -> None:
    page = host.page
    for cell in CELLS:
        run(page, cell)
    page.wait_for_function("() => window.host.rendered + window.host.renderErrors.length >= 2", timeout=60_000)
    state = page.evaluate("() => window.host")
    assert state["renderErrors"] == [] and state["loadErrors"] == [] and state["rendered"] == 2, state
    assert [request.split("@")[0] for request in state["scriptRequests"]] == ["anywidget"]  # its nbextension

    outputs = page.locator(".cell-output-ipywidget-background")  # one per widget output, as VS Code renders them
    trajectory, debugger = outputs.nth(0).locator(".tnb-trajectory"), outputs.nth(1).locator(".tnb-debugger")
    rows = trajectory.locator(".tnb-step-row")
    rows.nth(3).wait_for(timeout=30_000)
    assert texts(trajectory.locator(".tnb-trajstep")) == [
        "decision:route",
        "llm:gpt-5.4-mini",
        "tool:search",
        "llm:gpt-5.4-mini",
    ]
    assert texts(rows.locator(".tnb-c-name")) == ["route", "gpt-5.4-mini", "search", "gpt-5.4-mini"]

    rows.nth(2).click()  # the detail is asked of the kernel and comes back as a custom message
    trajectory.locator(".tnb-detail[data-step='2']").wait_for(timeout=30_000)
    assert "Step 2 · tool:search" in trajectory.locator(".tnb-detail").inner_text()
    assert "Cassettes store the requests" in trajectory.locator(".tnb-detail").inner_text()
    ids = outputs.evaluate_all("(nodes) => nodes.map((node) => node.dataset.modelId)")
    custom = page.evaluate("() => window.host.custom")
    details = [(m["detail"]["step"], m["detail"]["label"]) for m in custom if m["model"] == ids[0]]
    assert details == [(2, "tool:search")], custom  # the trajectory's own comm: one request, one answer

    debugger.get_by_role("button", name="last step").click()
    debugger.locator(".tnb-detail[data-step='3']").wait_for(timeout=30_000)
    assert run(page, PRINT_STEP).strip() == "python sees step 3"  # the view's step, synced to the kernel

    # One library model for both widgets, created once in the page, its stylesheet added once.
    libraries = {trait(page, model, "_lib") for model in ids}
    assert len(libraries) == 1, libraries
    digest = trait(page, libraries.pop().removeprefix("IPY_MODEL_"), "digest")
    assert state["log"].count("WidgetManager: Loading class WidgetModel:@jupyter-widgets/base:2.0.0") == 1
    assert page.locator("style[id^='traceops-nb-']").count() == 1
    assert page.locator(f"style#traceops-nb-{digest}").count() == 1

    page.screenshot(path=str(artifacts / "widgets-vscode-live.png"), full_page=True)
    assert host.clean(), (host.errors, host.external, host.dialogs)
