"""Secrets never reach disk: headers are allow-listed, environment secrets scrubbed, key-like text refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest
from clients import ANTHROPIC_TEST_KEY, OPENAI_TEST_KEY, make_client
from fakellm import FakeLLMServer
from scenarios import CLAUDE, GPT, user

from traceops_nb import Recorder, Replayer, record_decision, record_tool_call
from traceops_nb.cassette.redact import CREDENTIAL_MARKER, KEY_LIKE_MARKER
from traceops_nb.errors import RedactedKeyWarning


def test_keys_and_private_headers_stay_out_of_the_cassette(server: FakeLLMServer, cassette_path: Path) -> None:
    with Recorder(cassette_path, mode="rewrite"):
        make_client("openai", server).chat.completions.create(model=GPT, messages=user("hello"))
        make_client("anthropic", server).messages.create(model=CLAUDE, max_tokens=32, messages=user("hello"))
    text = cassette_path.read_text().lower()
    assert "x-request-id" in text and "request-id: req_fake" in text  # kept: the SDKs read them
    for needle in ("bearer", "authorization", "x-api-key", "set-cookie", "openai-organization", "sk-"):
        assert needle not in text


def test_environment_secrets_in_bodies_are_replaced_and_still_match(
    server: FakeLLMServer, cassette_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEARCH_SERVICE_TOKEN", "tok-1234567890-private")
    client = make_client("openai", server)
    prompt = "call the tool with tok-1234567890-private"
    with Recorder(cassette_path, mode="rewrite"):
        client.chat.completions.create(model=GPT, messages=user(prompt))
    text = cassette_path.read_text()
    assert "tok-1234567890-private" not in text
    assert "<redacted:SEARCH_SERVICE_TOKEN>" in text
    server.stop()
    with Replayer(cassette_path):
        answer = client.chat.completions.create(model=GPT, messages=user(prompt))
    assert answer.choices[0].message.content == "echo: call the tool with <redacted:SEARCH_SERVICE_TOKEN>"


def test_user_patterns_add_to_the_defaults(server: FakeLLMServer, cassette_path: Path) -> None:
    with Recorder(cassette_path, mode="rewrite", redact=[r"patient-\d+"]):
        make_client("openai", server).chat.completions.create(model=GPT, messages=user("notes on patient-4711"))
    text = cassette_path.read_text()
    assert "patient-4711" not in text and "<redacted>" in text


def test_a_key_like_string_no_sdk_sent_is_written_as_a_marker_and_named(
    server: FakeLLMServer, cassette_path: Path
) -> None:
    leaked = "sk-proj-" + "Z" * 30  # key-shaped, but neither sent as a credential nor in the environment
    client = make_client("openai", server)
    with pytest.warns(RedactedKeyWarning) as warned, Recorder(cassette_path, mode="rewrite") as recorder:
        client.chat.completions.create(model=GPT, messages=user(f"my key is {leaked}"))
    message = str(warned[0].message)
    assert "interactions[0].request.body.messages[0].content" in message
    assert "interactions[0].response.body.choices[0].message.content" in message  # the echo, too
    assert leaked not in message
    text = cassette_path.read_text()
    assert leaked not in text and f"my key is {KEY_LIKE_MARKER}" in text
    assert leaked in recorder.trace.events[0].output_text  # nothing lost: the trace in memory keeps it

    server.stop()
    with Replayer(cassette_path):  # the same prompt matches: replay marks it the same way
        answer = client.chat.completions.create(model=GPT, messages=user(f"my key is {leaked}"))
    assert answer.choices[0].message.content == f"echo: my key is {KEY_LIKE_MARKER}"


def sdk_client(provider: str, server: FakeLLMServer, **options: Any) -> Any:
    """make_client's client, with this test's own credential when one is given."""
    key = options.pop("api_key", OPENAI_TEST_KEY if provider == "openai" else ANTHROPIC_TEST_KEY)
    if provider == "openai":
        return openai.OpenAI(api_key=key, base_url=server.openai_base_url, max_retries=0, **options)
    return anthropic.Anthropic(api_key=key, base_url=server.anthropic_base_url, max_retries=0, **options)


def key_of_no_known_shape(tag: str) -> str:
    return f"{tag}-9f8e7d6c5b4a39281706f5e4d3c2b1a0"  # not key-shaped, and in no environment variable


def ask_plain_and_streamed(client: Any, provider: str, prompt: Any) -> None:
    if provider == "openai":
        client.chat.completions.create(model=GPT, messages=prompt)
        list(client.chat.completions.create(model=GPT, messages=prompt, stream=True))
    else:
        client.messages.create(model=CLAUDE, max_tokens=64, messages=prompt)
        list(client.messages.create(model=CLAUDE, max_tokens=64, messages=prompt, stream=True))


@pytest.mark.parametrize(
    ("provider", "where"),
    [
        ("openai", "api_key"),  # Authorization: Bearer
        ("anthropic", "api_key"),  # Authorization: Bearer in anthropic 2.x
        ("anthropic", "x-api-key"),
        ("openai", "api-key"),  # Azure's header
        ("openai", "x-goog-api-key"),  # Google's header
        ("openai", "key="),  # Google's query parameter
    ],
)
def test_a_credential_the_sdk_sent_is_replaced_wherever_it_appears(
    provider: str, where: str, server: FakeLLMServer, cassette_path: Path, offline: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = key_of_no_known_shape(where.strip("=-"))
    options: dict[str, Any] = {}
    if where == "api_key":
        options["api_key"] = secret
    elif where.endswith("="):
        options["default_query"] = {"key": secret}
        monkeypatch.setenv("TRACEOPS_FAST_REPLAY", "0")  # this test is about the query the SDK sends
    else:
        options["default_headers"] = {where: secret}
    client = sdk_client(provider, server, **options)
    prompt = user(f"the key {secret} pasted into a prompt")
    with Recorder(cassette_path, mode="rewrite"):  # no warning: a known credential has its own name
        ask_plain_and_streamed(client, provider, prompt)
    text = cassette_path.read_text()
    assert secret not in text  # request body, response body and stream events alike
    assert text.count(CREDENTIAL_MARKER) >= 4

    server.stop()
    attempts = offline()
    with Replayer(cassette_path) as replay:  # the replaying SDK sends the key again: the prompt still matches
        ask_plain_and_streamed(client, provider, prompt)
    assert len(replay.trace.events) == 2 and attempts == []


def test_a_credential_in_tool_io_and_decisions_is_replaced(server: FakeLLMServer, cassette_path: Path) -> None:
    secret = key_of_no_known_shape("tool")
    client = sdk_client("openai", server, api_key=secret)
    with Recorder(cassette_path, mode="rewrite"):
        client.chat.completions.create(model=GPT, messages=user("hi"))
        record_tool_call("lookup", {"token": secret}, f"looked up with {secret}")
        record_decision("route", "search", reason=f"the token {secret} works")
    text = cassette_path.read_text()
    assert secret not in text and text.count(CREDENTIAL_MARKER) == 3


def test_test_keys_are_key_shaped() -> None:
    from traceops_nb.cassette.redact import KEY_LIKE

    assert KEY_LIKE.search(OPENAI_TEST_KEY)  # so the suite-wide scan would catch a leak
