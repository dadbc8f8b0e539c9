"""The agent frameworks of 2026, each through its own documented API: recorded against the fake server, then
replayed with the server stopped, sockets blocked and no API key in the environment (the frameworks build their
clients from the replay's placeholder keys): the same final answer and the same trajectory.

OpenAI Agents SDK, PydanticAI, Instructor, LlamaIndex, DSPy (its LiteLLM engine), smolagents, and an
OpenAI-compatible local server. Each framework is installed by scripts/test (Instructor and
llama-index-llms-openai with --no-deps beside openai 3); one that is missing fails its test.
"""

from __future__ import annotations

import asyncio
import importlib
import math
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from clients import ANTHROPIC_TEST_KEY, OPENAI_TEST_KEY
from fakellm import FakeLLMServer, ToolCall
from scenarios import CLAUDE, GPT

import traceops_nb
from traceops_nb import Recorder, Replayer, Trace, pricing

# No network beyond the fake server: LiteLLM's price map from its own copy, no Agents SDK trace upload,
# LlamaIndex's tokenizer from the cache llama-index-core ships.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")
KEY_VARIABLES = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL")
QUESTION = "weather in Paris"
FINAL = "final: sunny in weather in Paris"

Run = Callable[[dict[str, str], dict[str, Any]], Any]


def get_weather(query: str) -> str:
    """Current weather for a place."""
    return f"sunny in {query}"


def record_then_replay(
    run: Run, server: FakeLLMServer, path: Path, offline: Any, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, Trace, Any, Trace]:
    """run(urls, keys) recorded with the test keys, then replayed offline with keys=None everywhere and none in
    the environment: (recorded result, its trace, replayed result, its trace)."""
    for name in KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    urls = {"openai": server.openai_base_url, "anthropic": server.anthropic_base_url}
    with Recorder(path, mode="rewrite") as recorder:
        recorded = run(urls, {"openai": OPENAI_TEST_KEY, "anthropic": ANTHROPIC_TEST_KEY})
    assert len(server.requests) == len(recorder.trace.interactions) > 0
    server.stop()
    attempts = offline()
    with Replayer(path, strict=True) as replayer:
        replayed = run(urls, {"openai": None, "anthropic": None})
    assert attempts == []
    assert all(interaction.replayed for interaction in replayer.trace.interactions)
    assert replayer.trace.trajectory == recorder.trace.trajectory
    return recorded, recorder.trace, replayed, replayer.trace


# -- OpenAI Agents SDK -----------------------------------------------------------------------------------


def agents_models(urls: dict[str, str], keys: dict[str, Any]) -> dict[str, Any]:
    agents = importlib.import_module("agents")
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=urls["openai"], api_key=keys["openai"], max_retries=0)
    return {
        "responses": agents.OpenAIResponsesModel(model=GPT, openai_client=client),
        "chat": agents.OpenAIChatCompletionsModel(model=GPT, openai_client=client),
    }


async def run_streamed_text(runner: Any, agent: Any, prompt: str) -> tuple[Any, list[str]]:
    result = runner.run_streamed(agent, prompt)
    kinds = [event.type async for event in result.stream_events()]
    return result.final_output, sorted(set(kinds))


def test_openai_agents_run_and_run_streamed_with_a_function_tool_on_responses_and_chat_completions(
    server: FakeLLMServer, cassette_path: Path, offline: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agents import Agent, Runner, function_tool

    weather = function_tool(get_weather)

    def run(urls: dict[str, str], keys: dict[str, Any]) -> list[Any]:
        async def both() -> list[Any]:
            out: list[Any] = []
            for model in agents_models(urls, keys).values():
                agent = Agent(name="Forecaster", instructions="Answer with the tool.", model=model, tools=[weather])
                out.append((await Runner.run(agent, QUESTION)).final_output)
                out.append(await run_streamed_text(Runner, agent, QUESTION))
            return out

        return asyncio.run(both())

    recorded, trace, replayed, replay_trace = record_then_replay(run, server, cassette_path, offline, monkeypatch)
    assert replayed == recorded
    assert recorded[0] == recorded[2] == FINAL
    assert recorded[1][0] == FINAL and "raw_response_event" in recorded[1][1]
    once = [f"llm:{GPT}", "tool:get_weather", f"llm:{GPT}"]
    assert trace.trajectory == once * 4
    operations = [event.operation for event in trace.llm_calls]
    assert operations == ["responses"] * 4 + ["chat.completions"] * 4
    assert [event.stream for event in trace.llm_calls] == [False, False, True, True] * 2
    assert all(event.output == "sunny in weather in Paris" for event in replay_trace.tool_calls)


def test_an_openai_agents_handoff_is_a_decision_named_for_the_agent_it_hands_to(
    server: FakeLLMServer, cassette_path: Path, offline: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agents import Agent, Runner

    server.replies["I was charged twice"] = ToolCall("transfer_to_billing_agent", {})
    server.replies['{"assistant": "Billing agent"}'] = "A refund is on its way."

    def run(urls: dict[str, str], keys: dict[str, Any]) -> list[Any]:
        async def both() -> list[Any]:
            out = []
            for model in agents_models(urls, keys).values():
                billing = Agent(name="Billing agent", instructions="Handle billing.", model=model)
                triage = Agent(name="Triage", instructions="Route the user.", model=model, handoffs=[billing])
                result = await Runner.run(triage, "I was charged twice")
                out.append((result.final_output, result.last_agent.name))
            return out

        return asyncio.run(both())

    recorded, trace, replayed, _ = record_then_replay(run, server, cassette_path, offline, monkeypatch)
    assert replayed == recorded == [("A refund is on its way.", "Billing agent")] * 2
    once = [f"llm:{GPT}", "decision:Billing agent", f"llm:{GPT}"]
    assert trace.trajectory == once * 2
    handoff = trace.events[1]
    assert (handoff.kind, handoff.inferred, handoff.input, handoff.output) == (
        "decision",
        True,
        "transfer_to_billing_agent",
        "Billing agent",
    )
    assert trace.tool_calls == []  # a handoff is not a tool that ran


def test_openai_agents_prompt_cache_key_changes_every_run_and_still_replays(
    server: FakeLLMServer, cassette_path: Path, offline: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On api.openai.com the SDK sends a new prompt_cache_key per run; the default volatile fields ignore it.
    The client's transport carries api.openai.com requests to the fake server."""
    import httpx2
    from agents import Agent, OpenAIResponsesModel, Runner
    from openai import AsyncOpenAI

    class ToFakeServer(httpx2.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = httpx2.AsyncHTTPTransport()

        async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
            port = int(server.url.rsplit(":", 1)[1])  # recording only: a replay sends nothing
            request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=port)
            return await self.inner.handle_async_request(request)

    def run(urls: dict[str, str], keys: dict[str, Any]) -> Any:
        client = AsyncOpenAI(api_key=keys["openai"], http_client=httpx2.AsyncClient(transport=ToFakeServer()))
        agent = Agent(name="Helper", model=OpenAIResponsesModel(model=GPT, openai_client=client))
        return asyncio.run(Runner.run(agent, "hello")).final_output

    recorded, trace, replayed, _ = record_then_replay(run, server, cassette_path, offline, monkeypatch)
    assert replayed == recorded == "echo: hello"
    key = trace.interactions[0].request.body["prompt_cache_key"]
    assert key.startswith("agents-sdk:run:") and key in cassette_path.read_text()


# -- PydanticAI -------------------------------------------------------------------------------------------


def test_pydantic_ai_openai_and_anthropic_models_run_sync_with_a_tool_and_run_stream(
    server: FakeLLMServer, cassette_path: Path, offline: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    importlib.import_module("pydantic_ai")
    from pydantic_ai import Agent
    from pydantic_ai.models.anthropic import AnthropicModel
    from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
    from pydantic_ai.providers.anthropic import AnthropicProvider
    from pydantic_ai.providers.openai import OpenAIProvider

    def run(urls: dict[str, str], keys: dict[str, Any]) -> list[Any]:
        openai_provider = OpenAIProvider(base_url=urls["openai"], api_key=keys["openai"])
        anthropic_provider = AnthropicProvider(base_url=urls["anthropic"], api_key=keys["anthropic"])
        models = [
            OpenAIChatModel(GPT, provider=openai_provider),
            OpenAIResponsesModel(GPT, provider=openai_provider),
            AnthropicModel(CLAUDE, provider=anthropic_provider),
        ]
        out: list[Any] = []
        for model in models:
            out.append(Agent(model, tools=[get_weather]).run_sync(QUESTION).output)
            out.append(asyncio.run(streamed(Agent(model))))
        return out

    async def streamed(agent: Any) -> str:
        async with agent.run_stream("stream please") as result:
            return "".join([delta async for delta in result.stream_text(delta=True)])

    recorded, trace, replayed, _ = record_then_replay(run, server, cassette_path, offline, monkeypatch)
    assert replayed == recorded == [FINAL, "echo: stream please"] * 3
    gpt, claude = f"llm:{GPT}", f"llm:{CLAUDE}"
    tool = "tool:get_weather"
    assert trace.trajectory == [gpt, tool, gpt, gpt, gpt, tool, gpt, gpt, claude, tool, claude, claude]
    assert [e.operation for e in trace.llm_calls] == ["chat.completions"] * 3 + ["responses"] * 3 + ["messages"] * 3


# -- Instructor -------------------------------------------------------------------------------------------


def test_instructor_tools_mode_and_streamed_partials(
    server: FakeLLMServer, cassette_path: Path, offline: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    instructor = importlib.import_module("instructor")
    from openai import OpenAI
    from pydantic import BaseModel

    class User(BaseModel):
        name: str
        age: int

    server.replies["Ada Lovelace, 36"] = ToolCall("User", {"name": "Ada Lovelace", "age": 36})
    messages = [{"role": "user", "content": "Ada Lovelace, 36"}]

    def run(urls: dict[str, str], keys: dict[str, Any]) -> list[Any]:
        client = instructor.from_openai(
            OpenAI(base_url=urls["openai"], api_key=keys["openai"], max_retries=0), mode=instructor.Mode.TOOLS
        )
        user = client.chat.completions.create(model=GPT, response_model=User, messages=messages, max_retries=0)
        partials = client.chat.completions.create_partial(
            model=GPT, response_model=User, messages=messages, max_retries=0
        )
        return [user.model_dump(), [partial.model_dump() for partial in partials]]

    recorded, trace, replayed, _ = record_then_replay(run, server, cassette_path, offline, monkeypatch)
    assert replayed == recorded
    assert recorded[0] == {"name": "Ada Lovelace", "age": 36}
    assert recorded[1][-1] == recorded[0] and len(recorded[1]) > 2  # partials, then the whole object
    assert trace.trajectory == [f"llm:{GPT}"] * 2
    assert [event.stream for event in trace.llm_calls] == [False, True]
    assert trace.llm_calls[1].tool_calls[0].arguments == {"name": "Ada Lovelace", "age": 36}


# -- LlamaIndex -------------------------------------------------------------------------------------------


def test_llama_index_plain_llm_calls_and_a_function_agent_with_a_tool(
    server: FakeLLMServer, cassette_path: Path, offline: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = importlib.import_module("llama_index.core")
    # tiktoken would download its encodings: llama-index-core ships them.
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(Path(core.__file__).parent / "_static" / "tiktoken_cache"))
    from llama_index.core.agent.workflow import FunctionAgent
    from llama_index.core.llms import ChatMessage
    from llama_index.llms.openai import OpenAI

    def run(urls: dict[str, str], keys: dict[str, Any]) -> list[str]:
        llm = OpenAI(model=GPT, api_base=urls["openai"], api_key=keys["openai"], max_retries=0)
        completed = llm.complete("complete this").text
        chatted = str(llm.chat([ChatMessage(role="user", content="chat this")]).message.content)
        streamed = "".join(chunk.delta or "" for chunk in llm.stream_complete("stream this"))
        agent = FunctionAgent(tools=[get_weather], llm=llm, system_prompt="Use the tool.")

        async def ask() -> str:
            return str(await agent.run(QUESTION))

        answer = asyncio.run(ask())
        return [completed, chatted, streamed, answer]

    recorded, trace, replayed, _ = record_then_replay(run, server, cassette_path, offline, monkeypatch)
    assert replayed == recorded == ["echo: complete this", "echo: chat this", "echo: stream this", FINAL]
    gpt = f"llm:{GPT}"
    assert trace.trajectory == [gpt, gpt, gpt, gpt, "tool:get_weather", gpt]
    assert all(event.stream for event in trace.llm_calls[3:])  # FunctionAgent always streams


# -- DSPy (LiteLLM engine) -------------------------------------------------------------------------------


def test_dspy_with_the_litellm_engine_records_and_replays(
    server: FakeLLMServer, cassette_path: Path, offline: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    dspy = importlib.import_module("dspy")
    server.replies["Say hi"] = "Hello from the fake server"

    def run(urls: dict[str, str], keys: dict[str, Any]) -> list[Any]:
        lm = dspy.LM(f"openai/{GPT}", api_base=urls["openai"], api_key=keys["openai"], cache=False, engine="litellm")
        said = lm("Say hi")
        with dspy.context(lm=lm):
            predicted = dspy.Predict("question -> answer")(question="What is 2+2?")
        return [said, predicted.answer]

    # DSPy's ChatAdapter asks for its field markers and reads the answer between them.
    server.replies[
        "[[ ## question ## ]]\nWhat is 2+2?\n\nRespond with the corresponding output fields, starting with the field "
        "`[[ ## answer ## ]]`, and then ending with the marker for `[[ ## completed ## ]]`."
    ] = "[[ ## answer ## ]]\n4\n\n[[ ## completed ## ]]"
    recorded, trace, replayed, _ = record_then_replay(run, server, cassette_path, offline, monkeypatch)
    assert replayed == recorded
    assert recorded == [["Hello from the fake server"], "4"]
    assert trace.trajectory == [f"llm:{GPT}"] * 2


# -- smolagents -------------------------------------------------------------------------------------------


def test_smolagents_tool_calling_agent(
    server: FakeLLMServer, cassette_path: Path, offline: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    smolagents = importlib.import_module("smolagents")

    # smolagents sends tool calls and their observations back as text, so the tool step is recorded by
    # @traceops_nb.tool under smolagents' own @tool rather than read from the conversation.
    @smolagents.tool
    @traceops_nb.tool
    def weather(query: str) -> str:
        """Current weather for a place.

        Args:
            query: the place
        """
        return f"sunny in {query}"

    server.replies["New task:\n" + QUESTION] = ToolCall("weather", {"query": "Paris"})
    server.replies["Observation:\nsunny in Paris"] = ToolCall("final_answer", {"answer": "It is sunny in Paris."})

    def run(urls: dict[str, str], keys: dict[str, Any]) -> Any:
        model = smolagents.OpenAIModel(model_id=GPT, api_base=urls["openai"], api_key=keys["openai"])
        agent = smolagents.ToolCallingAgent(tools=[weather], model=model, max_steps=3, verbosity_level=0)
        return agent.run(QUESTION)

    recorded, trace, replayed, _ = record_then_replay(run, server, cassette_path, offline, monkeypatch)
    assert replayed == recorded == "It is sunny in Paris."
    assert trace.trajectory == [f"llm:{GPT}", "tool:weather", f"llm:{GPT}"]
    assert trace.tool_calls[0].input == {"query": "Paris"} and not trace.tool_calls[0].inferred
    assert trace.llm_calls[1].tool_calls[0].name == "final_answer"


# -- an OpenAI-compatible local server -------------------------------------------------------------------


def test_an_openai_compatible_local_server_with_a_model_no_price_table_knows(
    server: FakeLLMServer, cassette_path: Path, offline: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openai import OpenAI

    model = "llama3.2:3b-local"

    def run(urls: dict[str, str], keys: dict[str, Any]) -> str:
        client = OpenAI(base_url=urls["openai"], api_key=keys["openai"] or "not-needed", max_retries=0)
        answer = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi local"}])
        return str(answer.choices[0].message.content)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        recorded, trace, replayed, _ = record_then_replay(run, server, cassette_path, offline, monkeypatch)
    assert replayed == recorded == "echo: hi local"
    assert math.isnan(trace.total_cost_usd)
    (warning,) = [w for w in caught if model in str(w.message)]
    note = str(warning.message)
    assert f"register_model({model!r}, input=0, output=0)" in note and "costs nothing" in note

    pricing.register_model(model, input=0, output=0)  # what the note says: the model is free
    try:
        assert pricing.recompute(trace).total_cost_usd == 0.0
    finally:
        pricing.reset_prices()


def test_a_replay_with_no_key_turns_the_agents_sdk_trace_upload_off(
    cassette_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SDK would upload the replayed run's trace to api.openai.com with the placeholder key."""
    monkeypatch.delenv("OPENAI_AGENTS_DISABLE_TRACING")
    traceops_nb.save_cassette(Trace([]), cassette_path)
    with Replayer(cassette_path):
        assert os.environ["OPENAI_AGENTS_DISABLE_TRACING"] == "1"
    assert "OPENAI_AGENTS_DISABLE_TRACING" not in os.environ
