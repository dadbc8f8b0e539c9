"""CrewAI, recorded and replayed by the same interception as direct SDK calls.

CrewAI's native OpenAI and Anthropic providers call the official SDKs, so nothing CrewAI-specific is
patched. Every CrewAI release requires openai<3, which cannot share an environment with the rest of
the suite (openai 3), so this module runs in its own environment with the `crewai` extra
(`scripts/test` makes it: openai 2 over httpx, anthropic 2 over httpx2). The `crewai` marker keeps it
out of the main run (deselected, not skipped); `pytest -m crewai` runs it.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import pytest
from clients import ANTHROPIC_TEST_KEY, OPENAI_TEST_KEY
from fakellm import FakeLLMServer
from scenarios import CLAUDE, GPT
from test_frameworks import QUESTION, get_weather, record_then_replay

import traceops_nb

# CrewAI sends telemetry and offers trace uploads unless told not to; replay must open no socket at all.
os.environ.update(CREWAI_DISABLE_TELEMETRY="true", OTEL_SDK_DISABLED="true", CREWAI_TRACING_ENABLED="false")

# CrewAI's own code warns of its own deprecations on every kickoff; they say nothing about this test.
pytestmark = [pytest.mark.crewai, pytest.mark.filterwarnings("ignore::DeprecationWarning:crewai")]


@pytest.mark.parametrize("exact", [False, True], ids=["inferred-tool", "recorded-tool"])
@pytest.mark.parametrize(
    ("model", "key", "url"),
    [(GPT, OPENAI_TEST_KEY, "openai"), (f"anthropic/{CLAUDE}", ANTHROPIC_TEST_KEY, "anthropic")],
    ids=["openai", "anthropic"],
)
def test_a_one_agent_crew_with_one_tool(
    model: str, key: str, url: str, exact: bool, server: FakeLLMServer, cassette_path: Path, offline: Any
) -> None:
    crewai = importlib.import_module("crewai")
    from crewai.tools import tool

    # A plain CrewAI tool is read from the conversation (inferred); with @traceops_nb.tool under CrewAI's
    # @tool, the step is recorded with its exact input and output.
    weather = tool("get_weather")(traceops_nb.tool(get_weather) if exact else get_weather)

    def run(urls: dict[str, str]) -> str:
        llm = crewai.LLM(model=model, api_key=key, base_url=urls[url], max_retries=0)
        agent = crewai.Agent(
            role="Weather reporter",
            goal="Say what the weather is",
            backstory="A forecaster",
            llm=llm,
            tools=[weather],
            max_iter=3,
        )
        task = crewai.Task(description=QUESTION, expected_output="One line", agent=agent)
        return str(crewai.Crew(agents=[agent], tasks=[task]).kickoff())

    recorded, trace, replayed, replay_trace = record_then_replay(run, server, cassette_path, offline)
    assert replayed == recorded
    assert recorded.startswith("final: sunny in") and QUESTION in recorded
    assert trace.trajectory == replay_trace.trajectory
    # CrewAI's Anthropic provider also counts tokens (messages.count_tokens) before its calls.
    steps = [event.label for event in trace.events if event.operation != "messages.count_tokens"]
    name = model.removeprefix("anthropic/")
    assert steps == [f"llm:{name}", "tool:get_weather", f"llm:{name}"]
    assert {i.provider for i in trace.interactions} == {url}
    step = trace.tool_calls[0]
    assert step.inferred is not exact and step.output == f"sunny in {step.input['query']}"
