"""Notebook mode in IPython's own shell: one cassette per notebook, written cell by cell, replayed by content.

Real kernels, nbclient and nbval are in test_notebook_regression.py; these drive the same magics through
InteractiveShell.run_cell, which takes the cell id JupyterLab would send.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fakellm import FakeLLMServer
from IPython.core.interactiveshell import InteractiveShell

from traceops_nb import CassetteMismatchError, UnrecordedCallError, load_cassette
from traceops_nb.cassette.file import read_records
from traceops_nb.intercept import context
from traceops_nb.notebook.mode import CellLog

ASK = "client.chat.completions.create(model='gpt-5.4-mini', messages=[{{'role': 'user', 'content': {text!r}}}])"


@pytest.fixture(autouse=True)
def no_session_left() -> Iterator[None]:
    """Notebook mode lasts as long as its kernel; in this process each test's ends with the test."""
    yield
    for session in reversed(context.entered_sessions()):
        session.__exit__(None, None, None)


@pytest.fixture
def notebook(kernel_env: FakeLLMServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The notebook the shell pretends to run, as our runners name it."""
    monkeypatch.setenv("TRACEOPS_NOTEBOOK", str(tmp_path / "demo.ipynb"))
    return tmp_path / "cassettes" / "demo.yaml"


def run(shell: InteractiveShell, source: str, cell_id: str | None = None) -> Any:
    result = shell.run_cell(source, store_history=True, cell_id=cell_id)
    return result


def prompts(path: Path) -> list[tuple[str | None, str]]:
    return [(r.cell, r.request.body["messages"][0]["content"]) for r in read_records(path)]  # type: ignore[union-attr]


def fresh_shell(monkeypatch: pytest.MonkeyPatch, folder: Path) -> InteractiveShell:
    """A kernel restart: a new shell, the extension loaded again."""
    InteractiveShell.clear_instance()
    monkeypatch.chdir(folder)
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "traceops_nb")
    shell.run_cell("import openai\nclient = openai.OpenAI()")
    return shell


@pytest.fixture
def replaying(kernel_env: FakeLLMServer, monkeypatch: pytest.MonkeyPatch, offline: Any) -> Iterator[list[Any]]:
    """Then: as under nbval: the server gone, no key, every socket refused."""

    def go() -> list[Any]:
        kernel_env.stop()
        monkeypatch.delenv("OPENAI_API_KEY")
        monkeypatch.setenv("TRACEOPS_RECORD_MODE", "none")
        return offline()

    yield go  # type: ignore[misc]


def test_rerunning_a_cell_replaces_only_its_calls(shell: InteractiveShell, notebook: Path) -> None:
    run(shell, "%traceops notebook", "setup")
    run(shell, ASK.format(text="one"), "a")
    run(shell, ASK.format(text="two"), "b")
    assert prompts(notebook) == [("a", "one"), ("b", "two")]

    run(shell, ASK.format(text="uno") + "\n" + ASK.format(text="dos"), "a")  # cell a edited and re-run
    assert prompts(notebook) == [("a", "uno"), ("a", "dos"), ("b", "two")]  # b kept, a's calls in a's place

    before = notebook.read_bytes()
    run(shell, "x = 1", "c")  # no call: nothing changes
    run(shell, ASK.format(text="broken") + "\n1 / 0", "b")  # raised: b keeps its recorded calls
    assert notebook.read_bytes() == before


def test_a_run_without_cell_ids_is_one_recording(shell: InteractiveShell, notebook: Path) -> None:
    run(shell, "%traceops notebook")
    run(shell, ASK.format(text="old"))
    run(shell, "%traceops off")
    run(shell, "%traceops notebook")  # a second top-to-bottom run (as nbclient does it: no ids)
    run(shell, ASK.format(text="new"))
    run(shell, ASK.format(text="new"))  # a cell run twice: both calls kept, in order
    assert [prompt for _, prompt in prompts(notebook)] == ["new", "new"]
    cells = [cell for cell, _ in prompts(notebook)]
    assert len(set(cells)) == 2 and all(cell and cell.startswith("#") for cell in cells)


def test_replay_matches_by_content_across_cells_in_any_order(
    shell: InteractiveShell, notebook: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, replaying: Any
) -> None:
    run(shell, "%traceops notebook --quiet")
    run(shell, f"first = {ASK.format(text='same')}.id")
    run(shell, f"other = {ASK.format(text='other')}.id")
    run(shell, f"second = {ASK.format(text='same')}.id")
    recorded = {name: shell.user_ns[name] for name in ("first", "other", "second")}
    assert recorded["first"] != recorded["second"]

    attempts = replaying()
    shell = fresh_shell(monkeypatch, tmp_path)  # a restart: the cassette was written cell by cell
    run(shell, "%traceops notebook --quiet")
    run(shell, f"other = {ASK.format(text='other')}.id")  # out of order
    run(shell, "x = 2")  # a cell inserted
    run(shell, f"first = {ASK.format(text='same')}.id")
    run(shell, f"second = {ASK.format(text='same')}.id")
    assert {name: shell.user_ns[name] for name in recorded} == recorded  # same request: answers in order
    assert attempts == []


def test_calls_from_a_thread_belong_to_the_notebook(shell: InteractiveShell, notebook: Path) -> None:
    run(shell, "%traceops notebook --quiet")
    thread = f"threading.Thread(target=lambda: {ASK.format(text='threaded')})"
    run(shell, f"import threading\nt = {thread}\nt.start()\nt.join()")
    (record,) = read_records(notebook)
    assert record.cell == f"#{shell.execution_count - 1}"  # the cell that started the thread (In [N])
    assert threading.active_count() >= 1


def test_record_and_replay_cells_keep_their_own_cassettes(shell: InteractiveShell, notebook: Path) -> None:
    run(shell, "%traceops notebook --quiet")
    run(shell, f"%%record own.yaml --quiet\n{ASK.format(text='mine')}")
    run(shell, ASK.format(text="notebook"))
    assert [e.output_text for e in load_cassette("own.yaml").events] == ["echo: mine"]
    assert [prompt for _, prompt in prompts(notebook)] == ["notebook"]


def test_show_and_df_give_the_whole_notebook(shell: InteractiveShell, notebook: Path) -> None:
    run(shell, "%traceops notebook --quiet")
    run(shell, ASK.format(text="one"), "a")
    run(shell, ASK.format(text="two"), "b")
    frame = shell.run_line_magic("traceops", "df")
    assert list(frame["cell"]) == ["a", "b"] and list(frame["step"]) == [0, 1]
    assert "2 LLM calls" in str(shell.run_line_magic("traceops", "debug"))
    assert "notebook mode: cassettes/demo.yaml, rewrite (from default)" in str(shell.run_line_magic("traceops", "mode"))


def test_each_cell_with_calls_shows_its_own_trajectory(shell: InteractiveShell, notebook: Path) -> None:
    shown: list[Any] = []
    shell.display_pub.publish = lambda data, **kwargs: shown.append(data)  # type: ignore[method-assign]
    run(shell, "%traceops notebook")
    run(shell, "y = 1")
    assert shown == []
    run(shell, ASK.format(text="one") + "\n" + ASK.format(text="two"))
    (bundle,) = shown
    assert bundle["text/plain"].startswith("traceops_nb · cassettes/demo.yaml\n2 steps")


def test_without_a_known_notebook_it_asks_for_the_path(
    shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRACEOPS_NOTEBOOK", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    with pytest.raises(ValueError, match=r"give the cassette's path: %traceops notebook cassettes/NAME.yaml"):
        shell.run_line_magic("traceops", "notebook")
    shell.run_line_magic("traceops", "notebook given.yaml --quiet")
    run(shell, ASK.format(text="given"))
    assert [prompt for _, prompt in prompts(Path("given.yaml"))] == ["given"]


def test_replay_only_with_no_cassette_says_how_to_record(
    shell: InteractiveShell, notebook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACEOPS_RECORD_MODE", "none")
    with pytest.raises(Exception, match=r"traceops-nb record NOTEBOOK"):
        shell.run_line_magic("traceops", "notebook")
    assert shell.magics_manager.registry["TraceopsMagics"].notebook is None


def test_an_unrecorded_call_while_replaying_stops_at_once(
    shell: InteractiveShell, kernel_env: FakeLLMServer, monkeypatch: pytest.MonkeyPatch, offline: Any
) -> None:
    monkeypatch.setenv("TRACEOPS_RECORD_MODE", "none")
    attempts = offline()
    call = ASK.format(text="What is the weather in Lisbon today, please tell me").replace(
        "client.", "client.with_options(max_retries=5).", 1
    )
    result = run(shell, f"x = 1\n{call}")
    error = result.error_in_exec
    assert isinstance(error, UnrecordedCallError)
    message = str(error)
    assert 'an openai call (model gpt-5.4-mini, prompt "What is the weather in Lisbon today, please…")' in message
    assert "line 2: client.with_options(max_retries=5).chat.completions.create(" in message
    assert "%%record" in message and "%traceops notebook" in message
    assert attempts == [] and kernel_env.requests == []  # no connection, no retry


def test_cell_log_merges_a_rerun_cell_in_place() -> None:
    from traceops_nb.cassette.interactions import ToolRecord

    old = [ToolRecord("tool_call", name, cell=cell) for name, cell in [("a1", "a"), ("b1", "b"), ("a2", "a")]]
    log = CellLog(old, replace_cells=True)
    log.add("a", [ToolRecord("tool_call", "new")], known_cell=True)
    assert [(r.name, r.cell) for r in log.merged()] == [("new", "a"), ("b1", "b")]
    log.add("#7", [ToolRecord("tool_call", "run")], known_cell=False)
    assert [r.name for r in log.merged()] == ["new", "run"]  # no ids: the old file is not kept


def recorded_then_replaying(
    shell: InteractiveShell, helper: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, replaying: Any
) -> InteractiveShell:
    """`helper` defined and `ask('one')` recorded in notebook mode, then a restarted kernel replaying, the
    helper defined again."""
    run(shell, "%traceops notebook --quiet")
    run(shell, helper)
    run(shell, "ask('one')")
    replaying()
    shell = fresh_shell(monkeypatch, tmp_path)
    run(shell, "%traceops notebook --quiet")
    run(shell, helper)
    return shell


def test_a_miss_the_cells_code_caught_is_the_cells_error(
    shell: InteractiveShell, notebook: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, replaying: Any
) -> None:
    helper = (
        "def ask(text):\n    try:\n        return client.chat.completions.create(model='gpt-5.4-mini', "
        "messages=[{'role': 'user', 'content': text}])\n    except Exception as e:\n"
        "        print('Unable to generate ChatCompletion response')\n        return e"
    )
    shell = recorded_then_replaying(shell, helper, monkeypatch, tmp_path, replaying)
    assert run(shell, "ask('one').choices[0].message.content").result == "echo: one"  # the last expression shown
    result = run(shell, "answer = ask('two')\nanswer")
    assert isinstance(result.error_in_exec, CassetteMismatchError)
    assert 'messages[0].content: "one" → "two"' in str(result.error_in_exec)
    assert run(shell, "ask('one') is not None").error_in_exec is not None  # played already: exhausted
    assert run(shell, "1 + 1").result == 2  # the next cell is not blamed for it


def test_a_caught_miss_is_the_cells_error_also_when_the_stand_in_raises_first(
    shell: InteractiveShell, notebook: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, replaying: Any
) -> None:
    """OpenAI's function-calling cookbook: the helper returns the caught error, the same cell reads
    `.choices` from it. The cell fails with the mismatch, not with the AttributeError that came of it."""
    helper = (
        "def ask(text):\n    try:\n        return client.chat.completions.create(model='gpt-5.4-mini', "
        "messages=[{'role': 'user', 'content': text}])\n    except Exception as e:\n        return e"
    )
    shell = recorded_then_replaying(shell, helper, monkeypatch, tmp_path, replaying)
    result = run(shell, "response = ask('two')\nmessage = response.choices[0].message\nmessage")
    assert isinstance(result.error_in_exec, CassetteMismatchError)
    assert 'messages[0].content: "one" → "two"' in str(result.error_in_exec)
    assert result.error_in_exec.__suppress_context__
    assert isinstance(run(shell, "{}['missing']").error_in_exec, KeyError)  # a cell's own error stays its own
    assert run(shell, "ask('one').choices[0].message.content").result == "echo: one"


def test_a_kernel_that_cannot_name_its_notebook_says_how_to_record_it(
    shell: InteractiveShell, kernel_env: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`jupyter nbconvert --execute` on a notebook with the one-line form: nbclient names no notebook."""
    monkeypatch.delenv("TRACEOPS_NOTEBOOK", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    error = run(shell, "%traceops notebook").error_in_exec
    assert isinstance(error, ValueError)
    assert "%traceops notebook cassettes/NAME.yaml" in str(error)
    assert "jupyter nbconvert and papermill do not tell the kernel" in str(error)
    assert "`traceops-nb record NOTEBOOK` (recording) or `pytest --nbval` (replay), which name it" in str(error)


@pytest.mark.parametrize(
    "announce",
    [
        # VS Code's Jupyter extension runs this in the kernel before the notebook's first cell
        lambda shell, path, monkeypatch: run(shell, f"__vsc_ipynb_file__ = {str(path)!r}"),
        # JupyterLab and Notebook 7 start the kernel with the session's name in its environment
        lambda shell, path, monkeypatch: monkeypatch.setenv("JPY_SESSION_NAME", str(path)),
    ],
    ids=["vscode", "jupyterlab"],
)
def test_the_front_ends_way_of_naming_the_notebook_gives_its_cassette(
    shell: InteractiveShell, kernel_env: FakeLLMServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, announce: Any
) -> None:
    monkeypatch.delenv("TRACEOPS_NOTEBOOK", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    announce(shell, tmp_path / "research" / "agent study.ipynb", monkeypatch)
    shell.run_line_magic("traceops", "notebook --quiet")
    run(shell, ASK.format(text="named by the front end"))
    shell.run_line_magic("traceops", "off")
    written = tmp_path / "research" / "cassettes" / "agent study.yaml"
    assert [prompt for _, prompt in prompts(written)] == ["named by the front end"]


def test_a_prompt_with_todays_date_replays_with_the_field_ignored_on_the_notebooks_line(
    shell: InteractiveShell, notebook: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, replaying: Any
) -> None:
    """Anthropic's tool_choice cookbook puts `date.today()` in its system prompt: the next day's replay
    misses only in that date, says so, and names the notebook line's option that matches regardless."""

    def ask(day: str) -> str:
        return (
            "client.chat.completions.create(model='gpt-5.4-mini', messages=["
            f"{{'role': 'system', 'content': 'Today is {day}. Be brief.'}}, {{'role': 'user', 'content': 'hi'}}])"
        )

    run(shell, "%traceops notebook --quiet")
    run(shell, ask("2026-12-02"))
    replaying()
    shell = fresh_shell(monkeypatch, tmp_path)
    run(shell, "%traceops notebook --quiet")
    missed = run(shell, ask("2026-12-03")).error_in_exec
    assert isinstance(missed, CassetteMismatchError)
    assert "look generated on each run" in str(missed)
    assert "add `--ignore-field messages.0.content`" in str(missed) and "`%traceops notebook` line" in str(missed)

    shell = fresh_shell(monkeypatch, tmp_path)
    run(shell, "%traceops notebook --quiet --ignore-field messages.0.content")
    replayed = run(shell, ask("2026-12-03") + ".choices[0].message.content")
    assert replayed.error_in_exec is None and replayed.result == "echo: hi"
