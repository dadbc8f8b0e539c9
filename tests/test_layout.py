"""The package's folders are the stages of its data flow, and imports only flow down them.

errors → cassette → intercept → trace → engine → analysis → views → notebook / testing / cli (and the
public face, `traceops_nb/__init__.py`). Every import is read from the source — module level and inside
functions, not `if TYPE_CHECKING:` blocks — and one from a lower stage to a higher one, or a cycle,
fails naming the files and the line.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import traceops_nb

PACKAGE = Path(traceops_nb.__file__).resolve().parent
STAGES = ["errors", "cassette", "intercept", "trace", "engine", "analysis", "views", "notebook", "testing", "cli"]
TOP = {"notebook", "testing", "cli", ""}  # the stages at the top, and the public face ("": __init__)
# The one import allowed to reach up: `Trace.to_dataframe()`, a convenience for users, imports pandas' frame
# builder inside the method.
ALLOWED_UPWARD = {("traceops_nb.trace.trace", "traceops_nb.analysis.frame")}
TOP_LEVEL_FILES = {"__init__.py", "__main__.py", "cli.py", "errors.py"}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module
    line: int
    in_function: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def rank(module: str) -> int:
    """0 for errors up to 7 for the top (notebook, testing, cli and the package's public face)."""
    parts = module.split(".")
    stage = parts[1] if len(parts) > 1 else ""
    if stage in TOP or stage == "__main__":
        return len(STAGES) - 3 + (stage == "__main__")
    return STAGES.index(stage)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, in_function: bool = False) -> Iterator[tuple[ast.AST, bool]]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _type_checking(child):
            yield from (pair for stmt in child.orelse for pair in _walk_one(stmt, in_function))
            continue
        inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
        yield child, in_function
        yield from _walk(child, inner)


def _walk_one(node: ast.AST, in_function: bool) -> Iterator[tuple[ast.AST, bool]]:
    yield node, in_function
    yield from _walk(node, in_function)


def imports_of(name: str, path: Path, known: dict[str, Path]) -> list[Import]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[Import] = []
    for node, in_function in _walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        for target in targets:
            if target.startswith("traceops_nb") and target != name:
                found.append(Import(name, _owner(target, known), node.lineno, in_function))  # type: ignore[attr-defined]
    return found


def _owner(target: str, known: dict[str, Path]) -> str:
    while target not in known and "." in target:
        target = target.rpartition(".")[0]
    return target


def all_imports() -> list[Import]:
    known = modules()
    return [found for name, path in known.items() for found in imports_of(name, path, known)]


def where(found: Import) -> str:
    return f"{modules()[found.source].relative_to(PACKAGE.parent)}:{found.line}"


def test_every_module_is_in_a_stage() -> None:
    for name in modules():
        assert rank(name) >= 0, name  # STAGES.index raises for a folder that is no stage


def test_no_module_imports_from_a_stage_above_its_own() -> None:
    upward = [
        f"{where(found)} imports {found.target} (stage {rank(found.target)}) from stage {rank(found.source)}"
        for found in all_imports()
        if rank(found.target) > rank(found.source) and (found.source, found.target) not in ALLOWED_UPWARD
    ]
    assert upward == []


def test_the_one_upward_import_is_lazy() -> None:
    allowed = [found for found in all_imports() if (found.source, found.target) in ALLOWED_UPWARD]
    assert allowed, "Trace.to_dataframe() imports the frame builder: the exception should be in use"
    assert all(found.in_function for found in allowed), [where(found) for found in allowed]


def test_no_import_cycles() -> None:
    graph: dict[str, list[Import]] = {}
    for found in all_imports():
        if (found.source, found.target) not in ALLOWED_UPWARD:  # lazy: no cycle when modules load
            graph.setdefault(found.source, []).append(found)
    cycles: list[str] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[Import] = []

    def visit(module: str) -> None:
        state[module] = 1
        for edge in graph.get(module, []):
            if state.get(edge.target) == 1:
                start = next(i for i, step in enumerate(path) if step.source == edge.target) if path else 0
                loop = [*path[start:], edge] if path and path[start].source == edge.target else [edge]
                cycles.append(" → ".join(where(step) for step in loop) + f" → {edge.target}")
            elif edge.target not in state:
                path.append(edge)
                visit(edge.target)
                path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert cycles == []


def test_the_checker_sees_an_upward_import_and_a_cycle(tmp_path: Path) -> None:
    """The checks above can fail: the same reading of imports, on a module that breaks both rules."""
    known = {name: tmp_path / f"{name[-1]}.py" for name in ("traceops_nb.cassette.a", "traceops_nb.cassette.b")}
    known["traceops_nb.views"] = PACKAGE / "views" / "__init__.py"
    known["traceops_nb.cassette.a"].write_text("from ..views import text\nfrom . import b\n")
    known["traceops_nb.cassette.b"].write_text("def f():\n    from .a import x\n")
    first = imports_of("traceops_nb.cassette.a", known["traceops_nb.cassette.a"], known)
    second = imports_of("traceops_nb.cassette.b", known["traceops_nb.cassette.b"], known)
    assert [(found.target, found.line) for found in first] == [("traceops_nb.views", 1), ("traceops_nb.cassette.b", 2)]
    assert rank(first[0].target) > rank(first[0].source)
    assert [(found.target, found.in_function) for found in second] == [("traceops_nb.cassette.a", True)]


def test_type_checking_imports_are_left_out(tmp_path: Path) -> None:
    file = tmp_path / "c.py"
    file.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..engine.session import Session\n")
    assert imports_of("traceops_nb.intercept.c", file, {"traceops_nb.intercept.c": file}) == []


def test_the_top_level_holds_only_the_public_face_and_stage_folders() -> None:
    files = {path.name for path in PACKAGE.iterdir() if path.is_file() and path.suffix == ".py"}
    assert files <= TOP_LEVEL_FILES
    folders = {path.name for path in PACKAGE.iterdir() if path.is_dir() and (path / "__init__.py").exists()}
    assert folders <= set(STAGES)


def test_each_stage_says_what_it_does_and_may_import() -> None:
    for stage in STAGES:
        init = PACKAGE / stage / "__init__.py"
        if init.exists():
            doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
            assert doc.startswith("Stage ") and "May import" in doc, (stage, doc[:80])


# -- the public API, from where the README says it lives ----------------------------------------------

README_MODULES = {
    "traceops_nb.pricing": ("register_model", "load_prices", "price_of", "recompute"),
    "traceops_nb.baseline": ("keep", "accept", "rollback", "baseline_path"),
    "traceops_nb.assertions": ("assert_cost_under", "assert_tokens_under", "assert_max_llm_calls", "assert_no_loops"),
    "traceops_nb.frame": ("to_dataframe", "COLUMNS"),
    "traceops_nb.otel": ("export", "spans", "OtelExportError"),
    "traceops_nb.plots": ("cost_by_model", "tokens_per_step", "latency_timeline", "cost_by_cassette"),
    "traceops_nb.tools": ("RecordedToolError",),
    "traceops_nb.widgets": ("TrajectoryWidget", "DebuggerWidget", "DiffWidget"),
}


def test_every_public_name_imports_from_the_package() -> None:
    for name in traceops_nb.__all__:
        exec(f"from traceops_nb import {name}", {})


@pytest.mark.parametrize("module", sorted(README_MODULES))
def test_readme_modules_import_by_their_short_name(module: str) -> None:
    names = ", ".join(README_MODULES[module])
    code = f"import {module}\nfrom {module} import {names}\nimport traceops_nb\nprint({module}.__name__)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    real = done.stdout.strip()
    assert real.startswith("traceops_nb.") and real != module  # it lives in its stage folder
    assert importlib.import_module(module) is importlib.import_module(real)  # the same module, not a copy


def test_python_dash_m_and_the_entry_points_still_work() -> None:
    done = subprocess.run([sys.executable, "-m", "traceops_nb", "--version"], capture_output=True, text=True)
    assert done.stdout.strip() == f"traceops-nb {traceops_nb.__version__}"
    from importlib.metadata import entry_points

    (plugin,) = [point for point in entry_points(group="pytest11") if point.name == "traceops_nb"]
    assert hasattr(plugin.load(), "pytest_addoption")
    (script,) = [point for point in entry_points(group="console_scripts") if point.name == "traceops-nb"]
    assert callable(script.load())
