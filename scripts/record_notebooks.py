"""Re-record the cassettes of the shipped notebooks against the tests' fake LLM server, then replay
each notebook and save it with its outputs, so that `pytest --nbval notebooks/` passes offline.

    python scripts/record_notebooks.py            # every notebook in notebooks/
    python scripts/record_notebooks.py notebooks/01_quickstart.ipynb

The fake server answers the notebooks' prompts with the scripted replies below: a text, or a call to
one of the tools the request offers (keyed by the tool result that came back before it, once there is
one), so an agent loop runs step by step as it would against a real model. Every other prompt is
echoed. Against the real APIs, run the notebook with TRACEOPS_RECORD_MODE=rewrite and your keys.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fakellm import FakeLLMServer, Scripted, ToolCall  # noqa: E402

# notebooks/01_quickstart.ipynb
QUICKSTART: dict[str, Scripted] = {
    "In one sentence, what is a cassette in record/replay testing?": (
        "A cassette is a file that stores the requests a program made and the responses it received, "
        "so a test can replay them later without the network."
    ),
    "Give one tip for debugging an LLM agent.": (
        "Record one run, then replay it while you change a single thing at a time: whatever differs "
        "is what your change did."
    ),
}

# notebooks/02_agent_debugging.ipynb: the agent asks for the forecasts, converts both temperatures, then
# answers; a streamed follow-up and a review by a second model follow.
AGENT_DEBUGGING: dict[str, Scripted] = {
    "I fly from Lisbon to Oslo tomorrow. What's the weather in both, in Fahrenheit? Do I need an umbrella?": (
        ToolCall("get_weather", {"city": "Lisbon"})
    ),
    json.dumps({"city": "Lisbon", "temperature_c": 21, "conditions": "sunny"}): ToolCall(
        "get_weather", {"city": "Oslo"}
    ),
    json.dumps({"city": "Oslo", "temperature_c": 4, "conditions": "light rain"}): ToolCall(
        "celsius_to_fahrenheit", {"celsius": 21}
    ),
    "69.8": ToolCall("celsius_to_fahrenheit", {"celsius": 4}),
    "39.2": "Lisbon: sunny, 69.8 °F (21 °C). Oslo: light rain, 39.2 °F (4 °C). Yes, take an umbrella for Oslo.",
    "Turn that into a packing list of at most four items.": (
        "1. Umbrella or rain jacket for Oslo\n"
        "2. Warm sweater for 39 °F\n"
        "3. Light layers for sunny Lisbon\n"
        "4. Sunglasses"
    ),
    "Is every number in the answer backed by a tool result? One sentence.": (
        "Yes: 21 °C and 4 °C come from get_weather, and 69.8 °F and 39.2 °F from celsius_to_fahrenheit."
    ),
}

# Each notebook's script, by file name; a notebook not listed here gets echoes only.
REPLIES: dict[str, dict[str, Scripted]] = {
    "01_quickstart.ipynb": QUICKSTART,
    "02_agent_debugging.ipynb": AGENT_DEBUGGING,
}


class Script(dict[str, Scripted]):
    """The fake server's replies, noting which ones were asked for."""

    def __init__(self, replies: dict[str, Scripted]) -> None:
        super().__init__(replies)
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        if key in self:
            self.asked.add(key)
        return super().get(key, default)


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


def merge_streams(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Join consecutive stdout (or stderr) outputs, as JupyterLab does when it saves: a streamed reply
    printed piece by piece is then one output, not one per piece."""
    for cell in notebook.cells:
        merged: list[nbformat.NotebookNode] = []
        for output in cell.get("outputs", []):
            last = merged[-1] if merged else None
            if last is not None and output.output_type == last.output_type == "stream" and output.name == last.name:
                last.text += output.text
            else:
                merged.append(output)
        if "outputs" in cell:
            cell.outputs = merged
    return notebook


def replay_env() -> dict[str, str]:
    """As under pytest --nbval: replay only, no keys, no base URLs."""
    secret = ("OPENAI_", "ANTHROPIC_", "TRACEOPS_RECORD_MODE")
    kept = {name: value for name, value in os.environ.items() if not name.startswith(secret)}
    return {**kept, "TRACEOPS_RECORD_MODE": "none"}


def main(paths: list[Path]) -> None:
    with FakeLLMServer() as server:
        record = {
            **replay_env(),
            "TRACEOPS_RECORD_MODE": "rewrite",  # every %%record cell records afresh
            "OPENAI_BASE_URL": server.openai_base_url,
            "ANTHROPIC_BASE_URL": server.anthropic_base_url,
            "OPENAI_API_KEY": "fake-key-for-the-local-server",
            "ANTHROPIC_API_KEY": "fake-key-for-the-local-server",
        }
        for path in paths:
            server.replies = script = Script(REPLIES.get(path.name, {}))
            execute(path, record)
            print(f"recorded {path} ({len(server.requests)} requests so far)")
            if script.keys() - script.asked:
                # The run went another way than scripted (a changed prompt or tool), so its
                # cassette holds echoes: stop before saving outputs made from it.
                missed = "\n  ".join(sorted(script.keys() - script.asked))
                raise SystemExit(f"{path}: scripted replies never asked for:\n  {missed}")
    for path in paths:
        nbformat.write(merge_streams(execute(path, replay_env())), path)
        print(f"replayed and saved {path}")


if __name__ == "__main__":
    main([Path(arg) for arg in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("*.ipynb")))
