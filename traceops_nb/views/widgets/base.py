"""What the three widgets share: the built front-end, detail on request, the no-JavaScript fallbacks."""

from __future__ import annotations

from typing import Any

import anywidget
import traitlets

from .library import layout, library, library_trait


class TraceWidgetBase(anywidget.AnyWidget):
    """A step's full detail is not synced: the front-end asks for it ({"type": "detail", "key", ...})
    when the step is opened, and gets {"type": "detail", "key", "detail"} back.

    The front-end code is not in the widget: `_esm` is a small loader (library.py) and `_lib` the one shared
    model holding the code and the stylesheet, so a saved notebook stores them once, not once per widget; the
    widgets share one Layout model too."""

    title = traitlets.Unicode("").tag(sync=True)
    _lib = library_trait()

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("_lib", library())
        kwargs.setdefault("layout", layout())
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
