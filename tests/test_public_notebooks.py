"""Public cookbook notebooks, tried as a user tries them: `traceops-nb record` against the fake server, strict
`pytest --nbval --traceops-notebooks` three times with no key and the server unused, the one-line form under
plain `pytest --nbval`, and a changed prompt that fails naming its cell and the difference.

The notebooks are not copied into this repository, which holds only code written for it. Check them out and
point TRACEOPS_PUBLIC_NOTEBOOKS at the folder holding both checkouts:

    git clone https://github.com/openai/openai-cookbook        # MIT licence
    git clone https://github.com/anthropics/claude-cookbooks    # MIT licence
    TRACEOPS_PUBLIC_NOTEBOOKS=$PWD pytest -m public_notebooks tests/test_public_notebooks.py

The module is deselected unless `-m public_notebooks` asks for it, and then fails at once without the folder.
What a user changes before the notebooks run here, and why, is in PUBLIC:
`pip install` cells are dropped (the packages are installed), a cell of ours is inserted where a notebook needs
what this machine has not (a package, the web, an import the notebook forgot), and every notebook runs in the
`python3` kernel (Anthropic's name their authors' `ant-tools-sdk`). Cells that print timings are compared
with the seconds sanitized (nbval's --nbval-sanitize-with), as they differ between any two runs.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from clients import FORBIDDEN_IN_CASSETTES
from fakellm import FakeLLMServer, ToolCall
from notebook_runs import live_env, nbval, record, replay_env

from traceops_nb import Interaction
from traceops_nb.cassette.file import read_records

FOLDER_ENV = "TRACEOPS_PUBLIC_NOTEBOOKS"
KERNEL = ("--nbval-kernel-name", "python3")

pytestmark = pytest.mark.public_notebooks


@dataclass(frozen=True)
class Public:
    """One public notebook at the commit it was tried at, and what a user changes before it runs here."""

    checkout: str  # the clone's folder name under TRACEOPS_PUBLIC_NOTEBOOKS
    path: str
    commit: str
    code_cells: int  # at that commit: another version of the notebook stops here, not in a confusing way later
    operations: dict[str, int]  # the cassette's interactions, by operation
    dropped: tuple[int, ...] = ()  # code cells removed, by index
    inserted: dict[int, str] = field(default_factory=dict)  # a cell of ours before code cell N (index)

    @property
    def name(self) -> str:
        return Path(self.path).stem


TERMCOLOR = """\
# Inserted: termcolor is not installed here; the notebook only imports it (pretty_print_conversation is unused).
import sys, types
sys.modules["termcolor"] = types.SimpleNamespace(colored=lambda text, color=None: text)"""

DEDENT = "from textwrap import dedent  # inserted: the notebook calls dedent() without importing it"

ARTICLES = """\
# Inserted: no web here. The notebook's get_article_content() downloads three Wikipedia pages with requests;
# this one returns a paragraph for each instead.
ARTICLES = {
    "Convolutional_neural_network": "Convolutional neural networks were introduced by Fukushima in 1980.",
    "Large_language_model": "Large language models are built on the transformer architecture of 2017.",
    "Mixture_of_experts": "Mixture of experts was proposed by Jacobs, Jordan, Nowlan and Hinton in 1991.",
}

def get_article_content(url):
    return ARTICLES[url.rsplit("/", 1)[-1]]"""

PUBLIC = {
    public.name: public
    for public in (
        Public(
            "openai-cookbook",
            "examples/How_to_call_functions_with_chat_models.ipynb",
            "0359284682f2a50565bce372cf5b0841873c2cfd",
            code_cells=20,
            operations={"chat.completions": 10},
            dropped=(0,),  # !pip install scipy tenacity tiktoken termcolor openai
            inserted={1: TERMCOLOR},
        ),
        Public(
            "openai-cookbook",
            "examples/How_to_stream_completions.ipynb",
            "115af68e5bd4948369089368709a88f7de558cb8",
            code_cells=8,
            operations={"chat.completions": 4},
        ),
        Public(
            "openai-cookbook",
            "examples/Structured_Outputs_Intro.ipynb",
            "0c70cd3a191b9361ba73616944620d3c4ca9d290",
            code_cells=23,
            operations={"chat.completions": 12},
            inserted={0: DEDENT, 12: ARTICLES},
        ),
        Public(
            "openai-cookbook",
            "examples/responses_api/responses_example.ipynb",
            "3b9c851f02e9ada3ee2379f3d7c0bc9b6746719a",
            code_cells=11,
            operations={"responses": 5, "responses.retrieve": 1},
        ),
        Public(
            "claude-cookbooks",
            "tool_use/customer_service_agent.ipynb",
            "4b36a1e1f64361397f4cbe4fbc7cdace338f16f8",
            code_cells=7,
            operations={"messages": 6},
            dropped=(0,),  # %pip install anthropic
        ),
    )
}

# What the model answers, where the notebooks' own code depends on it: the tools they define, called with
# arguments their schemas ask for (elsewhere the fake server calls the first tool offered, or echoes).
REPLIES = {
    "Can you tell me the email address for customer C1?": ToolCall("get_customer_info", {"customer_id": "C1"}),
    "What is the status of order O2?": ToolCall("get_order_details", {"order_id": "O2"}),
    "Please cancel order O1 for me.": ToolCall("cancel_order", {"order_id": "O1"}),
    "What is the name of the album with the most tracks?": ToolCall(
        "ask_database",
        {
            "query": "SELECT Album.Title, COUNT(*) AS TrackCount FROM Album JOIN Track ON Album.AlbumId = "
            "Track.AlbumId GROUP BY Album.Title ORDER BY TrackCount DESC LIMIT 1;"
        },
    ),
}

SANITIZE = """\
[seconds]
regex: \\d+\\.\\d+ seconds
replace: N.NN seconds
"""


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as server:
        server.replies.update(REPLIES)
        yield server


def prepared(public: Public, folder: Path) -> Path:
    """The notebook as a user would run it here: PUBLIC's drops and insertions, outputs cleared."""
    checkouts = os.environ.get(FOLDER_ENV)
    assert checkouts, f"{FOLDER_ENV} must name the folder holding the cookbook checkouts (see the module's docstring)"
    source = Path(checkouts) / public.checkout / public.path
    notebook = nbformat.read(source, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert len(code) == public.code_cells, f"{public.path} is not the version tried (commit {public.commit})"
    cells, index = [], 0
    for cell in notebook.cells:
        if cell.cell_type == "code":
            if index in public.inserted:
                cells.append(nbformat.v4.new_code_cell(public.inserted[index]))
            cell.outputs, cell.execution_count = [], None
            index += 1
            if index - 1 in public.dropped:
                continue
        cells.append(cell)
    notebook.cells = cells
    path = folder / Path(public.path).name
    nbformat.write(notebook, path)
    return path


def chinook(folder: Path) -> None:
    """The function-calling notebook opens data/Chinook.db (a sample database it does not ship): a small one."""
    (folder / "data").mkdir(exist_ok=True)
    with sqlite3.connect(folder / "data" / "Chinook.db") as db:
        db.execute("CREATE TABLE Album (AlbumId INTEGER PRIMARY KEY, Title TEXT)")
        db.execute("CREATE TABLE Track (TrackId INTEGER PRIMARY KEY, Name TEXT, AlbumId INTEGER)")
        db.executemany("INSERT INTO Album VALUES (?, ?)", [(1, "Greatest Hits"), (2, "Unplugged")])
        db.executemany("INSERT INTO Track VALUES (?, ?, ?)", [(1, "One", 1), (2, "Two", 1), (3, "Three", 2)])


def prepare_all(folder: Path) -> list[Path]:
    chinook(folder)
    (folder / "sanitize.cfg").write_text(SANITIZE)
    return [prepared(public, folder) for public in PUBLIC.values()]


@pytest.fixture(scope="module")
def recorded(fake: FakeLLMServer, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    notebooks = prepare_all(tmp_path_factory.mktemp("public"))
    result = record(live_env(fake), "--kernel", "python3", *notebooks)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("saved with its replayed outputs") == len(PUBLIC), result.stdout
    return notebooks


def strict(env: dict[str, str], *notebooks: Path, options: tuple[str, ...] = ("--traceops-notebooks",)) -> str:
    folder = notebooks[0].parent
    result = nbval(env, *options, *KERNEL, "--nbval-sanitize-with", folder / "sanitize.cfg", *notebooks)
    assert result.returncode == 0, result.stdout[-4000:]
    return result.stdout


def code_cells(path: Path) -> int:
    return sum(cell.cell_type == "code" for cell in nbformat.read(path, as_version=4).cells)


def test_each_notebook_records_one_cassette_of_its_calls(recorded: list[Path], fake: FakeLLMServer) -> None:
    total = 0
    for path, public in zip(recorded, PUBLIC.values(), strict=True):
        records = read_records(path.parent / "cassettes" / f"{path.stem}.yaml")
        calls = [record for record in records if isinstance(record, Interaction)]
        assert Counter(call.operation for call in calls) == public.operations, path.name
        total += len(calls)
    assert len(fake.requests) == total
    text = "".join(path.read_text() for path in (recorded[0].parent / "cassettes").glob("*.yaml")).lower()
    assert not [needle for needle in FORBIDDEN_IN_CASSETTES if needle.lower() in text]


def test_the_saved_notebooks_pass_strict_nbval_three_times_with_no_key_and_no_network(
    recorded: list[Path], fake: FakeLLMServer
) -> None:
    before = len(fake.requests)
    cells = sum(code_cells(path) for path in recorded)
    for _ in range(3):
        assert f"{cells} passed in" in strict(replay_env(fake), *recorded)
    assert len(fake.requests) == before  # every answer came from the cassettes


def test_the_one_line_form_passes_plain_nbval(fake: FakeLLMServer, tmp_path: Path) -> None:
    notebooks = prepare_all(tmp_path)
    for path in notebooks:
        notebook = nbformat.read(path, as_version=4)
        notebook.cells.insert(0, nbformat.v4.new_code_cell("%load_ext traceops_nb\n%traceops notebook"))
        nbformat.write(notebook, path)
    assert record(live_env(fake), "--kernel", "python3", *notebooks).returncode == 0
    before = len(fake.requests)

    output = strict(replay_env(fake), *notebooks, options=())

    assert f"{sum(code_cells(path) for path in notebooks)} passed in" in output
    assert len(fake.requests) == before


@pytest.mark.parametrize(
    ("name", "cell", "old", "new", "difference"),
    [
        # the prompt is asked through the notebook's helper, which catches the miss and returns it
        (
            "How_to_call_functions_with_chat_models",
            5,
            "What's the weather like today",
            "What's the weather like tomorrow",
            '''messages[1].content: "What's the weather like today" → "What's the weather like tomorrow"''',
        ),
        # the third question of the cell, asked inside the agent loop of an earlier cell
        (
            "customer_service_agent",
            5,
            "Please cancel order O1 for me.",
            "Please cancel order O2 for me.",
            'messages[0].content: "Please cancel order O1 for me." → "Please cancel order O2 for me."',
        ),
        ("responses_example", 4, '"tell me another"', '"tell me two more"', 'input: "tell me another" → "tell me two'),
    ],
    ids=["helper-catches-it", "agent-loop", "responses"],
)
def test_a_changed_prompt_fails_naming_the_cell_and_the_difference(
    recorded: list[Path], fake: FakeLLMServer, tmp_path: Path, name: str, cell: int, old: str, new: str, difference: str
) -> None:
    saved = recorded[list(PUBLIC).index(name)]
    changed = tmp_path / saved.name
    (tmp_path / "cassettes").mkdir()
    shutil.copy(saved.parent / "cassettes" / f"{name}.yaml", tmp_path / "cassettes")
    notebook = nbformat.read(saved, as_version=4)
    edited = [c for c in notebook.cells if c.cell_type == "code" and old in c.source]
    assert len(edited) == 1
    edited[0].source = edited[0].source.replace(old, new)
    nbformat.write(notebook, changed)

    result = nbval(replay_env(fake), "--traceops-notebooks", *KERNEL, changed)

    assert result.returncode != 0
    failures = result.stdout.split(f"{changed.name}::Cell ")[1:]
    assert failures and failures[0].startswith(f"{cell} ")
    assert "CassetteMismatchError" in failures[0] and difference in failures[0]
    assert "object has no attribute" not in failures[0]
