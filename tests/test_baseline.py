"""Baselines on disk (keep, compare, accept, rollback) and what a new_episodes run saved, from plain Python."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from clients import make_client
from fakellm import FakeLLMServer
from scenarios import GPT, user

import traceops_nb
from traceops_nb import BaselineNotFoundError, Recorder, TrajectoryWidget, baseline, load_cassette, replay_savings
from traceops_nb.cassette.file import find_cassettes


def ask(server: FakeLLMServer, path: Path, *questions: str, mode: str = "rewrite") -> Any:
    client = make_client("openai", server)
    with Recorder(path, mode=mode) as recorder:
        for question in questions:
            client.chat.completions.create(model=GPT, messages=user(question))
    return recorder


def test_the_baseline_sits_beside_the_cassette_under_a_clear_name() -> None:
    assert baseline.baseline_path("cassettes/agent.yaml") == Path("cassettes/agent.baseline.yaml")
    assert baseline.baseline_path(Path("a/b.c.yml")) == Path("a/b.c.baseline.yml")


def test_keep_compare_then_rollback_restores_the_old_recording(server: FakeLLMServer, tmp_path: Path) -> None:
    cassette = tmp_path / "agent.yaml"
    ask(server, cassette, "hello")
    original = cassette.read_bytes()
    assert baseline.keep(cassette) is True
    assert baseline.keep(cassette) is False  # at most one: the kept one is never replaced
    ask(server, cassette, "hello there")

    diff = traceops_nb.compare(cassette)
    assert diff.changes == ("prompt", "response", "tokens", "cost")
    assert "  -user: hello" in diff.steps[0].details and "  +user: hello there" in diff.steps[0].details

    assert baseline.rollback(cassette) == tmp_path / "agent.baseline.yaml"
    assert cassette.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["agent.yaml"]
    with pytest.raises(BaselineNotFoundError, match=r"agent\.baseline\.yaml does not exist"):
        baseline.rollback(cassette)


def test_accept_keeps_the_new_recording_and_removes_the_baseline(server: FakeLLMServer, tmp_path: Path) -> None:
    cassette = tmp_path / "agent.yaml"
    ask(server, cassette, "hello")
    baseline.keep(cassette)
    ask(server, cassette, "goodbye")
    new = cassette.read_bytes()
    baseline.accept(cassette)
    assert cassette.read_bytes() == new and not baseline.baseline_path(cassette).exists()
    with pytest.raises(BaselineNotFoundError, match="cannot compare"):
        traceops_nb.compare(cassette)


def test_no_cassette_means_no_baseline(tmp_path: Path) -> None:
    assert baseline.keep(tmp_path / "missing.yaml") is False
    assert list(tmp_path.iterdir()) == []


def test_folders_of_cassettes_leave_baselines_out(server: FakeLLMServer, tmp_path: Path) -> None:
    ask(server, tmp_path / "agent.yaml", "hello")
    baseline.keep(tmp_path / "agent.yaml")
    assert find_cassettes(tmp_path) == [tmp_path / "agent.yaml"]
    assert find_cassettes(tmp_path, partial=True) == [tmp_path / "agent.baseline.yaml", tmp_path / "agent.yaml"]


def test_new_episodes_marks_replayed_and_live_steps_and_what_replay_saved(
    server: FakeLLMServer, tmp_path: Path
) -> None:
    cassette = tmp_path / "agent.yaml"
    ask(server, cassette, "hello", "how are you")
    recorded = load_cassette(cassette).events
    requests_before = len(server.requests)

    run = ask(server, cassette, "hello", "new question", "how are you", mode="new_episodes")

    assert len(server.requests) == requests_before + 1  # only the new question went live
    assert [event.replayed for event in run.trace.events] == [True, False, True]
    savings = replay_savings(run.trace)
    assert (savings.replayed_steps, savings.live_steps) == (2, 1)
    assert savings.tokens == recorded[0].total_tokens + recorded[1].total_tokens
    assert savings.cost_usd == pytest.approx(recorded[0].cost_usd + recorded[1].cost_usd)
    assert savings.duration_ms == pytest.approx(recorded[0].duration_ms + recorded[1].duration_ms)

    widget = TrajectoryWidget(run.trace, marks=True)
    assert widget.get_state()["steps"]["replayed"] == [True, False, True]
    assert widget.savings == savings.to_dict()
    text = widget._repr_mimebundle_()[0]["text/plain"]
    assert f"2 of 3 steps replayed from the cassette, 1 live · replay saved {savings.tokens} tokens" in text
    assert [line.split()[-1] for line in text.splitlines()[-3:]] == ["replayed", "live", "replayed"]
    assert " ms" not in text and "replayed" not in TrajectoryWidget(run.trace)._repr_mimebundle_()[0]["text/plain"]
