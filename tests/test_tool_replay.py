"""Opt-in tool replay: a decorated tool with replay=True is served from the cassette, not run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from agents import chat_agent
from clients import make_client
from fakellm import FakeLLMServer
from traceops_nb.tools import RecordedToolError

import traceops_nb
from traceops_nb import CassetteMismatchError, Recorder, Replayer, cassette

calls: list[str] = []


@traceops_nb.tool(replay=True)
def fetch_forecast(query: str) -> str:
    """Stands for a tool that needs the network."""
    calls.append(query)
    return f"forecast for {query}: rain"


@traceops_nb.tool
def live_tool(query: str) -> str:
    calls.append(query)
    return f"live {query}"


@pytest.fixture(autouse=True)
def _no_calls_yet() -> None:
    calls.clear()


def test_a_replayed_agent_gets_the_recorded_tool_output_without_running_the_tool(
    server: FakeLLMServer, cassette_path: Path, offline: Any
) -> None:
    client = make_client("openai", server)
    with Recorder(cassette_path, mode="rewrite"):
        recorded = chat_agent(client, [], "Bergen", {"get_weather": fetch_forecast})
    assert calls == ["Bergen"]
    server.stop()
    offline()
    with Replayer(cassette_path, strict=True) as replayer:
        replayed = chat_agent(client, [], "Bergen", {"get_weather": fetch_forecast})
    assert replayed == recorded == "final: forecast for Bergen: rain"
    assert calls == ["Bergen"]  # not run again
    tool = replayer.trace.tool_calls[0]
    assert tool.replayed and tool.output == "forecast for Bergen: rain"


def test_tools_without_replay_still_run_while_replaying(server: FakeLLMServer, cassette_path: Path) -> None:
    client = make_client("openai", server)
    with Recorder(cassette_path, mode="rewrite"):
        chat_agent(client, [], "Oslo", {"get_weather": live_tool})
    server.stop()
    with Replayer(cassette_path):
        chat_agent(client, [], "Oslo", {"get_weather": live_tool})
    assert calls == ["Oslo", "Oslo"]


def test_a_replay_with_no_recording_of_that_input_says_so(cassette_path: Path) -> None:
    with Recorder(cassette_path, mode="rewrite"):
        fetch_forecast("Paris")
    with pytest.raises(CassetteMismatchError) as caught, Replayer(cassette_path):
        fetch_forecast("Rome")
    message = str(caught.value)
    assert "fetch_forecast" in message and "'Rome'" in message and "'Paris'" in message
    assert "--mode rewrite" in message
    assert calls == ["Paris"]


def test_identical_inputs_replay_in_recorded_order(cassette_path: Path) -> None:
    outputs = iter(["first", "second"])

    @traceops_nb.tool(name="counter", replay=True)
    def counter(query: str) -> str:
        return next(outputs)

    with Recorder(cassette_path, mode="rewrite"):
        counter("same")
        counter("same")
    with Replayer(cassette_path):
        assert [counter("same"), counter("same")] == ["first", "second"]


def test_a_recorded_exception_is_raised_again_on_replay(cassette_path: Path) -> None:
    @traceops_nb.tool(name="broken", replay=True)
    def broken(query: str) -> str:
        raise TimeoutError("upstream timed out")

    with Recorder(cassette_path, mode="rewrite"), pytest.raises(TimeoutError):
        broken("x")
    with Replayer(cassette_path), pytest.raises(RecordedToolError, match="TimeoutError: upstream timed out"):
        broken("x")


def test_new_episodes_appends_only_tool_calls_the_cassette_lacks(cassette_path: Path) -> None:
    with Recorder(cassette_path, mode="rewrite"):
        live_tool("a")
    with cassette(cassette_path, mode="new_episodes"):
        live_tool("a")
        live_tool("b")
    stored = yaml.safe_load(cassette_path.read_text())["interactions"]
    assert [entry["input"]["query"] for entry in stored] == ["a", "b"]
