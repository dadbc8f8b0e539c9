"""The server-sent-events parser: any chunking gives the same events; rendering round-trips; a replayed
stream hands the SDK the events its own decoder would have produced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anthropic
import openai
from clients import make_client
from fakellm import FakeLLMServer

from traceops_nb import Recorder, Replayer
from traceops_nb.cassette.sse import SSEParser, render_events
from traceops_nb.intercept.fastpath import _server_sent_events

STREAM = (
    'event: message_start\ndata: {"type":"message_start"}\n\n'
    ": keep-alive comment\n\n"
    'data: {"text":"h\\u00e9llo ✓"}\r\n\r\n'
    "data: line one\ndata: line two\n\n"
    "data: [DONE]\n\n"
).encode()

EXPECTED = [
    {"event": "message_start", "data": {"type": "message_start"}},
    {"data": {"text": "héllo ✓"}},
    {"text": "line one\nline two"},
    {"text": "[DONE]"},
]


STREAM_RENDERED = render_events(EXPECTED)


def parse_in_chunks(data: bytes, size: int) -> list[dict[str, object]]:
    parser = SSEParser()
    events = []
    for start in range(0, len(data), size):
        events.extend(parser.feed(data[start : start + size]))
    return events + parser.close()


def test_every_chunk_size_gives_the_same_events() -> None:
    for size in (1, 2, 3, 7, 64, len(STREAM)):
        assert parse_in_chunks(STREAM, size) == EXPECTED, size


def test_rendered_events_parse_back_to_themselves() -> None:
    assert parse_in_chunks(render_events(EXPECTED), 5) == EXPECTED


def test_a_stream_cut_short_keeps_its_last_event() -> None:
    assert parse_in_chunks(b'data: {"a":1}', 4) == [{"data": {"a": 1}}]


def test_a_fast_replayed_stream_reads_the_recorded_events_not_rebuilt_bytes(
    server: FakeLLMServer, cassette_path: Path, offline: Any
) -> None:
    def call(client: Any) -> Any:
        if isinstance(client, openai.OpenAI):
            return client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "stream me"}], stream=True
            )
        return client.messages.create(
            model="claude-haiku-4-5", max_tokens=50, messages=[{"role": "user", "content": "stream me"}], stream=True
        )

    clients = [make_client("openai", server), make_client("anthropic", server)]
    with Recorder(cassette_path, mode="rewrite"):
        recorded = [[chunk.model_dump() for chunk in call(client)] for client in clients]
    server.stop()
    offline()
    with Replayer(cassette_path):
        streams = [call(client) for client in clients]
        # the SDK's own stream class, told to read the recorded events (its byte decoder is never used)
        assert [type(s) for s in streams] == [openai.Stream, anthropic.Stream]
        assert ["_iter_events" in vars(s) for s in streams] == [True, True]
        replayed = [[chunk.model_dump() for chunk in s] for s in streams]
    assert replayed == recorded and all(len(chunks) > 3 for chunks in recorded)


def test_recorded_events_become_what_the_sdk_decoder_yields() -> None:
    from openai._streaming import ServerSentEvent, SSEDecoder

    events = [*EXPECTED[:2], {"id": "7", "retry": "1500", "data": {"n": 1}}, *EXPECTED[2:]]
    decoded = list(SSEDecoder().iter_bytes(iter([render_events(events)])))
    ours = _server_sent_events(ServerSentEvent, events)
    assert [(e.event, e.data, e.id, e.retry) for e in ours] == [(e.event, e.data, e.id, e.retry) for e in decoded]
    assert ours[-1].id == "7" and ours[-1].data == "[DONE]"  # the last id carries over, as the decoder does


def test_an_unfed_replayed_stream_still_reads_the_recorded_bytes_sync_and_async() -> None:
    import asyncio

    import httpx2

    from traceops_nb.intercept.pacing import body_class

    body = body_class(httpx2)
    sync = httpx2.Response(200, stream=body(lambda: [render_events(EXPECTED)]))
    assert b"".join(sync.iter_bytes()) == STREAM_RENDERED
    asynchronous = httpx2.Response(200, stream=body(lambda: [render_events(EXPECTED)]))

    async def read() -> bytes:
        return b"".join([part async for part in asynchronous.aiter_bytes()])

    assert asyncio.run(read()) == STREAM_RENDERED


def test_a_recorded_stream_is_decoded_once_and_again_when_it_has_grown() -> None:
    from openai._streaming import ServerSentEvent

    events: list[dict[str, Any]] = [{"data": {"n": 1}}, {"event": "done", "id": "7", "data": {"n": 2}}]
    first = _server_sent_events(ServerSentEvent, events)
    assert _server_sent_events(ServerSentEvent, events) is first  # replays of one stream share its events
    assert [(e.event, e.id, e.json()) for e in first] == [(None, None, {"n": 1}), ("done", "7", {"n": 2})]
    assert first[0].json() is not first[0].json()  # each read is the caller's own copy
    assert _server_sent_events(ServerSentEvent, list(events)) is not first  # another recording: its own
    events.append({"data": {"n": 3}})  # a stream still being recorded
    assert [e.json() for e in _server_sent_events(ServerSentEvent, events)] == [{"n": 1}, {"n": 2}, {"n": 3}]
