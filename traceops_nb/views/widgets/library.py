"""The widgets' front-end code, synced once per kernel in one model that every widget references.

anywidget keeps `_esm` and `_css` in every widget model, and a saved notebook (nbconvert --execute, or
JupyterLab saving widget state) keeps every model: about 38 KB of code per widget. Instead each widget's
`_esm` is a small loader and its `_lib` trait references the one `Library` model, whose `code` and `css`
are static/library.js (all three widgets) and widgets.css, gzipped. The loader finds that model through
the widget manager, imports its `boot` module from a blob URL (as anywidget imports `_esm`), which
unpacks the code, adds the stylesheet to the page once and imports the code; the result is cached per
page by digest, so every widget of every open notebook shares it.

`Library` is a plain ipywidgets model (`WidgetModel` of @jupyter-widgets/base, no view), which every widget
manager (JupyterLab, Notebook 7, VS Code, Voilà) creates with no front-end extension of its own.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from collections.abc import Callable
from typing import Any

import ipywidgets
import traitlets

from .static import static_file


class Library(ipywidgets.Widget):  # type: ignore[misc]  # ipywidgets has no type hints
    """Model only: `boot` (a small ES module, plain text), `code` and `css` (gzip, base64), and `digest`,
    the page's cache key."""

    digest = traitlets.Unicode("").tag(sync=True)
    boot = traitlets.Unicode("").tag(sync=True)
    code = traitlets.Unicode("").tag(sync=True)
    css = traitlets.Unicode("").tag(sync=True)

    def __repr__(self) -> str:
        return f"<traceops_nb widget library {self.digest}>"


# Imported once per page and digest, with the library model: the stylesheet goes into the page once, and the
# code's default export, { trajectory, debugger, diff }, is returned.
BOOT = """\
async function unpack(b64) {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
}
export default async function boot(lib) {
  const [code, css] = await Promise.all([unpack(lib.get("code")), unpack(lib.get("css"))]);
  const id = "traceops-nb-" + lib.get("digest");
  if (!document.getElementById(id)) {
    document.head.append(Object.assign(document.createElement("style"), { id, textContent: css }));
  }
  const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  try {
    return (await import(url)).default;
  } finally {
    URL.revokeObjectURL(url);
  }
}
"""

# Each widget's `_esm`, stored in every widget model, hence terse. It finds the library model `_lib` through the
# widget manager, imports its boot module once per page and digest (cached on globalThis) and renders ENTRY.
# The library is loaded in render, not initialize: anywidget gives up on a model whose initialize takes over
# 2 s, and an error in render shows in the view. A notebook whose saved state lost the library model says so.
LOADER = """\
const cache = (globalThis[Symbol.for("traceops_nb.library")] ??= new Map());
async function load(m) {
const lib = await m.widget_manager.get_model(m.get("_lib").slice(10)), key = lib.get("digest");
const boot = () => URL.createObjectURL(new Blob([lib.get("boot")], {type: "text/javascript"}));
if (!cache.has(key)) cache.set(key, import(boot()).then((b) => b.default(lib)));
return cache.get(key);
}
export default {async render(p) {
const missing = "traceops_nb: no widget code in this notebook; run the cell again";
const lib = await load(p.model).catch((e) => { p.el.textContent = missing; throw e; });
return lib.%(entry)s.render(p);
}};
"""

_shared: dict[str, ipywidgets.Widget] = {}


def library() -> Library:
    """The kernel's one Library model, made on first use."""
    made = _shared_model("library", _make_library)
    assert isinstance(made, Library)
    return made


def layout() -> ipywidgets.Layout:
    """One Layout model for every trace widget (ipywidgets lets widgets share one), rather than one each:
    a saved notebook stores every model, and the widgets set no layout of their own."""
    made = _shared_model("layout", ipywidgets.Layout)
    assert isinstance(made, ipywidgets.Layout)
    return made


def _shared_model(name: str, make: Callable[[], ipywidgets.Widget]) -> ipywidgets.Widget:
    """Made again when it was closed (Widget.close_all()): a closed model is gone from the front-end."""
    model = _shared.get(name)
    if model is None or model.comm is None:
        model = _shared[name] = make()
    return model


def _make_library() -> Library:
    code = static_file("library.js").read_text(encoding="utf-8")
    css = static_file("widgets.css").read_text(encoding="utf-8")
    digest = hashlib.sha256("\0".join((BOOT, code, css)).encode("utf-8")).hexdigest()[:16]
    return Library(digest=digest, boot=BOOT, code=_packed(code), css=_packed(css))


def loader(entry: str) -> str:
    """The `_esm` of the widget whose code is the library's `entry` (trajectory, debugger or diff)."""
    return LOADER % {"entry": entry}


def library_trait() -> Any:
    return traitlets.Instance(Library).tag(sync=True, **ipywidgets.widget_serialization)


def _packed(text: str) -> str:
    return base64.b64encode(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)).decode("ascii")
