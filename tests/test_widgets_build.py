"""The widgets' front-end: its JavaScript unit tests, what the source may not do, the bundle, the wheel."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
JS = ROOT / "js"
STATIC = ROOT / "traceops_nb" / "static"
BUILT = ("trajectory.js", "debugger.js", "diff.js", "library.js", "widgets.css")


def hatch_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("hatch_build", ROOT / "hatch_build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_javascript_unit_tests_pass() -> None:
    node = shutil.which("node")
    assert node, "node is needed for the JavaScript unit tests (node --test)"
    result = subprocess.run([node, "--test", "tests/js/"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    passed = re.search(r"^# pass (\d+)$", result.stdout, re.MULTILINE)
    assert passed and int(passed.group(1)) >= 15, result.stdout[-1000:]


def test_the_front_end_never_parses_text_as_html_and_never_leaves_the_page() -> None:
    forbidden = re.compile(
        r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|DOMParser|createContextualFragment|"
        r"\beval\(|new Function|\bimport\(|\bfetch\(|XMLHttpRequest|WebSocket|https?://"
    )
    sources = sorted(JS.glob("*.js")) + sorted(JS.glob("*.css"))
    assert len(sources) >= 10
    hits = [f"{path.name}: {match.group(0)}" for path in sources for match in forbidden.finditer(path.read_text())]
    assert hits == []


def test_every_theme_colour_has_a_fallback_outside_jupyterlab() -> None:
    """JupyterLab's variables first, then VS Code's, then a plain value: no host leaves a colour unset."""
    css = (JS / "widgets.css").read_text()
    uses = re.findall(r"var\(\s*(--[\w-]+)\s*([,)])", css)
    assert len(uses) > 50
    without_fallback = sorted({name for name, end in uses if end == ")" and not name.startswith("--tnb-")})
    assert without_fallback == []
    defined = set(re.findall(r"(--tnb-[\w-]+)\s*:", css))
    assert {name for name, _ in uses if name.startswith("--tnb-")} <= defined
    theme = css[css.index(".tnb {") : css.index("}", css.index(".tnb {"))]
    for name in (
        "--jp-layout-color1",
        "--vscode-editor-background",
        "--jp-ui-font-color1",
        "--vscode-editor-foreground",
    ):
        assert f"var({name}" in theme, name


def test_the_built_modules_are_the_current_js_sources() -> None:
    module = hatch_build()
    for name in module.WIDGETS:
        built = (STATIC / f"{name}.js").read_text()
        assert built == module.bundle(JS / f"{name}.js"), f"stale {name}.js: run `python hatch_build.py`"
        assert "export default { render };" in built and re.search(r"^import ", built, re.MULTILINE) is None
    assert (STATIC / "widgets.css").read_text() == (JS / "widgets.css").read_text()
    library = (STATIC / "library.js").read_text()
    assert library == module.bundle_library([JS / f"{name}.js" for name in module.WIDGETS]), "stale library.js"
    assert library.count("const __tnb_format = ") == 1  # each helper once, however many widgets import it


def test_the_library_holds_every_widget_and_runs() -> None:
    """What notebooks load: one module whose default export renders each widget by name."""
    node = shutil.which("node")
    assert node
    script = (
        f"import('{(STATIC / 'library.js').as_uri()}').then((m) => "
        "console.log(Object.entries(m.default).map(([k, v]) => k + ':' + typeof v.render).join(' ')))"
    )
    result = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "trajectory:function debugger:function diff:function", result.stderr


def test_the_bundler_refuses_module_forms_it_cannot_inline(tmp_path: Path) -> None:
    module = hatch_build()
    (tmp_path / "helper.js").write_text("export default function x() {}\n")
    (tmp_path / "entry.js").write_text('import { x } from "./helper.js";\nexport default { render: x };\n')
    with pytest.raises(module.BundleError, match="helpers may only use"):
        module.bundle(tmp_path / "entry.js")
    (tmp_path / "star.js").write_text('import * as all from "./helper.js";\n')
    with pytest.raises(module.BundleError, match="only `import"):
        module.bundle(tmp_path / "star.js")
    (tmp_path / "a.js").write_text('import { b } from "./b.js";\nexport const a = 1;\n')
    (tmp_path / "b.js").write_text('import { a } from "./a.js";\nexport const b = 2;\n')
    with pytest.raises(module.BundleError, match="import cycle"):
        module.bundle(tmp_path / "a.js")


def test_a_bundle_keeps_helper_names_private_and_runs(tmp_path: Path) -> None:
    module = hatch_build()
    (tmp_path / "helper.js").write_text("const secret = 2;\nexport function twice(x) { return x * secret; }\n")
    (tmp_path / "entry.js").write_text(
        'import { twice as double } from "./helper.js";\nconst secret = 40;\n'
        "export default { render: () => double(secret / 2) + 2 };\n"
    )
    bundle = tmp_path / "bundle.mjs"
    bundle.write_text(module.bundle(tmp_path / "entry.js"))
    node = shutil.which("node")
    assert node
    script = f"import('{bundle.as_uri()}').then((m) => console.log(m.default.render()))"
    result = subprocess.run([node, "-e", script], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "42", result.stderr


def test_the_wheel_built_from_the_sdist_contains_the_built_front_end(tmp_path: Path) -> None:
    """As pip does it from a source release: sdist, then a wheel from the unpacked sdist (no node)."""
    command = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for name in BUILT:
            assert f"traceops_nb/static/{name}" in names
            assert archive.read(f"traceops_nb/static/{name}").decode() == (STATIC / name).read_text()
    assert "traceops_nb/views/widgets/__init__.py" in names
    assert {
        "traceops_nb/trace/prices.yaml",
        "traceops_nb/views/report_page.js",
    } <= names  # data files moved with their stage
