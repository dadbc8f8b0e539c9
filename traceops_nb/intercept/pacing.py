"""Replay at the recorded pace: a replayed stream's events arrive at their recorded offsets, and a whole
response after its recorded duration, both scaled by the session's pace (0, the default, is as fast as
possible; 0.5 twice as fast as recorded). Async replays wait with asyncio.sleep, so the loop keeps running."""

from __future__ import annotations

import asyncio
import functools
import math
import os
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from ..cassette.interactions import Interaction
from ..cassette.sse import render_events

PACE_ENV_VAR = "TRACEOPS_REPLAY_PACE"

T = TypeVar("T")


def resolve_pace(pace: float | None) -> float:
    """The pace given, else TRACEOPS_REPLAY_PACE, else 0; a clear error for anything but a number ≥ 0."""
    source = "pace"
    if pace is None:
        raw = os.environ.get(PACE_ENV_VAR, "").strip()
        if not raw:
            return 0.0
        source = PACE_ENV_VAR
        try:
            pace = float(raw)
        except ValueError:
            pace = math.nan
    if not isinstance(pace, int | float) or not math.isfinite(pace) or pace < 0:
        raise ValueError(
            f"{source} must be a number ≥ 0 (1 = the recorded pace, 0.5 = twice as fast, 0 = as fast as "
            f"possible), not {pace!r}"
        )
    return float(pace)


class Clock:
    """Deadlines for one replayed call, in recorded milliseconds after it began, scaled by the pace."""

    def __init__(self, pace: float) -> None:
        self.pace = pace
        self.start = time.perf_counter()

    def _left(self, offset_ms: float) -> float:
        return self.start + offset_ms * self.pace / 1000 - time.perf_counter()

    def wait(self, offset_ms: float) -> None:
        left = self._left(offset_ms)
        if left > 0:
            time.sleep(left)

    async def wait_async(self, offset_ms: float) -> None:
        left = self._left(offset_ms)
        if left > 0:
            await asyncio.sleep(left)


def clock(pace: float) -> Clock | None:
    """A clock started now, or None at pace 0 (nothing waits)."""
    return Clock(pace) if pace > 0 else None


def event_offsets(interaction: Interaction) -> list[float]:
    """When each event of a recorded stream arrived, in ms after the request was sent.

    A cassette recorded without them gets the first event at its time to first byte and the others
    spread evenly up to its duration.
    """
    events = interaction.response.events or []
    recorded = interaction.event_offsets_ms
    if recorded is not None and len(recorded) == len(events):
        return [float(offset) for offset in recorded]
    first = interaction.first_byte_ms if interaction.first_byte_ms is not None else 0.0
    if len(events) <= 1:
        return [first] * len(events)
    step = (max(interaction.duration_ms, first) - first) / (len(events) - 1)
    return [first + index * step for index in range(len(events))]


def paced(items: Iterable[T], offsets: Sequence[float], at: Clock) -> Iterator[T]:
    for item, offset in zip(items, offsets, strict=True):
        at.wait(offset)
        yield item


async def paced_async(items: Iterable[T], offsets: Sequence[float], at: Clock) -> AsyncIterator[T]:
    for item, offset in zip(items, offsets, strict=True):
        await at.wait_async(offset)
        yield item


def paced_body(module: Any, interaction: Interaction, at: Clock) -> Any:
    """The recorded body as an httpx / httpx2 byte stream: a stream event by event, any other body whole
    at the end of its recorded duration."""
    events = interaction.response.events
    if events is not None:
        return body_class(module)(lambda: [render_events([event]) for event in events], event_offsets(interaction), at)
    return body_class(module)(lambda: [interaction.response.content()], [interaction.duration_ms], at)


@functools.lru_cache(maxsize=4)
def body_class(module: Any) -> Any:
    """A replayed body for an httpx / httpx2 response (sync and async), rendered only when read, and, with a
    clock, each part delivered at its offset."""

    class RecordedBody(module.SyncByteStream, module.AsyncByteStream):  # type: ignore[misc]
        def __init__(
            self, parts: Callable[[], list[bytes]], offsets: Sequence[float] = (), at: Clock | None = None
        ) -> None:
            self.parts, self.offsets, self.at = parts, offsets, at

        def __iter__(self) -> Iterator[bytes]:
            parts = self.parts()
            yield from parts if self.at is None else paced(parts, self.offsets, self.at)

        async def __aiter__(self) -> AsyncIterator[bytes]:
            parts = self.parts()
            if self.at is None:
                for part in parts:
                    yield part
            else:
                async for part in paced_async(parts, self.offsets, self.at):
                    yield part

    return RecordedBody
