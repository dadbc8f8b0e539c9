"""Semantic diff of two recorded runs: aligned steps, what changed, and the assertion built on it."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from clients import make_client
from fakellm import FakeLLMServer
from scenarios import GPT, user
from sdk_agents import chat_agent, claude_agent

import traceops_nb
from traceops_nb import Recorder, Trace, assert_trace_unchanged, diff_traces


def weather(query: str) -> str:
    return f"sunny in {query}"


def record(server: FakeLLMServer, path: Path, run: Callable[[], Any]) -> Trace:
    with Recorder(path, mode="rewrite") as recorder:
        run()
    return recorder.trace


@pytest.fixture
def runs(server: FakeLLMServer, tmp_path: Path) -> Callable[[Callable[[Any], Any]], Trace]:
    counter = iter(range(100))

    def run(agent: Callable[[Any], Any]) -> Trace:
        client = make_client("openai", server)
        return record(server, tmp_path / f"run{next(counter)}.yaml", lambda: agent(client))

    return run


def test_two_recordings_of_the_same_run_have_no_changes(runs: Any) -> None:
    old = runs(lambda c: chat_agent(c, [], "Paris", {"get_weather": weather}))
    new = runs(lambda c: chat_agent(c, [], "Paris", {"get_weather": weather}))
    # Ids differ between the two runs (chatcmpl-fake-1 vs -3, call ids): they are not changes.
    assert old.records[0].response.body["id"] != new.records[0].response.body["id"]
    diff = diff_traces(old, new)
    assert not diff.has_changes and diff.changes == ()
    assert [step.status for step in diff.steps] == ["same", "same", "same"]
    assert diff.summary() == "No differences: 3 steps, same trajectory."
    assert_trace_unchanged(old, new)


def test_a_changed_prompt_shows_its_text_difference(runs: Any) -> None:
    old = runs(lambda c: c.chat.completions.create(model=GPT, messages=user("What is the weather in Paris?")))
    new = runs(lambda c: c.chat.completions.create(model=GPT, messages=user("What is the weather in Rome?")))
    diff = diff_traces(old, new)
    assert diff.changes == ("prompt", "response")
    (step,) = diff.steps
    assert step.status == "changed" and step.changes == ("prompt", "response")
    assert "  -user: What is the weather in Paris?" in step.details
    assert "  +user: What is the weather in Rome?" in step.details
    assert "  +echo: What is the weather in Rome?" in step.details
    assert not diff.trajectory_changed


def test_a_changed_model_and_token_deltas(runs: Any) -> None:
    old = runs(lambda c: c.chat.completions.create(model=GPT, messages=user("hi")))
    new = runs(lambda c: c.chat.completions.create(model="gpt-5.4-mini", messages=user("hi there friend")))
    diff = diff_traces(old, new)
    assert {"model", "prompt", "trajectory", "tokens", "cost"} <= set(diff.changes)
    assert "model: gpt-4o-mini → gpt-5.4-mini" in diff.steps[0].details
    assert diff.token_delta == new.total_tokens - old.total_tokens > 0
    assert diff.cost_delta == pytest.approx(new.total_cost_usd - old.total_cost_usd)
    assert "cost: $" in diff.summary()


def test_an_extra_tool_round_is_aligned_not_compared_position_by_position(runs: Any) -> None:
    old = runs(lambda c: c.chat.completions.create(model=GPT, messages=user("done")))
    new = runs(lambda c: chat_agent(c, [], "Paris", {"get_weather": weather}))
    diff = diff_traces(old, new)
    assert diff.tools_added == ("get_weather",) and diff.tools_removed == ()
    assert (diff.old_llm_calls, diff.new_llm_calls) == (1, 2)
    assert {"trajectory", "tools", "llm_calls"} <= set(diff.changes)
    statuses = [(s.status, s.old_label, s.new_label) for s in diff.steps]
    assert statuses.count(("added", None, "tool:get_weather")) == 1
    assert sum(s.status == "added" for s in diff.steps) == 2  # one tool call, one LLM call: nothing else moves
    text = diff.summary()
    assert "tools added: get_weather" in text and "LLM calls: 1 → 2 (+1)" in text
    assert f"old: llm:{GPT}\n" in text + "\n" and f"new: llm:{GPT} → tool:get_weather → llm:{GPT}" in text


def test_a_removed_tool_and_an_inserted_step_in_the_middle(tmp_path: Path) -> None:
    steps = ["a", "b", "c", "d"]

    def run(names: list[str], path: Path) -> Trace:
        with Recorder(path, mode="rewrite") as recorder:
            for name in names:
                traceops_nb.record_tool_call(name, {"x": 1}, "ok")
        return recorder.trace

    old = run(steps, tmp_path / "old.yaml")
    new = run(["a", "b", "inserted", "c", "d"], tmp_path / "new.yaml")
    diff = diff_traces(old, new)
    assert [(s.status, s.old_step, s.new_step) for s in diff.steps] == [
        ("same", 0, 0),
        ("same", 1, 1),
        ("added", None, 2),
        ("same", 2, 3),
        ("same", 3, 4),
    ]
    assert diff_traces(new, old).tools_removed == ("inserted",)


def test_tool_input_and_output_changes(tmp_path: Path) -> None:
    def run(output: str, path: Path) -> Trace:
        with Recorder(path, mode="rewrite") as recorder:
            traceops_nb.record_tool_call("search", {"q": "tides"}, output)
        return recorder.trace

    diff = diff_traces(run("high at 6", tmp_path / "a.yaml"), run("high at 7", tmp_path / "b.yaml"))
    assert diff.changes == ("tool_output",)
    assert diff.steps[0].details == ("output: high at 6 → high at 7",)


def test_ignore_and_the_assertion_message(runs: Any) -> None:
    old = runs(lambda c: c.chat.completions.create(model=GPT, messages=user("one")))
    new = runs(lambda c: c.chat.completions.create(model=GPT, messages=user("one two")))
    with pytest.raises(AssertionError) as caught:
        assert_trace_unchanged(old, new)
    assert "Traces differ in: prompt, response, tokens, cost" in str(caught.value)
    assert "+user: one two" in str(caught.value)
    assert_trace_unchanged(old, new, ignore=["prompt", "response", "tokens", "cost"])
    with pytest.raises(ValueError, match="unknown diff categories"):
        diff_traces(old, new, ignore=["vibes"])


def test_paths_and_sessions_are_accepted_and_to_dict_is_json(server: FakeLLMServer, tmp_path: Path) -> None:
    claude = make_client("anthropic", server)
    with Recorder(tmp_path / "a.yaml", mode="rewrite") as first:
        claude_agent(claude, [], "Rome", {"get_weather": weather})
    with Recorder(tmp_path / "b.yaml", mode="rewrite") as second:
        claude_agent(claude, [], "Milan", {"get_weather": weather})
    diff = diff_traces(tmp_path / "a.yaml", second)
    assert diff.to_dict() == diff_traces(first, tmp_path / "b.yaml").to_dict()
    data = json.loads(json.dumps(diff.to_dict()))
    assert data["has_changes"] and data["trajectory"]["changed"] is False
    assert [s["status"] for s in data["steps"]] == ["changed", "changed", "changed"]
    assert data["steps"][1]["changes"] == ["tool_input", "tool_output"]


def test_unknown_costs_are_not_a_change_but_unknown_against_known_is(runs: Any) -> None:
    known = runs(lambda c: c.chat.completions.create(model=GPT, messages=user("price me")))
    unknown = Trace([replace(record, cost_usd=None) for record in known.interactions])
    assert math.isnan(unknown.total_cost_usd)
    assert not diff_traces(unknown, Trace(unknown.records)).has_changes
    diff = diff_traces(known, unknown)
    assert diff.changes == ("cost",) and math.isnan(diff.steps[0].cost_delta)
    assert f"cost: ${known.total_cost_usd:.6f} → cost unknown" in diff.summary()
    assert diff.to_dict()["cost_usd"]["new"] is None


def test_a_difference_carried_in_a_growing_conversation_is_named_not_repeated(runs: Any) -> None:
    def agent(forecast: str) -> Callable[[Any], Any]:
        def run(client: Any) -> None:
            messages: list[Any] = []
            chat_agent(client, messages, "Paris", {"get_weather": lambda query: forecast})
            chat_agent(client, messages, "Oslo", {"get_weather": lambda query: "snow"})

        return run

    diff = diff_traces(runs(agent("sunny")), runs(agent("rain")))
    prompts = {step.new_step: step.details for step in diff.steps if "prompt" in step.changes}
    assert sorted(prompts) == [2, 3, 5]  # every LLM call after the changed tool output
    assert prompts[2][:3] == ("prompt:", "  -tool: sunny", "  +tool: rain")
    assert prompts[3][-1] == "  (and the difference from step 2, carried in the conversation)"
    assert "  -tool: sunny" not in prompts[3] and "  -tool: sunny" not in prompts[5]
