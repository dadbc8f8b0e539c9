"""Run a patch when a module is imported: now if it already is, else right after its import finishes.

So traceops_nb never imports an SDK the user's code does not (anthropic alone costs over a second), yet
a client the user creates after a session began, from an SDK imported in a later cell, is recorded too.
A module's loader is wrapped for that one import only; its spec and loader stay the module's own, so
`importlib.resources` and the like see nothing different.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
import warnings
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from ..errors import TraceopsWarning

Patch = Callable[[ModuleType], None]

_lock = threading.Lock()
_waiting: dict[str, list[Patch]] = {}
MARK = "__traceops_nb__"  # set on every wrapper installed, so that a second install leaves it as it is


def wrap_method(cls: type, name: str, make: Callable[[Any], Any]) -> None:
    """Replace `cls.name` by `make(original)`, once."""
    original = getattr(cls, name)
    if getattr(original, MARK, False):
        return
    wrapper = make(original)
    setattr(wrapper, MARK, True)
    setattr(cls, name, wrapper)


def when_imported(name: str, patch: Patch) -> None:
    """Call `patch(module)` once `name` is imported (at once if it is already)."""
    with _lock:
        module = sys.modules.get(name)
        if module is None:
            _waiting.setdefault(name, []).append(patch)
            _install_finder()
            return
    _run(name, module, [patch])


def _run(name: str, module: ModuleType, patches: Sequence[Patch]) -> None:
    for patch in patches:
        try:
            patch(module)
        except Exception as error:  # never break the user's import; say what will not be recorded
            warnings.warn(
                f"traceops_nb could not patch {name} ({type(error).__name__}: {error}): its calls are not "
                "recorded or replayed",
                TraceopsWarning,
                stacklevel=2,
            )


def _finished(name: str, module: ModuleType) -> None:
    with _lock:
        patches = _waiting.pop(name, [])
    _run(name, module, patches)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds nothing itself: asks the finders after it, then wraps the found loader's exec_module."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in _waiting:
            return None
        spec = _find_elsewhere(fullname, path, target, self)
        loader = getattr(spec, "loader", None)
        if spec is None or loader is None or not hasattr(loader, "exec_module"):
            return spec
        original = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            try:
                original(module)
            finally:
                del loader.exec_module  # the loader's own method again
            _finished(fullname, module)

        loader.exec_module = exec_module
        return spec


def _find_elsewhere(fullname: str, path: Any, target: Any, finder: _Finder) -> importlib.machinery.ModuleSpec | None:
    for other in list(sys.meta_path):
        find = getattr(other, "find_spec", None)
        if other is finder or find is None:
            continue
        spec: importlib.machinery.ModuleSpec | None = find(fullname, path, target)
        if spec is not None:
            return spec
    return None


_finder = _Finder()


def _install_finder() -> None:
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
