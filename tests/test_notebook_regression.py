"""The whole notebook is the regression test, in real kernels: `traceops-nb record` against the fake server,
then strict `pytest --nbval --traceops-notebooks` with the server unused and no keys; the one-line form under
plain `pytest --nbval`; a changed prompt fails naming its cell and the difference.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from clients import FORBIDDEN_IN_CASSETTES
from cookbooks import NOTEBOOKS, write_notebook
from fakellm import FakeLLMServer, ToolCall
from notebook_runs import live_env, nbval, record, replay_env

from traceops_nb import load_cassette
from traceops_nb.cassette.file import read_records, write_interactions

RECORDED = ("function_calling", "streaming", "claude_agent")


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as server:
        server.replies["What is the weather in Lisbon?"] = ToolCall("get_weather", {"location": "Lisbon"})
        yield server


@pytest.fixture(scope="module")
def recorded(fake: FakeLLMServer, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("cookbooks")
    notebooks = [write_notebook(folder, name, NOTEBOOKS[name]) for name in RECORDED]
    result = record(live_env(fake), *notebooks)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("saved with its replayed outputs") == 3, result.stdout
    return notebooks


def test_record_writes_one_cassette_per_notebook_named_by_cell(recorded: list[Path], fake: FakeLLMServer) -> None:
    function_calling = recorded[0]
    cassette = function_calling.parent / "cassettes" / "function_calling.yaml"
    records = read_records(cassette)
    cell_ids = [cell.id for cell in nbformat.read(function_calling, as_version=4).cells]
    assert [record.cell for record in records] == [cell_ids[i] for i in (3, 4, 5, 6, 7)]
    trace = load_cassette(cassette)
    assert trace.total_llm_calls == 5 and "tool:get_current_weather" in trace.trajectory
    assert len(fake.requests) == 5 + 2 + 2
    text = "".join(path.read_text() for path in cassette.parent.glob("*.yaml")).lower()
    assert not [needle for needle in FORBIDDEN_IN_CASSETTES if needle.lower() in text]


def test_saved_notebooks_pass_strict_nbval_with_no_key_and_no_network(
    recorded: list[Path], fake: FakeLLMServer
) -> None:
    function_calling = recorded[0]
    notebook = nbformat.read(function_calling, as_version=4)
    notebook.cells.insert(2, nbformat.v4.new_code_cell("inserted_after_recording = True"))
    nbformat.write(notebook, function_calling)
    saved = _outputs(function_calling)
    assert saved[6][0]["data"]["text/plain"] != saved[7][0]["data"]["text/plain"]  # same request: 2 answers
    assert saved[5][0]["text"] == "final: 14 degrees and raining\n"  # the helper's answer, printed
    before = len(fake.requests)

    result = nbval(replay_env(fake), "--traceops-notebooks", *recorded)

    assert result.returncode == 0, result.stdout[-4000:]
    assert "passed" in result.stdout and "failed" not in result.stdout
    assert len(fake.requests) == before  # every answer came from the cassettes


def test_a_changed_prompt_fails_naming_the_cell_and_the_difference(recorded: list[Path], fake: FakeLLMServer) -> None:
    streaming = recorded[1]
    changed = streaming.with_name("streaming_changed.ipynb")
    notebook = nbformat.read(streaming, as_version=4)
    notebook.cells[1].source = notebook.cells[1].source.replace("Count to ten, please", "Count to twenty, please")
    nbformat.write(notebook, changed)
    (streaming.parent / "cassettes" / "streaming_changed.yaml").write_bytes(
        (streaming.parent / "cassettes" / "streaming.yaml").read_bytes()
    )

    result = nbval(replay_env(fake), "--traceops-notebooks", changed)

    assert result.returncode != 0
    failures = result.stdout.split("streaming_changed.ipynb::Cell ")[1:]
    assert failures and failures[0].startswith("1 ")
    assert "CassetteMismatchError" in failures[0]
    assert 'messages[0].content: "Count to ten, please" → "Count to twenty, please"' in failures[0]


def test_a_notebook_with_no_cassette_fails_with_one_line(tmp_path: Path, fake: FakeLLMServer) -> None:
    notebook = write_notebook(tmp_path, "unrecorded", NOTEBOOKS["streaming"])
    result = nbval(replay_env(fake), "--traceops-notebooks", notebook)
    assert result.returncode != 0
    assert "1 error" in result.stdout and "2 deselected" in result.stdout
    assert f"`traceops-nb record {notebook.name}`, then commit" in result.stdout  # nbval runs in its folder


def test_the_one_line_form_passes_plain_nbval(tmp_path: Path, fake: FakeLLMServer) -> None:
    notebook = write_notebook(tmp_path, "one_line", NOTEBOOKS["one_line"])
    assert record(live_env(fake), notebook).returncode == 0
    assert load_cassette(tmp_path / "cassettes" / "one_line.yaml").trajectory == ["llm:gpt-5.4-mini"]
    before = len(fake.requests)

    result = nbval(replay_env(fake), notebook)

    assert result.returncode == 0, result.stdout[-4000:]
    assert "4 passed" in result.stdout
    assert len(fake.requests) == before


def test_a_failing_cell_keeps_the_old_cassette_and_writes_the_partial(tmp_path: Path, fake: FakeLLMServer) -> None:
    notebook = write_notebook(tmp_path, "broken", [*NOTEBOOKS["streaming"][:2], "1 / 0", "never = True"])
    cassette = tmp_path / "cassettes" / "broken.yaml"
    write_interactions(cassette, [])
    old = cassette.read_bytes()

    result = record(live_env(fake), notebook)

    assert result.returncode == 1
    assert "cell 3 of 4 raised ZeroDivisionError: division by zero" in result.stderr
    assert cassette.read_bytes() == old
    partial = load_cassette(tmp_path / "cassettes" / "broken.partial.yaml")
    assert partial.trajectory == ["llm:gpt-5.4-mini"]
    assert _outputs(notebook)[1] == []  # the notebook was not saved


def _outputs(path: Path) -> list[list[Any]]:
    return [cell.get("outputs", []) for cell in nbformat.read(path, as_version=4).cells]


def test_a_notebook_asking_for_a_kernel_not_installed_says_how_to_run_it(tmp_path: Path, fake: FakeLLMServer) -> None:
    """Anthropic's cookbook notebooks name their authors' kernel ("ant-tools-sdk") in their metadata."""
    notebook = write_notebook(tmp_path, "their_kernel", NOTEBOOKS["streaming"])
    content = nbformat.read(notebook, as_version=4)
    content.metadata["kernelspec"] = {"name": "ant-tools-sdk", "display_name": "Anthropic Tools SDK"}
    nbformat.write(content, notebook)

    result = record(live_env(fake), notebook)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"{notebook}: the notebook asks for the kernel 'ant-tools-sdk', which is not installed here; run it in "
        "another with `traceops-nb record --kernel python3 …`, and test it with "
        "`pytest --nbval --nbval-kernel-name python3 …`"
    ]
