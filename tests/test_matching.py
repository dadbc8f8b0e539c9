"""A changed prompt, model, tool list or temperature never replays the old answer; errors say why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from clients import make_client
from fakellm import FakeLLMServer
from scenarios import CLAUDE, GPT, WEATHER, user

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


def long_prompt(changed_word: str, at: int = 400, length: int = 2000) -> str:
    """A 2,000-character prompt whose word starting at character `at` is `changed_word`."""
    filler = "".join(f"sentence {n} of the context. " for n in range(200))
    return (filler[:at] + changed_word + " " + filler[at:])[:length]


def test_a_change_deep_in_a_long_prompt_and_at_the_end_of_a_system_prompt_is_shown_where_it_is(
    server: FakeLLMServer, cassette_path: Path
) -> None:
    system = "You are a careful travel agent. " * 30 + "Answer in English."
    client = make_client("anthropic", server)
    asked = {"model": CLAUDE, "max_tokens": 50, "system": system, "messages": user(long_prompt("hotel"))}
    with Recorder(cassette_path, mode="rewrite"):
        client.messages.create(**asked)
    server.stop()
    changed = {**asked, "system": system.replace("English", "French"), "messages": user(long_prompt("flat"))}
    with pytest.raises(CassetteMismatchError) as caught, Replayer(cassette_path):
        client.messages.create(**changed)
    message = str(caught.value)
    prompt_line = next(line for line in message.splitlines() if line.strip().startswith("messages[0].content"))
    assert "at character 400:" in prompt_line
    old, new = prompt_line.split(" → ")
    assert "hotel" in old and "flat" not in old and "flat" in new and "hotel" not in new
    assert old.split(": ", 2)[2].startswith('"…') and new.endswith('…"')  # cut on both sides, and said so
    system_line = next(line for line in message.splitlines() if line.strip().startswith("system:"))
    assert f"at character {len(system) - len('English.')}:" in system_line
    assert system_line.endswith('"…reful travel agent. Answer in English." → "…reful travel agent. Answer in French."')


def test_multi_line_text_shows_the_changed_lines_as_a_unified_diff() -> None:
    lines = [f"rule {n}: be brief" for n in range(30)]
    old = Request("POST", "/chat/completions", body={"messages": [{"role": "system", "content": "\n".join(lines)}]})
    edited = [*lines[:17], "rule 17: be thorough", *lines[18:]]
    new = Request("POST", "/chat/completions", body={"messages": [{"role": "system", "content": "\n".join(edited)}]})
    (change,) = differences(old, new)
    head, *diff = change.splitlines()
    offset = len("\n".join(lines[:17])) + len("\nrule 17: be ")
    assert head == f"messages[0].content: differs from line 18 (character {offset}):"
    assert [line.strip() for line in diff] == [
        "@@ -17,3 +17,3 @@",
        "rule 16: be brief",
        "-rule 17: be brief",
        "+rule 17: be thorough",
        "rule 18: be brief",
    ]


def test_the_advice_names_ways_that_leave_the_notebook_unchanged_before_a_one_off_cell_option(
    server: FakeLLMServer, cassette_path: Path
) -> None:
    client = record(server, cassette_path, BASE)
    with pytest.raises(CassetteMismatchError) as caught, Replayer(cassette_path):
        client.chat.completions.create(**{**BASE, "messages": user("changed")})
    advice = str(caught.value).split("Closest recorded request", 1)[1]
    ways = ["TRACEOPS_RECORD_MODE=rewrite", "`traceops-nb record NOTEBOOK`", "`%traceops notebook --mode rewrite`"]
    cell_option = f"`%%record {cassette_path} --mode rewrite`"
    assert all(way in advice for way in ways) and cell_option in advice
    assert max(advice.index(way) for way in ways) < advice.index(cell_option)
    assert "remove it before saving: saved in the notebook, it makes CI call the API" in advice
