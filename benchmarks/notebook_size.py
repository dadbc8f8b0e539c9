"""How much a saved notebook grows with traceops_nb's widgets: N `%%record` cells (one call each, against the
tests' fake LLM server) executed with `jupyter nbconvert --to notebook --execute`, which stores every widget
model's state in the notebook. Prints the file's size, the widget state, the part of it that is front-end code,
and the cell outputs (the static fallbacks included).

    python benchmarks/notebook_size.py [--cells 10] [--keep OUT.ipynb]

No network, no key. To compare two versions, run it in each one's environment.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fakellm import FakeLLMServer

CODE_TRAITS = {"_esm", "_css", "boot", "code", "css"}  # what carries front-end code, in any version
ASK = "client.chat.completions.create(model='gpt-5.4-mini', messages=[{{'role': 'user', 'content': {text!r}}}])"


def notebook(cells: int) -> Any:
    sources = [
        "%load_ext traceops_nb",
        "import openai\nclient = openai.OpenAI()",
        *(f"%%record cassettes/cell_{n}.yaml\n{ASK.format(text=f'question {n}')}" for n in range(cells)),
    ]
    made = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in sources])
    made.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return made


def sizes(path: Path) -> dict[str, int]:
    saved = json.loads(path.read_text(encoding="utf-8"))
    widgets = saved["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    models = widgets.get("state", {})
    code = sum(
        len(json.dumps(value))
        for model in models.values()
        for key, value in model["state"].items()
        if key in CODE_TRAITS
    )
    return {
        "file": path.stat().st_size,
        "widget state": len(json.dumps(widgets)),
        "of which front-end code": code,
        "widget models": len(models),
        "cell outputs": sum(len(json.dumps(cell.get("outputs", []))) for cell in saved["cells"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=10)
    parser.add_argument("--keep", type=Path, help="save the executed notebook here")
    args = parser.parse_args()
    with FakeLLMServer() as server, tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cells.ipynb"
        nbformat.write(notebook(args.cells), path)
        env = {**os.environ, "OPENAI_BASE_URL": server.openai_base_url, "OPENAI_API_KEY": "fake-server-key"}
        env.pop("TRACEOPS_RECORD_MODE", None)
        command = [
            sys.executable,
            "-m",
            "jupyter",
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "--inplace",
            str(path),
        ]
        subprocess.run(command, check=True, env=env, cwd=folder, capture_output=True)
        measured = sizes(path)
        if args.keep:
            shutil.copy(path, args.keep)
    print(f"{args.cells} %%record cells, one call each, saved by nbconvert --execute:")
    for name, value in measured.items():
        print(f"  {name:<24} {value:>9,}" + ("" if name == "widget models" else " B"))


if __name__ == "__main__":
    main()
