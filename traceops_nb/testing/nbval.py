"""`pytest --nbval --traceops-notebooks [--traceops-cassette-dir DIR]`: every notebook nbval collects is replayed
in notebook mode from its cassette, with no line added to it.

nbval starts one kernel per notebook, in the notebook's folder, with this process's environment. Before the
first cell of each notebook (which starts its kernel) the environment names the notebook (TRACEOPS_NOTEBOOK),
and with --traceops-notebooks hands the kernel a profile folder (IPYTHONDIR) whose startup file turns notebook
mode on. The notebook's name is set even without the option, so a notebook's own `%traceops notebook` line
finds its default cassette under plain `pytest --nbval`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from ..notebook import locate, startup

_MISSING = pytest.StashKey[str]()  # on an item: why its notebook cannot run
_PROFILE = pytest.StashKey[Path]()
_SAVED = pytest.StashKey[dict[str, str | None]]()
KERNEL_ENV = ("IPYTHONDIR", locate.NOTEBOOK_ENV, locate.CASSETTE_DIR_ENV)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("traceops_nb")
    group.addoption(
        "--traceops-notebooks",
        action="store_true",
        default=False,
        help="with --nbval: replay every notebook in notebook mode from its cassette (cassettes/<name>.yaml beside "
        "it), with no line added to the notebook; record them with `traceops-nb record NOTEBOOK`",
    )
    group.addoption(
        "--traceops-cassette-dir",
        default=None,
        metavar="DIR",
        help="with --traceops-notebooks: the notebooks' cassettes are DIR/<name>.yaml",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_SAVED] = {name: os.environ.get(name) for name in KERNEL_ENV}
    if config.getoption("--traceops-notebooks"):
        folder = Path(tempfile.mkdtemp(prefix="traceops_nb-ipython-"))
        startup.write_profile(folder)
        config.stash[_PROFILE] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    _restore(config)
    if _PROFILE in config.stash:
        shutil.rmtree(config.stash[_PROFILE], ignore_errors=True)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """A notebook with no cassette is one failing item that says how to record it, not a failure per cell."""
    if _PROFILE not in config.stash:
        return
    missing: dict[Path, str] = {}
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        notebook = _notebook_of(item)
        if notebook is None:
            kept.append(item)
            continue
        if notebook not in missing:
            missing[notebook] = _no_cassette(notebook, _cassette_dir(config))
            if missing[notebook]:
                item.stash[_MISSING] = missing[notebook]
                kept.append(item)
                continue
        (dropped if missing[notebook] else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before nbval's own setup starts the notebook's kernel: the environment that kernel inherits."""
    notebook = _notebook_of(item)
    if notebook is None:
        _restore(item.config)
        return
    if _MISSING in item.stash:
        pytest.fail(item.stash[_MISSING], pytrace=False)
    os.environ[locate.NOTEBOOK_ENV] = str(notebook)
    if _PROFILE in item.config.stash:
        os.environ["IPYTHONDIR"] = str(item.config.stash[_PROFILE])
        folder = _cassette_dir(item.config)
        if folder is not None:
            os.environ[locate.CASSETTE_DIR_ENV] = str(folder)


def _notebook_of(item: pytest.Item) -> Path | None:
    """The notebook of an nbval cell item."""
    if type(item).__name__ != "IPyNbCell" or item.path.suffix != ".ipynb":
        return None
    return item.path.resolve()


def _cassette_dir(config: pytest.Config) -> Path | None:
    folder = config.getoption("--traceops-cassette-dir")
    return Path(folder).resolve() if folder else None


def _no_cassette(notebook: Path, cassette_dir: Path | None) -> str:
    cassette, _ = locate.notebook_cassette(notebook, cassette_dir)
    if cassette.exists():
        return ""
    where = f" --cassette-dir {_shown(cassette_dir)}" if cassette_dir else ""
    return (
        f"{notebook.name} has no cassette ({_shown(cassette)} does not exist): record it with "
        f"`traceops-nb record {_shown(notebook)}{where}`, then commit the cassette and the notebook"
    )


def _shown(path: Path) -> str:
    """Relative to the folder pytest runs in, when it is inside it."""
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _restore(config: pytest.Config) -> None:
    for name, value in config.stash.get(_SAVED, {}).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
