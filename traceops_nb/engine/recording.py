"""From the http request and response of a live call to an Interaction, without delaying the caller.

Stream bodies are copied chunk by chunk as the SDK reads them (never buffered first), so
time-to-first-token survives recording.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime, timezone
from typing import Any

from ..cassette.bodies import decode_body, store_body
from ..cassette.interactions import Interaction, Request, Response
from ..cassette.redact import REQUEST_HEADERS, keep_headers, redact_query, response_headers
from ..cassette.sse import SSEParser


def request_record(request: Any, base_path: str) -> Request:
    """The matchable part of an httpx / httpx2 request: SDK-relative path, query, behaviour headers, body."""
    url = request.url
    path = url.path
    if base_path and path.startswith(base_path):
        path = path[len(base_path) :] or "/"
    try:
        content = request.content
    except Exception:  # a streaming upload body that has not been read yet
        content = request.read()
    body, body_text = decode_body(content)
    return Request(
        method=request.method,
        path=path,
        query=redact_query(url.params.items()),
        headers=keep_headers(request.headers.items(), REQUEST_HEADERS),
        body=body,
        body_text=body_text,
    )


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def capture(
    provider: str,
    record: Request,
    response: Any,
    started: float,
    started_at: str,
    *,
    is_async: bool,
    on_complete: Callable[[Interaction], None] | None = None,
    operation: str | None = None,
) -> Interaction:
    """Start the interaction from the response head; its body is filled in as the SDK reads it.

    on_complete is called once the body is complete (at once, or when a stream ends) — the moment
    its cost can be computed.
    """
    is_stream = response.headers.get("content-type", "").startswith("text/event-stream")
    interaction = Interaction(
        provider=provider,
        request=record,
        response=Response(
            status=response.status_code, headers=keep_headers(response.headers.items(), response_headers(provider))
        ),
        stream=is_stream,
        started_at=started_at,
        operation=operation,
    )
    if hasattr(response, "_content"):  # already read (the SDK sent stream=False)
        store_body(interaction, response.content)
        interaction.duration_ms = (time.perf_counter() - started) * 1000
        if on_complete is not None:
            on_complete(interaction)
    elif is_async:
        response.aiter_bytes = _async_tee(response.aiter_bytes, _Sink(interaction, started, on_complete))
    else:
        response.iter_bytes = _tee(response.iter_bytes, _Sink(interaction, started, on_complete))
    return interaction


class _Sink:
    """Receives the decoded chunks of a body as the SDK reads them."""

    def __init__(
        self, interaction: Interaction, started: float, on_complete: Callable[[Interaction], None] | None
    ) -> None:
        self.interaction = interaction
        self.started = started
        self.on_complete = on_complete
        self.chunks: list[bytes] = []
        self.parser = SSEParser() if interaction.stream else None
        self.offsets: list[int] = []  # when each event arrived, so a replay can keep the pace
        if self.parser is not None:
            interaction.response.events = []
            interaction.event_offsets_ms = self.offsets

    def add(self, chunk: bytes) -> None:
        elapsed_ms = (time.perf_counter() - self.started) * 1000
        if self.interaction.first_byte_ms is None and self.parser is not None:
            self.interaction.first_byte_ms = elapsed_ms
        if self.parser is not None and self.interaction.response.events is not None:
            self._add_events(self.parser.feed(chunk), elapsed_ms)
        else:
            self.chunks.append(chunk)

    def _add_events(self, events: list[dict[str, Any]], elapsed_ms: float) -> None:
        assert self.interaction.response.events is not None
        self.interaction.response.events.extend(events)
        self.offsets.extend([round(elapsed_ms)] * len(events))

    def close(self) -> None:
        """The body ended, or the caller stopped reading: keep what was read."""
        self.interaction.duration_ms = (time.perf_counter() - self.started) * 1000
        if self.parser is not None and self.interaction.response.events is not None:
            self._add_events(self.parser.close(), self.interaction.duration_ms)
        else:
            store_body(self.interaction, b"".join(self.chunks))
        if self.on_complete is not None:
            self.on_complete(self.interaction)


def _tee(read: Any, sink: _Sink) -> Any:
    def iter_bytes(chunk_size: int | None = None) -> Iterator[bytes]:
        try:
            for chunk in read(chunk_size):
                sink.add(chunk)
                yield chunk
        finally:
            sink.close()

    return iter_bytes


def _async_tee(read: Any, sink: _Sink) -> Any:
    async def aiter_bytes(chunk_size: int | None = None) -> AsyncIterator[bytes]:
        try:
            async for chunk in read(chunk_size):
                sink.add(chunk)
                yield chunk
        finally:
            sink.close()

    return aiter_bytes
