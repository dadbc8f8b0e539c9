"""Which notebook a kernel runs, and where its cassette is: the facts notebook mode, `traceops-nb record` and the
pytest plugin must agree on.

A kernel learns its notebook's path from the front end: JupyterLab and Notebook 7 set JPY_SESSION_NAME (IPython
exposes it as `__session__`), VS Code sets `__vsc_ipynb_file__`. nbclient and nbval set nothing, so our own
runners set TRACEOPS_NOTEBOOK (and TRACEOPS_CASSETTE_DIR) in the environment the kernel inherits.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

NOTEBOOK_ENV = "TRACEOPS_NOTEBOOK"
CASSETTE_DIR_ENV = "TRACEOPS_CASSETTE_DIR"
MODES = ("rewrite", "all", "once", "new_episodes", "none")
NOTEBOOK_LINE = re.compile(r"^\s*%traceops\s+notebook\b(.*)$", re.MULTILINE)


@dataclass(frozen=True)
class NotebookOptions:
    """The options of `%traceops notebook [PATH] [--mode MODE] [--quiet] [--ignore-field FIELD]…`."""

    path: str | None = None
    mode: str | None = None
    quiet: bool = False
    ignore_fields: tuple[str, ...] = ()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise ValueError(f"%traceops notebook: {message}; usage: {self.format_usage().strip()}")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="%traceops notebook", add_help=False)
    parser.add_argument("path", nargs="?", default=None)
    parser.add_argument("--mode", choices=MODES, default=None)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--ignore-field", dest="ignore_fields", action="append", default=[], metavar="FIELD")
    return parser


def parse_options(words: list[str]) -> NotebookOptions:
    args = _parser().parse_args(words)
    return NotebookOptions(args.path, args.mode, args.quiet, tuple(args.ignore_fields))


def options_in(notebook: Path) -> NotebookOptions | None:
    """The options of the notebook's own `%traceops notebook` line, if one of its code cells has it."""
    content = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in content.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        match = NOTEBOOK_LINE.search(source if isinstance(source, str) else "".join(source))
        if match:
            return parse_options(shlex.split(match.group(1)))
    return None


def default_cassette(notebook: Path, cassette_dir: Path | None = None) -> Path:
    """`cassettes/<notebook stem>.yaml` beside the notebook, or `<stem>.yaml` in the folder given."""
    return (cassette_dir or notebook.parent / "cassettes") / f"{notebook.stem}.yaml"


def notebook_cassette(notebook: Path, cassette_dir: Path | None = None) -> tuple[Path, NotebookOptions]:
    """The cassette a run of this notebook in notebook mode uses: its own line's PATH wins (relative to the
    notebook's folder), else the default."""
    options = options_in(notebook) or NotebookOptions()
    if options.path:
        return notebook.parent / options.path, options
    return default_cassette(notebook, cassette_dir), options


def running_notebook(user_ns: Mapping[str, Any], environ: Mapping[str, str] = os.environ) -> Path | None:
    """The path of the notebook this kernel runs, when anything says so."""
    named = environ.get(NOTEBOOK_ENV) or user_ns.get("__vsc_ipynb_file__")
    if named:
        return Path(str(named))
    session = user_ns.get("__session__") or environ.get("JPY_SESSION_NAME")
    if not session:
        return None
    path = Path(str(session))
    # jupyter_server may give it relative to its root; the kernel runs in the notebook's folder
    return path if path.is_absolute() else Path.cwd() / path.name


def cassette_dir(environ: Mapping[str, str] = os.environ) -> Path | None:
    folder = environ.get(CASSETTE_DIR_ENV)
    return Path(folder) if folder else None
