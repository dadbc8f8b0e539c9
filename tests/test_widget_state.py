"""A saved notebook carries the widgets' front-end code once, however many widgets it shows: executed as
`jupyter nbconvert --execute` does (nbclient, widget state stored), in a real kernel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
from fakellm import FakeLLMServer
from nbclient import NotebookClient

ASK = "client.chat.completions.create(model='gpt-5.4-mini', messages=[{{'role': 'user', 'content': {text!r}}}])"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def executed(cells: list[str], folder: Path) -> Any:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    client = NotebookClient(
        notebook,
        timeout=90,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()
    return notebook


def test_ten_recorded_cells_store_the_widget_code_once(kernel_env: FakeLLMServer, tmp_path: Path) -> None:
    cells = [
        "%load_ext traceops_nb",
        "import openai\nclient = openai.OpenAI()",
        *(f"%%record cassettes/cell_{n}.yaml\n{ASK.format(text=f'question {n}')}" for n in range(10)),
    ]
    notebook = executed(cells, tmp_path)
    models = notebook.metadata["widgets"][WIDGET_STATE]["state"]
    trajectories = [model["state"] for model in models.values() if model["model_name"] == "AnyModel"]
    (library,) = [key for key, model in models.items() if {"boot", "code", "css"} <= set(model["state"])]
    assert len(trajectories) == 10
    assert {widget["_lib"] for widget in trajectories} == {f"IPY_MODEL_{library}"}  # all ten use the one library
    assert all(len(widget["_esm"]) < 1000 and "_css" not in widget for widget in trajectories)  # a loader only
    assert len({widget["layout"] for widget in trajectories}) == 1
    assert len(json.dumps(models)) <= 40_000  # everything the 10 widgets add beyond their outputs

    for cell in notebook.cells[2:]:  # what GitHub and nbconvert show: the static fallback, in every cell
        (widget,) = [o for o in cell.outputs if o["output_type"] == "display_data"]
        assert "llm:gpt-5.4-mini" in widget["data"]["text/plain"]
        assert "<table>" in widget["data"]["text/html"]
        assert widget["data"]["application/vnd.jupyter.widget-view+json"]["model_id"] in models
