"""What the three widgets share: the built front-end, detail on request, the no-JavaScript fallbacks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget
import traitlets

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


class TraceWidgetBase(anywidget.AnyWidget):
    """A step's full detail is not synced: the front-end asks for it ({"type": "detail", "key", ...})
    when the step is opened, and gets {"type": "detail", "key", "detail"} back."""

    _css = static_file("widgets.css")
    title = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_msg(self._on_message)

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "detail":
            self.send({"type": "detail", "key": content.get("key"), "detail": self.detail(content)})

    def detail(self, request: dict[str, Any]) -> dict[str, Any]:
        """What the front-end gets when it opens a step (or an aligned pair): JSON-ready."""
        raise NotImplementedError

    def fallback(self) -> dict[str, str]:
        """text/plain and text/html: deterministic, with no JavaScript."""
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        bundle = super()._repr_mimebundle_(**kwargs)
        data, metadata = bundle if bundle is not None else ({}, {})
        return {**data, **self.fallback()}, metadata

    def __repr__(self) -> str:
        return self.fallback()["text/plain"]
