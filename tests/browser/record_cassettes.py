"""Re-record the cassettes the widgets' browser tests replay, against the tests' fake LLM server (no keys).

    python tests/browser/record_cassettes.py

agent.yaml and agent_v2.yaml are two runs of the same agent that differ in model, prompt, tool input and
output, and one extra tool and LLM call (the diff widget's subject); xss.yaml carries markup and
script-looking text in prompts, responses and tool outputs, which the widgets must show as plain text.
"""

from __future__ import annotations

import sys
from pathlib import Path

import openai

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from agent import (  # noqa: E402
    DOCS,
    QUESTION,
    QUESTION_V2,
    SYSTEM_V2,
    XSS_ANSWER,
    XSS_PAGE,
    XSS_QUESTION,
    run_agent,
)
from fakellm import FakeLLMServer  # noqa: E402

import traceops_nb  # noqa: E402

REPLIES = {
    DOCS[QUESTION]: "A cassette is a YAML file of recorded LLM calls; tests replay it with no network.",
    DOCS[QUESTION_V2]: "A cassette is a YAML file of recorded LLM calls. A replay answers every call from it, offline.",
    "Summarise Record and replay.": "Record once, replay forever: no keys, no cost, the same objects.",
    XSS_PAGE: XSS_ANSWER,
}


def main() -> None:
    with FakeLLMServer() as server:
        server.replies.update(REPLIES)
        client = openai.OpenAI(api_key="fake-key-for-the-local-server", base_url=server.openai_base_url, max_retries=0)
        runs = {
            "agent.yaml": lambda: run_agent(client, QUESTION),
            "agent_v2.yaml": lambda: run_agent(client, QUESTION_V2, model="gpt-5.4", system=SYSTEM_V2, fetch=True),
            "xss.yaml": lambda: run_agent(client, XSS_QUESTION),
        }
        for name, run in runs.items():
            with traceops_nb.Recorder(HERE / "cassettes" / name) as recorder:
                print(f"{name}: {run()!r}")
            print("  " + " → ".join(recorder.trace.trajectory))


if __name__ == "__main__":
    main()
