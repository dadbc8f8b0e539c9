"""Interaction: the exact record of one SDK call, request and response, as replay needs it; ToolRecord: a
tool call or agent decision kept beside them. No I/O."""

from __future__ import annotations

import base64
import dataclasses
from dataclasses import dataclass, field
from typing import Any

JSON = Any  # a value made of dict, list, str, int, float, bool and None

# Headers that change what the API does, kept in a request record and matched on. Never anthropic-version,
# x-stainless-*, idempotency keys.
BEHAVIOUR_HEADERS = frozenset({"anthropic-beta", "openai-beta"})


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str  # relative to the SDK's base URL, e.g. "/chat/completions"
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # only the headers that change behaviour
    body: JSON = None  # parsed JSON, or None
    body_text: str | None = None  # a body that is not JSON, kept as text

    def to_dict(self) -> dict[str, JSON]:
        out: dict[str, JSON] = {"method": self.method, "path": self.path}
        if self.query:
            out["query"] = dict(self.query)
        if self.headers:
            out["headers"] = dict(self.headers)
        if self.body is not None:
            out["body"] = self.body
        if self.body_text is not None:
            out["body_text"] = self.body_text
        return out

    @classmethod
    def from_dict(cls, data: dict[str, JSON]) -> Request:
        return cls(
            method=str(data["method"]).upper(),
            path=str(data["path"]),
            query={str(k): str(v) for k, v in (data.get("query") or {}).items()},
            headers={str(k).lower(): str(v) for k, v in (data.get("headers") or {}).items()},
            body=data.get("body"),
            body_text=data.get("body_text"),
        )


@dataclass(slots=True)
class Response:
    """A recorded response. Exactly one of body / events / text / binary carries the content.

    Not frozen: while a stream is being recorded, its events arrive after the call has returned.
    """

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: JSON = None  # parsed JSON
    events: list[dict[str, JSON]] | None = None  # server-sent events: {"event"?, "data"} or {"text"}
    text: str | None = None  # a body that is not JSON
    binary: bytes | None = None  # a body that is not text (stored base64)

    def content(self) -> bytes:
        """The bytes the server sent (decoded), rebuilt from what was stored."""
        from .sse import compact_json, render_events

        if self.events is not None:
            return render_events(self.events)
        if self.body is not None:
            return compact_json(self.body).encode()
        if self.text is not None:
            return self.text.encode()
        return self.binary or b""

    def to_dict(self) -> dict[str, JSON]:
        out: dict[str, JSON] = {"status": self.status, "headers": dict(self.headers)}
        if self.events is not None:
            out["events"] = list(self.events)
        elif self.body is not None:
            out["body"] = self.body
        elif self.text is not None:
            out["text"] = self.text
        elif self.binary is not None:
            out["base64"] = base64.b64encode(self.binary).decode()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, JSON]) -> Response:
        encoded = data.get("base64")
        return cls(
            status=int(data["status"]),
            headers={str(k).lower(): str(v) for k, v in (data.get("headers") or {}).items()},
            body=data.get("body"),
            events=data.get("events"),
            text=data.get("text"),
            binary=base64.b64decode(encoded) if encoded is not None else None,
        )


@dataclass(slots=True)
class Interaction:
    provider: str  # "openai" or "anthropic"
    request: Request
    response: Response
    stream: bool = False
    started_at: str = ""  # ISO 8601, UTC
    duration_ms: float = 0.0  # until the last byte of the response
    first_byte_ms: float | None = None  # streams: until the first chunk
    # streams: when each event arrived, in whole ms after the request was sent (one per response event)
    event_offsets_ms: list[int] | None = None
    cost_usd: float | None = None  # computed when recorded, so a budget does not move with prices
    replayed: bool = False  # True when this session served it from a cassette (never stored)
    # The SDK operation the call was made for ("chat.completions", "responses", …), named from the resource
    # method's own path when recorded; None in cassettes older than it, where the request path tells.
    operation: str | None = None
    cell: str | None = None  # notebook mode: the cell that made the call (its id, or "#N": the Nth cell run)

    def to_dict(self) -> dict[str, JSON]:
        out: dict[str, JSON] = {"provider": self.provider}
        if self.operation is not None:
            out["operation"] = self.operation
        out |= {
            "request": self.request.to_dict(),
            "response": self.response.to_dict(),
            "stream": self.stream,
            "started_at": self.started_at,
            "duration_ms": round(self.duration_ms, 3),
        }
        if self.first_byte_ms is not None:
            out["first_byte_ms"] = round(self.first_byte_ms, 3)
        if self.event_offsets_ms is not None:
            out["event_offsets_ms"] = tuple(self.event_offsets_ms)  # a tuple is written on one line
        if self.cost_usd is not None:
            out["cost_usd"] = self.cost_usd
        if self.cell is not None:
            out["cell"] = self.cell
        return out

    @classmethod
    def from_dict(cls, data: dict[str, JSON]) -> Interaction:
        first_byte = data.get("first_byte_ms")
        offsets = data.get("event_offsets_ms")
        cost = data.get("cost_usd")
        return cls(
            provider=str(data["provider"]),
            request=Request.from_dict(data["request"]),
            response=Response.from_dict(data["response"]),
            stream=bool(data.get("stream", False)),
            started_at=str(data.get("started_at") or ""),
            duration_ms=float(data.get("duration_ms") or 0.0),
            first_byte_ms=float(first_byte) if first_byte is not None else None,
            event_offsets_ms=[int(offset) for offset in offsets] if offsets is not None else None,
            cost_usd=float(cost) if cost is not None else None,
            operation=str(data["operation"]) if data.get("operation") is not None else None,
            cell=_cell(data),
        )


TOOL_KINDS = ("tool_call", "decision")


@dataclass(slots=True)
class ToolRecord:
    """A tool call or an agent decision, stored in the cassette's interactions list beside the HTTP calls.

    Not frozen: a tool's record takes its place in the timeline when the tool starts (so nested
    calls follow it) and is completed when it returns.
    """

    kind: str  # "tool_call" or "decision"
    name: str
    input: JSON = None
    output: JSON = None
    error: str | None = None  # "ValueError: bad city" when the tool raised
    started_at: str = ""
    duration_ms: float = 0.0
    replayed: bool = False  # True when served from a cassette instead of running (never stored)
    cell: str | None = None  # notebook mode: the cell that made it, as for Interaction

    def to_dict(self) -> dict[str, JSON]:
        out: dict[str, JSON] = {"kind": self.kind, "name": self.name, "input": self.input, "output": self.output}
        if self.error is not None:
            out["error"] = self.error
        out["started_at"] = self.started_at
        out["duration_ms"] = round(self.duration_ms, 3)
        if self.cell is not None:
            out["cell"] = self.cell
        return out

    @classmethod
    def from_dict(cls, data: dict[str, JSON]) -> ToolRecord:
        kind = str(data["kind"])
        if kind not in TOOL_KINDS:
            raise ValueError(f"unknown entry kind {kind!r}")
        error = data.get("error")
        return cls(
            kind=kind,
            name=str(data["name"]),
            input=data.get("input"),
            output=data.get("output"),
            error=str(error) if error is not None else None,
            started_at=str(data.get("started_at") or ""),
            duration_ms=float(data.get("duration_ms") or 0.0),
            cell=_cell(data),
        )


def _cell(data: dict[str, JSON]) -> str | None:
    """Optional: cassettes recorded outside notebook mode, and older ones, have none."""
    cell = data.get("cell")
    return None if cell is None else str(cell)


Record = Interaction | ToolRecord  # one entry of a cassette's ordered interactions list


def record_from_dict(data: dict[str, JSON]) -> Record:
    """HTTP interactions carry no `kind`; tool calls and decisions do."""
    return ToolRecord.from_dict(data) if "kind" in data else Interaction.from_dict(data)


def to_json(value: Any) -> JSON:
    """A plain-JSON copy of a tool's input or output, so it can be stored, redacted and compared.

    Pydantic models and dataclasses become dicts; anything else that JSON cannot hold becomes its repr.
    """
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((to_json(item) for item in value), key=repr)
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return to_json(dump(mode="json"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_json(dataclasses.asdict(value))
    return repr(value)
