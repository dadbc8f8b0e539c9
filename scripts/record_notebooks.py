"""Re-record the cassettes of the shipped notebooks against the tests' fake LLM server, then replay
each notebook and save it with its outputs, so that `pytest --nbval notebooks/` passes offline.

    python scripts/record_notebooks.py            # every notebook in notebooks/
    python scripts/record_notebooks.py notebooks/01_quickstart.ipynb

The fake server answers the notebooks' prompts with the scripted replies below; every other prompt
is echoed. Against the real APIs, run the notebook with TRACEOPS_RECORD_MODE=rewrite and your keys.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fakellm import FakeLLMServer  # noqa: E402

REPLIES = {
    "In one sentence, what is a cassette in record/replay testing?": (
        "A cassette is a file that stores the requests a program made and the responses it received, "
        "so a test can replay them later without the network."
    ),
    "Give one tip for debugging an LLM agent.": (
        "Record one run, then replay it while you change a single thing at a time: whatever differs "
        "is what your change did."
    ),
}


def execute(path: Path, env: dict[str, str]) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:  # the kernel inherits this process's environment
        NotebookClient(
            notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        ).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return notebook


def replay_env() -> dict[str, str]:
    """As under pytest --nbval: replay only, no keys, no base URLs."""
    secret = ("OPENAI_", "ANTHROPIC_", "TRACEOPS_RECORD_MODE")
    kept = {name: value for name, value in os.environ.items() if not name.startswith(secret)}
    return {**kept, "TRACEOPS_RECORD_MODE": "none"}


def main(paths: list[Path]) -> None:
    with FakeLLMServer() as server:
        server.replies.update(REPLIES)
        record = {
            **replay_env(),
            "TRACEOPS_RECORD_MODE": "rewrite",  # every %%record cell records afresh
            "OPENAI_BASE_URL": server.openai_base_url,
            "ANTHROPIC_BASE_URL": server.anthropic_base_url,
            "OPENAI_API_KEY": "fake-key-for-the-local-server",
            "ANTHROPIC_API_KEY": "fake-key-for-the-local-server",
        }
        for path in paths:
            execute(path, record)
            print(f"recorded {path} ({len(server.requests)} requests so far)")
    for path in paths:
        nbformat.write(execute(path, replay_env()), path)
        print(f"replayed and saved {path}")


if __name__ == "__main__":
    main([Path(arg) for arg in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("*.ipynb")))
