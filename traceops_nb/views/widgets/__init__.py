"""The inline views (anywidget): trajectory, step-through debugger and diff.

The front-end is plain ES modules in js/, bundled into traceops_nb/static/ when the package is built
(hatch_build.py). Each widget syncs a summary per step and fetches a step's detail when it is opened.
"""

from __future__ import annotations

from .debugger import DebuggerWidget
from .diff import DiffWidget
from .trajectory import TrajectoryWidget

__all__ = ["DebuggerWidget", "DiffWidget", "TrajectoryWidget"]
