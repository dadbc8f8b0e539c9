"""`traceops-nb record NOTEBOOK…`: make notebooks regression tests with no edit to them.

Each notebook runs top to bottom in its own kernel (nbclient) in notebook mode, started by the startup file of
a profile folder of our own, and its cassette is written beside it. The kernel writes to `<name>.partial.yaml`
and reports after each cell; only when every cell ran is the partial file made the cassette, so a cell that
raises leaves the old cassette as it was and the partial recording beside it. Then the notebook runs again,
replaying only, and is saved with those outputs: what strict nbval will compare them with.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from ..cassette import file as cassette_file
from ..trace.event import format_cost, plural
from . import locate, startup
from .mode import PROGRESS_ENV, STAGING_ENV

RECORD_MODES = ("rewrite", "all", "once", "new_episodes")
CELL_TIMEOUT_S = 600
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class Options:
    mode: str = "rewrite"
    cassette_dir: Path | None = None
    kernel: str | None = None


class KernelMissing(Exception):
    """The notebook's kernel (or --kernel's) is not installed here."""

    def __init__(self, kernel: str) -> None:
        super().__init__(kernel)
        self.kernel = kernel


class CellFailed(Exception):
    """A cell raised: the notebook stops there."""

    def __init__(self, index: int, total: int, ename: str, evalue: str, traceback: str) -> None:
        super().__init__(f"cell {index} of {total} raised {ename}: {evalue}")
        self.traceback = traceback


def record_notebooks(paths: Sequence[Path], options: Options) -> int:
    """Progress on stderr, a summary line per notebook; exit status 0 when every notebook was recorded and
    replayed, else 1."""
    failed = 0
    for path in paths:
        ok, line = record_notebook(path, options, sys.stderr)
        print(line, file=sys.stdout if ok else sys.stderr)
        failed += not ok
    return 1 if failed else 0


def record_notebook(path: Path, options: Options, err: TextIO) -> tuple[bool, str]:
    cassette, _ = locate.notebook_cassette(path, options.cassette_dir)
    partial = cassette.with_name(f"{cassette.stem}.partial{cassette.suffix}")
    partial.unlink(missing_ok=True)
    try:
        executed, progress = _run(path, options, err, recording=True)
    except KernelMissing as missing:  # public notebooks name their authors' kernels ("ant-tools-sdk")
        return False, (
            f"{path}: the notebook asks for the kernel {missing.kernel!r}, which is not installed here; run it in "
            "another with `traceops-nb record --kernel python3 …`, and test it with "
            "`pytest --nbval --nbval-kernel-name python3 …`"
        )
    except CellFailed as failure:
        print(_ANSI.sub("", failure.traceback), file=err)
        kept = "kept as it was" if cassette.exists() else "not written"
        saved = f"; what was recorded is in {partial}" if partial.exists() else ""
        return False, f"{path}: {failure}; {cassette} {kept}{saved}"
    if partial.exists():
        _name_cells(partial, executed)
        os.replace(partial, cassette)
    if not cassette.exists():
        return False, f"{path}: the notebook made no SDK call, so there is nothing to record (no cassette written)"
    try:
        replayed, _ = _run(path, options, err, recording=False)
    except CellFailed as failure:
        print(_ANSI.sub("", failure.traceback), file=err)
        return False, f"{path}: recorded into {cassette}, but replaying it failed: {failure}; notebook not saved"
    _save(replayed, path)
    return True, f"{path}: {_totals(progress)} → {cassette}; saved with its replayed outputs"


def _run(path: Path, options: Options, err: TextIO, *, recording: bool) -> tuple[Any, dict[str, Any]]:
    """Run every cell in a new kernel; the executed notebook, and the kernel's last progress report."""
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook: Any = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    kernel = options.kernel or notebook.metadata.get("kernelspec", {}).get("name") or "python3"
    try:
        KernelSpecManager().get_kernel_spec(kernel)
    except NoSuchKernel:
        raise KernelMissing(kernel) from None
    client = NotebookClient(
        notebook, timeout=CELL_TIMEOUT_S, kernel_name=kernel, resources={"metadata": {"path": str(path.parent)}}
    )
    code = [index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    with startup.kernel_profile() as profile, tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "progress.json"
        env = _kernel_env(path, profile, options, report if recording else None)
        show = _progress_printer(path, len(code), err) if recording else None
        with client.setup_kernel(env=env):
            assert client.kc is not None, "setup_kernel starts a kernel client"
            info = client.wait_for_reply(client.kc.kernel_info())  # as nbclient's execute() does
            if info is not None and "language_info" in info["content"]:
                notebook.metadata["language_info"] = info["content"]["language_info"]
            for number, index in enumerate(code, start=1):
                try:
                    client.execute_cell(notebook.cells[index], index)
                except CellExecutionError as error:
                    raise CellFailed(number, len(code), error.ename, error.evalue, str(error)) from None
                if show is not None:
                    show(number, _read(report))
            client.set_widgets_metadata()
        if show is not None and code:
            err.write("\n" if err.isatty() else "")
        return notebook, _read(report)


def _kernel_env(path: Path, profile: Path, options: Options, report: Path | None) -> dict[str, str]:
    env = {**os.environ, "IPYTHONDIR": str(profile), locate.NOTEBOOK_ENV: str(path.resolve())}
    env["TRACEOPS_RECORD_MODE"] = options.mode if report is not None else "none"
    if options.cassette_dir is not None:
        env[locate.CASSETTE_DIR_ENV] = str(options.cassette_dir.resolve())
    if report is not None:
        env[STAGING_ENV], env[PROGRESS_ENV] = "1", str(report)
    else:
        env.pop(STAGING_ENV, None)
        env.pop(PROGRESS_ENV, None)
    return env


def _read(report: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(report.read_text()))
    except (OSError, ValueError):
        return {}


def _progress_printer(path: Path, total: int, err: TextIO) -> Callable[[int, dict[str, Any]], None]:
    """`cell 3 of 12 · 4 LLM calls · 1,234 tokens · $0.001200 so far`, on one line in a terminal."""
    tty = err.isatty()

    def show(number: int, progress: dict[str, Any]) -> None:
        line = f"{path}: cell {number} of {total} · {_totals(progress)} so far"
        err.write(f"\r{line}\x1b[K" if tty else line + "\n")
        err.flush()

    return show


def _totals(progress: dict[str, Any]) -> str:
    calls, tokens = int(progress.get("llm_calls", 0)), int(progress.get("tokens", 0))
    return f"{plural(calls, 'LLM call')} · {plural(tokens, 'token')} · {format_cost(progress.get('cost_usd'))}"


def _name_cells(partial: Path, executed: Any) -> None:
    """nbclient sends no cell ids, so the kernel named each cell `#N` (its execution number): give the calls
    the notebook's own cell ids, which JupyterLab sends, so re-running one cell there replaces just its calls."""
    ids = {f"#{cell.execution_count}": cell.get("id") for cell in executed.cells if cell.get("execution_count")}
    records = cassette_file.read_records(partial)
    for record in records:
        named = ids.get(record.cell or "")
        if named:
            record.cell = named
    cassette_file.write_interactions(partial, records)


def _save(notebook: Any, path: Path) -> None:
    import nbformat

    data = str(nbformat.writes(notebook)).encode()  # type: ignore[no-untyped-call]
    cassette_file.atomic_write(path, data if data.endswith(b"\n") else data + b"\n")
