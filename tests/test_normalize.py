"""normalize(): every call path the core records, in one provider-neutral shape without volatile fields;
and the diff comparing through it across providers."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from agents import chat_agent, claude_agent
from clients import make_client
from fakellm import FakeLLMServer
from scenarios import CLAUDE, GPT, SCENARIOS, user

from traceops_nb import Recorder, Trace, diff_traces, normalize
from traceops_nb.trace.normalize import Message, normalize_messages

# Every id the fake server hands out (chatcmpl-fake-1, msg_fake_2, call_fake_3, req_fake_4, …) says "fake",
# and every response carries created=1700000000.
VOLATILE = ("fake", "1700000000", "started_at", "request_id", "created")
# The prompt each scenario sends as its last user message (None: no conversation, e.g. embeddings).
PROMPTS = {
    "chat_create": "plain chat",
    "chat_tools": "weather in Paris",
    "chat_stream": "stream this",
    "chat_stream_usage": "stream usage",
    "chat_parse": "Paris",
    "chat_stream_helper": "helper stream",
    "responses_create": "tell a joke",
    "responses_stream": "stream a joke",
    "responses_stream_helper": "helper joke",
    "responses_parse": "Oslo",
    "embeddings": None,
    "completions": "once upon a time",
    "raw_response": "raw please",
    "streaming_response": "lines please",
    "openai_400": "bad",
    "openai_404": "missing",
    "messages_create": "hello claude",
    "messages_tool_use": "weather Rome",
    "messages_stream": "go fast",
    "messages_stream_helper": "stream helper",
    "messages_parse": "Rome",
    "count_tokens": "three little words",
    "beta_messages": "beta hello",
    "anthropic_400": "bad",
}


def weather(query: str) -> str:
    return f"sunny in {query}"


def record(path: Path, run: Any) -> Trace:
    with Recorder(path, mode="rewrite") as recorder:
        run()
    return recorder.trace


def test_every_scenario_has_its_prompt_listed() -> None:
    assert set(PROMPTS) == set(SCENARIOS)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_call_path_normalizes_without_volatile_fields(name: str, server: FakeLLMServer, tmp_path: Path) -> None:
    scenario = SCENARIOS[name]
    client = make_client(scenario.provider, server)
    trace = record(tmp_path / "call.yaml", lambda: asyncio.run(scenario.run(client)))
    (interaction,) = trace.interactions
    (event,) = trace.events
    normal = normalize(interaction)

    shown = json.dumps(normal.to_dict())
    assert [word for word in VOLATILE if word in shown] == []
    assert normal == normalize(event)  # an interaction and its event give the same shape
    assert (normal.provider, normal.model, normal.operation) == (scenario.provider, event.model, event.operation)
    assert all(message.role in ("system", "user", "assistant", "tool") for message in normal.messages)
    prompt = PROMPTS[name]
    if prompt is None:
        assert normal.messages == ()
    else:
        assert normal.messages[-1] == Message("user", prompt)
    if event.kind == "error":
        assert normal.error and normal.text == "" and normal.usage.output_tokens == 0
        return
    assert normal.error is None
    assert normal.text == event.output_text
    assert [(call.name, call.arguments) for call in normal.tool_calls] == [
        (call.name, call.arguments) for call in event.tool_calls
    ]
    assert all(call.id is None for call in normal.tool_calls)
    assert normal.usage.input_tokens == event.input_tokens
    assert (normal.usage.input_tokens > 0) == event.has_usage  # a stream without include_usage reports none
    assert normal.usage.output_tokens == event.output_tokens


def test_system_prompts_land_first_whatever_the_provider_calls_them(server: FakeLLMServer, tmp_path: Path) -> None:
    trace = record(
        tmp_path / "system.yaml",
        lambda: [
            asyncio.run(SCENARIOS["responses_create"].run(make_client("openai", server))),  # instructions=
            asyncio.run(SCENARIOS["messages_create"].run(make_client("anthropic", server))),  # system=
            make_client("openai", server).chat.completions.create(
                model=GPT, messages=[{"role": "developer", "content": "be kind"}, *user("hi")]
            ),
        ],
    )
    assert [normalize(event).messages[0] for event in trace.events] == [
        Message("system", "be brief"),
        Message("system", "be kind"),
        Message("system", "be kind"),
    ]


def test_tool_loops_of_both_providers_give_the_same_messages(server: FakeLLMServer, tmp_path: Path) -> None:
    tools = {"get_weather": weather}
    gpt = record(tmp_path / "gpt.yaml", lambda: chat_agent(make_client("openai", server), [], "Paris", tools))
    claude = record(
        tmp_path / "claude.yaml", lambda: claude_agent(make_client("anthropic", server), [], "Paris", tools)
    )
    expected = (
        Message("user", "Paris"),
        Message("assistant", tool_calls=(normalize(gpt.events[0]).tool_calls)),
        Message("tool", "sunny in Paris"),
    )
    assert normalize(gpt.events[-1]).messages == expected == normalize(claude.events[-1]).messages
    assert expected[1].tool_calls[0].name == "get_weather"
    assert expected[1].tool_calls[0].arguments == {"query": "Paris"}  # OpenAI's JSON string, parsed
    stops = [normalize(event).stop for event in (*gpt.llm_calls, *claude.llm_calls)]
    assert stops == ["tool_calls", "end", "tool_calls", "end"]  # tool_calls / tool_use, stop / end_turn


def test_responses_items_normalize_like_chat_messages() -> None:
    items = [
        {"role": "user", "content": [{"type": "input_text", "text": "Paris"}]},
        {"type": "function_call", "call_id": "call_1", "id": "fc_1", "name": "get_weather", "arguments": '{"q": 1}'},
        {"type": "function_call_output", "call_id": "call_1", "output": "sunny"},
    ]
    chat = [
        {"role": "user", "content": "Paris"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c9", "function": {"name": "get_weather", "arguments": '{"q":1}'}}],
        },
        {"role": "tool", "tool_call_id": "c9", "content": "sunny"},
    ]
    assert normalize_messages(items) == normalize_messages(chat)


def test_sdk_objects_normalize_like_the_recorded_interaction(server: FakeLLMServer, tmp_path: Path) -> None:
    request = {"model": CLAUDE, "max_tokens": 64, "messages": user("hello claude")}
    chat_request = {"model": GPT, "messages": user("plain chat")}
    with Recorder(tmp_path / "objects.yaml", mode="rewrite") as recorder:
        message = make_client("anthropic", server).messages.create(**request)
        completion = make_client("openai", server).chat.completions.create(**chat_request)
        response = make_client("openai", server).responses.create(model=GPT, input="tell a joke")
    by_object = [
        normalize(request=request, response=message),
        normalize(request=chat_request, response=completion),
        normalize(request={"model": GPT, "input": "tell a joke"}, response=response),
    ]
    assert by_object == [normalize(interaction) for interaction in recorder.trace.interactions]
    assert by_object[0].provider == "anthropic" and by_object[0].text == "echo: hello claude"
    with pytest.raises(ValueError, match='pass provider="openai", "anthropic" or "google"'):
        normalize(request=request, response={"content": []})


def test_switching_provider_shows_as_a_model_change_not_as_everything_changed(
    server: FakeLLMServer, tmp_path: Path
) -> None:
    tools = {"get_weather": weather}
    gpt = record(tmp_path / "gpt.yaml", lambda: chat_agent(make_client("openai", server), [], "Paris", tools))
    claude = record(
        tmp_path / "claude.yaml", lambda: claude_agent(make_client("anthropic", server), [], "Paris", tools)
    )
    diff = diff_traces(gpt, claude)
    assert "model" in diff.changes
    assert "prompt" not in diff.changes and "response" not in diff.changes  # the same conversation
    assert f"provider/model: openai {GPT} → anthropic {CLAUDE}" in diff.steps[0].details
    assert [step.status for step in diff.steps] == ["changed", "same", "changed"]  # the tool call is the same

    rome = record(tmp_path / "rome.yaml", lambda: claude_agent(make_client("anthropic", server), [], "Rome", tools))
    diff = diff_traces(gpt, rome)
    prompt = diff.steps[0].details[diff.steps[0].details.index("prompt:") + 1 :]
    assert prompt[:3] == ("  -user: Paris", "  +user: Rome", "response:")  # the real difference, and only it
