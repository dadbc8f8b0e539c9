"""traceops_nb: record, replay, inspect and regression-test LLM agents in Jupyter."""

from __future__ import annotations

from .errors import (
    CassetteError,
    CassetteExhaustedError,
    CassetteFormatError,
    CassetteMismatchError,
    CassetteNotFoundError,
    CassetteSecretError,
    CassetteUnusedError,
)
from .interactions import Interaction, Request, Response
from .modes import RecordMode
from .session import Recorder, Replayer, Session, cassette, load_cassette, save_cassette
from .trace import Event, ToolCall, Trace

__version__ = "0.1.0"


def load_ipython_extension(ipython: object) -> None:
    """`%load_ext traceops_nb`: the %%record, %%replay and %traceops magics."""
    from .magics import load

    load(ipython)


__all__ = [
    "CassetteError",
    "CassetteExhaustedError",
    "CassetteFormatError",
    "CassetteMismatchError",
    "CassetteNotFoundError",
    "CassetteSecretError",
    "CassetteUnusedError",
    "Event",
    "Interaction",
    "RecordMode",
    "Recorder",
    "Replayer",
    "Request",
    "Response",
    "Session",
    "ToolCall",
    "Trace",
    "cassette",
    "load_cassette",
    "save_cassette",
]
