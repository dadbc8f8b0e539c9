"""%%record, %%replay and %traceops in a real Jupyter kernel (nbclient) and in IPython's own shell."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from fakellm import FakeLLMServer
from IPython.core.interactiveshell import InteractiveShell
from nbclient import NotebookClient

from traceops_nb import CassetteMismatchError, Trace, load_cassette

ASK = "client.chat.completions.create(model='gpt-5.4-mini', messages=[{{'role': 'user', 'content': {text!r}}}])"


def run_notebook(cells: list[str], folder: Path) -> list[Any]:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    client = NotebookClient(
        notebook, timeout=60, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    return [cell.outputs for cell in notebook.cells]


def shown(outputs: list[Any]) -> list[Any]:
    """What nbval compares: output types, text/plain, text/html and streams (not execution counts)."""
    result = []
    for output in outputs:
        data = output.get("data", {})
        result.append((output["output_type"], output.get("text"), data.get("text/plain"), data.get("text/html")))
    return result


def test_record_and_replay_show_the_same_outputs_in_a_real_kernel(
    kernel_env: FakeLLMServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cells = [
        "%load_ext traceops_nb",
        "import openai\nclient = openai.OpenAI()",
        f"%%record cassettes/chat.yaml --as run\nanswer = {ASK.format(text='hello')}\n"
        "answer.choices[0].message.content",
        "%%record cassettes/async.yaml\naclient = openai.AsyncOpenAI()\n"
        f"reply = await a{ASK.format(text='async')}\n"
        "reply.choices[0].message.content",
        "run.trajectory, type(run).__name__",
    ]
    recorded = run_notebook(cells, tmp_path)
    assert len(kernel_env.requests) == 2
    assert (tmp_path / "cassettes" / "chat.yaml").exists()  # relative to the notebook's folder

    kernel_env.stop()
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("TRACEOPS_RECORD_MODE", "none")  # as under pytest / nbval: every %%record replays
    replayed = run_notebook(cells, tmp_path)

    assert [shown(o) for o in replayed] == [shown(o) for o in recorded]
    chat, async_cell, last = recorded[2], recorded[3], recorded[4]
    assert [o["output_type"] for o in chat] == ["display_data", "execute_result"]  # no stdout / stderr
    assert chat[1]["data"]["text/plain"] == "'echo: hello'"
    assert "llm:gpt-5.4-mini" in chat[0]["data"]["text/plain"] and "<table>" in chat[0]["data"]["text/html"]
    assert async_cell[-1]["data"]["text/plain"] == "'echo: async'"
    assert last[0]["data"]["text/plain"] == "(['llm:gpt-5.4-mini'], 'Trace')"


def test_a_replay_miss_is_a_short_plain_error_naming_the_cell_line(kernel_env: FakeLLMServer, tmp_path: Path) -> None:
    cells = [
        "%load_ext traceops_nb",
        "import openai\nclient = openai.OpenAI()",
        f"%%record agent.yaml\n{ASK.format(text='hi')}",
        f"%%replay agent.yaml\nx = 1\n{ASK.format(text='hi there')}",
    ]
    outputs = run_notebook(cells, tmp_path)[3]
    error = next(o for o in outputs if o["output_type"] == "error")
    assert error["ename"] == "CassetteMismatchError"
    assert 'messages[0].content: "hi" → "hi there"' in error["evalue"]
    traceback = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error["traceback"]))
    assert "hi there" in traceback and "----> 3" in traceback  # the cell's own line 3 made the call
    assert "site-packages" not in traceback and "_base_client" not in traceback


def test_a_failing_cell_keeps_the_cassette_and_its_trace(shell: InteractiveShell, tmp_path: Path) -> None:
    shell.run_cell(f"%%record agent.yaml\n{ASK.format(text='good')}")
    before = (tmp_path / "agent.yaml").read_bytes()
    result = shell.run_cell(f"%%record agent.yaml --as failed --keep-partial\n{ASK.format(text='new')}\n1 / 0")
    assert isinstance(result.error_in_exec, ZeroDivisionError)  # the cell's own error, unchanged
    assert (tmp_path / "agent.yaml").read_bytes() == before
    trace = shell.user_ns["failed"]
    assert isinstance(trace, Trace) and trace.events[0].output_text == "echo: new"
    assert load_cassette(tmp_path / "agent.partial.yaml").events[0].output_text == "echo: new"


def test_replay_raises_the_mismatch_as_the_cells_error(shell: InteractiveShell, kernel_env: FakeLLMServer) -> None:
    shell.run_cell(f"%%record agent.yaml\n{ASK.format(text='one')}")
    kernel_env.stop()
    result = shell.run_cell(f"%%replay agent.yaml\n{ASK.format(text='two')}")
    assert isinstance(result.error_in_exec, CassetteMismatchError)
    assert (
        shell.run_cell(f"%%replay agent.yaml\n{ASK.format(text='one')}.choices[0].message.content").result
        == "echo: one"
    )


def test_traceops_line_magic(shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch) -> None:
    shell.run_cell(f"%%record agent.yaml --as run --quiet\n{ASK.format(text='step')}")
    assert str(shell.run_line_magic("traceops", "mode")) == "%%record mode: rewrite (from default)"
    monkeypatch.setenv("TRACEOPS_RECORD_MODE", "none")
    assert "none (from environment variable TRACEOPS_RECORD_MODE)" in str(shell.run_line_magic("traceops", "mode"))
    assert "→ echo: step" in str(shell.run_line_magic("traceops", "debug run"))
    assert "→ echo: step" in str(shell.run_line_magic("traceops", "debug agent.yaml"))
    with pytest.raises(ValueError, match="unknown %traceops command 'fly'"):
        shell.run_line_magic("traceops", "fly")


def test_help_text_says_what_to_do() -> None:
    from traceops_nb.notebook.magics import TraceopsMagics

    record_help = TraceopsMagics.record.__doc__ or ""
    assert "Run the cell, recording every OpenAI, Anthropic and Google Gemini SDK call" in record_help
    assert "--keep-partial" in (TraceopsMagics.record.__doc__ or "")
    assert "CassetteMismatchError" in (TraceopsMagics.replay.__doc__ or "")


def test_the_cell_magic_also_works_when_called_by_code(shell: InteractiveShell, tmp_path: Path) -> None:
    shell.run_cell_magic("record", "direct.yaml --as run --quiet", ASK.format(text="direct"))
    assert load_cassette(tmp_path / "direct.yaml").events[0].output_text == "echo: direct"
    assert shell.user_ns["run"].total_llm_calls == 1


def test_a_replay_cell_whose_helper_swallowed_the_miss_ends_with_it(kernel_env: FakeLLMServer, tmp_path: Path) -> None:
    swallow = "    except Exception:\n        return None\n"
    helper = f"def helper():\n    try:\n        return {ASK.format(text='changed')}\n{swallow}"
    cells = [
        "%load_ext traceops_nb",
        "import openai\nclient = openai.OpenAI()",
        f"%%record agent.yaml\n{ASK.format(text='hi')}",
        f"%%replay agent.yaml\n{helper}answer = helper()\nprint('the cell went on:', answer)",
        "answer",
    ]
    outputs = run_notebook(cells, tmp_path)
    replay = outputs[3]
    assert [o["output_type"] for o in replay] == ["stream", "error"]
    assert replay[0]["text"] == "the cell went on: None\n"
    assert replay[1]["ename"] == "CassetteMismatchError"
    assert 'messages[0].content: "hi" → "changed"' in replay[1]["evalue"]
    assert len(kernel_env.requests) == 1
