"""Load: 32 threads and 200 asyncio tasks making 2,000 mixed calls at once, recorded, then replayed in a
shuffled order: every caller gets its own answer, no call is lost or doubled, and the trace's order is the
order the calls finished in. `python benchmarks/bench_stress.py` times the same run."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import stress
from fakellm import FakeLLMServer

from traceops_nb import Recorder, Replayer, load_cassette

CALLS, THREADS, TASKS = 2000, 32, 200


def check_run(done: list[stress.Done], trace: Any) -> None:
    assert sorted(item.index for item in done) == list(range(CALLS))  # every call returned, once
    wrong = [item.prompt for item in done if item.answer != f"echo: {item.prompt}"]
    assert wrong == []  # every caller got its own answer
    prompts = [stress.prompt_in(interaction.request.body) for interaction in trace.interactions]
    assert len(prompts) == CALLS and not [p for p, n in Counter(prompts).items() if n > 1]
    assert stress.order_violations(done, stress.positions(trace)) == []


def test_many_threads_and_tasks_record_and_replay_every_call_once(
    server: FakeLLMServer, cassette_path: Path, offline: Any
) -> None:
    clients = stress.clients_for(server)
    with Recorder(cassette_path, mode="rewrite") as recorder:
        recorded = stress.run_all(clients, *stress.split(CALLS), THREADS, TASKS)
    check_run(recorded, recorder.trace)
    assert len(server.requests) == CALLS
    on_disk = load_cassette(cassette_path)
    assert sorted(stress.positions(on_disk)) == sorted(item.prompt for item in recorded)

    server.stop()
    attempts = offline()
    with Replayer(cassette_path) as replay:
        replayed = stress.run_all(clients, *stress.split(CALLS, seed=14), THREADS, TASKS)
    check_run(replayed, replay.trace)
    assert attempts == [] and all(event.replayed for event in replay.trace.events)
    kinds = Counter(interaction.request.path for interaction in replay.trace.interactions)
    assert kinds == {"/chat/completions": 800, "/responses": 400, "/v1/messages": 800}
