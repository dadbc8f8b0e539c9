"""traceops_nb: record, replay, inspect and regression-test LLM agents in Jupyter."""

from __future__ import annotations

from . import assertions, baseline, pricing
from .baseline import compare
from .diff import TraceDiff, assert_trace_unchanged, diff_traces
from .errors import (
    BaselineNotFoundError,
    CassetteError,
    CassetteExhaustedError,
    CassetteFormatError,
    CassetteMismatchError,
    CassetteNotFoundError,
    CassetteSecretError,
    CassetteUnusedError,
)
from .importers import import_cassette
from .interactions import Interaction, Request, Response, ToolRecord
from .modes import RecordMode
from .normalize import NormalizedCall, normalize
from .savings import ReplaySavings, replay_savings
from .session import Recorder, Replayer, Session, cassette, load_cassette, save_cassette
from .tools import record_decision, record_tool_call, tool
from .trace import Event, ToolCall, Trace

__version__ = "0.1.0"

# pandas and plotly are imported on first use only, so `import traceops_nb` stays light.
_LAZY = {"to_dataframe": ("frame", "to_dataframe"), "frame": ("frame", None), "plots": ("plots", None)}
# So are the widgets (anywidget, ipywidgets).
_LAZY.update({name: ("widgets", name) for name in ("TrajectoryWidget", "DebuggerWidget", "DiffWidget")})
# The HTML report (its module is not named `report`, which would shadow the function once imported).
_LAZY["report"] = ("html_report", "report")


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module 'traceops_nb' has no attribute {name!r}")
    import importlib

    module_name, attribute = _LAZY[name]
    module = importlib.import_module(f".{module_name}", __name__)
    return getattr(module, attribute) if attribute else module


def load_ipython_extension(ipython: object) -> None:
    """`%load_ext traceops_nb`: the %%record, %%replay and %traceops magics."""
    from .magics import load

    load(ipython)


__all__ = [
    "BaselineNotFoundError",
    "CassetteError",
    "CassetteExhaustedError",
    "CassetteFormatError",
    "CassetteMismatchError",
    "CassetteNotFoundError",
    "CassetteSecretError",
    "CassetteUnusedError",
    "DebuggerWidget",
    "DiffWidget",
    "Event",
    "Interaction",
    "NormalizedCall",
    "RecordMode",
    "Recorder",
    "ReplaySavings",
    "Replayer",
    "Request",
    "Response",
    "Session",
    "ToolCall",
    "ToolRecord",
    "Trace",
    "TraceDiff",
    "TrajectoryWidget",
    "assert_trace_unchanged",
    "assertions",
    "baseline",
    "cassette",
    "compare",
    "diff_traces",
    "import_cassette",
    "load_cassette",
    "normalize",
    "plots",
    "pricing",
    "record_decision",
    "record_tool_call",
    "replay_savings",
    "report",
    "save_cassette",
    "to_dataframe",
    "tool",
]
