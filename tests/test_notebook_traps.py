"""What a notebook user hits, fixed: in real kernels (nbclient, as nbconvert and nbval run them) and IPython's
shell. A record run and a replay run print the same; two cells never share a cassette destructively; a failing
cell's traceback quotes the cell, never the internal call."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from fakellm import FakeLLMServer
from IPython.core.interactiveshell import InteractiveShell
from test_magics import ASK, run_notebook, shown

from traceops_nb import CassetteConflictError, load_cassette

SETUP = ["%load_ext traceops_nb", "import openai\nclient = openai.OpenAI()"]
OLD_MODEL = "client.chat.completions.create(model='gpt-3.5-turbo', messages=[{'role': 'user', 'content': 'hi'}])"


def plain(error: dict[str, Any]) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error["traceback"]))


def test_a_model_with_no_price_is_noted_in_the_outputs_the_same_way_when_recording_and_replaying(
    kernel_env: FakeLLMServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cells = [*SETUP, f"%%record cassettes/old.yaml\n{OLD_MODEL}.choices[0].message.content"]
    recorded = run_notebook(cells, tmp_path)
    kernel_env.stop()
    monkeypatch.setenv("TRACEOPS_RECORD_MODE", "none")
    replayed = run_notebook(cells, tmp_path)

    assert [shown(outputs) for outputs in replayed] == [shown(outputs) for outputs in recorded]
    for run in (recorded, replayed):
        assert [output["output_type"] for output in run[2]] == ["display_data", "execute_result"]  # no stderr
    widget = recorded[2][0]["data"]
    note = "1 call unpriced: gpt-3.5-turbo — add its price with traceops_nb.pricing.register_model('gpt-3.5-turbo'"
    assert note in widget["text/plain"] and html.escape(note) in widget["text/html"]
    assert "cost unknown" in widget["text/plain"]


def test_a_second_cell_recording_the_same_cassette_is_refused_and_tracebacks_quote_the_cell(
    kernel_env: FakeLLMServer, tmp_path: Path
) -> None:
    cells = [
        *SETUP,
        f"%%record cassettes/nb.yaml\n{ASK.format(text='first')}",
        f"%%record cassettes/nb.yaml\n{ASK.format(text='second')}",
        f"%%record cassettes/nb.yaml --mode new_episodes\n{ASK.format(text='third')}",
        "%%record cassettes/other.yaml\nx = 1\n1 / 0",
    ]
    outputs = run_notebook(cells, tmp_path)

    (refused,) = [output for output in outputs[3] if output["output_type"] == "error"]
    assert refused["ename"] == "CassetteConflictError"
    assert "cassettes/nb.yaml is recorded by another cell of this notebook (cell [3]: `client.chat" in refused["evalue"]
    assert "`%%record cassettes/nb_2.yaml`" in refused["evalue"] and "`%traceops notebook`" in refused["evalue"]
    prompts = [event.input_messages[0]["content"] for event in load_cassette(tmp_path / "cassettes" / "nb.yaml").events]
    assert prompts == ["first", "third"]  # the first cell's call kept; appending (new_episodes) is no conflict

    (failed,) = [output for output in outputs[5] if output["output_type"] == "error"]
    traceback = plain(failed)
    assert failed["ename"] == "ZeroDivisionError" and "----> 3 1 / 0" in traceback
    assert "%%record cassettes/other.yaml" in traceback and "_traceops_nb_cell_" not in traceback
    assert "_traceops_nb_cell_" not in plain(refused) and "%%record cassettes/nb.yaml" in plain(refused)


def test_cells_are_known_by_the_id_the_front_end_sends(shell: InteractiveShell, tmp_path: Path) -> None:
    first = f"%%record agent.yaml --quiet\n{ASK.format(text='one')}"
    assert shell.run_cell(first, cell_id="cell-a").success
    assert shell.run_cell(first.replace("one", "one, edited"), cell_id="cell-a").success  # the same cell again
    result = shell.run_cell(f"%%record agent.yaml --quiet\n{ASK.format(text='two')}", cell_id="cell-b")
    assert isinstance(result.error_in_exec, CassetteConflictError)
    assert "restart the kernel" not in str(result.error_in_exec)  # ids are known: no such caveat
    assert [e.input_messages[0]["content"] for e in load_cassette(tmp_path / "agent.yaml").events] == ["one, edited"]
