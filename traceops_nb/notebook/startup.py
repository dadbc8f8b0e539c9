"""Notebook mode with no line in the notebook: an IPython startup file in a profile folder of our own.

`traceops-nb record` and `pytest --traceops-notebooks` hand kernels this folder as IPYTHONDIR (kernels inherit
the environment of the process that starts them), with TRACEOPS_NOTEBOOK naming the notebook. The startup file
loads the extension and turns notebook mode on, on the cassette the notebook's own `%traceops notebook` line
names if it has one, else its default one.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from . import locate

STARTUP_FILE = "00-traceops_nb.py"
# No name is left in the notebook's namespace.
STARTUP_CODE = '__import__("traceops_nb.notebook.startup", fromlist=["begin"]).begin(get_ipython())\n'


@contextmanager
def kernel_profile() -> Iterator[Path]:
    """A temporary IPYTHONDIR whose default profile starts notebook mode; removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="traceops_nb-ipython-"))
    try:
        write_profile(folder)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_profile(folder: Path) -> None:
    startup = folder / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / STARTUP_FILE).write_text(STARTUP_CODE, encoding="utf-8")


def begin(shell: Any) -> None:
    """What the startup file runs in the kernel, before the notebook's first cell."""
    from .magics import load

    magics = load(shell)
    notebook = locate.running_notebook(shell.user_ns)
    if notebook is None:
        raise RuntimeError(f"traceops_nb: {locate.NOTEBOOK_ENV} is not set: the kernel cannot tell its notebook")
    path, options = locate.notebook_cassette(notebook, locate.cassette_dir())
    magics.start_notebook(path, options)
