"""Secrets never reach disk: headers are allow-listed, environment secrets scrubbed, key-like text refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from clients import OPENAI_TEST_KEY, make_client
from fakellm import FakeLLMServer
from scenarios import CLAUDE, GPT, user

from traceops_nb import CassetteSecretError, Recorder, Replayer


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


def test_a_key_like_string_is_refused_and_located(server: FakeLLMServer, cassette_path: Path) -> None:
    leaked = "sk-proj-" + "Z" * 30  # a key that is not in any environment variable
    with pytest.raises(CassetteSecretError) as caught, Recorder(cassette_path, mode="rewrite"):
        make_client("openai", server).chat.completions.create(model=GPT, messages=user(f"my key is {leaked}"))
    assert "interactions[0].request.body.messages[0].content" in str(caught.value)
    assert leaked not in str(caught.value)
    assert not cassette_path.exists()


def test_test_keys_are_key_shaped() -> None:
    from traceops_nb.cassette.redact import KEY_LIKE

    assert KEY_LIKE.search(OPENAI_TEST_KEY)  # so the suite-wide scan would catch a leak
