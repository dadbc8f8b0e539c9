"""PydanticAI's Google model, recorded and replayed through the google-genai patch with nothing
PydanticAI-specific. PydanticAI's `google` extra pins google-genai<3, so this runs in an environment of
its own (google-genai 2.x, over httpx), made by scripts/test, together with tests/test_gemini.py (the SDK
generation before 3.x); marker `genai2`, deselected in the main environment (`pytest -m genai2` selects it).
"""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path
from typing import Any

import pytest
from clients import GOOGLE_TEST_KEY
from fakellm import FakeLLMServer

from traceops_nb import Recorder, Replayer

pytestmark = pytest.mark.genai2

FLASH = "gemini-2.5-flash"
QUESTION = "weather in Paris"
# PydanticAI gives each function call and its response an id of its own (`pyd_ai_<uuid4>`), new on every run:
# Gemini sent none, and the answer does not depend on it.
PYDANTIC_AI_IDS = ["contents.*.parts.*.functionCall.id", "contents.*.parts.*.functionResponse.id"]


def test_pydantic_ai_google_model_runs_a_tool_and_streams(
    server: FakeLLMServer, cassette_path: Path, offline: Any
) -> None:
    importlib.import_module("pydantic_ai")
    from pydantic_ai import Agent
    from pydantic_ai.models.google import GoogleModel
    from pydantic_ai.providers.google import GoogleProvider

    base_url = server.url  # kept for the replay, when the server is gone

    def run() -> list[Any]:
        provider = GoogleProvider(api_key=GOOGLE_TEST_KEY, base_url=base_url)
        agent = Agent(GoogleModel(FLASH, provider=provider))

        @agent.tool_plain
        def get_weather(query: str) -> str:
            """Current weather for a place."""
            return f"sunny in {query}"

        result = agent.run_sync(QUESTION)

        async def streamed() -> str:
            plain = Agent(GoogleModel(FLASH, provider=provider))
            async with plain.run_stream("stream please") as response:
                return "".join([delta async for delta in response.stream_text(delta=True)])

        return [result.output, result.usage.input_tokens, asyncio.run(streamed())]

    with Recorder(cassette_path, mode="rewrite", ignore_fields=PYDANTIC_AI_IDS) as recorder:
        recorded = run()
    assert len(server.requests) == len(recorder.trace.interactions) == 3
    server.stop()
    attempts = offline()
    with Replayer(cassette_path, strict=True, ignore_fields=PYDANTIC_AI_IDS) as replayer:
        replayed = run()
    assert attempts == []
    assert replayed == recorded
    assert "sunny in weather in Paris" in recorded[0] and recorded[2] == "echo: stream please"
    assert recorder.trace.trajectory == [f"llm:{FLASH}", "tool:get_weather", f"llm:{FLASH}", f"llm:{FLASH}"]
    assert replayer.trace.trajectory == recorder.trace.trajectory
    assert {event.provider for event in recorder.trace.llm_calls} == {"google"}
