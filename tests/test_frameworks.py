"""Agent frameworks recorded and replayed by the same interception as direct SDK calls.

Each framework is pointed at the fake server, recorded with a Recorder, then replayed with the server
stopped and sockets blocked. LangChain, LangGraph and LiteLLM's OpenAI models call the official SDKs;
LiteLLM's Anthropic models post to the Messages API with LiteLLM's own httpx client, which the
transport layer recognises (traceops_nb/intercept/direct.py). Needs the `frameworks` extra (part of
`test`); a framework that is missing fails its test, it is never skipped.
"""

from __future__ import annotations

import asyncio
import importlib
import os
from pathlib import Path
from typing import Any

import pytest
from clients import ANTHROPIC_TEST_KEY, OPENAI_TEST_KEY
from fakellm import FakeLLMServer
from scenarios import CLAUDE, GPT

import traceops_nb
from traceops_nb import Recorder, Replayer
from traceops_nb.errors import UnrecordedTrafficWarning

# LiteLLM fetches its model price map from the network when imported, unless told to use its own copy.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

QUESTION = "weather in Paris"


def record_then_replay(run: Any, server: FakeLLMServer, path: Path, offline: Any) -> tuple[Any, Any, Any, Any]:
    """run(urls) recorded live, then replayed offline: (recorded result, its trace, replayed result, its trace)."""
    urls = {"openai": server.openai_base_url, "anthropic": server.anthropic_base_url}
    with Recorder(path, mode="rewrite") as recorder:
        recorded = run(urls)
    assert len(server.requests) == len(recorder.trace.interactions) > 0
    server.stop()
    attempts = offline()
    with Replayer(path, strict=True) as replayer:
        replayed = run(urls)
    assert attempts == []
    assert all(interaction.replayed for interaction in replayer.trace.interactions)
    return recorded, recorder.trace, replayed, replayer.trace


def get_weather(query: str) -> str:
    """Current weather for a place."""
    return f"sunny in {query}"


def test_langchain_openai_and_anthropic_chat_models_with_a_tool(
    server: FakeLLMServer, cassette_path: Path, offline: Any
) -> None:
    importlib.import_module("langchain_openai")
    importlib.import_module("langchain_anthropic")
    from langchain_anthropic import ChatAnthropic
    from langchain_core.messages import HumanMessage, ToolMessage
    from langchain_core.tools import tool
    from langchain_openai import ChatOpenAI

    weather = tool(get_weather)

    def run(urls: dict[str, str]) -> list[Any]:
        models = [
            ChatOpenAI(model=GPT, api_key=OPENAI_TEST_KEY, base_url=urls["openai"], max_retries=0),
            ChatAnthropic(model=CLAUDE, api_key=ANTHROPIC_TEST_KEY, base_url=urls["anthropic"], max_retries=0),
        ]
        answers: list[Any] = []
        for model in models:
            agent = model.bind_tools([weather])
            messages: list[Any] = [HumanMessage(QUESTION)]
            asked = agent.invoke(messages)
            messages.append(asked)
            for call in asked.tool_calls:
                messages.append(ToolMessage(weather.invoke(call["args"]), tool_call_id=call["id"]))
            answers.append(agent.invoke(messages).content)
            answers.append("".join(str(chunk.content) for chunk in model.stream("stream please")))
        return answers

    recorded, trace, replayed, replay_trace = record_then_replay(run, server, cassette_path, offline)
    assert replayed == recorded
    assert recorded[0] == "final: sunny in weather in Paris"
    assert recorded[1] == "echo: stream please"
    once = ["llm:gpt-4o-mini", "tool:get_weather", "llm:gpt-4o-mini", "llm:gpt-4o-mini"]
    assert trace.trajectory == [*once, *(step.replace("gpt-4o-mini", CLAUDE) for step in once)]
    assert replay_trace.trajectory == trace.trajectory
    assert trace.tool_calls[0].inferred and trace.tool_calls[0].output == "sunny in weather in Paris"


def test_a_langgraph_state_graph_with_a_tool_node(server: FakeLLMServer, cassette_path: Path, offline: Any) -> None:
    importlib.import_module("langgraph")
    importlib.import_module("langchain_openai")
    from langchain_core.tools import tool
    from langchain_openai import ChatOpenAI
    from langgraph.graph import END, START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode, tools_condition

    # @traceops_nb.tool under LangChain's @tool: the step is recorded with its exact input and output.
    weather = tool(traceops_nb.tool(get_weather))

    def run(urls: dict[str, str]) -> str:
        model = ChatOpenAI(model=GPT, api_key=OPENAI_TEST_KEY, base_url=urls["openai"], max_retries=0)
        agent = model.bind_tools([weather])
        graph = StateGraph(MessagesState)
        graph.add_node("agent", lambda state: {"messages": [agent.invoke(state["messages"])]})
        graph.add_node("tools", ToolNode([weather]))
        graph.add_edge(START, "agent")
        graph.add_conditional_edges("agent", tools_condition)
        graph.add_edge("tools", "agent")
        graph.add_edge("agent", END)
        result = graph.compile().invoke({"messages": [("user", QUESTION)]})
        return str(result["messages"][-1].content)

    recorded, trace, replayed, replay_trace = record_then_replay(run, server, cassette_path, offline)
    assert replayed == recorded == "final: sunny in weather in Paris"
    assert trace.trajectory == replay_trace.trajectory == ["llm:gpt-4o-mini", "tool:get_weather", "llm:gpt-4o-mini"]
    step = trace.tool_calls[0]
    assert not step.inferred and step.input == {"query": QUESTION} and step.output == "sunny in weather in Paris"


def test_litellm_completion_openai_and_anthropic_sync_async_and_streamed(
    server: FakeLLMServer, cassette_path: Path, offline: Any
) -> None:
    litellm = importlib.import_module("litellm")
    keys = {"openai": OPENAI_TEST_KEY, "anthropic": ANTHROPIC_TEST_KEY}
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather",
                "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
            },
        }
    ]

    def options(urls: dict[str, str], provider: str) -> dict[str, Any]:
        model = GPT if provider == "openai" else CLAUDE
        return {"model": f"{provider}/{model}", "api_key": keys[provider], "api_base": urls[provider], "max_retries": 0}

    def tool_loop(urls: dict[str, str], provider: str) -> str:
        messages: list[Any] = [{"role": "user", "content": QUESTION}]
        asked = litellm.completion(messages=messages, tools=tools, **options(urls, provider)).choices[0].message
        messages.append(asked.model_dump(exclude_none=True))
        for call in asked.tool_calls:
            messages.append({"role": "tool", "tool_call_id": call.id, "content": get_weather(QUESTION)})
        return str(
            litellm.completion(messages=messages, tools=tools, **options(urls, provider)).choices[0].message.content
        )

    async def streamed(urls: dict[str, str], provider: str) -> str:
        stream = await litellm.acompletion(
            messages=[{"role": "user", "content": "stream please"}], stream=True, **options(urls, provider)
        )
        return "".join([chunk.choices[0].delta.content or "" async for chunk in stream])

    def run(urls: dict[str, str]) -> list[str]:
        out = [tool_loop(urls, provider) for provider in ("openai", "anthropic")]
        out += [asyncio.run(streamed(urls, provider)) for provider in ("openai", "anthropic")]
        chunks = litellm.completion(
            messages=[{"role": "user", "content": "sync stream"}], stream=True, **options(urls, "anthropic")
        )
        out.append("".join(chunk.choices[0].delta.content or "" for chunk in chunks))
        return out

    recorded, trace, replayed, replay_trace = record_then_replay(run, server, cassette_path, offline)
    final = "final: sunny in weather in Paris"
    assert replayed == recorded == [final, final, "echo: stream please", "echo: stream please", "echo: sync stream"]
    gpt, claude, tool = "llm:gpt-4o-mini", f"llm:{CLAUDE}", "tool:get_weather"
    assert trace.trajectory == [gpt, tool, gpt, claude, tool, claude, gpt, claude, claude]
    assert replay_trace.trajectory == trace.trajectory
    assert [i.stream for i in trace.interactions] == [False] * 4 + [True] * 3
    assert {i.provider for i in trace.interactions} == {"openai", "anthropic"}


def test_a_provider_request_sent_without_an_sdk_is_recorded_and_other_traffic_is_not(
    server: FakeLLMServer, cassette_path: Path, offline: Any
) -> None:
    """What LiteLLM does for Anthropic models, with plain httpx / httpx2 clients (no framework needed)."""
    import httpx
    import httpx2

    headers = {"anthropic-version": "2023-06-01", "x-api-key": ANTHROPIC_TEST_KEY}
    body = {"model": CLAUDE, "max_tokens": 16, "messages": [{"role": "user", "content": "raw hello"}]}

    def run(urls: dict[str, str]) -> list[Any]:
        with httpx2.Client() as client:
            plain = client.post(urls["anthropic"] + "/v1/messages", json=body, headers=headers).json()

        async def streamed() -> str:
            async with httpx.AsyncClient() as client:
                response = await client.post(
                    urls["anthropic"] + "/v1/messages", json={**body, "stream": True}, headers=headers
                )
                return response.text

        return [plain["content"][0]["text"], "message_stop" in asyncio.run(streamed())]

    # An OpenAI path without an SDK: not a provider request we own, and the recording says so.
    with pytest.warns(UnrecordedTrafficWarning), Recorder(mode="rewrite") as other:
        httpx2.post(server.openai_base_url + "/chat/completions", json={"model": GPT, "messages": []})
    assert other.trace.records == []
    server.requests.clear()

    recorded, trace, replayed, _ = record_then_replay(run, server, cassette_path, offline)
    assert replayed == recorded == ["echo: raw hello", True]
    assert [(i.provider, i.request.path, i.stream) for i in trace.interactions] == [
        ("anthropic", "/v1/messages", False),
        ("anthropic", "/v1/messages", True),
    ]
    assert "x-api-key" not in cassette_path.read_text()
