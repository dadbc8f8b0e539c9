"""Frameworks that reach Google Gemini, recorded and replayed with nothing Gemini-specific: LangChain's
`langchain-google-genai` calls the google-genai SDK (the SDK patch records it); LiteLLM's Gemini route
posts to Gemini's REST API with LiteLLM's own httpx client, which the transport layer recognises
(traceops_nb/intercept/direct.py). Needs the `frameworks` extra (part of `test`); a framework that is
missing fails its test, it is never skipped.
"""

from __future__ import annotations

import asyncio
import importlib
import os
from typing import Any

from clients import GOOGLE_TEST_KEY
from fakellm import FakeLLMServer
from test_frameworks import QUESTION, get_weather, record_then_replay

FLASH = "gemini-2.5-flash"
# LiteLLM fetches its model price map from the network when imported, unless told to use its own copy.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def test_langchain_google_genai_chat_model_with_a_tool(server: FakeLLMServer, cassette_path: Any, offline: Any) -> None:
    importlib.import_module("langchain_google_genai")
    from langchain_core.messages import HumanMessage, ToolMessage
    from langchain_core.tools import tool
    from langchain_google_genai import ChatGoogleGenerativeAI

    weather = tool(get_weather)
    base_url = server.url  # kept for the replay, when the server is gone

    def run(urls: dict[str, str]) -> list[Any]:
        model = ChatGoogleGenerativeAI(model=FLASH, google_api_key=GOOGLE_TEST_KEY, base_url=base_url, max_retries=1)
        agent = model.bind_tools([weather])
        messages: list[Any] = [HumanMessage(QUESTION)]
        asked = agent.invoke(messages)
        messages.append(asked)
        for call in asked.tool_calls:
            messages.append(ToolMessage(weather.invoke(call["args"]), tool_call_id=call["id"], name=call["name"]))
        answers: list[Any] = [agent.invoke(messages).content]
        answers.append("".join(str(chunk.content) for chunk in model.stream("stream please")))
        answers.append(asyncio.run(model.ainvoke("async please")).content)
        return answers

    recorded, trace, replayed, replay_trace = record_then_replay(run, server, cassette_path, offline)
    assert replayed == recorded
    assert recorded[1:] == ["echo: stream please", "echo: async please"]
    assert "sunny in weather in Paris" in str(recorded[0])
    assert trace.trajectory == [f"llm:{FLASH}", "tool:get_weather", *[f"llm:{FLASH}"] * 3]
    assert replay_trace.trajectory == trace.trajectory
    assert {event.provider for event in trace.llm_calls} == {"google"}
    assert trace.tool_calls[0].inferred and trace.tool_calls[0].output == "sunny in weather in Paris"


def test_litellm_gemini_route_sync_async_and_streamed(server: FakeLLMServer, cassette_path: Any, offline: Any) -> None:
    litellm = importlib.import_module("litellm")
    api_base = server.url + "/v1beta"  # where LiteLLM's Gemini route puts the API version
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Current weather for a place.",
                "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
            },
        }
    ]
    options = {"model": f"gemini/{FLASH}", "api_key": GOOGLE_TEST_KEY, "api_base": api_base}

    def run(urls: dict[str, str]) -> list[Any]:
        messages: list[Any] = [{"role": "user", "content": QUESTION}]
        asked = litellm.completion(messages=messages, tools=tools, **options).choices[0].message
        call = asked.tool_calls[0]
        messages.append(asked.model_dump())
        messages.append({"role": "tool", "tool_call_id": call.id, "content": get_weather(QUESTION)})
        answers: list[Any] = [call.function.name, litellm.completion(messages=messages, tools=tools, **options)]
        answers[1] = answers[1].choices[0].message.content
        chunks = litellm.completion(messages=[{"role": "user", "content": "stream please"}], stream=True, **options)
        answers.append("".join(chunk.choices[0].delta.content or "" for chunk in chunks))

        async def streamed() -> str:
            stream = await litellm.acompletion(messages=[{"role": "user", "content": "async"}], stream=True, **options)
            return "".join([chunk.choices[0].delta.content or "" async for chunk in stream])

        answers.append(asyncio.run(streamed()))
        return answers

    recorded, trace, replayed, replay_trace = record_then_replay(run, server, cassette_path, offline)
    assert replayed == recorded
    assert recorded[0] == "get_weather" and recorded[2:] == ["echo: stream please", "echo: async"]
    assert "sunny in weather in Paris" in recorded[1]
    assert {event.provider for event in trace.llm_calls} == {"google"}
    assert trace.trajectory[:3] == [f"llm:{FLASH}", "tool:get_weather", f"llm:{FLASH}"]
    assert replay_trace.trajectory == trace.trajectory
