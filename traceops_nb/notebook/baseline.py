"""Baselines: the recording a cassette had before a `%%record --compare` run, kept beside it until the
new recording is accepted or rolled back.

`cassettes/agent.yaml` keeps its baseline in `cassettes/agent.baseline.yaml` (git-ignore
`*.baseline.yaml`). There is at most one per cassette: it is the last accepted recording, so further
`--compare` runs before an accept or a rollback compare with it too, and never replace it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..analysis.diff import TraceDiff, diff_traces
from ..cassette.file import atomic_write
from ..engine.session import load_cassette
from ..errors import BaselineNotFoundError
from ..trace import Trace

SUFFIX = ".baseline"


def baseline_path(path: str | os.PathLike[str]) -> Path:
    """`agent.yaml` → `agent.baseline.yaml`, in the same folder."""
    file = Path(path)
    return file.with_name(f"{file.stem}{SUFFIX}{file.suffix}")


def keep(path: str | os.PathLike[str]) -> bool:
    """Copy the cassette to its baseline, unless it has one already; True when a baseline was made now.

    Nothing is made when the cassette does not exist: there is nothing to compare with.
    """
    file, kept = Path(path), baseline_path(path)
    if kept.exists() or not file.exists():
        return False
    atomic_write(kept, file.read_bytes())
    return True


def discard(path: str | os.PathLike[str]) -> None:
    baseline_path(path).unlink(missing_ok=True)


def accept(path: str | os.PathLike[str]) -> Path:
    """Keep the new recording: the baseline is removed. Returns the baseline's path."""
    kept = _existing(path, "accept")
    kept.unlink()
    return kept


def rollback(path: str | os.PathLike[str]) -> Path:
    """Restore the baseline as the cassette (atomically); the new recording is dropped."""
    kept = _existing(path, "roll back")
    os.replace(kept, path)
    return kept


def load(path: str | os.PathLike[str]) -> Trace:
    """The baseline of the cassette at `path`, as a Trace."""
    return load_cassette(_existing(path, "compare"))


def compare(path: str | os.PathLike[str], *, ignore: Iterable[str] = ()) -> TraceDiff:
    """What the cassette at `path` does differently from its baseline (`ignore=` as in diff_traces)."""
    return diff_traces(load(path), load_cassette(path), ignore=ignore)


def _existing(path: str | os.PathLike[str], action: str) -> Path:
    kept = baseline_path(path)
    if not kept.exists():
        raise BaselineNotFoundError(
            f"cannot {action} {path}: it has no baseline ({kept.name} does not exist). A baseline is kept "
            f"when `%%record {path} --compare` records over an existing cassette (or traceops_nb.baseline."
            "keep(path) is called), and removed by accept or rollback."
        )
    return kept
