"""Replay at the recorded pace: a fake server that waits before its first event and between events is
recorded; replays at pace 1 take about as long as the cassette says the call took (time to first chunk
included), at pace 0 almost no time.

The bounds are ratios with wide margins (≥ 80 % of the recorded time at pace 1, < 50 % at pace 0): a
paced replay can only be late, never early, so the lower bounds hold on a loaded machine.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest
import yaml
from clients import ANTHROPIC_TEST_KEY, OPENAI_TEST_KEY, make_client
from fakellm import FakeLLMServer
from scenarios import CLAUDE, GPT, user

from traceops_nb import Recorder, Replayer, cassette, load_cassette
from traceops_nb.intercept.pacing import PACE_ENV_VAR

FIRST_DELAY = 0.4  # seconds before the first event (or a JSON body)
EVENT_DELAY = 0.06  # seconds between events
PROMPT = "pace me through these seven short words"
NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing answers there


@dataclass(frozen=True)
class Timing:
    first: float  # seconds until the first chunk
    total: float
    texts: tuple[str, ...]


@pytest.fixture
def slow(server: FakeLLMServer) -> Iterator[FakeLLMServer]:
    server.first_delay, server.event_delay = FIRST_DELAY, EVENT_DELAY
    yield server


@pytest.fixture(params=["fast", "http"])
def route(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both replay routes: straight from the SDK call (the default), and the full HTTP one."""
    monkeypatch.setenv("TRACEOPS_FAST_REPLAY", "1" if request.param == "fast" else "0")
    return str(request.param)


def _text(provider: str, chunk: Any) -> str:
    if provider == "openai":
        return (chunk.choices[0].delta.content or "") if chunk.choices else ""
    return chunk.delta.text if chunk.type == "content_block_delta" else ""


def _open(provider: str, client: Any) -> Any:
    if provider == "openai":
        return client.chat.completions.create(model=GPT, messages=user(PROMPT), stream=True)
    return client.messages.create(model=CLAUDE, max_tokens=64, messages=user(PROMPT), stream=True)


def stream_sync(provider: str, client: Any) -> Timing:
    start = time.perf_counter()
    first, texts = None, []
    for chunk in _open(provider, client):
        first = time.perf_counter() - start if first is None else first
        texts.append(_text(provider, chunk))
    assert first is not None
    return Timing(first, time.perf_counter() - start, tuple(texts))


async def stream_async(provider: str, client: Any) -> Timing:
    start = time.perf_counter()
    first, texts = None, []
    async for chunk in await _open(provider, client):
        first = time.perf_counter() - start if first is None else first
        texts.append(_text(provider, chunk))
    assert first is not None
    return Timing(first, time.perf_counter() - start, tuple(texts))


def consume(provider: str, client: Any, is_async: bool) -> Timing:
    return asyncio.run(stream_async(provider, client)) if is_async else stream_sync(provider, client)


def record_stream(provider: str, server: FakeLLMServer, path: Path, is_async: bool) -> Timing:
    """The stream's timing as the cassette holds it: measured from the request being sent, so without the
    client's first-call costs (connecting, lazy imports), which a replay has no reason to repeat."""
    client = make_client(provider, server, is_async=is_async)
    with Recorder(path, mode="rewrite"):
        seen = consume(provider, client, is_async)
    (interaction,) = load_cassette(path).interactions
    assert interaction.first_byte_ms is not None
    recorded = Timing(interaction.first_byte_ms / 1000, interaction.duration_ms / 1000, seen.texts)
    assert FIRST_DELAY <= recorded.first <= seen.first and FIRST_DELAY + 5 * EVENT_DELAY <= recorded.total <= seen.total
    return recorded


def replay_client(provider: str, is_async: bool = False) -> Any:
    """A client for a replay, pointed at a port nothing listens on: replay never connects."""
    if provider == "openai":
        return (openai.AsyncOpenAI if is_async else openai.OpenAI)(api_key=OPENAI_TEST_KEY, base_url=NOWHERE + "/v1")
    return (anthropic.AsyncAnthropic if is_async else anthropic.Anthropic)(api_key=ANTHROPIC_TEST_KEY, base_url=NOWHERE)


def replay_stream(path: Path, provider: str, is_async: bool, **options: Any) -> Timing:
    client = replay_client(provider, is_async)  # a fresh one each time: an async client belongs to one loop
    with Replayer(path, **options):
        return consume(provider, client, is_async)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_stream_replays_at_its_recorded_pace(
    provider: str, is_async: bool, route: str, slow: FakeLLMServer, cassette_path: Path, offline: Any
) -> None:
    recorded = record_stream(provider, slow, cassette_path, is_async)
    slow.stop()
    offline()

    paced = replay_stream(cassette_path, provider, is_async, pace=1)
    assert paced.texts == recorded.texts
    assert paced.first >= 0.8 * recorded.first, (paced, recorded)
    assert paced.total >= 0.8 * recorded.total, (paced, recorded)

    fastest = replay_stream(cassette_path, provider, is_async)  # the default: pace 0
    assert fastest.texts == recorded.texts
    assert fastest.total < 0.5 * recorded.total, (fastest, recorded)


def test_pace_scales_the_recorded_offsets(slow: FakeLLMServer, cassette_path: Path) -> None:
    recorded = record_stream("openai", slow, cassette_path, False)
    half = replay_stream(cassette_path, "openai", False, pace=0.5)
    assert 0.4 * recorded.total <= half.total < 0.9 * recorded.total, (half, recorded)
    assert half.first >= 0.4 * recorded.first


def test_each_events_arrival_is_recorded_compactly(slow: FakeLLMServer, cassette_path: Path) -> None:
    record_stream("openai", slow, cassette_path, False)
    (interaction,) = load_cassette(cassette_path).interactions
    offsets, events = interaction.event_offsets_ms, interaction.response.events
    assert offsets is not None and events is not None and len(offsets) == len(events) >= 8
    assert offsets == sorted(offsets) and all(isinstance(offset, int) for offset in offsets)
    assert offsets[0] >= FIRST_DELAY * 1000 and offsets[-1] <= interaction.duration_ms + 1
    assert offsets[-1] - offsets[0] >= 0.9 * (len(events) - 1) * EVENT_DELAY * 1000
    line = next(line for line in cassette_path.read_text().splitlines() if "event_offsets_ms" in line)
    assert line.strip() == f"event_offsets_ms: [{', '.join(map(str, offsets))}]"  # one line, not one per event


def test_a_cassette_without_offsets_still_replays_spread_over_its_duration(
    slow: FakeLLMServer, cassette_path: Path, offline: Any
) -> None:
    recorded = record_stream("anthropic", slow, cassette_path, False)
    document = yaml.safe_load(cassette_path.read_text())
    for interaction in document["interactions"]:
        del interaction["event_offsets_ms"]
    cassette_path.write_text(yaml.safe_dump(document))
    slow.stop()
    offline()

    assert load_cassette(cassette_path).interactions[0].event_offsets_ms is None
    paced = replay_stream(cassette_path, "anthropic", False, pace=1)
    assert paced.texts == recorded.texts
    assert paced.first >= 0.8 * recorded.first and paced.total >= 0.8 * recorded.total
    assert replay_stream(cassette_path, "anthropic", False).total < 0.5 * recorded.total


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_a_whole_response_takes_its_recorded_duration(
    is_async: bool, route: str, slow: FakeLLMServer, cassette_path: Path, offline: Any
) -> None:
    def ask(client: Any) -> tuple[float, str]:
        start = time.perf_counter()
        call = client.chat.completions.create(model=GPT, messages=user(PROMPT))
        answer = asyncio.run(call) if is_async else call
        return time.perf_counter() - start, answer.choices[0].message.content

    with Recorder(cassette_path, mode="rewrite"):
        seen, text = ask(make_client("openai", slow, is_async=is_async))
    recorded = load_cassette(cassette_path).interactions[0].duration_ms / 1000  # from the request being sent
    assert FIRST_DELAY <= recorded <= seen
    slow.stop()
    offline()
    with Replayer(cassette_path, pace=1):
        paced, paced_text = ask(replay_client("openai", is_async))
    with Replayer(cassette_path):
        fastest, fastest_text = ask(replay_client("openai", is_async))
    assert paced_text == fastest_text == text
    assert paced >= 0.8 * recorded, (paced, recorded)
    assert fastest < 0.5 * recorded, (fastest, recorded)


def test_an_async_paced_replay_never_blocks_the_event_loop(slow: FakeLLMServer, cassette_path: Path) -> None:
    recorded = record_stream("openai", slow, cassette_path, True)
    slow.stop()

    async def main() -> tuple[Timing, int]:
        ticks = 0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not done.is_set():
                await asyncio.sleep(0.01)
                ticks += 1

        ticking = asyncio.create_task(ticker())
        with Replayer(cassette_path, pace=1):
            timing = await stream_async("openai", replay_client("openai", is_async=True))
        done.set()
        await ticking
        return timing, ticks

    timing, ticks = asyncio.run(main())
    assert timing.total >= 0.8 * recorded.total
    # A replay that slept in the loop's thread would leave the ticker no turn until it ended.
    assert ticks >= 0.1 * timing.total / 0.01, ticks


def test_the_environment_variable_sets_the_pace(
    slow: FakeLLMServer, cassette_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = record_stream("openai", slow, cassette_path, False)
    monkeypatch.setenv(PACE_ENV_VAR, "1")
    assert replay_stream(cassette_path, "openai", False).total >= 0.8 * recorded.total
    client = replay_client("openai")
    with cassette(cassette_path, mode="once", pace=0):  # an explicit pace wins over the variable
        start = time.perf_counter()
        stream_sync("openai", client)
    assert time.perf_counter() - start < 0.5 * recorded.total

    monkeypatch.setenv(PACE_ENV_VAR, "fast")
    with pytest.raises(ValueError, match=f"{PACE_ENV_VAR} must be a number ≥ 0"):
        Replayer(cassette_path)


@pytest.mark.parametrize("pace", [-1, float("nan"), float("inf")])
def test_a_pace_that_is_not_a_number_at_least_zero_is_refused(pace: float, cassette_path: Path) -> None:
    with pytest.raises(ValueError, match="pace must be a number ≥ 0"):
        Replayer(cassette_path, pace=pace)


def test_replay_magic_takes_a_pace(shell: Any, kernel_env: FakeLLMServer, tmp_path: Path) -> None:
    kernel_env.first_delay = FIRST_DELAY
    ask = 'answer = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])'
    assert shell.run_cell(f"%%record agent.yaml --quiet\n{ask}").success
    kernel_env.stop()

    start = time.perf_counter()
    assert shell.run_cell(f"%%replay agent.yaml --quiet --pace 1\n{ask}").success
    paced = time.perf_counter() - start
    start = time.perf_counter()
    assert shell.run_cell(f"%%replay agent.yaml --quiet\n{ask}").success
    fastest = time.perf_counter() - start
    recorded = load_cassette(tmp_path / "agent.yaml").interactions[0].duration_ms / 1000
    assert paced >= 0.8 * recorded >= 0.8 * FIRST_DELAY, (paced, recorded)
    assert fastest < paced / 2, (fastest, paced)  # (pace 0 itself is timed above, outside a notebook shell)
