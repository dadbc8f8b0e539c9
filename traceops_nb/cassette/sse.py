"""Server-sent events: split a byte stream into events as it arrives, and render stored events back."""

from __future__ import annotations

import codecs
import json
import re
from typing import Any


class SSEParser:
    """Incremental parser: feed it chunks in any sizes, get back the events completed so far."""

    def __init__(self) -> None:
        self._buffer = ""
        self._fields: dict[str, str] = {}
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")  # chunks split characters

    def feed(self, chunk: bytes) -> list[dict[str, Any]]:
        text = self._buffer + self._decoder.decode(chunk)
        held = "\r" if text.endswith("\r") else ""  # it may be the first half of "\r\n"
        *lines, self._buffer = _LINE_END.split(text[: len(text) - len(held)])
        self._buffer += held
        events: list[dict[str, Any]] = []
        for line in lines:
            if line:
                self._add_field(line)
            elif self._fields:
                events.append(_to_event(self._fields))
                self._fields = {}
        return events

    def close(self) -> list[dict[str, Any]]:
        """Events left when the stream ended without a final blank line."""
        if self._buffer.strip():
            self._add_field(self._buffer.rstrip("\r\n"))
        self._buffer = ""
        if not self._fields:
            return []
        event, self._fields = _to_event(self._fields), {}
        return [event]

    def _add_field(self, line: str) -> None:
        if line.startswith(":"):
            return  # a comment (keep-alive)
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data" and "data" in self._fields:
            self._fields["data"] += "\n" + value
        else:
            self._fields[name] = value


_LINE_END = re.compile(r"\r\n|\r|\n")


def _to_event(fields: dict[str, str]) -> dict[str, Any]:
    """Store data as structured JSON when it is JSON (readable in a diff), else as the raw text."""
    event: dict[str, Any] = {}
    if "event" in fields:
        event["event"] = fields["event"]
    for extra in ("id", "retry"):
        if extra in fields:
            event[extra] = fields[extra]
    data = fields.get("data", "")
    try:
        event["data"] = json.loads(data)
    except ValueError:
        event["text"] = data
    return event


def render_events(events: list[dict[str, Any]]) -> bytes:
    parts: list[str] = []
    for event in events:
        if "event" in event:
            parts.append(f"event: {event['event']}\n")
        for extra in ("id", "retry"):
            if extra in event:
                parts.append(f"{extra}: {event[extra]}\n")
        parts.extend(f"data: {line}\n" for line in event_data(event).split("\n"))
        parts.append("\n")
    return "".join(parts).encode()


# One encoder for every body and event: json.dumps with options builds a new one per call.
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def compact_json(value: Any) -> str:
    """Stored JSON as the compact text an API sends."""
    return _COMPACT.encode(value)


def event_data(event: dict[str, Any]) -> str:
    """The `data` field of a stored event as the text a client's SSE decoder hands on."""
    if "data" in event:
        return compact_json(event["data"])
    return str(event.get("text", ""))
