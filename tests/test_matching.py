"""A changed prompt, model, tool list or temperature never replays the old answer; errors say why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from clients import make_client
from fakellm import FakeLLMServer
from scenarios import GPT, WEATHER, user

from traceops_nb import CassetteExhaustedError, CassetteMismatchError, Recorder, Replayer
from traceops_nb.cassette.interactions import Request
from traceops_nb.engine.matching import differences, request_key

BASE = {"model": GPT, "messages": user("hi"), "temperature": 0.2, "tools": [WEATHER]}


def record(server: FakeLLMServer, path: Path, *bodies: dict[str, Any]) -> Any:
    client = make_client("openai", server)
    with Recorder(path, mode="rewrite"):
        for body in bodies:
            client.chat.completions.create(**body)
    server.stop()
    return client


@pytest.mark.parametrize(
    ("change", "expected_line"),
    [
        ({"messages": user("hi there")}, 'messages[0].content: "hi" → "hi there"'),
        ({"model": "gpt-4o"}, 'model: "gpt-4o-mini" → "gpt-4o"'),
        ({"temperature": 0.9}, "temperature: 0.2 → 0.9"),
        ({"tools": []}, "tools[0]: removed (was"),
    ],
)
def test_a_changed_request_is_a_mismatch_with_a_field_diff(
    change: dict[str, Any], expected_line: str, server: FakeLLMServer, cassette_path: Path
) -> None:
    client = record(server, cassette_path, BASE)
    with pytest.raises(CassetteMismatchError) as caught, Replayer(cassette_path):
        client.chat.completions.create(**{**BASE, **change})
    message = str(caught.value)
    assert str(cassette_path) in message
    assert "1 recorded, 0 played" in message
    assert expected_line in message
    assert "--mode rewrite" in message and "TRACEOPS_RECORD_MODE=rewrite" in message
    assert "\x1b[" not in message  # plain text: it is read in nbval output and CI logs


def test_identical_requests_replay_in_recorded_order_each_once(server: FakeLLMServer, cassette_path: Path) -> None:
    client = make_client("openai", server)
    with Recorder(cassette_path, mode="rewrite"):
        first = client.chat.completions.create(model=GPT, messages=user("same"))
        second = client.chat.completions.create(model=GPT, messages=user("same"))
    assert first.id != second.id
    server.stop()
    with pytest.raises(CassetteExhaustedError) as caught, Replayer(cassette_path):
        ids = [client.chat.completions.create(model=GPT, messages=user("same")).id for _ in range(2)]
        client.chat.completions.create(model=GPT, messages=user("same"))
    assert ids == [first.id, second.id]
    assert "2 recorded, 2 played" in str(caught.value) and "allow_repeats=True" in str(caught.value)


def test_allow_repeats_serves_the_last_answer_again(server: FakeLLMServer, cassette_path: Path) -> None:
    client = record(server, cassette_path, BASE)
    with Replayer(cassette_path, allow_repeats=True):
        answers = [client.chat.completions.create(**BASE).id for _ in range(3)]
    assert len(set(answers)) == 1


def test_ignored_fields_do_not_affect_matching(server: FakeLLMServer, cassette_path: Path) -> None:
    client = record(server, cassette_path, {**BASE, "metadata": {"user_id": "u1"}})
    with Replayer(cassette_path, ignore_fields=["metadata.user_id"]):
        answer = client.chat.completions.create(**{**BASE, "metadata": {"user_id": "u2"}})
    assert answer.choices[0].message.tool_calls is not None


def test_key_ignores_host_and_volatile_headers_but_not_behaviour_headers() -> None:
    plain = Request("POST", "/v1/messages", body={"model": "m"})
    beta = Request("POST", "/v1/messages", headers={"anthropic-beta": "tools-2024"}, body={"model": "m"})
    reordered = Request("POST", "/v1/messages", body={"model": "m"})
    assert request_key("anthropic", plain) == request_key("anthropic", reordered)
    assert request_key("anthropic", plain) != request_key("anthropic", beta)
    assert request_key("anthropic", plain) != request_key("openai", plain)


def test_differences_lists_added_and_removed_fields() -> None:
    old = Request("POST", "/chat/completions", body={"a": 1, "b": [1, 2]})
    new = Request("POST", "/chat/completions", body={"b": [1], "c": "x"})
    assert differences(old, new) == ["a: removed (was 1)", "b[1]: removed (was 2)", 'c: added "x"']


def test_mismatch_names_the_closest_request_among_many(server: FakeLLMServer, cassette_path: Path) -> None:
    client = record(server, cassette_path, *({"model": GPT, "messages": user(f"question {n}")} for n in range(5)))
    with pytest.raises(CassetteMismatchError) as caught, Replayer(cassette_path):
        client.chat.completions.create(model=GPT, messages=[*user("question 3"), {"role": "user", "content": "more"}])
    assert "Closest recorded request (#3, not yet played)" in str(caught.value)
    assert 'messages[1]: added {"content": "more", "role": "user"}' in str(caught.value)
