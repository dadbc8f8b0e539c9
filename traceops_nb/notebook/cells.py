"""Which cell of the notebook records which cassette, so that one `%%record` cell never destroys another's calls.

A `%%record` cell that would replace a cassette (mode rewrite) which another cell of this notebook recorded in
this kernel is refused, naming that cell. Cells are known by the id the front end sends with each execution
(JupyterLab, Notebook 7, VS Code). nbclient and nbval send none; there, in a kernel, each execution is a cell of
its own (they run a notebook top to bottom, each cell once). Outside a kernel with no ids (the IPython terminal)
there are no notebook cells, and nothing is checked. Modes that keep what the cassette holds (new_episodes,
once, none) never replace another cell's calls, so they are never refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CassetteConflictError
from ..trace.pricing import in_notebook_kernel


@dataclass(frozen=True)
class Cell:
    key: str  # the front end's cell id, or "execution N" where it sends none
    number: int | None  # its execution count: In [N]
    first_line: str  # its first line of code after the magic
    has_id: bool

    def describe(self) -> str:
        number = f"cell [{self.number}]" if self.number is not None else "a cell"
        return f"{number}: `{self.first_line}`" if self.first_line else number


class CellRegistry:
    """The cell running now (from IPython's pre_run_cell event) and the cassettes each cell recorded."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.current: Cell | None = None
        self._recorded_by: dict[Path, Cell] = {}

    def pre_run_cell(self, info: Any) -> None:
        cell_id = getattr(info, "cell_id", None)
        number = getattr(self.shell, "execution_count", None)
        if number is not None and getattr(info, "store_history", False):
            number -= 1  # IPython has already counted the cell that is about to run
        if not cell_id and not in_notebook_kernel():
            self.current = None
            return
        key = str(cell_id) if cell_id else f"execution {number}"
        self.current = Cell(key, number, _first_line(getattr(info, "raw_cell", "") or ""), bool(cell_id))

    def check(self, path: Path) -> None:
        """Refuse to replace a cassette another cell of this notebook recorded."""
        owner, cell = self._recorded_by.get(_key(path)), self.current
        if owner is None or cell is None or owner.key == cell.key:
            return
        again = path.with_name(f"{path.stem}_2{path.suffix}")
        message = (
            f"{path} is recorded by another cell of this notebook ({owner.describe()}); recording it here, in mode "
            f"rewrite, would replace that cell's calls. Give this cell a cassette of its own (`%%record {again}`), "
            "or record the whole notebook into one cassette with `%traceops notebook` instead of `%%record` lines."
        )
        if not cell.has_id:
            message += (
                " This front end sends no cell ids, so each run counts as a new cell: if this is that cell run "
                "again, restart the kernel first."
            )
        raise CassetteConflictError(message)

    def recorded(self, path: Path) -> None:
        """The current cell wrote this cassette."""
        if self.current is not None:
            self._recorded_by[_key(path)] = self.current


def _key(path: Path) -> Path:
    return path.resolve()


def _first_line(raw_cell: str) -> str:
    lines = [line.strip() for line in raw_cell.splitlines()[1:] if line.strip()]
    return lines[0][:60] if lines else ""
