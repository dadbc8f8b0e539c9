"""Engine behaviour beyond single call paths: retries, concurrency, threads, keys, unrelated traffic."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import openai
import pytest
from clients import make_client
from fakellm import FakeLLMServer
from scenarios import CLAUDE, GPT, user

from traceops_nb import CassetteMismatchError, Recorder, Replayer, load_cassette
from traceops_nb.errors import UnrecordedTrafficWarning


def test_a_retried_call_keeps_only_its_final_attempt(server: FakeLLMServer, cassette_path: Path) -> None:
    client = make_client("openai", server, max_retries=2)
    server.fail_next(500)
    with Recorder(cassette_path, mode="rewrite"):
        answer = client.chat.completions.create(model=GPT, messages=user("retry me"))
    assert len(server.requests) == 2
    interactions = load_cassette(cassette_path).interactions
    assert [i.response.status for i in interactions] == [200]

    server.stop()
    with Replayer(cassette_path):
        again = client.chat.completions.create(model=GPT, messages=user("retry me"))
    assert again.model_dump() == answer.model_dump()


def test_gather_replays_each_answer_to_its_own_caller(server: FakeLLMServer, cassette_path: Path) -> None:
    async def agent(oai: Any, claude: Any) -> list[str]:
        results = await asyncio.gather(
            oai.chat.completions.create(model=GPT, messages=user("first")),
            claude.messages.create(model=CLAUDE, max_tokens=32, messages=user("second")),
            oai.chat.completions.create(model=GPT, messages=user("third")),
            oai.embeddings.create(model="text-embedding-3-small", input="fourth"),
        )
        return [
            results[0].choices[0].message.content,
            results[1].content[0].text,
            results[2].choices[0].message.content,
            str(results[3].data[0].embedding[:2]),
        ]

    clients = (make_client("openai", server, is_async=True), make_client("anthropic", server, is_async=True))
    with Recorder(cassette_path, mode="rewrite"):
        recorded = asyncio.run(agent(*clients))
    assert recorded[:3] == ["echo: first", "echo: second", "echo: third"]
    server.stop()
    with Replayer(cassette_path):
        replayed = asyncio.run(agent(*clients))
    assert replayed == recorded


def test_replay_needs_no_api_key(server: FakeLLMServer, cassette_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base_urls = server.openai_base_url, server.anthropic_base_url
    with Recorder(cassette_path, mode="rewrite"):
        make_client("openai", server).chat.completions.create(model=GPT, messages=user("keyless"))
        make_client("anthropic", server).messages.create(model=CLAUDE, max_tokens=32, messages=user("keyless"))
    server.stop()
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with Replayer(cassette_path):
        chat = openai.OpenAI(base_url=base_urls[0]).chat.completions.create(model=GPT, messages=user("keyless"))
        message = anthropic.Anthropic(base_url=base_urls[1]).messages.create(
            model=CLAUDE, max_tokens=32, messages=user("keyless")
        )
    assert chat.choices[0].message.content == "echo: keyless"
    assert message.content[0].text == "echo: keyless"
    import os

    assert "OPENAI_API_KEY" not in os.environ  # the placeholder is gone once replay ends


def test_calls_from_threads_started_inside_are_recorded(server: FakeLLMServer, cassette_path: Path) -> None:
    client = make_client("openai", server)
    with Recorder(cassette_path, mode="rewrite") as recorder:
        workers = [
            threading.Thread(target=client.chat.completions.create, kwargs={"model": GPT, "messages": user(f"t{i}")})
            for i in range(3)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    prompts = sorted(i.request.body["messages"][0]["content"] for i in recorder.trace.interactions)
    assert prompts == ["t0", "t1", "t2"]


def test_other_http_traffic_passes_untouched_and_is_reported(server: FakeLLMServer, cassette_path: Path) -> None:
    url = server.openai_base_url + "/chat/completions"
    with (
        pytest.warns(UnrecordedTrafficWarning) as warned,
        Recorder(cassette_path, mode="rewrite") as recorder,
        httpx2.Client() as plain,
    ):
        status = plain.post(url, json={"model": GPT, "messages": user("x")})
    assert status.status_code == 200
    assert recorder.trace.interactions == []
    assert [attempt.library for attempt in recorder.unrecorded] == ["httpx2 (via httpcore2)"]
    message = str(warned[0].message)
    assert server.url.removeprefix("http://") in message and "httpx2" in message and "not in" in message


def test_calls_outside_a_session_are_not_recorded(server: FakeLLMServer, cassette_path: Path) -> None:
    client = make_client("openai", server)
    client.chat.completions.create(model=GPT, messages=user("before"))
    with Recorder(cassette_path, mode="rewrite") as recorder:
        client.chat.completions.create(model=GPT, messages=user("during"))
    client.chat.completions.create(model=GPT, messages=user("after"))
    assert [i.request.body["messages"][0]["content"] for i in recorder.trace.interactions] == ["during"]


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_miss_is_neither_wrapped_nor_retried_by_the_sdk(
    provider: str, server: FakeLLMServer, cassette_path: Path
) -> None:
    client = make_client(provider, server, max_retries=3)
    with Recorder(cassette_path, mode="rewrite"):
        pass
    server.stop()
    with pytest.raises(CassetteMismatchError) as caught, Replayer(cassette_path):
        if provider == "openai":
            client.chat.completions.create(model=GPT, messages=user("never recorded"))
        else:
            client.messages.create(model=CLAUDE, max_tokens=32, messages=user("never recorded"))
    assert isinstance(caught.value, openai.OpenAIError) and isinstance(caught.value, anthropic.AnthropicError)
    assert caught.value.__cause__ is None


def test_trace_summarises_the_run(server: FakeLLMServer, cassette_path: Path) -> None:
    client, claude = make_client("openai", server), make_client("anthropic", server)
    with Recorder(cassette_path, mode="rewrite") as recorder:
        client.chat.completions.create(model=GPT, messages=user("one two three"))
        list(claude.messages.create(model=CLAUDE, max_tokens=32, messages=user("four five"), stream=True))
    trace = recorder.trace
    assert trace.trajectory == [f"llm:{GPT}", f"llm:{CLAUDE}"]
    assert trace.total_llm_calls == 2
    assert [e.output_text for e in trace.events] == ["echo: one two three", "echo: four five"]
    assert trace.total_tokens == sum(e.input_tokens + e.output_tokens for e in trace.events) > 0
    assert trace.events[1].stream and trace.events[1].output_tokens == 3
    assert load_cassette(cassette_path).trajectory == trace.trajectory


@pytest.mark.parametrize(("setting", "http_layer_calls"), [("1", 0), ("0", 1)])
def test_fast_replay_skips_the_http_layer_unless_turned_off(
    setting: str, http_layer_calls: int, server: FakeLLMServer, cassette_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from traceops_nb.engine.session import Session

    client = make_client("openai", server)
    with Recorder(cassette_path, mode="rewrite"):
        client.chat.completions.create(model=GPT, messages=user("fast?"))
    server.stop()
    seen: list[object] = []
    real = Session.begin_exchange
    monkeypatch.setattr(Session, "begin_exchange", lambda self, *a: seen.append(a) or real(self, *a))
    monkeypatch.setenv("TRACEOPS_FAST_REPLAY", setting)
    with Replayer(cassette_path):
        answer = client.chat.completions.create(model=GPT, messages=user("fast?"))
    assert answer.choices[0].message.content == "echo: fast?"
    assert len(seen) == http_layer_calls


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_stream_replayed_again_is_the_recording_whatever_the_caller_did_to_the_last_one(
    provider: str, server: FakeLLMServer, cassette_path: Path
) -> None:
    """Replays of one stream share its decoded events; the chunks handed out are the caller's own."""
    client = make_client(provider, server)

    def stream() -> list[Any]:
        if provider == "openai":
            return list(client.chat.completions.create(model=GPT, messages=user("stream it"), stream=True))
        return list(client.messages.create(model=CLAUDE, max_tokens=32, messages=user("stream it"), stream=True))

    with Recorder(cassette_path, mode="rewrite"):
        recorded = [chunk.model_dump() for chunk in stream()]
    stored = load_cassette(cassette_path).interactions[0].response.events
    server.stop()
    with Replayer(cassette_path, allow_repeats=True) as replayer:
        first = stream()
        for chunk in first:  # the caller changes what it got, down to the nested parts
            part = chunk.choices[0].delta if provider == "openai" and chunk.choices else chunk
            setattr(part, "content" if provider == "openai" else "type", "changed")
        second = [chunk.model_dump() for chunk in stream()]
    assert second == recorded != [chunk.model_dump() for chunk in first]
    assert replayer.trace.interactions[0].response.events == stored
