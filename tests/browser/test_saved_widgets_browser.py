"""A notebook saved with its widget state (as `jupyter nbconvert --execute` saves it), opened in JupyterLab:
the widgets render from the saved state alone, with their code stored once for all of them and one stylesheet
in the page."""

from __future__ import annotations

import json
from typing import Any

import nbformat
from lab import Lab, NotebookPage
from nbclient import NotebookClient
from nbformat.sign import NotebookNotary

CELLS = [
    "import traceops_nb",
    "traceops_nb.TrajectoryWidget('cassettes/agent.yaml')",
    "traceops_nb.DebuggerWidget('cassettes/agent.yaml', step=1)",
    "traceops_nb.DiffWidget('cassettes/agent.yaml', 'cassettes/agent_v2.yaml')",
    "traceops_nb.TrajectoryWidget('cassettes/agent_v2.yaml')",
]
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def save_executed(lab: Lab, name: str) -> Any:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in CELLS])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    where = {"metadata": {"path": str(lab.root)}}
    NotebookClient(notebook, timeout=90, kernel_name="python3", store_widget_state=True, resources=where).execute()
    NotebookNotary().sign(notebook)  # trusted, as the user's own: an untrusted notebook shows the static fallback
    nbformat.write(notebook, lab.root / name)
    return notebook


def test_a_saved_notebook_renders_its_widgets_from_the_code_stored_once(browser: Any, lab: Lab) -> None:
    saved = save_executed(lab, "saved.ipynb")
    models = saved.metadata["widgets"][WIDGET_STATE]["state"]
    assert sum("code" in model["state"] for model in models.values()) == 1
    assert len(json.dumps(models)) < 40_000

    notebook = NotebookPage(browser, lab, "saved.ipynb", height=2400)  # a new kernel: it knows none of the models
    try:
        page = notebook.page
        for selector in (".tnb-trajectory", ".tnb-debugger", ".tnb-diff"):
            page.locator(selector).first.wait_for(timeout=60_000)
        assert page.locator(".tnb-trajectory").count() == 2
        steps = [
            text.strip() for text in page.locator(".tnb-trajectory").first.locator(".tnb-trajstep").all_inner_texts()
        ]
        assert steps == ["decision:route", "llm:gpt-5.4-mini", "tool:search", "llm:gpt-5.4-mini"]
        assert page.locator(".tnb-debugger .tnb-jump").input_value() == "1"  # the step it was saved at
        assert page.locator("style[id^='traceops-nb-']").count() == 1  # one stylesheet for every widget
        assert notebook.external == [] and notebook.errors == []
    finally:
        notebook.close()
