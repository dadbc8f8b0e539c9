"""The regression loop in a real Jupyter kernel (nbclient): `%%record --compare`, `%traceops accept` /
`rollback` on disk, and a `--mode new_episodes` run that marks replayed and live steps and what replay saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from fakellm import FakeLLMServer
from nbclient import NotebookClient
from test_magics import shown

from traceops_nb import BaselineNotFoundError, load_cassette

ASK = "r = client.chat.completions.create(model='gpt-5.4-mini', messages=[{{'role': 'user', 'content': {text!r}}}])"
SETUP = ["%load_ext traceops_nb", "import os, openai, traceops_nb\nclient = openai.OpenAI()"]
STATE = "sorted(os.listdir('cassettes')), 'hello there' in open('cassettes/agent.yaml').read()"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def execute(cells: list[str], folder: Path) -> Any:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    client = NotebookClient(
        notebook, timeout=60, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    return notebook


def plain(output: Any) -> str:
    return str(output["data"]["text/plain"]) if "data" in output else ""


def result(outputs: list[Any]) -> str:
    """A cell's own result (its last expression)."""
    return next(plain(o) for o in outputs if o["output_type"] == "execute_result")


def record(text: str, options: str = "--compare") -> str:
    return f"%%record cassettes/agent.yaml {options}\n{ASK.format(text=text)}"


def test_compare_then_rollback_then_accept(kernel_env: FakeLLMServer, tmp_path: Path) -> None:
    cells = [
        *SETUP,
        record("hello"),  # 2: no cassette yet
        record("hello"),  # 3: the same again
        record("hello there"),  # 4: a changed prompt
        STATE,  # 5
        "traceops_nb.compare('cassettes/agent.yaml').changes",  # 6
        "%traceops rollback cassettes/agent.yaml",  # 7
        STATE,  # 8
        record("hello there"),  # 9: changed again, from the restored cassette
        "%traceops accept cassettes/agent.yaml",  # 10
        STATE,  # 11
        "%traceops accept cassettes/agent.yaml",  # 12: nothing left to accept
    ]
    outputs = [cell.outputs for cell in execute(cells, tmp_path).cells]

    first, same, changed = outputs[2], outputs[3], outputs[4]
    assert plain(first[0]) == (
        "nothing to compare: cassettes/agent.yaml: this is its first recording (the next --compare run compares "
        "with it)"
    )
    assert "llm:gpt-5.4-mini" in plain(first[1])  # and the trajectory, as a plain %%record shows it
    assert [plain(o) for o in same] == [
        "no changes: cassettes/agent.yaml does what its baseline agent.baseline.yaml did (1 step, same trajectory)"
    ]
    (diff,) = changed  # the diff widget instead of the trajectory
    text = plain(diff)
    assert WIDGET_VIEW in diff["data"]
    assert text.startswith("agent.baseline.yaml → agent.yaml\nprompt changed (1 step) · response changed (1 step)")
    assert "    -user: hello\n    +user: hello there" in text
    assert "prompt changed (1 step)" in diff["data"]["text/html"]

    assert result(outputs[5]) == "(['agent.baseline.yaml', 'agent.yaml'], True)"
    assert result(outputs[6]) == "('prompt', 'response', 'tokens', 'cost')"
    assert result(outputs[7]) == (
        "rolled back cassettes/agent.yaml to its baseline agent.baseline.yaml (the new recording was dropped)"
    )
    assert result(outputs[8]) == "(['agent.yaml'], False)"  # the old recording is back, the baseline gone
    assert "+user: hello there" in plain(outputs[9][0])
    assert result(outputs[10]) == (
        "accepted cassettes/agent.yaml: the new recording stays; its baseline agent.baseline.yaml was removed"
    )
    assert result(outputs[11]) == "(['agent.yaml'], True)"
    error = next(o for o in outputs[12] if o["output_type"] == "error")
    assert error["ename"] == "BaselineNotFoundError" and "agent.baseline.yaml does not exist" in error["evalue"]
    assert len(kernel_env.requests) == 4


def test_a_compare_cell_shows_the_same_in_a_replay_run(
    kernel_env: FakeLLMServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = execute([*SETUP, record("hello", "--quiet"), record("hello there")], tmp_path).cells[3].outputs
    kept = (tmp_path / "cassettes" / "agent.baseline.yaml").read_bytes()

    kernel_env.stop()
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("TRACEOPS_RECORD_MODE", "none")  # as under nbval: the cell replays
    replayed = execute([*SETUP, record("hello there")], tmp_path).cells[2].outputs

    assert shown(replayed) == shown(recorded)
    assert "+user: hello there" in plain(replayed[0])
    assert (tmp_path / "cassettes" / "agent.baseline.yaml").read_bytes() == kept  # a replay leaves it alone


def test_new_episodes_marks_replayed_and_live_steps_and_the_savings(kernel_env: FakeLLMServer, tmp_path: Path) -> None:
    mixed = f"{ASK.format(text='hello')}\n{ASK.format(text='world')}"
    cells = [*SETUP, record("hello", "--quiet"), f"%%record cassettes/agent.yaml --mode new_episodes\n{mixed}"]
    notebook = execute(cells, tmp_path)
    assert len(kernel_env.requests) == 2  # "hello" once, when first recorded; "world" live

    (output,) = notebook.cells[3].outputs
    first = load_cassette(tmp_path / "cassettes" / "agent.yaml").events[0]  # the recorded call replay served
    text = plain(output)
    assert (
        f"1 of 2 steps replayed from the cassette, 1 live · replay saved {first.total_tokens} tokens, "
        f"${first.cost_usd:.6f}" in text
    )
    assert [line.split()[-1] for line in text.splitlines()[-2:]] == ["replayed", "live"]
    assert "<td style='padding:2px 8px'>replayed</td>" in output["data"]["text/html"]

    model_id = output["data"][WIDGET_VIEW]["model_id"]
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"][model_id]["state"]
    assert state["steps"]["replayed"] == [True, False]
    assert state["savings"] == {
        "replayed_steps": 1,
        "live_steps": 1,
        "tokens": first.total_tokens,
        "cost_usd": first.cost_usd,
        "duration_ms": round(first.duration_ms, 1),  # as recorded, not as replayed
    }


def test_a_failing_compare_cell_keeps_the_cassette_and_makes_no_baseline(shell: Any, tmp_path: Path) -> None:
    shell.run_cell(record("hello", "--quiet"))
    before = (tmp_path / "cassettes" / "agent.yaml").read_bytes()
    outcome = shell.run_cell(record("hello there") + "\n1 / 0")
    assert isinstance(outcome.error_in_exec, ZeroDivisionError)
    assert (tmp_path / "cassettes" / "agent.yaml").read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "cassettes").iterdir()) == ["agent.yaml"]


def test_traceops_compare_shows_the_diff_until_accepted(shell: Any) -> None:
    shell.run_cell(record("hello", "--quiet"))
    shell.run_cell(record("hello there", "--compare --quiet"))
    widget = shell.run_line_magic("traceops", "compare cassettes/agent.yaml")
    assert widget.diff.changes == ("prompt", "response", "tokens", "cost")
    assert widget.titles == ["agent.baseline.yaml", "agent.yaml"]
    shell.run_line_magic("traceops", "accept cassettes/agent.yaml")
    with pytest.raises(BaselineNotFoundError, match=r"cannot compare cassettes/agent\.yaml"):
        shell.run_line_magic("traceops", "compare cassettes/agent.yaml")
    with pytest.raises(ValueError, match="usage: %traceops rollback PATH"):
        shell.run_line_magic("traceops", "rollback")
