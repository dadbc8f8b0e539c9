"""What a trace cannot count is said so, never shown as 0; calls that generate nothing are not LLM steps; counts
read in the singular when there is one. Real SDKs against the fake server, replayed offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from clients import make_client
from fakellm import FakeLLMServer
from scenarios import GPT, user

from traceops_nb import Recorder, Replayer
from traceops_nb.views.steps import step_columns, totals
from traceops_nb.views.text import plain_text


def test_one_of_each_reads_in_the_singular(server: FakeLLMServer, cassette_path: Path) -> None:
    client = make_client("openai", server)
    with Recorder(cassette_path, mode="rewrite") as run:
        client.chat.completions.create(model=GPT, messages=user("hi"))
    text = plain_text(run.trace, "one")
    assert text.splitlines()[1].startswith("1 step · 1 LLM call · ")
    assert "1 steps" not in text and "1 LLM calls" not in text
    assert run.trace.summary().startswith("Trace (")
    assert ": 1 LLM call, 0 tool calls, " in run.trace.summary()


def test_a_stream_without_usage_has_unknown_tokens_and_cost_not_zero(
    server: FakeLLMServer, cassette_path: Path, offline: Any
) -> None:
    client = make_client("openai", server)
    with Recorder(cassette_path, mode="rewrite"):
        for _ in client.chat.completions.create(model=GPT, messages=user("stream"), stream=True):
            pass
        client.chat.completions.create(model=GPT, messages=user("plain"))
    server.stop()
    offline()
    with Replayer(cassette_path) as run:  # the same in the record run's cassette and on replay
        for _ in client.chat.completions.create(model=GPT, messages=user("stream"), stream=True):
            pass
        client.chat.completions.create(model=GPT, messages=user("plain"))
    trace = run.trace
    text = plain_text(trace, "t")
    assert (
        "· 2 LLM calls · " in text
        and "tokens (1 call without usage)" in text
        and "$0.000001 (cost of 1 call unknown)" in text
    )
    assert f"1 call without usage: {GPT} — tokens and cost unknown" in text
    stream_row = next(line for line in text.splitlines() if line.startswith("0 "))
    assert stream_row.split()[3:6] == ["?", "?", "–"]  # tokens in, out, cost
    assert "tokens unknown, cost unknown" in trace.summary()
    columns = step_columns(trace.events)
    assert columns["input_tokens"][0] is None and columns["input_tokens"][1] > 0
    shown = totals(trace)
    assert shown["without_usage"] == 1 and shown["notes"] == [line for line in text.splitlines() if " — " in line]


def test_calls_that_generate_nothing_are_recorded_and_replayed_but_are_free_api_steps(
    server: FakeLLMServer, cassette_path: Path, offline: Any
) -> None:
    openai_client, claude = make_client("openai", server), make_client("anthropic", server)

    def run_calls() -> tuple[Any, ...]:
        stored = openai_client.responses.retrieve("resp_stored_1")
        models = [model.id for model in openai_client.models.list()]
        files = list(openai_client.files.list())
        claude_models = [model.id for model in claude.models.list()]
        answer = openai_client.chat.completions.create(model=GPT, messages=user("hi"))
        return stored.id, stored.output_text, models, files, claude_models, answer.choices[0].message.content

    with Recorder(cassette_path, mode="rewrite") as recorded:
        live = run_calls()
    server.stop()
    offline()
    with Replayer(cassette_path) as replayed:
        assert run_calls() == live
    for trace in (recorded.trace, replayed.trace):
        assert [event.kind for event in trace.events] == ["api_call"] * 4 + ["llm_call"]
        assert trace.trajectory[:4] == [
            "api:responses.retrieve",
            "api:models.list",
            "api:files.list",
            "api:models.list",
        ]
        assert trace.total_llm_calls == 1 and all(event.cost_usd == 0.0 for event in trace.events[:4])
        assert trace.total_cost_usd == trace.events[4].cost_usd > 0
        assert plain_text(trace, "t").splitlines()[1].startswith("5 steps · 1 LLM call · ")
    assert recorded.trace.events[0].input == "GET /responses/resp_stored_1"


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("GET", "/responses/resp_1", "responses.retrieve"),
        ("DELETE", "/responses/resp_1", "responses.delete"),
        ("POST", "/responses/resp_1/cancel", "responses.cancel"),
        ("GET", "/files/file-1/content", "files.content"),
        ("POST", "/files", "files.create"),
        ("GET", "/v1/models", "models.list"),
        ("POST", "/v1/messages/batches", "messages.batches.create"),
    ],
)
def test_the_operation_of_a_path_and_whether_it_generates(method: str, path: str, operation: str) -> None:
    from traceops_nb.cassette.operations import generates, operation_from_path

    assert operation_from_path(method, path) == operation
    assert not generates(operation)
    assert generates("chat.completions") and generates("responses") and generates("audio.speech.create")
