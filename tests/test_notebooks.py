"""The notebook is the regression test: a changed prompt makes `pytest --nbval` fail, and say why."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
PROMPT = "In one sentence, what is a cassette in record/replay testing?"


def copy_project(tmp_path: Path) -> Path:
    (tmp_path / "notebooks").mkdir()
    shutil.copytree(ROOT / "cassettes", tmp_path / "cassettes")
    return shutil.copy(ROOT / "notebooks" / "01_quickstart.ipynb", tmp_path / "notebooks" / "quickstart.ipynb")


def nbval(notebook: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "--nbval", str(notebook), "-p", "no:cacheprovider", "-p", "no:traceops"]
    return subprocess.run(command, capture_output=True, text=True, cwd=notebook.parent.parent, timeout=300)


def test_the_shipped_notebook_passes_as_saved(tmp_path: Path) -> None:
    result = nbval(copy_project(tmp_path))
    assert result.returncode == 0, result.stdout[-3000:]


def test_a_changed_prompt_fails_naming_the_cell_and_the_difference(tmp_path: Path) -> None:
    notebook_path = copy_project(tmp_path)
    notebook = nbformat.read(notebook_path, as_version=4)
    record_cell = next(cell for cell in notebook.cells if cell.source.startswith("%%record"))
    record_cell.source = record_cell.source.replace(PROMPT, "In two sentences, what is a cassette?")
    nbformat.write(notebook, notebook_path)

    result = nbval(notebook_path)

    assert result.returncode != 0
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    failures = result.stdout.split("quickstart.ipynb::Cell ")[1:]
    first = failures[0]  # nbval numbers the code cells from 0; the first failure is the changed cell
    assert first.startswith(f"{code_cells.index(record_cell)} ")
    assert "CassetteMismatchError" in first
    assert f'messages[0].content: "{PROMPT}" → "In two sentences, what is a cassette?"' in first
