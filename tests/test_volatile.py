"""Request fields frameworks fill with a new value on every run: the documented defaults are left out of
matching, users add and remove fields, and a mismatch only in generated-looking values says how to match."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import openai
import pytest
from clients import OPENAI_TEST_KEY
from fakellm import FakeLLMServer
from scenarios import GPT, user

import traceops_nb
from traceops_nb import CassetteMismatchError, Recorder, Replayer
from traceops_nb.cassette.interactions import Request
from traceops_nb.engine.volatile import generated_differences, ignored_fields, looks_generated


def run_key() -> str:
    return f"agents-sdk:run:{uuid.uuid4().hex}"  # what the OpenAI Agents SDK sends on api.openai.com


def ask(client: openai.OpenAI, **extra: Any) -> str:
    answer = client.chat.completions.create(model=GPT, messages=user("hello"), **extra)
    return str(answer.choices[0].message.content)


@pytest.fixture
def recorded(server: FakeLLMServer, cassette_path: Path, offline: Any) -> openai.OpenAI:
    """A cassette of one call carrying a per-run prompt_cache_key; the server is then stopped."""
    client = openai.OpenAI(api_key=OPENAI_TEST_KEY, base_url=server.openai_base_url, max_retries=0)
    with Recorder(cassette_path, mode="rewrite"):
        ask(client, prompt_cache_key=run_key(), metadata={"trace": str(uuid.uuid4())})
    server.stop()
    offline()
    return client


def test_a_default_volatile_field_never_makes_a_replay_miss(recorded: openai.OpenAI, cassette_path: Path) -> None:
    assert "prompt_cache_key" in [field.path for field in traceops_nb.DEFAULT_IGNORED_FIELDS]
    with Replayer(cassette_path, ignore_fields=["metadata.trace"]) as replayer:
        assert ask(recorded, prompt_cache_key=run_key(), metadata={"trace": str(uuid.uuid4())}) == "echo: hello"
    assert replayer.trace.interactions[0].replayed


def test_a_mismatch_only_in_generated_values_prints_the_ignore_fields_that_would_match(
    recorded: openai.OpenAI, cassette_path: Path
) -> None:
    with pytest.raises(CassetteMismatchError) as caught, Replayer(cassette_path, keep_fields=["prompt_cache_key"]):
        ask(recorded, prompt_cache_key=run_key(), metadata={"trace": str(uuid.uuid4())})
    message = str(caught.value)
    assert "look generated on each run" in message
    assert 'ignore_fields=["metadata.trace", "prompt_cache_key"]' in message
    assert "To re-record" not in message  # re-recording cannot help here


def test_a_real_change_keeps_the_re_record_advice_and_no_generated_hint(
    recorded: openai.OpenAI, cassette_path: Path
) -> None:
    with pytest.raises(CassetteMismatchError) as caught, Replayer(cassette_path, ignore_fields=["metadata.trace"]):
        recorded.chat.completions.create(model=GPT, messages=user("hello there"), prompt_cache_key=run_key())
    message = str(caught.value)
    assert "look generated" not in message and "To re-record" in message
    assert "prompt_cache_key" not in message  # an ignored field is not shown as a difference


def test_users_add_and_remove_fields_and_a_field_that_is_not_a_default_is_refused() -> None:
    assert ignored_fields() == ("prompt_cache_key",)
    assert ignored_fields(["metadata.user_id"]) == ("prompt_cache_key", "metadata.user_id")
    assert ignored_fields(keep_fields=["prompt_cache_key"]) == ()
    with pytest.raises(ValueError, match=r"'temperature' is not one of them"):
        Replayer("unused.yaml", keep_fields=["temperature"])


@pytest.mark.parametrize(
    ("old", "new", "generated"),
    [
        (f"agents-sdk:run:{uuid.uuid4().hex}", f"agents-sdk:run:{uuid.uuid4().hex}", True),
        (str(uuid.uuid4()), str(uuid.uuid4()).upper(), True),
        ("2026-12-01T10:00:00Z", "2026-12-02T11:20:01.512+01:00", True),
        ("Today's date is 2026-12-02. Be brief.", "Today's date is 2026-12-03. Be brief.", True),  # date.today()
        ("Flights on 2026-12-02 to Paris", "Flights on 2026-12-02 to Lisbon", False),
        (1764583200, 1764669600, True),
        (1764583200000, 1764669600123, True),
        ("call_Ab12Cd34Ef56Gh78", "call_Zz98Yy76Xx54Ww32", True),
        ("hi", "hi there", False),
        ("gpt-4o", "gpt-4o-mini", False),
        ("run 1", "run 2", False),
        (f"a:{uuid.uuid4().hex}", f"b:{uuid.uuid4().hex}", False),  # the text around the id changed too
        (256, 512, False),
    ],
)
def test_what_looks_generated(old: Any, new: Any, generated: bool) -> None:
    assert looks_generated(old, new) is generated


def test_generated_differences_name_exact_paths_and_only_when_nothing_else_differs() -> None:
    def chat(call_id: str, text: str = "hi", path: str = "/chat/completions") -> Request:
        messages = [
            {"role": "assistant", "tool_calls": [{"id": call_id, "function": {"name": "f", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": call_id, "content": text},
        ]
        return Request("POST", path, body={"model": GPT, "messages": messages})

    old, new = chat(str(uuid.uuid4())), chat(str(uuid.uuid4()))
    assert generated_differences(old, new) == ["messages.0.tool_calls.0.id", "messages.1.tool_call_id"]
    assert generated_differences(old, chat(str(uuid.uuid4()), text="other")) is None
    assert generated_differences(old, chat(str(uuid.uuid4()), path="/responses")) is None
    assert generated_differences(old, old) is None


def test_the_magics_take_ignore_field_as_the_hint_says(shell: Any) -> None:
    """`shell` records against the fake server with an OpenAI client named `client`."""
    ask_with_id = (
        "import uuid\n"
        'client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}],'
        ' metadata={"session": str(uuid.uuid4())})'
    )
    shell.run_cell(f"%%record session.yaml\n{ask_with_id}")
    missed = shell.run_cell(f"%%replay session.yaml\n{ask_with_id}").error_in_exec
    assert isinstance(missed, CassetteMismatchError)
    assert "add `--ignore-field metadata.session` to %%record / %%replay" in str(missed)
    replayed = shell.run_cell(f"%%replay session.yaml --ignore-field metadata.session --as run\n{ask_with_id}")
    assert replayed.success and shell.user_ns["run"].interactions[0].replayed
