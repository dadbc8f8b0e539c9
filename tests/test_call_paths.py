"""Every call path records against the fake server, then replays with the server stopped and sockets
blocked, returning the SDKs' own objects equal to what was recorded."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from clients import make_client
from fakellm import FakeLLMServer
from scenarios import SCENARIOS

from traceops_nb import Recorder, Replayer


def run(scenario_name: str, client: Any) -> Any:
    return asyncio.run(SCENARIOS[scenario_name].run(client))


@pytest.mark.parametrize("fast", [True, False], ids=["fast-replay", "full-replay"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_records_then_replays_offline(
    name: str,
    is_async: bool,
    fast: bool,
    server: FakeLLMServer,
    cassette_path: Path,
    offline: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both replay routes (the short-cut past the SDK's request building, and the full one through
    the http layer) must give exactly what recording gave."""
    monkeypatch.setenv("TRACEOPS_FAST_REPLAY", "1" if fast else "0")
    provider = SCENARIOS[name].provider
    replay_client = make_client(provider, server, is_async=is_async)  # made early, as a notebook would
    with Recorder(cassette_path, mode="rewrite") as recorder:
        recorded = run(name, make_client(provider, server, is_async=is_async))
    assert len(server.requests) == SCENARIOS[name].calls
    assert len(recorder.trace.interactions) == SCENARIOS[name].calls

    server.stop()
    attempts = offline()
    with Replayer(cassette_path) as replayer:
        replayed = run(name, replay_client)

    assert replayed == recorded
    assert attempts == []
    assert len(replayer.trace.interactions) == SCENARIOS[name].calls
    assert all(interaction.replayed for interaction in replayer.trace.interactions)
