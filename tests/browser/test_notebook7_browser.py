"""The widgets in Notebook 7 (the classic notebook's successor, served by the same Jupyter server): run live, a
step opened through the kernel, their code loaded once for every widget in the page."""

from __future__ import annotations

from typing import Any

from lab import Lab, WatchedPage, write_notebook

NOTEBOOK7_OWN_ERROR = "Cannot read properties of undefined (reading 'schema')"
CELLS = [
    "import traceops_nb",
    "traceops_nb.TrajectoryWidget('cassettes/agent.yaml')",
    "traceops_nb.DebuggerWidget('cassettes/agent.yaml', step=1)",
    "traceops_nb.DiffWidget('cassettes/agent.yaml', 'cassettes/agent_v2.yaml')",
]


def test_the_widgets_render_and_open_a_step_in_notebook_7(browser: Any, lab: Lab) -> None:
    write_notebook(lab.root / "nb7.ipynb", CELLS)
    lab.start_kernel("nb7.ipynb")
    notebook = WatchedPage(browser, (lab.url, "data:", "blob:"), height=2000)
    try:
        page = notebook.page
        page.goto(f"{lab.url}/notebooks/nb7.ipynb")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
        page.locator(".lm-MenuBar-item", has_text="Run").first.click()
        page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
        for selector in (".tnb-trajectory", ".tnb-debugger", ".tnb-diff"):
            page.locator(selector).first.wait_for(timeout=90_000)
        trajectory = page.locator(".tnb-trajectory").first
        trajectory.locator(".tnb-step-row").nth(2).click()
        trajectory.locator(".tnb-detail[data-step='2']").wait_for(timeout=30_000)  # fetched from the kernel
        assert "Step 2 · tool:search" in trajectory.locator(".tnb-detail").inner_text()
        assert page.locator("style[id^='traceops-nb-']").count() == 1
        # Notebook 7.6 itself raises this one on "Run All Cells", in a notebook with no widget too.
        assert notebook.external == [] and [e for e in notebook.errors if NOTEBOOK7_OWN_ERROR not in e] == []
    finally:
        notebook.close()
