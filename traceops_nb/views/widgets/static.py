"""The built front-end files (traceops_nb/static/, made from js/ by hatch_build.py)."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"


def static_file(name: str) -> Path:
    """A built front-end file; its absence means the package was not installed through its build."""
    path = STATIC / name
    if not path.is_file():
        raise ImportError(
            f"the traceops_nb widget front-end is not built ({path} is missing): reinstall the package "
            "(`pip install -e .` in a source checkout), or run `python hatch_build.py` there"
        )
    return path
