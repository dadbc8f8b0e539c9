"""Record modes and their precedence: argument > TRACEOPS_RECORD_MODE > default."""

from __future__ import annotations

from pathlib import Path

import pytest
from clients import make_client
from fakellm import FakeLLMServer
from scenarios import GPT, user

from traceops_nb import CassetteMismatchError, CassetteNotFoundError, Recorder, RecordMode, cassette, load_cassette
from traceops_nb.engine.modes import resolve_mode


def prompts(path: Path) -> list[str]:
    return [i.request.body["messages"][0]["content"] for i in load_cassette(path).interactions]


def ask(server: FakeLLMServer, *texts: str) -> list[str]:
    client = make_client("openai", server)
    return [client.chat.completions.create(model=GPT, messages=user(text)).choices[0].message.content for text in texts]


def test_once_records_when_missing_then_replays_only(server: FakeLLMServer, cassette_path: Path) -> None:
    with cassette(cassette_path, mode="once") as session:
        ask(server, "a")
    assert session.recording and prompts(cassette_path) == ["a"]
    with pytest.raises(CassetteMismatchError), cassette(cassette_path, mode="once") as session:
        assert ask(server, "a") == ["echo: a"]
        ask(server, "b")
    assert not session.recording and len(server.requests) == 1 and prompts(cassette_path) == ["a"]


def test_rewrite_replaces_the_file(server: FakeLLMServer, cassette_path: Path) -> None:
    with cassette(cassette_path, mode="rewrite"):
        ask(server, "a", "b")
    with cassette(cassette_path, mode="all"):  # "all" is VCR's name for rewrite
        ask(server, "c")
    assert prompts(cassette_path) == ["c"]


def test_new_episodes_replays_matches_and_appends_the_rest(server: FakeLLMServer, cassette_path: Path) -> None:
    with cassette(cassette_path, mode="rewrite"):
        ask(server, "a")
    with cassette(cassette_path, mode="new_episodes") as session:
        assert ask(server, "a", "b") == ["echo: a", "echo: b"]
    assert len(server.requests) == 2  # "a" came from the cassette
    assert prompts(cassette_path) == ["a", "b"]
    assert [i.replayed for i in session.trace.interactions] == [True, False]


def test_none_never_records(server: FakeLLMServer, cassette_path: Path) -> None:
    with pytest.raises(CassetteNotFoundError) as caught, cassette(cassette_path, mode="none"):
        pass
    assert str(cassette_path) in str(caught.value) and "%%record" in str(caught.value)
    assert not cassette_path.exists()


def test_environment_overrides_default_but_not_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACEOPS_RECORD_MODE", raising=False)
    assert resolve_mode(None, RecordMode.ONCE).mode is RecordMode.ONCE
    monkeypatch.setenv("TRACEOPS_RECORD_MODE", "none")
    resolved = resolve_mode(None, RecordMode.REWRITE)
    assert resolved.mode is RecordMode.NONE and "TRACEOPS_RECORD_MODE" in resolved.source
    assert resolve_mode("new_episodes", RecordMode.ONCE).mode is RecordMode.NEW_EPISODES


def test_recorder_obeys_the_environment_so_ci_never_hits_the_network(
    server: FakeLLMServer, cassette_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Recorder(cassette_path, mode="rewrite"):
        ask(server, "a")
    monkeypatch.setenv("TRACEOPS_RECORD_MODE", "none")
    with Recorder(cassette_path) as recorder:
        assert ask(server, "a") == ["echo: a"]
    assert len(server.requests) == 1 and not recorder.recording


def test_unknown_mode_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown record mode 'sometimes'; choose one of: rewrite, once"):
        RecordMode.parse("sometimes")
