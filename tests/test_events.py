"""Events and traces from real SDK agent loops: tool calls recorded, decided, or inferred; tokens; totals."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from clients import make_client
from fakellm import FakeLLMServer
from scenarios import CLAUDE, CLAUDE_WEATHER, GPT, SCENARIOS, user
from sdk_agents import RESPONSES_WEATHER, chat_agent, claude_agent, responses_agent

import traceops_nb
from traceops_nb import Recorder, Replayer, load_cassette, record_decision, record_tool_call


def weather(query: str) -> str:
    return f"sunny in {query}"


OPERATIONS = {
    "chat": "chat.completions",
    "raw": "chat.completions",
    "streaming": "chat.completions",
    "openai": "chat.completions",
    "responses": "responses",
    "embeddings": "embeddings",
    "completions": "completions",
    "messages": "messages",
    "beta": "messages",
    "anthropic": "messages",
    "count": "messages.count_tokens",
}
# OpenAI streams report no usage without stream_options={"include_usage": True}
NO_USAGE = {"chat_stream", "chat_stream_helper", "streaming_response"}


@traceops_nb.tool
def get_weather(query: str) -> str:
    return f"sunny in {query}"


def test_an_undecorated_chat_tool_loop_is_inferred_from_the_conversation(
    server: FakeLLMServer, cassette_path: Path
) -> None:
    client, messages = make_client("openai", server), []
    with Recorder(cassette_path, mode="rewrite") as recorder:
        chat_agent(client, messages, "Paris", {"get_weather": weather})
        chat_agent(client, messages, "Oslo", {"get_weather": weather})
    trace = recorder.trace
    tool = f"llm:{GPT}"
    assert trace.trajectory == [tool, "tool:get_weather", tool, tool, "tool:get_weather", tool]
    inferred = trace.tool_calls
    assert [(e.input, e.output, e.inferred) for e in inferred] == [
        ({"query": "Paris"}, "sunny in Paris", True),
        ({"query": "Oslo"}, "sunny in Oslo", True),
    ]
    assert [e.step for e in trace.events] == list(range(6))
    assert trace.total_llm_calls == 4 and trace.total_tool_calls == 2
    assert load_cassette(cassette_path).trajectory == trace.trajectory  # inferred again from the file


def test_token_counts_between_a_tool_call_and_its_result_leave_the_tool_step_to_the_conversation(
    server: FakeLLMServer, cassette_path: Path
) -> None:
    """As CrewAI's Anthropic provider does: count the tool's result alone, then the whole conversation, then ask."""
    client, options = make_client("anthropic", server), {"model": CLAUDE, "tools": [CLAUDE_WEATHER]}
    with Recorder(cassette_path, mode="rewrite") as recorder:
        messages: list[Any] = user("Rome")
        asked = client.messages.create(max_tokens=64, messages=messages, **options)
        use = asked.content[0]
        result = weather(**use.input)
        client.messages.count_tokens(model=CLAUDE, messages=user(result))
        messages.append({"role": "assistant", "content": [use.model_dump(exclude_none=True)]})
        answered = {"type": "tool_result", "tool_use_id": use.id, "content": result}
        messages.append({"role": "user", "content": [answered]})
        client.messages.count_tokens(messages=messages, **options)
        answer = client.messages.create(max_tokens=64, messages=messages, **options)
    trace = load_cassette(cassette_path)
    assert answer.content[0].text == "final: sunny in Rome"
    operations = [event.operation or event.label for event in trace.events]
    count = "messages.count_tokens"
    assert operations == ["messages", count, "tool:get_weather", count, "messages"]
    assert recorder.trace.trajectory == trace.trajectory
    (tool,) = trace.tool_calls
    assert tool.inferred and (tool.input, tool.output) == ({"query": "Rome"}, "sunny in Rome")
    assert [event.cost_usd for event in trace.llm_calls if event.operation == count] == [0.0, 0.0]


def test_openai_input_token_counts_cost_nothing_and_leave_the_tool_step_to_the_conversation(
    server: FakeLLMServer, cassette_path: Path
) -> None:
    client, options = make_client("openai", server), {"model": GPT, "tools": [RESPONSES_WEATHER]}
    with Recorder(cassette_path, mode="rewrite"):
        items: list[Any] = [{"role": "user", "content": "Rome"}]
        (call,) = client.responses.create(input=items, **options).output
        client.responses.input_tokens.count(input=items, **options)  # before the tool ran: nothing to answer
        items.append({"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments})
        items.append({"type": "function_call_output", "call_id": call.call_id, "output": weather("Rome")})
        client.responses.input_tokens.count(input=items, **options)
        answer = client.responses.create(input=items, **options)
    trace = load_cassette(cassette_path)
    assert answer.output_text == "final: sunny in Rome"
    count = "responses.input_tokens"
    assert [event.operation or event.label for event in trace.events] == [
        "responses",
        count,
        "tool:get_weather",
        count,
        "responses",
    ]
    assert trace.tool_calls[0].inferred and trace.tool_calls[0].output == "sunny in Rome"
    assert [event.cost_usd for event in trace.llm_calls if event.operation == count] == [0.0, 0.0]
    assert trace.total_cost_usd > 0  # a known number: counting is free, not of unknown cost


@pytest.mark.parametrize("stream", [False, True])
def test_a_claude_tool_loop_sync_and_streamed(server: FakeLLMServer, cassette_path: Path, stream: bool) -> None:
    client, messages = make_client("anthropic", server), []
    with Recorder(cassette_path, mode="rewrite") as recorder:
        answer = claude_agent(client, messages, "Rome", {"get_weather": weather}, stream=stream)
    assert answer == "final: sunny in Rome"
    trace = recorder.trace
    assert trace.trajectory == [f"llm:{CLAUDE}", "tool:get_weather", f"llm:{CLAUDE}"]
    first, tool, last = trace.events
    assert first.stream is stream and first.finish_reason == "tool_use"
    assert [(c.name, c.arguments) for c in first.tool_calls] == [("get_weather", {"query": "Rome"})]
    assert (tool.input, tool.output) == ({"query": "Rome"}, "sunny in Rome")
    assert last.output_text == "final: sunny in Rome" and last.input_tokens > first.input_tokens


def test_a_responses_api_tool_loop_is_inferred(server: FakeLLMServer, cassette_path: Path) -> None:
    with Recorder(cassette_path, mode="rewrite") as recorder:
        responses_agent(make_client("openai", server), "Lima", {"get_weather": weather})
    trace = recorder.trace
    assert trace.trajectory == [f"llm:{GPT}", "tool:get_weather", f"llm:{GPT}"]
    assert trace.events[0].operation == "responses"
    assert trace.tool_calls[0].output == "sunny in Lima"


def test_decorated_tools_are_recorded_once_with_their_duration_and_order(
    server: FakeLLMServer, cassette_path: Path
) -> None:
    client, messages = make_client("openai", server), []
    with Recorder(cassette_path, mode="rewrite") as recorder:
        chat_agent(client, messages, "Paris", {"get_weather": get_weather}, stream=True)
    trace = recorder.trace
    assert trace.trajectory == [f"llm:{GPT}", "tool:get_weather", f"llm:{GPT}"]
    tool = trace.tool_calls[0]
    assert not tool.inferred and tool.duration_ms > 0 and tool.started_at
    stored = yaml.safe_load(cassette_path.read_text())["interactions"]
    assert [entry.get("kind") for entry in stored] == [None, "tool_call", None]
    assert stored[1]["input"] == {"query": "Paris"} and stored[1]["output"] == "sunny in Paris"


def test_async_tools_decisions_and_manual_records_keep_their_order(server: FakeLLMServer, cassette_path: Path) -> None:
    @traceops_nb.tool(name="lookup")
    async def lookup(city: str, *, units: str = "C") -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"city": city, "units": units}

    client = make_client("openai", server)
    with Recorder(cassette_path, mode="rewrite") as recorder:
        client.chat.completions.create(model=GPT, messages=user("plan"))
        record_decision("route", "weather_agent", reason="the user asked about weather")
        found = asyncio.run(lookup("Paris", units="F"))
        record_tool_call("calendar", {"day": "monday"}, ["meeting"], duration_ms=12.5)
    assert found == {"city": "Paris", "units": "F"}
    trace = load_cassette(cassette_path)
    assert trace.trajectory == [f"llm:{GPT}", "decision:route", "tool:lookup", "tool:calendar"]
    decision, tool, manual = trace.events[1:]
    assert (decision.output, decision.input) == ("weather_agent", "the user asked about weather")
    assert (tool.input, tool.output) == ({"city": "Paris", "units": "F"}, {"city": "Paris", "units": "F"})
    assert (manual.output, manual.duration_ms) == (["meeting"], 12.5)
    assert trace.summary() == recorder.trace.summary()


def test_a_tool_that_raises_is_recorded_with_its_error(cassette_path: Path) -> None:
    @traceops_nb.tool
    def flaky(city: str) -> str:
        raise ValueError(f"no weather for {city}")

    with Recorder(cassette_path, mode="rewrite") as recorder, pytest.raises(ValueError, match="no weather"):
        flaky("Atlantis")
    (event,) = recorder.trace.events
    assert event.kind == "tool_call" and event.error == "ValueError: no weather for Atlantis"


def test_tools_outside_a_session_just_run() -> None:
    assert get_weather("Paris") == "sunny in Paris"
    assert record_tool_call("search", {"q": 1}, "x") is None
    assert record_decision("route", "a") is None


def test_nested_calls_follow_the_tool_that_made_them(server: FakeLLMServer, cassette_path: Path) -> None:
    client = make_client("openai", server)

    @traceops_nb.tool
    def research(topic: str) -> str:
        return client.chat.completions.create(model=GPT, messages=user(topic)).choices[0].message.content

    with Recorder(cassette_path, mode="rewrite") as recorder:
        research("tides")
    assert recorder.trace.trajectory == ["tool:research", f"llm:{GPT}"]
    assert recorder.trace.tool_calls[0].output == "echo: tides"


def test_replaying_a_cassette_with_tool_entries_ignores_them_for_matching(
    server: FakeLLMServer, cassette_path: Path, offline: Any
) -> None:
    client, messages = make_client("openai", server), []
    with Recorder(cassette_path, mode="rewrite"):
        chat_agent(client, messages, "Paris", {"get_weather": get_weather})
        record_decision("done", True)
    server.stop()
    offline()
    messages = []
    with Replayer(cassette_path, strict=True) as replayer:  # strict: every HTTP interaction was played
        answer = chat_agent(client, messages, "Paris", {"get_weather": get_weather})
        record_decision("done", True)
    assert answer == "final: sunny in Paris"
    assert replayer.trace.trajectory == [f"llm:{GPT}", "tool:get_weather", f"llm:{GPT}", "decision:done"]
    assert replayer.trace.summary() == load_cassette(cassette_path).summary()


def test_a_cassette_without_tool_entries_still_loads(server: FakeLLMServer, cassette_path: Path) -> None:
    with Recorder(cassette_path, mode="rewrite"):
        make_client("openai", server).chat.completions.create(model=GPT, messages=user("old style"))
    assert "kind:" not in cassette_path.read_text()
    assert load_cassette(cassette_path).trajectory == [f"llm:{GPT}"]


def test_usage_details_become_event_fields(server: FakeLLMServer, cassette_path: Path) -> None:
    """OpenAI reasoning and cache details, Anthropic cache reads and writes (added to the input count)."""
    with Recorder(cassette_path, mode="rewrite"):
        make_client("openai", server).responses.create(model=GPT, input="think")
        make_client("anthropic", server).messages.create(model=CLAUDE, max_tokens=32, messages=user("cache"))
    doc = yaml.safe_load(cassette_path.read_text())
    openai_usage = doc["interactions"][0]["response"]["body"]["usage"]
    openai_usage.update(input_tokens=100, output_tokens=50)
    openai_usage["input_tokens_details"].update(cached_tokens=60, cache_write_tokens=10)
    openai_usage["output_tokens_details"]["reasoning_tokens"] = 30
    claude_usage = doc["interactions"][1]["response"]["body"]["usage"]
    claude_usage.update(input_tokens=5, output_tokens=7, cache_read_input_tokens=40, cache_creation_input_tokens=20)
    claude_usage["cache_creation"]["ephemeral_1h_input_tokens"] = 20
    cassette_path.write_text(yaml.safe_dump(doc))
    gpt, claude = load_cassette(cassette_path).events
    assert (gpt.input_tokens, gpt.cached_tokens, gpt.cache_write_tokens, gpt.reasoning_tokens) == (100, 60, 10, 30)
    assert (claude.input_tokens, claude.cached_tokens, claude.cache_write_tokens) == (65, 40, 20)
    assert claude.cache_write_1h_tokens == 20 and claude.total_tokens == 72


def test_an_api_error_is_an_error_event(server: FakeLLMServer, cassette_path: Path) -> None:
    client = make_client("openai", server)
    with Recorder(cassette_path, mode="rewrite") as recorder:
        with pytest.raises(Exception, match="trigger-400"):
            client.chat.completions.create(model="trigger-400", messages=user("bad"))
        client.chat.completions.create(model=GPT, messages=user("good"))
    error, ok = recorder.trace.events
    assert (error.kind, error.status, error.cost_usd) == ("error", 400, 0.0)
    assert "trigger-400" in str(error.error)
    assert recorder.trace.trajectory == ["error:trigger-400", f"llm:{GPT}"]
    assert recorder.trace.total_cost_usd == ok.cost_usd


def test_summary_is_deterministic_across_record_and_replay(server: FakeLLMServer, cassette_path: Path) -> None:
    client, messages = make_client("anthropic", server), []
    with Recorder(cassette_path, mode="rewrite") as recorder:
        claude_agent(client, messages, "Rome", {"get_weather": get_weather})
    server.stop()
    with Replayer(cassette_path) as replayer:
        claude_agent(client, [], "Rome", {"get_weather": get_weather})
    text = recorder.trace.summary()
    assert text == replayer.trace.summary()
    assert "tool:get_weather" in text and "$" in text
    assert "req_" not in text and "toolu_" not in text and "ms" not in text.split("\n", 1)[0]


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_call_path_becomes_an_event(name: str, server: FakeLLMServer, cassette_path: Path) -> None:
    scenario = SCENARIOS[name]
    with Recorder(cassette_path, mode="rewrite") as recorder:
        asyncio.run(scenario.run(make_client(scenario.provider, server)))
    (event,) = recorder.trace.events
    assert event.provider == scenario.provider
    assert event.operation == OPERATIONS[name.split("_")[0]]
    if name.endswith(("_400", "_404")):
        assert (event.kind, event.cost_usd) == ("error", 0.0) and event.status and event.status >= 400
        return
    assert event.kind == "llm_call" and event.status == 200 and event.model
    assert event.stream == ("stream" in name)
    if event.operation not in ("embeddings", "messages.count_tokens"):
        assert event.output_text or event.tool_calls
    if name in NO_USAGE or event.operation == "messages.count_tokens":
        assert event.total_tokens == 0
    else:
        assert event.has_usage and event.input_tokens > 0 and event.cost_usd is not None and event.cost_usd > 0
