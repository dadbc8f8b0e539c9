"""Shared fixtures: the fake LLM server, real SDK clients pointed at it, cassette paths, a network block."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest
from clients import ANTHROPIC_TEST_KEY, FORBIDDEN_IN_CASSETTES, OPENAI_TEST_KEY
from fakellm import FakeLLMServer


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    with FakeLLMServer() as fake:
        yield fake


@pytest.fixture
def openai_client(server: FakeLLMServer) -> openai.OpenAI:
    return openai.OpenAI(api_key=OPENAI_TEST_KEY, base_url=server.openai_base_url, max_retries=0)


@pytest.fixture
def anthropic_client(server: FakeLLMServer) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key=ANTHROPIC_TEST_KEY, base_url=server.anthropic_base_url, max_retries=0)


@pytest.fixture(scope="session")
def cassette_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every cassette the suite writes lives here; at the end all of them are searched for secrets."""
    folder = tmp_path_factory.mktemp("cassettes")
    yield folder
    leaks = [
        f"{path.name}: {needle}"
        for path in folder.rglob("*.yaml")
        for needle in FORBIDDEN_IN_CASSETTES
        if needle.lower() in path.read_text().lower()
    ]
    assert not leaks, f"secrets reached cassettes: {leaks}"


@pytest.fixture
def cassette_path(cassette_dir: Path, request: pytest.FixtureRequest) -> Path:
    return cassette_dir / (re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name) + ".yaml")


class NetworkBlocked(OSError):
    pass


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Call it to make every socket connection fail from then on (replay must not need one)."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any, *args: Any) -> Any:
        attempts.append(address)
        raise NetworkBlocked(f"network blocked in this test: connect to {address}")

    def block() -> list[Any]:
        monkeypatch.setattr(socket.socket, "connect", refuse)
        monkeypatch.setattr(socket.socket, "connect_ex", refuse)
        return attempts

    return block


@pytest.fixture
def kernel_env(server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch) -> FakeLLMServer:
    """The environment a kernel or an IPython shell started now records against: the fake server, a test key."""
    monkeypatch.setenv("OPENAI_BASE_URL", server.openai_base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.delenv("TRACEOPS_RECORD_MODE", raising=False)
    return server


@pytest.fixture
def shell(kernel_env: FakeLLMServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An IPython shell in tmp_path with the extension loaded and an OpenAI client named `client`."""
    from IPython.core.interactiveshell import InteractiveShell

    monkeypatch.chdir(tmp_path)
    ipython = InteractiveShell.instance()
    ipython.run_line_magic("load_ext", "traceops_nb")
    ipython.run_cell("import openai\nclient = openai.OpenAI()")
    yield ipython
    InteractiveShell.clear_instance()
