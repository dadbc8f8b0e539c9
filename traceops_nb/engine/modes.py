"""Record modes and how the effective mode is resolved: argument > environment variable > default."""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum

ENV_VAR = "TRACEOPS_RECORD_MODE"
_ALIASES = {"all": "rewrite"}


class RecordMode(str, Enum):
    """What a session does with the network and with the cassette file."""

    REWRITE = "rewrite"  # every call goes to the network; the file is replaced
    ONCE = "once"  # record when the file is missing, otherwise replay only
    NEW_EPISODES = "new_episodes"  # replay what matches, record and append the rest
    NONE = "none"  # replay only; never the network; a miss is an error

    @classmethod
    def parse(cls, value: str | RecordMode) -> RecordMode:
        if isinstance(value, RecordMode):
            return value
        name = _ALIASES.get(str(value).strip().lower(), str(value).strip().lower())
        try:
            return cls(name)
        except ValueError:
            choices = ", ".join([m.value for m in cls] + list(_ALIASES))
            raise ValueError(f"unknown record mode {value!r}; choose one of: {choices}") from None


@dataclass(frozen=True)
class ResolvedMode:
    mode: RecordMode
    source: str  # where the mode came from, in words: shown by `%traceops mode` and in errors


def resolve_mode(explicit: str | RecordMode | None, default: RecordMode) -> ResolvedMode:
    if explicit is not None:
        return ResolvedMode(RecordMode.parse(explicit), "argument")
    from_env = os.environ.get(ENV_VAR, "").strip()
    if from_env:
        return ResolvedMode(RecordMode.parse(from_env), f"environment variable {ENV_VAR}")
    return ResolvedMode(default, "default")


def how_to_rerecord(cassette: object) -> str:
    """The ways to re-record that leave the notebook as it is, first; a cell option only as a one-off,
    since one saved in the notebook would make CI call the API."""
    return (
        "To re-record, with nothing changed in the notebook: run it with "
        f"{ENV_VAR}=rewrite set, or `traceops-nb record NOTEBOOK`, or `%traceops notebook --mode rewrite` "
        'for this interactive session; from Python, pass mode="rewrite" (or "new_episodes" to keep what '
        f"matches and record the rest).\nA one-off `%%record {cassette} --mode rewrite` on the cell works too, "
        "but remove it before saving: saved in the notebook, it makes CI call the API."
    )
