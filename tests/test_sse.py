"""The server-sent-events parser: any chunking gives the same events; rendering round-trips."""

from __future__ import annotations

from traceops_nb.sse import SSEParser, render_events

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
