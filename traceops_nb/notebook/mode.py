"""Notebook mode: one cassette for the whole notebook, written cell by cell.

One session spans the notebook, so replay matches by request content across all of its cells (a cell run
twice, out of order or inserted still replays; the same request from two cells gets its answers in recorded
order), and calls from threads or tasks a cell started belong to it too. After each cell that recorded
calls, the cassette is written (atomically) with those calls tagged by the cell: its id when the front end
sends one (JupyterLab, Notebook 7), else `#N`, the Nth cell run. Re-running a cell then replaces only that
cell's calls; a run with no cell ids (nbclient, nbval) is one recording; a cell with no calls, or one that
raised, changes nothing.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..cassette import file as cassette_file
from ..cassette.interactions import Record
from ..cassette.redact import Redactor
from ..engine.modes import RecordMode, ResolvedMode, resolve_mode
from ..engine.session import Session
from ..errors import CassetteError, CassetteNotFoundError
from ..trace import Trace
from . import locate

# Set by `traceops-nb record`: write to <name>.partial.yaml (it promotes the file once every cell ran), and
# report progress after each cell as JSON in this file.
STAGING_ENV = "TRACEOPS_NOTEBOOK_STAGING"
PROGRESS_ENV = "TRACEOPS_NOTEBOOK_PROGRESS"


class CellLog:
    """The notebook cassette's records by cell, and how they merge with what the file held."""

    def __init__(self, base: Sequence[Record], *, replace_cells: bool) -> None:
        self.base = list(base)
        self.replace_cells = replace_cells  # rewrite: a cell's new calls replace its old ones
        self.by_cell: dict[str, list[Record]] = {}

    def add(self, cell: str, records: Sequence[Record], *, known_cell: bool) -> None:
        if self.replace_cells and not known_cell:
            self.base = []  # no cell ids: nothing says which old call is whose, so this run is one recording
        for record in records:
            record.cell = cell
        if self.replace_cells:
            self.by_cell[cell] = list(records)
        else:
            self.by_cell.setdefault(cell, []).extend(records)

    def merged(self) -> list[Record]:
        """A re-recorded cell's calls where its old ones were, so the cassette's diff in git stays small."""
        if not self.replace_cells:
            return self.base + [record for records in self.by_cell.values() for record in records]
        out: list[Record] = []
        placed: set[str] = set()
        for record in self.base:
            cell = record.cell
            if cell is not None and cell in self.by_cell:
                if cell not in placed:
                    out.extend(self.by_cell[cell])
                    placed.add(cell)
                continue
            out.append(record)
        for cell, records in self.by_cell.items():
            if cell not in placed:
                out.extend(records)
        return out


@dataclass(frozen=True)
class CellMark:
    """Where the session stood when a cell began."""

    recorded: int
    timeline: int


class NotebookSession(Session):
    """The notebook's one session. It never writes on exit: the notebook mode writes after each cell."""

    def _save(self) -> None:
        pass


class NotebookRun:
    """Notebook mode while it is on: the session, the cassette and which cell recorded what."""

    def __init__(
        self, path: Path, mode: ResolvedMode, *, quiet: bool, shown_as: str, ignore_fields: Sequence[str] = ()
    ) -> None:
        self.path, self.quiet, self.shown_as = path, quiet, shown_as
        self.target = path.with_name(f"{path.stem}.partial{path.suffix}") if os.environ.get(STAGING_ENV) else path
        self.progress = os.environ.get(PROGRESS_ENV)
        self.session = NotebookSession(path, mode, ignore_fields=ignore_fields)
        self.log: CellLog | None = None
        self.cell: CellMark | None = None
        self.cells_run = 0

    @classmethod
    def start(
        cls, path: Path, mode: str | None, *, quiet: bool, shown_as: str, ignore_fields: Sequence[str] = ()
    ) -> NotebookRun:
        run = cls(
            path, resolve_mode(mode, RecordMode.REWRITE), quiet=quiet, shown_as=shown_as, ignore_fields=ignore_fields
        )
        resolved = run.session.mode
        # read first: a cassette that cannot be read stops notebook mode before its session begins
        old = cassette_file.read_records(path) if resolved.mode is not RecordMode.NONE and path.exists() else []
        try:
            run.session.__enter__()
        except CassetteNotFoundError:
            raise CassetteNotFoundError(
                f"notebook cassette {shown_as} does not exist, and notebook mode replays only here "
                f"(mode none from {resolved.source}). Record it: `traceops-nb record NOTEBOOK` from a "
                "terminal, or run the notebook once with `%traceops notebook --mode rewrite`."
            ) from None
        if run.session.recording:
            run.log = CellLog(old, replace_cells=resolved.mode is not RecordMode.NEW_EPISODES)
        return run

    @property
    def mode(self) -> ResolvedMode:
        return self.session.mode

    @property
    def trace(self) -> Trace:
        return Trace(self.session.trace.records, cassette=self.shown_as)

    def begin_cell(self) -> None:
        self.session.forget_failures()  # an earlier cell's, raised there or by its own error
        self.cell = CellMark(len(self.session.recorded), len(self.session.trace.records))

    def raise_caught(self, *, raised: BaseException | None = None) -> None:
        """A miss the cell's code caught is still the cell's result: raised as the session raises it on exit.
        `raised`: what the cell's code raised meanwhile. When it is the miss itself, it goes on as it is; else
        it came of the stand-in value the miss left (`'CassetteMismatchError' object has no attribute
        'choices'`), and the miss replaces it."""
        try:
            if raised is None:
                self.session.raise_failures()
            elif raised not in self.session.failures:
                try:
                    self.session.raise_failures()
                except CassetteError as miss:
                    raise miss from None
        finally:  # each cell's misses are its own: the next cell starts with none raised
            self.session.forget_failures()

    def end_cell(self, cell_id: str | None, execution_count: int | None, *, failed: bool) -> Trace | None:
        """Write the cell's calls (unless it raised); the cell's own trace, when it made calls."""
        mark, self.cell = self.cell, None
        if mark is None:
            return None
        self.cells_run += 1
        new = self.session.recorded[mark.recorded :]
        if new and not failed and self.log is not None:
            self.log.add(cell_id or f"#{execution_count}", new, known_cell=cell_id is not None)
            self.write()
        self._report_progress()
        steps = self.session.trace.records[mark.timeline :]
        return Trace(steps, cassette=self.shown_as) if steps else None

    def write(self) -> None:
        if self.log is not None:
            cassette_file.write_interactions(self.target, self.log.merged(), Redactor.from_environment())

    def stop(self) -> None:
        """`%traceops off`: no call is recorded from now on; the cell that says so still ends its part
        (end_cell), keeping the calls it made before."""
        self.session.__exit__(None, None, None)

    def _report_progress(self) -> None:
        if not self.progress:
            return
        trace = self.session.trace
        cost = trace.total_cost_usd
        report = {
            "cassette": str(self.path),
            "written": str(self.target) if self.target.exists() else None,
            "cells": self.cells_run,
            "llm_calls": trace.total_llm_calls,
            "tokens": trace.total_tokens,
            "cost_usd": None if math.isnan(cost) else cost,
        }
        cassette_file.atomic_write(Path(self.progress), json.dumps(report).encode(), durable=False)


def shown_path(path: Path) -> str:
    """The cassette as titles show it: relative to the notebook's folder (the kernel's), else its name, so a
    record run and a replay run show the same text wherever they run."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.name


def resolve_cassette(options: locate.NotebookOptions, user_ns: dict[str, object]) -> Path:
    if options.path:
        return Path(options.path)
    notebook = locate.running_notebook(user_ns)
    if notebook is None:
        raise ValueError(
            "%traceops notebook: cannot tell which notebook this kernel runs (no JPY_SESSION_NAME, "
            "__vsc_ipynb_file__ or TRACEOPS_NOTEBOOK: jupyter nbconvert and papermill do not tell the kernel); "
            "give the cassette's path: %traceops notebook cassettes/NAME.yaml, or run the notebook with "
            "`traceops-nb record NOTEBOOK` (recording) or `pytest --nbval` (replay), which name it"
        )
    return locate.default_cassette(notebook, locate.cassette_dir())
