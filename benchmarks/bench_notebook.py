"""What notebook mode costs: per cell with no call, per replayed call over Replayer, and traceops_nb's own share
of replaying a 20-cell notebook that makes 200 calls (kernel start-up excluded).

One process, IPython's own shell (the kernel runs the same shell); the calls are recorded from the tests' fake
server, which is stopped before anything is timed.

    python benchmarks/bench_notebook.py [--rounds 7] [--json PATH]

Own share of the notebook = import traceops_nb after openai + %load_ext + notebook mode's start (the cassette
read) + 20 cells × the per-cell overhead + 200 calls × (a replayed call in notebook mode − the same call
answered by the SDK over httpx2.MockTransport, the SDK's own work with no network; 0 when replay costs less).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fakellm import FakeLLMServer  # noqa: E402

CELLS, CALLS_PER_CELL = 20, 10
ASK = "client.chat.completions.create(model='gpt-5.4-mini', messages=[{{'role': 'user', 'content': 'q{i}'}}])"


def cell_source(cell: int) -> str:
    return "\n".join(ASK.format(i=cell * CALLS_PER_CELL + j) for j in range(CALLS_PER_CELL)) + ";"  # no Out[]


def new_shell(folder: Path) -> Any:
    from IPython.core.interactiveshell import InteractiveShell

    InteractiveShell.clear_instance()
    os.chdir(folder)
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "traceops_nb")  # replaying only, it supplies a placeholder key
    shell.run_cell("import openai\nclient = openai.OpenAI(max_retries=0)")
    return shell


def record(folder: Path) -> Path:
    with FakeLLMServer() as server:
        os.environ.update(OPENAI_BASE_URL=server.openai_base_url, OPENAI_API_KEY="test-key")
        shell = new_shell(folder)
        shell.run_line_magic("traceops", "notebook nb.yaml --quiet")
        for cell in range(CELLS):
            shell.run_cell(cell_source(cell), store_history=True)
        shell.run_line_magic("traceops", "off")
    os.environ["TRACEOPS_RECORD_MODE"] = "none"
    del os.environ["OPENAI_API_KEY"]
    return folder / "nb.yaml"


def timed(shell: Any, source: str) -> float:
    started = time.perf_counter()
    result = shell.run_cell(source, store_history=True)
    elapsed = time.perf_counter() - started
    assert result.success, result.error_in_exec
    return elapsed


def per_cell_overhead(shell: Any, repeats: int = 2000) -> tuple[float, float]:
    """Median seconds of a cell with no call: notebook mode off, then on."""
    off = statistics.median(timed(shell, "x = 1") for _ in range(repeats))
    shell.run_line_magic("traceops", "notebook nb.yaml --quiet")
    on = statistics.median(timed(shell, "x = 1") for _ in range(repeats))
    shell.run_line_magic("traceops", "off")
    return off, on


def per_call(shell: Any, rounds: int) -> tuple[float, float, float]:
    """Median seconds per replayed call, the 200 calls made by one loop in one cell: in notebook mode, in a
    Replayer block, and by the SDK alone."""
    loop = "for i in range(200):\n    " + ASK.replace("'q{i}'", "f'q{{i}}'").format()
    notebook, replayer = [], []
    for _ in range(rounds):
        shell.run_line_magic("traceops", "notebook nb.yaml --quiet")
        notebook.append(timed(shell, loop) / (CELLS * CALLS_PER_CELL))
        shell.run_line_magic("traceops", "off")
        replayer.append(
            timed(shell, f"with traceops_nb.Replayer('nb.yaml'):\n{_indent(loop)}") / (CELLS * CALLS_PER_CELL)
        )
    return statistics.median(notebook), statistics.median(replayer), sdk_alone(Path("nb.yaml"), rounds)


def notebook_cells(shell: Any, rounds: int) -> float:
    """Median seconds of the 20 cells of 10 calls each, in notebook mode (IPython's own work per cell included)."""
    totals = []
    for _ in range(rounds):
        shell.run_line_magic("traceops", "notebook nb.yaml --quiet")
        totals.append(sum(timed(shell, cell_source(cell)) for cell in range(CELLS)))
        shell.run_line_magic("traceops", "off")
    return statistics.median(totals)


def sdk_alone(cassette: Path, rounds: int) -> float:
    """The same calls answered with the recorded bytes by httpx2.MockTransport: no traceops_nb session."""
    import httpx2
    import openai

    from traceops_nb.cassette.file import read_interactions

    bodies = {i.request.body["messages"][0]["content"]: i.response.content() for i in read_interactions(cassette)}

    def answer(request: Any) -> Any:
        prompt = json.loads(request.content)["messages"][0]["content"]
        return httpx2.Response(200, headers={"content-type": "application/json"}, content=bodies[prompt])

    client = openai.OpenAI(
        api_key="x", base_url="http://sdk.invalid/v1", http_client=httpx2.Client(transport=httpx2.MockTransport(answer))
    )
    times = []
    os.environ["TRACEOPS_RECORD_MODE"] = "rewrite"  # not replaying only: no session is needed for these calls
    for _ in range(rounds):
        started = time.perf_counter()
        for prompt in bodies:
            client.chat.completions.create(model="gpt-5.4-mini", messages=[{"role": "user", "content": prompt}])
        times.append((time.perf_counter() - started) / len(bodies))
    os.environ["TRACEOPS_RECORD_MODE"] = "none"
    return statistics.median(times)


def start_costs(folder: Path) -> dict[str, float]:
    """In fresh processes, CPU seconds (the machine may be shared): import traceops_nb after openai (it imports
    anthropic too, for its error classes); %load_ext plus notebook mode's start."""
    code = (
        "import time, openai\nt = time.process_time()\nimport traceops_nb\nimport_s = time.process_time() - t\n"
        "from IPython.core.interactiveshell import InteractiveShell\nshell = InteractiveShell.instance()\n"
        "t = time.process_time()\nshell.run_line_magic('load_ext', 'traceops_nb')\n"
        "shell.run_line_magic('traceops', 'notebook nb.yaml --quiet')\nstart_s = time.process_time() - t\n"
        "print(import_s, start_s)"
    )
    run = [sys.executable, "-c", code]
    runs = [subprocess.run(run, cwd=folder, capture_output=True, text=True, check=True) for _ in range(3)]
    pairs = [tuple(map(float, run.stdout.split())) for run in runs]
    return {"import_s": statistics.median(p[0] for p in pairs), "start_s": statistics.median(p[1] for p in pairs)}


def _indent(source: str) -> str:
    return "".join(f"    {line}\n" for line in source.splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-notebook-"))
    record(folder)
    shell = new_shell(folder)
    shell.run_cell("import traceops_nb")
    off, on = per_cell_overhead(shell)
    in_notebook, in_replayer, sdk = per_call(shell, args.rounds)
    twenty = notebook_cells(shell, args.rounds)
    starts = start_costs(folder)
    cells_s = CELLS * (on - off)
    calls_s = CELLS * CALLS_PER_CELL * (in_notebook - sdk)
    figures = {
        "cell_no_call_ms": {"mode_off": off * 1e3, "mode_on": on * 1e3, "added": (on - off) * 1e3},
        "per_call_us": {"notebook_mode": in_notebook * 1e6, "replayer": in_replayer * 1e6, "sdk_alone": sdk * 1e6},
        "notebook_20_cells_200_calls_s": {
            "cells_run_in_notebook_mode": twenty,
            "import_after_openai": starts["import_s"],
            "load_ext_and_start": starts["start_s"],
            "cells": cells_s,
            "calls_over_sdk": calls_s,
            # a replayed call that costs less than the SDK's own work adds nothing (it is not counted as a gain)
            "own_share_after_import": starts["start_s"] + cells_s + max(calls_s, 0.0),
            "own_share": starts["import_s"] + starts["start_s"] + cells_s + max(calls_s, 0.0),
        },
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
