"""traceops_nb: record, replay, inspect and regression-test LLM agents in Jupyter."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType
from typing import Any

from .analysis import assertions
from .analysis.diff import TraceDiff, assert_trace_unchanged, diff_traces
from .analysis.savings import ReplaySavings, replay_savings
from .cassette.interactions import Interaction, Request, Response, ToolRecord
from .engine.importing import import_cassette
from .engine.modes import RecordMode
from .engine.session import Recorder, Replayer, Session, cassette, load_cassette, save_cassette
from .engine.tools import record_decision, record_tool_call, tool
from .engine.volatile import DEFAULT_IGNORED_FIELDS, VolatileField
from .errors import (
    BaselineNotFoundError,
    CassetteError,
    CassetteExhaustedError,
    CassetteFormatError,
    CassetteMismatchError,
    CassetteNotFoundError,
    CassetteSecretError,
    CassetteUnusedError,
    UnrecordedCallError,
)
from .notebook import baseline
from .notebook.baseline import compare
from .trace import Event, ToolCall, Trace, pricing
from .trace.normalize import NormalizedCall, normalize

__version__ = "0.1.0"

# Modules users import by their short name (`from traceops_nb import pricing`, `import traceops_nb.frame`),
# and the stage folder each lives in. The short name is the same module object.
MODULE_ALIASES = {
    "assertions": "analysis.assertions",
    "baseline": "notebook.baseline",
    "frame": "analysis.frame",
    "plots": "analysis.plots",
    "pricing": "trace.pricing",
    "tools": "engine.tools",
    "widgets": "views.widgets",
}
# pandas, plotly and the widgets (anywidget, ipywidgets) are imported on first use only, so
# `import traceops_nb` stays light.
_LAZY = {
    "to_dataframe": "analysis.frame",
    "report": "views.report",
    **dict.fromkeys(("TrajectoryWidget", "DebuggerWidget", "DiffWidget"), "views.widgets"),
}


class _ModuleAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """`import traceops_nb.frame` gives traceops_nb.analysis.frame itself (imported on first use)."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        package, _, short = fullname.rpartition(".")
        return (
            importlib.util.spec_from_loader(fullname, self) if package == __name__ and short in MODULE_ALIASES else None
        )

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(f"{__name__}.{MODULE_ALIASES[spec.name.rpartition('.')[2]]}")

    def exec_module(self, module: ModuleType) -> None:
        """The module it stands for is already executed."""


if not any(isinstance(finder, _ModuleAlias) for finder in sys.meta_path):
    sys.meta_path.append(_ModuleAlias())


def __getattr__(name: str) -> object:
    if name in MODULE_ALIASES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'traceops_nb' has no attribute {name!r}")


def load_ipython_extension(ipython: object) -> None:
    """`%load_ext traceops_nb`: the %%record, %%replay and %traceops magics."""
    from .notebook.magics import load

    load(ipython)


__all__ = [
    "DEFAULT_IGNORED_FIELDS",
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
    "UnrecordedCallError",
    "VolatileField",
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
