"""Serving recorded interactions: identical requests in recorded order, each once; clear errors on a miss.
Recorded tool outputs are served the same way, for tools that opt in to replay."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..cassette.interactions import Interaction, Request, ToolRecord, to_json
from ..errors import CassetteExhaustedError, CassetteMismatchError, CassetteUnusedError
from .matching import MatchKey, canonical, differences, request_key, without_fields
from .modes import ResolvedMode, how_to_rerecord
from .volatile import generated_hint


class Playback:
    def __init__(
        self,
        interactions: Sequence[Interaction],
        *,
        cassette: Path | None,
        mode: ResolvedMode,
        ignore: Sequence[str] = (),
        allow_repeats: bool = False,
    ) -> None:
        self.interactions = list(interactions)
        self.cassette = cassette
        self.mode = mode
        self.ignore = tuple(ignore)
        self.allow_repeats = allow_repeats
        self.played = [False] * len(self.interactions)
        self._queues: dict[MatchKey, list[int]] | None = None
        self._lock = threading.Lock()

    def take(self, provider: str, request: Request, *, miss_ok: bool, errors_ok: bool = True) -> Interaction | None:
        """The next recorded answer to this request (a copy marked replayed), or None / an error.

        errors_ok=False leaves a recorded error response in place (None), for a caller that cannot
        raise it the way the SDK does.
        """
        key = request_key(provider, request, self.ignore)
        with self._lock:
            queue = self._index().get(key)
            if not queue:
                if miss_ok:
                    return None
                raise self._mismatch(provider, request)
            unplayed = next((i for i in queue if not self.played[i]), None)
            chosen = queue[-1] if unplayed is None and self.allow_repeats else unplayed
            if chosen is None:
                if miss_ok:
                    return None
                raise self._exhausted(provider, request, len(queue))
            if not errors_ok and self.interactions[chosen].response.status >= 400:
                return None
            self.played[chosen] = True
        return replace(self.interactions[chosen], replayed=True)

    def unused(self) -> list[int]:
        return [i for i, played in enumerate(self.played) if not played]

    def check_all_used(self) -> None:
        left = self.unused()
        if left:
            lines = "\n  ".join(
                f"#{i}: {describe(self.interactions[i].provider, self.interactions[i].request)}" for i in left[:5]
            )
            raise CassetteUnusedError(
                f"{len(left)} of {len(self.interactions)} recorded interactions in {self.cassette} were never "
                f"played (the code made fewer calls than when it was recorded):\n  {lines}\n{self._fix()}"
            )

    def _index(self) -> dict[MatchKey, list[int]]:
        if self._queues is None:  # built on first use: a cassette that is only loaded costs no hashing
            self._queues = {}
            for i, interaction in enumerate(self.interactions):
                key = request_key(interaction.provider, interaction.request, self.ignore)
                self._queues.setdefault(key, []).append(i)
        return self._queues

    def _counts(self) -> str:
        return f"{len(self.interactions)} recorded, {sum(self.played)} played"

    def _mismatch(self, provider: str, request: Request) -> CassetteMismatchError:
        lines = [
            f"No recorded response matches this request in cassette {self.cassette} "
            f"(mode {self.mode.mode.value} from {self.mode.source}; {self._counts()}).",
            f"Request: {describe(provider, request)}",
        ]
        closest = self._closest(provider, request)
        if closest is None:
            lines.append(f"The cassette has no {provider} {request.method} {request.path} request at all.")
        else:
            index, diff = closest
            state = "already played" if self.played[index] else "not yet played"
            lines.append(f"Closest recorded request (#{index}, {state}) differs in:")
            lines.extend(f"  {line}" for line in diff[:12])
            if len(diff) > 12:
                lines.append(f"  … and {len(diff) - 12} more")
            hint = generated_hint(self._matched_part(self.interactions[index].request), self._matched_part(request))
            if hint:  # re-recording cannot fix a difference the next run makes again
                return CassetteMismatchError("\n".join([*lines, *hint]))
        lines.append(self._fix())
        return CassetteMismatchError("\n".join(lines))

    def _matched_part(self, request: Request) -> Request:
        """The request without its ignored fields: differences in those are not why it missed."""
        body = without_fields(request.body, self.ignore)
        return request if body is request.body else replace(request, body=body)

    def _exhausted(self, provider: str, request: Request, count: int) -> CassetteExhaustedError:
        return CassetteExhaustedError(
            f"This request was recorded {count} time(s) in cassette {self.cassette}, and every recording has "
            f"already been played ({self._counts()}).\nRequest: {describe(provider, request)}\n"
            "If the code really repeats this identical call, replay with allow_repeats=True.\n" + self._fix()
        )

    def _closest(self, provider: str, request: Request) -> tuple[int, list[str]] | None:
        best: tuple[int, int, int, list[str]] | None = None
        for i, recorded in enumerate(self.interactions):
            if recorded.provider != provider:
                continue
            diff = differences(self._matched_part(recorded.request), self._matched_part(request))
            rank = (len(diff) + (100 if recorded.request.path != request.path else 0), int(self.played[i]), i)
            if best is None or rank < best[:3]:
                best = (*rank, diff)
        return (best[2], best[3]) if best is not None else None

    def _fix(self) -> str:
        return how_to_rerecord(self.cassette or "PATH")


def describe(provider: str, request: Request) -> str:
    body = request.body if isinstance(request.body, dict) else {}
    model = f" (model {body['model']})" if isinstance(body.get("model"), str) else ""
    return f"{provider} {request.method} {request.path}{model}"


class ToolPlayback:
    """Recorded tool calls and decisions, served by kind + name + canonical input, in recorded order, each once."""

    def __init__(self, records: Sequence[ToolRecord]) -> None:
        self.records = list(records)
        self.played = [False] * len(self.records)
        self._queues: dict[tuple[str, str, str], list[int]] = {}
        for i, record in enumerate(self.records):
            self._queues.setdefault(tool_key(record.kind, record.name, record.input), []).append(i)
        self._lock = threading.Lock()

    def take(self, kind: str, name: str, given: Any) -> ToolRecord | None:
        with self._lock:
            queue = self._queues.get(tool_key(kind, name, given)) or []
            chosen = next((i for i in queue if not self.played[i]), None)
            if chosen is None:
                return None
            self.played[chosen] = True
        return self.records[chosen]

    def recorded_inputs(self, name: str) -> list[Any]:
        return [record.input for record in self.records if record.kind == "tool_call" and record.name == name]


def tool_key(kind: str, name: str, given: Any) -> tuple[str, str, str]:
    return kind, name, canonical(to_json(given))
