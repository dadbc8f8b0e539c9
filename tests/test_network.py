"""Replay never reaches the network: every new connection and name lookup is refused while a session replays
only (allowed hosts excepted); a recording says which connections it could not record."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import threading
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from clients import make_client
from fakellm import FakeLLMServer
from IPython.core.interactiveshell import InteractiveShell
from scenarios import GPT, user

from traceops_nb import CassetteError, Recorder, Replayer, cassette
from traceops_nb.errors import CassetteNetworkError, UnrecordedTrafficWarning

JSON_HEADERS = {"content-type": "application/json", "authorization": "Bearer test-key"}


@pytest.fixture
def recorded(server: FakeLLMServer, cassette_path: Path) -> Path:
    """A cassette of one chat call; the fake server keeps running, standing in for a local model server."""
    with Recorder(cassette_path, mode="rewrite"):
        make_client("openai", server).chat.completions.create(model=GPT, messages=user("hello"))
    return cassette_path


def address(server: FakeLLMServer) -> tuple[str, int]:
    host, port = server.url.removeprefix("http://").split(":")
    return host, int(port)


def network_error_in(error: BaseException | None) -> CassetteNetworkError:
    """Ours, wherever the library that caught it put it (its cause, its context, urllib's `reason`)."""
    seen = 0
    while error is not None and seen < 12:
        if isinstance(error, CassetteNetworkError):
            return error
        reason = getattr(error, "reason", None)
        error = reason if isinstance(reason, BaseException) else (error.__cause__ or error.__context__)
        seen += 1
    raise AssertionError("no CassetteNetworkError in the exception's chain")


def raw_connect(server: FakeLLMServer) -> None:
    with socket.create_connection(address(server), timeout=5):
        pass


def test_a_raw_socket_is_refused_with_host_port_cassette_and_fix(recorded: Path, server: FakeLLMServer) -> None:
    host, port = address(server)
    with pytest.raises(CassetteNetworkError) as caught, Replayer(recorded):
        plain = socket.socket()
        plain.connect((host, port))
    error = caught.value
    assert isinstance(error, CassetteError) and isinstance(error, ConnectionError)
    message = str(error)
    assert f"connection to {host}:{port} (from a raw socket)" in message
    assert str(recorded) in message and "mode none from Replayer" in message
    assert f'allow_hosts=["{host}:{port}"]' in message and "TRACEOPS_ALLOW_HOSTS" in message
    assert "block_network=False" in message
    assert len(server.requests) == 1  # only the recording reached the server


def test_connect_ex_is_refused_too(recorded: Path, server: FakeLLMServer) -> None:
    with pytest.raises(CassetteNetworkError), Replayer(recorded), socket.socket() as plain:
        plain.connect_ex(address(server))


@pytest.mark.parametrize(
    ("library", "connect"),
    [
        ("httpx2 (via httpcore2)", lambda url: httpx2.get(url)),
        ("urllib.request (via http.client)", lambda url: urllib.request.urlopen(url, timeout=5)),
    ],
)
def test_http_libraries_are_refused_and_named(
    library: str, connect: Callable[[str], Any], recorded: Path, server: FakeLLMServer
) -> None:
    with pytest.raises(Exception) as caught, Replayer(recorded):  # each library wraps the error its own way
        connect(server.url + "/v1/models")
    assert f"(from {library})" in str(network_error_in(caught.value))
    assert len(server.requests) == 1


def test_name_lookups_are_refused(recorded: Path) -> None:
    refused = r"name lookup of api\.example\.com \(from a raw socket\)"
    with pytest.raises(CassetteNetworkError, match=refused), Replayer(recorded):
        socket.getaddrinfo("api.example.com", 443)


def test_asyncio_connections_are_refused(recorded: Path, server: FakeLLMServer) -> None:
    host, port = address(server)

    async def connect() -> None:
        await asyncio.open_connection(host, port)

    with pytest.raises(CassetteNetworkError, match=f"{host}:{port}"), Replayer(recorded):
        asyncio.run(connect())


def test_the_replayed_sdk_calls_never_reach_the_guard(recorded: Path, server: FakeLLMServer) -> None:
    client = make_client("openai", server)
    with Replayer(recorded) as replay:  # the server is up: a connection would succeed if it were made
        answer = client.chat.completions.create(model=GPT, messages=user("hello"))
    assert answer.choices[0].message.content == "echo: hello"
    assert replay.failures == [] and len(server.requests) == 1


@pytest.mark.parametrize("source", ["argument", "environment"])
def test_allowed_hosts_may_be_reached(
    source: str, recorded: Path, server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    host, port = address(server)
    entry = f"localhost:{port}"  # by name: its lookup and the connect to the address it gives are allowed
    options: dict[str, Any] = {}
    if source == "argument":
        options["allow_hosts"] = [entry]
    else:
        monkeypatch.setenv("TRACEOPS_ALLOW_HOSTS", f"db.internal:5432, {entry}")
    with Replayer(recorded, **options):
        assert httpx2.get(f"http://localhost:{port}/v1/models").status_code in (200, 404)
        raw_connect(server)
    assert len(server.requests) == 2
    with pytest.raises(CassetteNetworkError), Replayer(recorded, **options):  # another port is not allowed
        socket.create_connection((host, port + 1 if port < 65535 else port - 1), timeout=5)


def test_block_network_false_turns_the_guard_off(recorded: Path, server: FakeLLMServer) -> None:
    with Replayer(recorded, block_network=False):
        raw_connect(server)


def test_sockets_opened_before_the_session_are_untouched(recorded: Path, server: FakeLLMServer) -> None:
    with socket.create_connection(address(server), timeout=5) as kept, Replayer(recorded):
        kept.sendall(b"GET /v1/models HTTP/1.0\r\nHost: x\r\n\r\n")
        reply = kept.recv(100)
    assert reply.startswith(b"HTTP/1.")


def test_the_guard_is_lifted_when_the_session_ends_also_on_error(recorded: Path, server: FakeLLMServer) -> None:
    with pytest.raises(ZeroDivisionError), Replayer(recorded):
        1 / 0  # noqa: B018
    raw_connect(server)  # no exception: nothing guards the process any more


def test_threads_of_no_session_are_offline_while_a_replay_runs(recorded: Path, server: FakeLLMServer) -> None:
    """Replay means the process is offline: a thread of no session (a pool started before it) is refused
    while the session is active, and reaches the network again the moment it ends."""
    go, done = threading.Event(), threading.Event()
    results: list[BaseException | None] = []

    def worker() -> None:
        for _ in range(2):
            go.wait(5)
            go.clear()
            try:
                raw_connect(server)
                results.append(None)
            except CassetteNetworkError as error:
                results.append(error)
            done.set()

    thread = threading.Thread(target=worker)
    thread.start()
    with pytest.raises(CassetteNetworkError), Replayer(recorded):  # what the thread was refused, at the end
        go.set()
        assert done.wait(5)
        done.clear()
    go.set()
    assert done.wait(5)
    thread.join(5)
    assert isinstance(results[0], CassetteNetworkError) and results[1] is None


def test_a_refused_connection_the_code_caught_is_raised_when_the_session_ends(
    recorded: Path, server: FakeLLMServer
) -> None:
    quietly = contextlib.suppress(ConnectionError)  # a library that falls back without a word
    with pytest.raises(CassetteNetworkError) as caught, Replayer(recorded), quietly:
        raw_connect(server)
    notes = getattr(caught.value, "__notes__", [])
    assert any("reported again" in note for note in notes)


@pytest.mark.parametrize(("mode", "blocks"), [("none", True), ("once", True), ("new_episodes", False)])
def test_only_replay_only_sessions_block(mode: str, blocks: bool, recorded: Path, server: FakeLLMServer) -> None:
    session = cassette(recorded, mode)
    with session:
        assert session.blocks_network is blocks
    assert not session.blocks_network


def test_a_replay_cell_blocks_the_network(shell: InteractiveShell, server: FakeLLMServer) -> None:
    shell.run_cell(f"%%record agent.yaml\nclient.chat.completions.create(model={GPT!r}, messages=[])")
    host, port = address(server)
    result = shell.run_cell(f"%%replay agent.yaml\nimport socket\nsocket.create_connection(({host!r}, {port}))")
    assert isinstance(result.error_in_exec, CassetteNetworkError)
    assert f"{host}:{port}" in str(result.error_in_exec)


# -- recording: what could not be recorded is said -------------------------------------------------------


def test_a_recording_names_connections_that_were_not_sdk_calls(server: FakeLLMServer, cassette_path: Path) -> None:
    host, port = address(server)
    with pytest.warns(UnrecordedTrafficWarning) as warned, Recorder(cassette_path, mode="rewrite") as recorder:
        make_client("openai", server).chat.completions.create(model=GPT, messages=user("hello"))
        body = json.dumps({"model": GPT, "messages": user("by hand")}).encode()
        request = urllib.request.Request(server.openai_base_url + "/chat/completions", body, JSON_HEADERS)
        assert json.load(urllib.request.urlopen(request, timeout=5))["choices"][0]["message"]["content"]
    assert len(recorder.trace.interactions) == 1  # the SDK call, recorded and not reported
    message = str(warned[0].message)
    assert f"{host}:{port} from urllib.request (via http.client)" in message
    assert f"not in {cassette_path}" in message
    assert [attempt.library for attempt in recorder.unrecorded] == ["urllib.request (via http.client)"]


def test_a_recording_of_sdk_calls_only_warns_nothing(
    server: FakeLLMServer, cassette_path: Path, recwarn: pytest.WarningsRecorder
) -> None:
    with Recorder(cassette_path, mode="rewrite") as recorder:
        make_client("openai", server).chat.completions.create(model=GPT, messages=user("hello"))
        make_client("anthropic", server).messages.create(model="claude-sonnet-4-6", max_tokens=9, messages=user("x"))
    assert recorder.unrecorded == [] and not [w for w in recwarn if w.category is UnrecordedTrafficWarning]


@pytest.fixture
def dspy_lm(server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    import dspy

    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # DSPy's price list: its bundled copy

    yield dspy.LM(f"openai/{GPT}", api_base=server.openai_base_url, api_key="sk-fake-dspy", cache=False)


def test_dspy_default_engine_is_reported_as_unrecorded(
    dspy_lm: Any, server: FakeLLMServer, cassette_path: Path
) -> None:
    """DSPy's default engine (its vendored lm15) speaks HTTP over raw sockets, around the SDKs: the
    recording cannot hold its calls, and says so instead of writing an empty cassette silently."""
    with pytest.warns(UnrecordedTrafficWarning) as warned, Recorder(cassette_path, mode="rewrite") as recorder:
        answer = dspy_lm("Say hi")
    assert answer and len(server.requests) == 1
    assert recorder.trace.interactions == []
    message = str(warned[0].message)
    assert f"{address(server)[0]}:{address(server)[1]} from dspy (lm15)" in message
    assert "not in" in message


def test_dspy_default_engine_is_refused_on_replay(dspy_lm: Any, recorded: Path, server: FakeLLMServer) -> None:
    with pytest.raises(Exception) as caught, Replayer(recorded):
        dspy_lm("Say hi")
    assert "(from dspy (lm15))" in str(network_error_in(caught.value))
    assert len(server.requests) == 1


def post_with_requests(url: str) -> None:
    import requests

    requests.post(url, json={"model": GPT, "messages": user("by hand")}, timeout=5).raise_for_status()


def post_with_aiohttp(url: str) -> None:
    import aiohttp

    async def post() -> None:
        async with aiohttp.ClientSession() as session, session.post(url, json={"model": GPT, "messages": []}) as r:
            r.raise_for_status()

    asyncio.run(post())


@pytest.mark.parametrize(
    ("library", "post"), [("requests (via urllib3, http.client)", post_with_requests), ("aiohttp", post_with_aiohttp)]
)
def test_requests_and_aiohttp_are_named_when_recording_and_refused_on_replay(
    library: str, post: Callable[[str], None], server: FakeLLMServer, cassette_path: Path
) -> None:
    url = server.openai_base_url + "/chat/completions"
    with (
        pytest.warns(UnrecordedTrafficWarning, match=re.escape(f"from {library}")),
        Recorder(cassette_path, mode="rewrite"),
    ):
        post(url)
    with pytest.raises(Exception) as caught, Replayer(cassette_path):
        post(url)
    assert f"(from {library}" in str(network_error_in(caught.value))  # aiohttp connects via aiohappyeyeballs
    assert len(server.requests) == 1
