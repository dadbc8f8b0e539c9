"""Build hook: bundles the widgets' front-end (plain ES modules in js/) into traceops_nb/static/.

Each widget gets one self-contained ES module (anywidget loads a single file; split chunks would be
fetched from the wrong place): the helper modules it imports, transitively, are inlined in
dependency order, each in its own function scope that returns its exports. `library.js` holds all
three widgets with their helpers once (`export default { trajectory, debugger, diff }`): notebooks
sync it once, in one shared model (traceops_nb/views/widgets/library.py); the HTML report embeds the
per-widget modules. No node, no npm: the
wheel and `pip install -e .` build it with Python alone. Run `python hatch_build.py` after editing js/.

The module forms the bundler understands (it refuses anything else, rather than guess):
`import { a, b as c } from "./x.js";` and `export function|const|let|class NAME` in helpers; the
widget's own module keeps its `export default`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

ROOT = Path(__file__).resolve().parent
WIDGETS = ("trajectory", "debugger", "diff")
STYLESHEET = "widgets.css"
LIBRARY = "library.js"

_IMPORT = re.compile(r'^import\s*\{([^}]*)\}\s*from\s*"\./([\w-]+\.js)";?[ \t]*$', re.MULTILINE)
_ANY_IMPORT = re.compile(r"^\s*import\b", re.MULTILINE)
_EXPORT = re.compile(r"^export\s+((?:async\s+)?function\*?|const|let|class)\s+([A-Za-z_$][\w$]*)", re.MULTILINE)
_ANY_EXPORT = re.compile(r"^\s*export\b", re.MULTILINE)


class BundleError(ValueError):
    pass


def bundle(entry: Path) -> str:
    """The widget module `entry` with its imports inlined: one ES module with a default export."""
    order = _dependencies_first(entry, [], ())
    parts = [f"// Built by hatch_build.py from js/{entry.name} and its imports. Edit js/, not this file.\n"]
    for module in order[:-1]:
        parts.append(_scoped(module))
    parts.append(f"// ---- {entry.name}\n{_rewrite_imports(entry)}")
    return "\n".join(parts)


def bundle_library(entries: list[Path]) -> str:
    """The widget modules `entries` and everything they import, each helper once, as one ES module whose
    default export maps each widget's name to its default export."""
    order: list[Path] = []
    for entry in entries:
        _dependencies_first(entry, order, ())
    parts = []
    for module in order:
        parts.append(_scoped_entry(module) if module in entries else _scoped(module))
    names = ", ".join(f"{entry.stem}: {_namespace(entry)}" for entry in entries)
    parts.append(f"export default {{ {names} }};\n")
    return _compact("\n".join(parts))


def _compact(source: str) -> str:
    """Without indentation, blank lines and comment lines: a notebook stores this module (gzipped), so every
    byte counts, and js/ has no multi-line string or template literal whose lines this would change."""
    lines = (line.strip() for line in source.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//")) + "\n"


def _scoped_entry(module: Path) -> str:
    """A widget module as a constant holding its default export, its other names kept private."""
    body, defaults = re.subn(r"^export default\s+", "return ", _rewrite_imports(module), flags=re.MULTILINE)
    body = _EXPORT.sub(r"\1 \2", body)
    if defaults != 1 or _ANY_EXPORT.search(body):
        raise BundleError(f"{module.name}: a widget module has one `export default` and no other export")
    return f"// ---- {module.name}\nconst {_namespace(module)} = (() => {{\n{body.rstrip()}\n}})();\n"


def _dependencies_first(module: Path, done: list[Path], stack: tuple[Path, ...]) -> list[Path]:
    if module in stack:
        raise BundleError(f"import cycle: {' -> '.join(p.name for p in (*stack, module))}")
    if module in done:
        return done
    for match in _IMPORT.finditer(module.read_text(encoding="utf-8")):
        dependency = module.parent / match.group(2)
        if not dependency.is_file():
            raise BundleError(f"{module.name} imports {match.group(2)}, which does not exist in {module.parent}")
        _dependencies_first(dependency, done, (*stack, module))
    done.append(module)
    return done


def _namespace(module: Path) -> str:
    return "__tnb_" + re.sub(r"\W", "_", module.stem)


def _rewrite_imports(module: Path) -> str:
    """`import { a, b as c } from "./x.js";` becomes `const { a, b: c } = __tnb_x;`."""
    source = module.read_text(encoding="utf-8")

    def replace(match: re.Match[str]) -> str:
        names = [name.strip() for name in match.group(1).split(",") if name.strip()]
        bound = ", ".join(re.sub(r"\s+as\s+", ": ", name) for name in names)
        return f"const {{ {bound} }} = {_namespace(module.parent / match.group(2))};"

    rewritten = _IMPORT.sub(replace, source)
    if _ANY_IMPORT.search(rewritten):
        raise BundleError(f'{module.name}: only `import {{ ... }} from "./x.js";` is supported')
    return rewritten


def _scoped(module: Path) -> str:
    """A helper module as a constant holding its exports, its other names kept private."""
    source = _rewrite_imports(module)
    exported = [match.group(2) for match in _EXPORT.finditer(source)]
    body = _EXPORT.sub(r"\1 \2", source)
    if _ANY_EXPORT.search(body):
        raise BundleError(f"{module.name}: helpers may only use `export function|const|let|class NAME`")
    return (
        f"// ---- {module.name}\nconst {_namespace(module)} = (() => {{\n{body.rstrip()}\n"
        f"return {{ {', '.join(exported)} }};\n}})();\n"
    )


def build(root: Path = ROOT) -> list[Path]:
    """Write traceops_nb/static/<widget>.js, library.js and widgets.css; a file is rewritten only when it
    changes."""
    source, target = root / "js", root / "traceops_nb" / "static"
    target.mkdir(parents=True, exist_ok=True)
    outputs = {f"{name}.js": bundle(source / f"{name}.js") for name in WIDGETS}
    outputs[LIBRARY] = bundle_library([source / f"{name}.js" for name in WIDGETS])
    outputs[STYLESHEET] = (source / STYLESHEET).read_text(encoding="utf-8")
    written = []
    for name, text in outputs.items():
        path = target / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name == "wheel":  # standard and editable wheels; the sdist ships js/ instead
            build(Path(self.root))


if __name__ == "__main__":
    for path in build():
        print(path.relative_to(ROOT))
