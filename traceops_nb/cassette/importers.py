"""Import cassettes written by other recorders: TraceOps 0.5 (`trace_ops` YAML) and VCR.py (HTTP).

Both become traceops_nb records — the same Interaction / ToolRecord entries the Recorder writes — so an
imported cassette replays through the SDKs and feeds traces, DataFrames and diffs like a native one.
Bodies are stored decoded (gzip / deflate undone), streams as their list of server-sent events, headers
allow-listed and secrets scrubbed exactly as the Recorder does before anything is written.
"""

from __future__ import annotations

import gzip
import json
import os
import warnings
import zlib
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..errors import CassetteFormatError
from . import file as cassette_file
from .bodies import decode_body, store_body
from .interactions import Interaction, Record, Request, Response, ToolRecord, to_json
from .redact import REQUEST_HEADERS, RESPONSE_HEADERS, keep_headers

# The SDK call each TraceOps LLM event stands for (TraceOps 0.5 patches exactly these two methods).
TRACEOPS_PATHS = {"openai": "/chat/completions", "anthropic": "/v1/messages"}
TRACEOPS_PARAMS = ("temperature", "max_tokens", "tools")  # the request parameters TraceOps 0.5 keeps
# Exception class names both SDKs use, for TraceOps error events (it keeps the class name, not the status).
ERROR_STATUSES = {
    "BadRequestError": 400,
    "AuthenticationError": 401,
    "PermissionDeniedError": 403,
    "NotFoundError": 404,
    "ConflictError": 409,
    "RequestTooLargeError": 413,
    "UnprocessableEntityError": 422,
    "RateLimitError": 429,
    "InternalServerError": 500,
    "ServiceUnavailableError": 503,
    "OverloadedError": 529,
}


def read_foreign(path: str | os.PathLike[str]) -> list[Record]:
    """The records of a TraceOps 0.5 or VCR.py cassette (the format is detected from the file), headers
    allow-listed; not yet priced or scrubbed of secrets."""
    source = Path(path)
    doc = _load(source)
    kind = detect_format(doc)
    if kind == "traceops":
        return from_traceops(doc)
    if kind == "vcr":
        return from_vcr(doc)
    if kind == "traceops_nb":
        raise CassetteFormatError(f"{source} is already a traceops_nb cassette: replay it as it is")
    raise CassetteFormatError(
        f"{source} is neither a TraceOps cassette (a mapping with an 'events' list) nor a VCR.py cassette "
        "(an 'interactions' list of request/response pairs with a 'uri')"
    )


def _load(source: Path) -> Any:
    try:
        raw = source.read_bytes()
    except OSError as err:
        raise CassetteFormatError(f"cannot read {source}: {err}") from None
    return cassette_file.safe_load(source, raw, fix="")


def detect_format(doc: Any) -> str | None:
    """'traceops', 'vcr', 'traceops_nb', or None."""
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("events"), list):
        return "traceops"
    entries = doc.get("interactions")
    if not isinstance(entries, list):
        return None
    first = entries[0] if entries and isinstance(entries[0], dict) else {}
    if "provider" in first or "kind" in first:
        return "traceops_nb"
    request = first.get("request")
    if not entries or (isinstance(request, dict) and "uri" in request):
        return "vcr"
    return None


# -- VCR.py ---------------------------------------------------------------------------------------------


def from_vcr(doc: dict[str, Any]) -> list[Record]:
    """Every OpenAI / Anthropic request of a VCR.py cassette; other HTTP traffic is left out."""
    records: list[Record] = []
    for index, entry in enumerate(doc["interactions"]):
        try:
            interaction = _vcr_interaction(entry)
        except (KeyError, TypeError, ValueError, AttributeError, EOFError, OSError, zlib.error) as err:
            # a missing field, or a body that does not decode as its Content-Encoding says
            raise CassetteFormatError(f"VCR.py interaction #{index} cannot be read ({err!r})") from None
        if interaction is not None:
            records.append(interaction)
    return records


def _vcr_interaction(entry: dict[str, Any]) -> Interaction | None:
    request, response = entry["request"], entry["response"]
    url = urlsplit(str(request["uri"]))
    request_headers = _vcr_headers(request.get("headers"))
    provider = _provider(url.hostname or "", url.path, request_headers)
    if provider is None:
        return None
    content = _decoded(_vcr_bytes(request.get("body")), request_headers.get("content-encoding"))
    body, body_text = decode_body(content)
    record = Request(
        method=str(request.get("method", "POST")).upper(),
        path=sdk_path(provider, url.path),
        query=dict(parse_qsl(url.query, keep_blank_values=True)),
        headers=keep_headers(request_headers.items(), REQUEST_HEADERS),
        body=body,
        body_text=body_text,
    )
    response_headers = _vcr_headers(response.get("headers"))
    status = response.get("status")
    interaction = Interaction(
        provider=provider,
        request=record,
        response=Response(
            status=int(status["code"] if isinstance(status, dict) else status),
            headers=keep_headers(response_headers.items(), RESPONSE_HEADERS),
        ),
        stream=response_headers.get("content-type", "").startswith("text/event-stream"),
    )
    store_body(interaction, _decoded(_vcr_bytes(response.get("body")), response_headers.get("content-encoding")))
    return interaction


def _vcr_headers(headers: Any) -> dict[str, str]:
    """VCR.py keeps each header as a list of values."""
    out: dict[str, str] = {}
    for name, value in (headers or {}).items():
        values = value if isinstance(value, list) else [value]
        out[str(name).lower()] = ", ".join(str(item) for item in values)
    return out


def _vcr_bytes(body: Any) -> bytes:
    """A VCR.py body: a string, bytes (YAML !!binary), None, or a mapping holding one of those under 'string'."""
    if isinstance(body, dict):
        body = body.get("string")
    if body is None:
        return b""
    return body if isinstance(body, bytes) else str(body).encode()


def _provider(host: str, path: str, headers: dict[str, str]) -> str | None:
    if "anthropic-version" in headers or host.endswith("anthropic.com"):
        return "anthropic"
    openai_paths = ("/chat/completions", "/responses", "/embeddings", "/completions", "/models", "/moderations")
    if (
        host.endswith("openai.com")
        or headers.get("user-agent", "").startswith(("OpenAI/", "AsyncOpenAI/"))
        or any(marker in path for marker in openai_paths)
    ):
        return "openai"
    return None


def sdk_path(provider: str, path: str) -> str:
    """The path relative to the SDK's default base URL: OpenAI's ends in /v1, Anthropic's is the host."""
    _, marker, rest = path.partition("/v1/")
    if not marker:
        return path or "/"
    return "/" + rest if provider == "openai" else "/v1/" + rest


def _decoded(content: bytes, encoding: str | None) -> bytes:
    """Undo Content-Encoding (applied in the order listed, so undone in reverse)."""
    for name in reversed([part.strip().lower() for part in (encoding or "").split(",") if part.strip()]):
        if name in ("gzip", "x-gzip"):
            content = gzip.decompress(content)
        elif name == "deflate":
            try:
                content = zlib.decompress(content)
            except zlib.error:  # raw deflate, without the zlib header
                content = zlib.decompress(content, -zlib.MAX_WBITS)
        elif name == "br":
            content = _optional_codec("brotli", name).decompress(content)
        elif name == "zstd":
            content = _optional_codec("zstandard", name).ZstdDecompressor().decompressobj().decompress(content)
        elif name != "identity":
            raise CassetteFormatError(f"a body uses the content encoding {name!r}, which cannot be decoded")
    return content


def _optional_codec(module_name: str, encoding: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module_name)
    except ImportError:
        raise CassetteFormatError(
            f"a body is {encoding}-encoded; install {module_name} to import it (pip install {module_name})"
        ) from None


# -- TraceOps 0.5 ---------------------------------------------------------------------------------------


def from_traceops(doc: dict[str, Any]) -> list[Record]:
    """LLM calls of the OpenAI / Anthropic SDKs, executed tool calls and decisions, in order.

    TraceOps keeps, per LLM call, a request event (model, messages, tools, temperature, max_tokens,
    stream) and the response object's dump (for a stream, the assembled message). Tool calls the model
    *requested* are already in the response, so only executed ones (`tool_result`) become tool calls.
    """
    records: list[Record] = []
    pending: dict[str, list[dict[str, Any]]] = {}
    skipped: set[str] = set()
    bodiless = 0
    for index, event in enumerate(doc["events"]):
        if not isinstance(event, dict):
            raise CassetteFormatError(f"TraceOps event #{index} is not a mapping")
        kind, provider = event.get("event_type"), str(event.get("provider") or "")
        if kind == "llm_request":
            pending.setdefault(provider, []).append(event)
        elif kind in ("llm_response", "error") and provider:
            request = pending.get(provider, [])
            asked = request.pop(0) if request else None
            if provider not in TRACEOPS_PATHS or asked is None:
                skipped.add(provider)
            elif kind == "llm_response" and not _has_message(provider, event.get("response")):
                bodiless += 1
            else:
                records.append(_traceops_interaction(provider, asked, event))
        elif kind == "tool_result":
            records.append(_traceops_tool(event))
        elif kind == "agent_decision":
            decision = event.get("decision")
            records.append(
                ToolRecord("decision", str(decision), to_json(event.get("reasoning")), decision, None, _iso(event))
            )
    if skipped:
        warnings.warn(
            "TraceOps LLM steps recorded through "
            + ", ".join(sorted(skipped))
            + " were left out: TraceOps keeps no request an OpenAI or Anthropic SDK would send for them "
            "(where such a framework called one of those SDKs, that call is imported from its own event)",
            UserWarning,
            stacklevel=3,
        )
    if bodiless:
        warnings.warn(
            f"{bodiless} TraceOps LLM call(s) were left out: TraceOps stored no message for them (it keeps "
            "the raw-response wrapper of calls made with with_raw_response, as LangChain makes them)",
            UserWarning,
            stacklevel=3,
        )
    return records


def _has_message(provider: str, response: Any) -> bool:
    """Whether a TraceOps response holds the completion / message itself."""
    return isinstance(response, dict) and ("choices" if provider == "openai" else "content") in response


def _traceops_interaction(provider: str, asked: dict[str, Any], answered: dict[str, Any]) -> Interaction:
    stream = bool((asked.get("metadata") or {}).get("stream"))
    body: dict[str, Any] = {"model": asked.get("model"), "messages": asked.get("messages") or []}
    body.update({name: asked[name] for name in TRACEOPS_PARAMS if asked.get(name) is not None})
    if stream:
        body["stream"] = True
    interaction = Interaction(
        provider=provider,
        request=Request(method="POST", path=TRACEOPS_PATHS[provider], body=body),
        response=_traceops_response(provider, answered, stream),
        stream=stream and answered.get("event_type") == "llm_response",
        started_at=_iso(asked),
        duration_ms=float(answered.get("duration_ms") or 0.0),
    )
    return interaction


def _traceops_response(provider: str, answered: dict[str, Any], stream: bool) -> Response:
    if answered.get("event_type") == "error":
        name = str(answered.get("error_type") or "APIError")
        text = str(answered.get("error_message") or name)
        return Response(
            status=ERROR_STATUSES.get(name, 500),
            headers={"content-type": "application/json"},
            body={"type": "error", "error": {"type": name, "message": text}},
        )
    message: dict[str, Any] = answered.get("response") or {}
    if not stream:
        return Response(status=200, headers={"content-type": "application/json"}, body=message)
    events = list(openai_events(message) if provider == "openai" else anthropic_events(message))
    return Response(status=200, headers={"content-type": "text/event-stream"}, events=events)


def _traceops_tool(event: dict[str, Any]) -> ToolRecord:
    return ToolRecord(
        "tool_call",
        str(event.get("tool_name") or "tool"),
        to_json(event.get("tool_input")),
        to_json(event.get("tool_output")),
        None,
        _iso(event),
        float(event.get("duration_ms") or 0.0),
    )


def _iso(event: dict[str, Any]) -> str:
    stamp = event.get("timestamp")
    if not isinstance(stamp, int | float):
        return ""
    moment = datetime.fromtimestamp(stamp, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def openai_events(message: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The chat completion chunks of an assembled completion: its whole delta in one chunk, then the finish.

    TraceOps keeps a stream only as the message it assembled, so the chunk boundaries are gone; the
    content, tool calls, finish reason and usage the SDK accumulates are the recorded ones.
    """
    head: dict[str, Any] = {
        key: message[key] for key in ("id", "created", "model", "system_fingerprint") if key in message
    }
    head["object"] = "chat.completion.chunk"
    head.setdefault("created", 0)
    for choice in message.get("choices") or []:
        said = choice.get("message") or {}
        delta: dict[str, Any] = {"role": said.get("role", "assistant"), "content": said.get("content")}
        if said.get("tool_calls"):
            delta["tool_calls"] = [{"index": i, **call} for i, call in enumerate(said["tool_calls"])]
        index = choice.get("index", 0)
        yield {"data": {**head, "choices": [{"index": index, "delta": delta, "finish_reason": None}]}}
        finish = {"index": index, "delta": {}, "finish_reason": choice.get("finish_reason")}
        yield {"data": {**head, "choices": [finish]}}
    if message.get("usage"):
        yield {"data": {**head, "choices": [], "usage": message["usage"]}}
    yield {"text": "[DONE]"}


def anthropic_events(message: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The message events of an assembled message: each content block in one delta (see openai_events)."""
    usage = message.get("usage") or {}
    start = {key: value for key, value in message.items() if key not in ("content", "stop_reason", "usage")}
    start.update(content=[], stop_reason=None, stop_sequence=None, usage={**usage, "output_tokens": 0})
    yield _anthropic_event({"type": "message_start", "message": start})
    for index, block in enumerate(message.get("content") or []):
        kind = block.get("type")
        if kind == "tool_use":
            opening = {**block, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block.get("input") or {})}
        elif kind == "text":
            opening = {**block, "text": ""}
            delta = {"type": "text_delta", "text": block.get("text", "")}
        else:  # thinking and other blocks arrive whole
            opening, delta = block, None
        yield _anthropic_event({"type": "content_block_start", "index": index, "content_block": opening})
        if delta is not None:
            yield _anthropic_event({"type": "content_block_delta", "index": index, "delta": delta})
        yield _anthropic_event({"type": "content_block_stop", "index": index})
    stop = {"stop_reason": message.get("stop_reason"), "stop_sequence": message.get("stop_sequence")}
    yield _anthropic_event({"type": "message_delta", "delta": stop, "usage": usage})
    yield _anthropic_event({"type": "message_stop"})


def _anthropic_event(data: dict[str, Any]) -> dict[str, Any]:
    return {"event": data["type"], "data": data}
