"""A fake OpenAI + Anthropic + Google Gemini HTTP server for offline tests (standard library only).

The real ``openai``, ``anthropic`` and ``google-genai`` SDKs can be pointed at it with ``base_url``.
Responses are deterministic and echo the prompt, so a wrong replay is visible:

* text output is ``"echo: " + <last user text>`` (``"final: " + <tool result>``
  once a tool result has been sent back);
* with tools, the first call answers with a call to the first tool, arguments
  ``{"query": <last user text>}`` (or, when the tool's schema names its arguments and ``query`` is not one
  of them, arguments valid for that schema, their strings the last user text);
* :attr:`FakeLLMServer.replies` scripts answers by prompt (or, once a tool result
  has been sent back, by that result): a string is the text to answer with, and a
  :class:`ToolCall` makes the model call that tool with those arguments whenever
  tools are offered, so a multi-step agent loop can be scripted step by step;
* with a JSON schema (structured output), the text is a JSON document generated
  from the schema, so the SDKs' ``.parse()`` helpers work;
* usage counts whitespace-separated words (input: every prompt text including
  system/instructions and tool results; output: the text or tool arguments);
* ids come from per-server, per-prefix counters (``chatcmpl-fake-1``, ...);
* ``GET /v1/responses/{id}`` returns the Responses API object made with that id.

Models ``trigger-400`` / ``trigger-404`` / ``trigger-429`` produce that error, and
:meth:`FakeLLMServer.fail_next` makes the next requests fail with any status.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

JSON = dict[str, Any]

CREATED = 1700000000
TRIGGER_STATUSES = {"trigger-400": 400, "trigger-404": 404, "trigger-429": 429}

# Sent on every response so redaction tests can prove these never reach a cassette.
SECRET_HEADERS = {"set-cookie": "session=secret-cookie", "openai-organization": "org-secret"}

_OPENAI_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "invalid_request_error",
    404: "invalid_request_error",
    429: "requests",
}
_OPENAI_ERROR_CODES = {401: "invalid_api_key", 429: "rate_limit_exceeded"}
_ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}


# --------------------------------------------------------------------------- replies


@dataclass
class Reply:
    """What the handler writes: a JSON body, or a list of SSE frames sent chunked."""

    status: int = 200
    body: Any = None
    events: list[str] | None = None
    headers: dict[str, str] = field(default_factory=dict)


def sse(data: Any, event: str | None = None) -> str:
    """One server-sent event frame."""
    payload = data if isinstance(data, str) else json.dumps(data)
    return (f"event: {event}\n" if event else "") + f"data: {payload}\n\n"


# --------------------------------------------------------------------------- text helpers


def text_of(content: Any) -> str:
    """Text of a message `content`: a string, or the text parts of a list of blocks/parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [part.get("text") for part in content if isinstance(part, dict)]
        return " ".join(t for t in texts if isinstance(t, str))
    return ""


def count_words(*texts: str) -> int:
    return max(1, sum(len(t.split()) for t in texts))


def pieces(text: str) -> list[str]:
    """Split `text` into word-sized stream deltas that concatenate back to exactly `text`."""
    parts = re.findall(r"\s*\S+", text)
    rest = text[len("".join(parts)) :]
    return [*parts, rest] if rest else parts


def embedding_for(value: Any) -> list[float]:
    """8 floats derived from a hash; each is k/128, exactly representable as float32 for base64."""
    digest = hashlib.sha256(json.dumps(value).encode()).digest()
    return [(byte - 128) / 128 for byte in digest[:8]]


# --------------------------------------------------------------------------- JSON schema -> example


_STRING_FORMATS = {
    "date-time": "2023-11-14T22:13:20Z",
    "date": "2023-11-14",
    "time": "22:13:20",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "email": "fake@example.com",
    "uri": "https://example.com/",
    "ipv4": "127.0.0.1",
    "duration": "P1D",
}


def example_from_schema(schema: JSON, text: str, defs: JSON | None = None, depth: int = 0) -> Any:
    """A value valid for `schema`: strings are `text`, ints 1, numbers 1.5, booleans true."""
    if defs is None:
        defs = {**schema.get("definitions", {}), **schema.get("$defs", {})}
    if "$ref" in schema:
        return example_from_schema(defs[schema["$ref"].rsplit("/", 1)[-1]], text, defs, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            options = [o for o in schema[key] if o.get("type") != "null"]
            # A null option ends recursive models (e.g. a linked list) instead of looping.
            if not options or (depth > 5 and len(options) < len(schema[key])):
                return None
            return example_from_schema(options[0], text, defs, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
    return _example_of_kind(kind, schema, text, defs, depth)


def _example_of_kind(kind: str, schema: JSON, text: str, defs: JSON, depth: int) -> Any:
    if kind == "object":
        props: JSON = schema.get("properties", {})
        names = schema.get("required", list(props))
        return {name: example_from_schema(props.get(name, {}), text, defs, depth + 1) for name in names}
    if kind == "array":
        if "prefixItems" in schema:
            return [example_from_schema(s, text, defs, depth + 1) for s in schema["prefixItems"]]
        item = example_from_schema(schema.get("items", {}), text, defs, depth + 1)
        return [item] * max(1, schema.get("minItems", 1))
    if kind in ("integer", "number"):
        value: float = 1 if kind == "integer" else 1.5
        value = max(value, schema.get("minimum", value))
        return min(value, schema.get("maximum", value))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _STRING_FORMATS.get(schema.get("format", ""), text)


# --------------------------------------------------------------------------- what to answer


@dataclass
class Answer:
    """The provider-neutral answer: either `text` or a call to `tool` with JSON `arguments`."""

    text: str = ""
    tool: str | None = None
    arguments: str = ""

    @property
    def output(self) -> str:
        return self.arguments if self.tool else self.text


@dataclass(frozen=True)
class ToolCall:
    """A scripted reply that calls a tool: ``server.replies[prompt or tool result] = ToolCall("f", {"x": 1})``."""

    name: str
    arguments: JSON = field(default_factory=dict)


Scripted = str | ToolCall


def choose_tool(tools: Any, tool_choice: Any) -> str | None:
    """Name of the tool to call: the first one, unless tool_choice says none or names another."""
    if not tools or tool_choice in ("none", {"type": "none"}):
        return None
    if isinstance(tool_choice, dict):
        named = tool_choice.get("name") or (tool_choice.get("function") or {}).get("name")
        if named:
            return str(named)
    first = tools[0]
    return first.get("name") or (first.get("function") or {}).get("name") or (first.get("custom") or {}).get("name")


def tool_parameters(tools: Any, name: str | None) -> JSON | None:
    """The JSON schema of the named tool's arguments, as OpenAI chat, Responses or Anthropic declare it."""
    for tool in tools or []:
        declared = tool.get("function") or tool
        if name is not None and declared.get("name") == name:
            schema = declared.get("parameters") or declared.get("input_schema")
            return schema if isinstance(schema, dict) else None
    return None


def tool_arguments(prompt: str, parameters: JSON | None) -> Any:
    """`{"query": prompt}`, unless the tool's schema names its arguments and "query" is not one of them: then
    arguments valid for that schema (strings are the prompt), as a model fills them."""
    properties = (parameters or {}).get("properties") or {}
    if not properties or "query" in properties:
        return {"query": prompt}
    return example_from_schema(parameters or {}, prompt)


def decide(
    prompt: str,
    tool_result: str | None,
    tool: str | None,
    schema: JSON | None,
    replies: Mapping[str, Scripted],
    parameters: JSON | None = None,
) -> Answer:
    """Shared decision table: scripted tool call; tool result -> final text; tools -> call; schema -> JSON; else echo.

    `replies` scripts realistic answers for the prompt, or the tool result when one was sent back: a
    string is the text answered instead (a first call with tools still calls a tool); a ToolCall is
    a call to that tool, made whenever tools are offered and tool_choice is not "none". `parameters`: the
    called tool's argument schema (see tool_arguments).
    """
    scripted = replies.get(tool_result if tool_result is not None else prompt)
    if isinstance(scripted, ToolCall) and tool:
        return Answer(tool=scripted.name, arguments=json.dumps(scripted.arguments))
    if tool_result is None and tool:
        return Answer(tool=tool, arguments=json.dumps(tool_arguments(prompt, parameters)))
    text = f"final: {tool_result}" if tool_result is not None else f"echo: {prompt}"
    if isinstance(scripted, str):
        text = scripted
    return Answer(text=json.dumps(example_from_schema(schema, text)) if schema else text)


# --------------------------------------------------------------------------- the server


class _Server(ThreadingHTTPServer):
    request_queue_size = 512  # hundreds of callers connect at once in the load test (the default is 5)


class FakeLLMServer:
    """Fake OpenAI (/v1/...) and Anthropic (/v1/messages...) API on 127.0.0.1, random port."""

    def __init__(self) -> None:
        self.requests: list[JSON] = []
        self.replies: dict[str, Scripted] = {}  # scripted answers: prompt or tool result -> text or ToolCall
        self.responses: dict[str, JSON] = {}  # the Responses API objects made, by id (GET /v1/responses/{id})
        self._lock = threading.Lock()
        self._counters: dict[str, int] = {}
        self._fail: tuple[int, int] = (0, 0)  # (status, remaining)
        self.gemini_headers: dict[str, str] = dict(GEMINI_HEADERS)  # sent with every Gemini reply
        # Slow answers, for the tests of replay at the recorded pace: seconds before a JSON body or a
        # stream's first event, and between a stream's events.
        self.first_delay = 0.0
        self.event_delay = 0.0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle

    def start(self) -> FakeLLMServer:
        if self._httpd is None:
            self._httpd = _Server(("127.0.0.1", 0), _handler_for(self))
            # A short poll interval makes stop() (shutdown waits for one poll) fast in fixtures.
            self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.01,), name="fakellm", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("FakeLLMServer is not running; call start() first")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def openai_base_url(self) -> str:
        return self.url + "/v1"

    @property
    def anthropic_base_url(self) -> str:
        return self.url

    @property
    def gemini_base_url(self) -> str:
        return self.url + "/"

    def fail_next(self, status: int, times: int = 1) -> None:
        """The next `times` requests get `status` with the provider's error body."""
        with self._lock:
            self._fail = (status, times)

    # ---- bookkeeping

    def next_id(self, prefix: str) -> str:
        with self._lock:
            self._counters[prefix] = self._counters.get(prefix, 0) + 1
            return f"{prefix}{self._counters[prefix]}"

    def _record(self, record: JSON) -> int:
        with self._lock:
            self.requests.append(record)
            return len(self.requests)

    def _take_failure(self) -> int | None:
        with self._lock:
            status, remaining = self._fail
            if remaining <= 0:
                return None
            self._fail = (status, remaining - 1)
            return status

    # ---- dispatch

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: Any) -> Reply:
        """Record the request and build the reply (headers included)."""
        split = urlsplit(raw_path)
        path = split.path.rstrip("/")
        number = self._record(
            {
                "method": method,
                "path": split.path,
                "query": dict(parse_qsl(split.query)),
                "headers": headers,
                "json": body,
            }
        )
        gemini = GEMINI_PATH.match(path)
        if gemini is not None:
            return gemini_reply(self, method, gemini, split.query, body if isinstance(body, dict) else {})
        if GEMINI_INTERACTIONS.match(path) and method == "POST":
            reply = create_interaction(self, body if isinstance(body, dict) else {})
            reply.headers.update(self.gemini_headers)
            return reply
        # Anthropic by path; for paths neither API serves, by the header the Anthropic SDK always sends.
        anthropic = path.startswith("/v1/messages") or (path not in OPENAI_ROUTES and "anthropic-version" in headers)
        reply = self._route(method, path, body if isinstance(body, dict) else {}, anthropic)
        reply.headers.update(SECRET_HEADERS)
        reply.headers["request-id" if anthropic else "x-request-id"] = f"req_fake_{number}"
        return reply

    def _route(self, method: str, path: str, body: JSON, anthropic: bool) -> Reply:
        status = self._take_failure()
        if status is not None:
            # retry-after-ms keeps SDK retry tests fast; x-should-retry is left out on purpose.
            reply = error_reply(anthropic, status, f"Injected failure ({status}).")
            reply.headers["retry-after-ms"] = "10"
            return reply
        routes = ANTHROPIC_ROUTES if anthropic else OPENAI_ROUTES
        route = routes.get(path) or (None if anthropic else azure_route(path)) if method == "POST" else None
        if route is None:
            read = read_reply(self, method, path, anthropic)
            return read if read is not None else error_reply(anthropic, 404, f"Invalid URL ({method} {path})")
        status = TRIGGER_STATUSES.get(str(body.get("model")))
        if status is not None:
            reply = error_reply(anthropic, status, f"Error triggered by model '{body['model']}'.", model_error=True)
            reply.headers["x-should-retry"] = "false"
            return reply
        return route(self, body)


def error_reply(anthropic: bool, status: int, message: str, model_error: bool = False) -> Reply:
    """An error in the provider's real JSON shape (`model_error`: caused by the `model` parameter)."""
    if anthropic:
        kind = _ANTHROPIC_ERROR_TYPES.get(status, "api_error")
        return Reply(status, {"type": "error", "error": {"type": kind, "message": message}})
    code = "model_not_found" if model_error and status == 404 else _OPENAI_ERROR_CODES.get(status)
    error = {
        "message": message,
        "type": _OPENAI_ERROR_TYPES.get(status, "server_error"),
        "param": "model" if model_error else None,
        "code": code,
    }
    return Reply(status, {"error": error})


# --------------------------------------------------------------------------- OpenAI chat completions


def chat_answer(body: JSON, replies: Mapping[str, Scripted]) -> tuple[Answer, int]:
    messages: list[JSON] = body.get("messages") or []
    texts = [text_of(m.get("content")) for m in messages]
    prompt = next((text_of(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), "")
    last = messages[-1] if messages else {}
    tool_result = text_of(last.get("content")) if last.get("role") == "tool" else None
    fmt = body.get("response_format") or {}
    schema = (fmt.get("json_schema") or {}).get("schema", {}) if fmt.get("type") == "json_schema" else None
    tool = choose_tool(body.get("tools"), body.get("tool_choice"))
    answer = decide(prompt, tool_result, tool, schema, replies, tool_parameters(body.get("tools"), tool))
    return answer, count_words(*texts)


def chat_usage(prompt_tokens: int, answer: Answer) -> JSON:
    completion_tokens = count_words(answer.output)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def chat_completions(server: FakeLLMServer, body: JSON) -> Reply:
    answer, prompt_tokens = chat_answer(body, server.replies)
    base = {
        "id": server.next_id("chatcmpl-fake-"),
        "created": CREATED,
        "model": body.get("model"),
        "service_tier": "default",
        "system_fingerprint": "fp_fake",
    }
    call_id = server.next_id("call_fake_") if answer.tool else ""
    finish = "tool_calls" if answer.tool else "stop"
    usage = chat_usage(prompt_tokens, answer)
    if body.get("stream"):
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return Reply(events=chat_stream(base, answer, call_id, usage if include_usage else None))
    message: JSON = {
        "role": "assistant",
        "content": None if answer.tool else answer.text,
        "refusal": None,
        "annotations": [],
    }
    if answer.tool:
        message["tool_calls"] = [
            {"id": call_id, "type": "function", "function": {"name": answer.tool, "arguments": answer.arguments}}
        ]
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": finish}
    return Reply(body={**base, "object": "chat.completion", "choices": [choice], "usage": usage})


def chat_stream(base: JSON, answer: Answer, call_id: str, usage: JSON | None) -> list[str]:
    """Role chunk, content (or tool call) deltas, finish chunk, optional usage chunk, [DONE]."""

    def chunk(delta: JSON | None, finish: str | None = None) -> str:
        choices = [] if delta is None else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
        data = {**base, "object": "chat.completion.chunk", "choices": choices}
        if usage is not None:  # like the real API: null on every chunk but the last when usage is requested
            data["usage"] = usage if delta is None else None
        return sse(data)

    frames = [chunk({"role": "assistant", "content": None if answer.tool else "", "refusal": None})]
    if answer.tool:
        start = {"index": 0, "id": call_id, "type": "function", "function": {"name": answer.tool, "arguments": ""}}
        frames.append(chunk({"tool_calls": [start]}))
        frames += [
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
            for piece in pieces(answer.arguments)
        ]
    else:
        frames += [chunk({"content": p}) for p in pieces(answer.text)]
    frames.append(chunk({}, "tool_calls" if answer.tool else "stop"))
    if usage is not None:
        frames.append(chunk(None))
    return [*frames, sse("[DONE]")]


# --------------------------------------------------------------------------- OpenAI responses


def responses_answer(body: JSON, replies: Mapping[str, Scripted]) -> tuple[Answer, int]:
    raw = body.get("input")
    items: list[JSON] = [{"role": "user", "content": raw}] if isinstance(raw, str) else list(raw or [])
    messages = [i for i in items if i.get("type", "message") == "message"]
    outputs = [i for i in items if i.get("type") == "function_call_output"]
    texts = [text_of(m.get("content")) for m in messages] + [text_of(o.get("output")) for o in outputs]
    texts.append(body.get("instructions") if isinstance(body.get("instructions"), str) else "")
    prompt = next((text_of(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), "")
    tool_result = text_of(outputs[-1].get("output")) if outputs else None
    fmt = (body.get("text") or {}).get("format") or {}
    schema = fmt.get("schema", {}) if fmt.get("type") == "json_schema" else None
    tools = [t for t in body.get("tools") or [] if t.get("type") == "function"]
    tool = choose_tool(tools, body.get("tool_choice"))
    answer = decide(prompt, tool_result, tool, schema, replies, tool_parameters(tools, tool))
    return answer, count_words(*texts)


def response_object(body: JSON, response_id: str, status: str, output: list[JSON], usage: JSON | None) -> JSON:
    return {
        "id": response_id,
        "object": "response",
        "created_at": CREATED,
        "status": status,
        "completed_at": CREATED if status == "completed" else None,
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "model": body.get("model"),
        "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {"effort": None, "summary": None},
        "store": body.get("store", True),
        "temperature": body.get("temperature", 1.0),
        "text": {"format": (body.get("text") or {}).get("format") or {"type": "text"}, "verbosity": "medium"},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p", 1.0),
        "truncation": "disabled",
        "usage": usage,
        "user": None,
        "metadata": body.get("metadata") or {},
    }


def output_item(server: FakeLLMServer, answer: Answer) -> JSON:
    """The completed output item: a function call or an assistant message."""
    if answer.tool:
        return {
            "id": server.next_id("fc_fake_"),
            "type": "function_call",
            "status": "completed",
            "arguments": answer.arguments,
            "call_id": server.next_id("call_fake_"),
            "name": answer.tool,
        }
    return {
        "id": server.next_id("msg_fake_"),
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "content": [text_part(answer.text)],
    }


def text_part(text: str) -> JSON:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def responses(server: FakeLLMServer, body: JSON) -> Reply:
    answer, input_tokens = responses_answer(body, server.replies)
    output_tokens = count_words(answer.output)
    usage = {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input_tokens + output_tokens,
    }
    response_id = server.next_id("resp_fake_")
    item = output_item(server, answer)
    final = response_object(body, response_id, "completed", [item], usage)
    server.responses[response_id] = final
    if not body.get("stream"):
        return Reply(body=final)
    pending = response_object(body, response_id, "in_progress", [], None)
    return Reply(events=responses_stream(pending, final, item, answer))


def responses_stream(pending: JSON, final: JSON, item: JSON, answer: Answer) -> list[str]:
    """The real event sequence, each frame carrying `event:` and a `sequence_number`."""
    at = {"item_id": item["id"], "output_index": 0}
    events: list[JSON] = [
        {"type": "response.created", "response": pending},
        {"type": "response.in_progress", "response": pending},
    ]
    if answer.tool:
        events.append(
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {**item, "status": "in_progress", "arguments": ""},
            }
        )
        events += [
            {"type": "response.function_call_arguments.delta", **at, "delta": p} for p in pieces(answer.arguments)
        ]
        events.append({"type": "response.function_call_arguments.done", **at, "arguments": answer.arguments})
    else:
        part_at = {**at, "content_index": 0}
        events.append(
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": {**item, "status": "in_progress", "content": []},
            }
        )
        events.append({"type": "response.content_part.added", **part_at, "part": text_part("")})
        events += [
            {"type": "response.output_text.delta", **part_at, "delta": p, "logprobs": []} for p in pieces(answer.text)
        ]
        events.append({"type": "response.output_text.done", **part_at, "text": answer.text, "logprobs": []})
        events.append({"type": "response.content_part.done", **part_at, "part": text_part(answer.text)})
    events.append({"type": "response.output_item.done", "output_index": 0, "item": item})
    events.append({"type": "response.completed", "response": final})
    return [sse({**event, "sequence_number": n}, event["type"]) for n, event in enumerate(events)]


# --------------------------------------------------------------------------- OpenAI embeddings + legacy completions


def embeddings(server: FakeLLMServer, body: JSON) -> Reply:
    raw = body.get("input")
    # A list of ints is one tokenized input; any other list holds one input per element.
    inputs = [raw] if not isinstance(raw, list) or (raw and isinstance(raw[0], int)) else raw
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    for index, value in enumerate(inputs):
        vector = embedding_for(value)
        encoded: Any = base64.b64encode(struct.pack("<8f", *vector)).decode() if as_base64 else vector
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    tokens = count_words(*(v if isinstance(v, str) else " ".join(map(str, v)) for v in inputs))
    return Reply(
        body={
            "object": "list",
            "data": data,
            "model": body.get("model"),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
    )


def completions(server: FakeLLMServer, body: JSON) -> Reply:
    raw = body.get("prompt", "")
    prompts = [str(p) for p in raw] if isinstance(raw, list) else [str(raw)]
    choices = [
        {"text": f"echo: {p}", "index": i, "logprobs": None, "finish_reason": "stop"} for i, p in enumerate(prompts)
    ]
    prompt_tokens, completion_tokens = count_words(*prompts), count_words(*(c["text"] for c in choices))
    usage = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    return Reply(
        body={
            "id": server.next_id("cmpl-fake-"),
            "object": "text_completion",
            "created": CREATED,
            "model": body.get("model"),
            "system_fingerprint": "fp_fake",
            "choices": choices,
            "usage": usage,
        }
    )


# --------------------------------------------------------------------------- Anthropic messages


def anthropic_answer(body: JSON, replies: Mapping[str, Scripted]) -> tuple[Answer, int]:
    messages: list[JSON] = body.get("messages") or []
    texts = [text_of(body.get("system"))]
    for message in messages:
        texts.append(text_of(message.get("content")))
        texts += tool_results(message.get("content"))
    users = [m for m in messages if m.get("role") == "user"]
    last_user = users[-1].get("content") if users else ""
    results = tool_results(last_user)
    output = body.get("output_format") or (body.get("output_config") or {}).get("format") or {}
    schema = output.get("schema", {}) if output.get("type") == "json_schema" else None
    tool = choose_tool(body.get("tools"), body.get("tool_choice"))
    parameters = tool_parameters(body.get("tools"), tool)
    answer = decide(text_of(last_user), " ".join(results) if results else None, tool, schema, replies, parameters)
    return answer, count_words(*texts)


def tool_results(content: Any) -> list[str]:
    """Texts of the tool_result blocks in a content list."""
    if not isinstance(content, list):
        return []
    return [text_of(b.get("content")) for b in content if isinstance(b, dict) and b.get("type") == "tool_result"]


def anthropic_usage(input_tokens: int, output_tokens: int) -> JSON:
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
        "service_tier": "standard",
    }


def messages(server: FakeLLMServer, body: JSON) -> Reply:
    answer, input_tokens = anthropic_answer(body, server.replies)
    output_tokens = count_words(answer.output)
    if answer.tool:
        block: JSON = {
            "type": "tool_use",
            "id": server.next_id("toolu_fake_"),
            "name": answer.tool,
            "input": json.loads(answer.arguments),
        }
    else:
        block = {"type": "text", "text": answer.text}
    stop_reason = "tool_use" if answer.tool else "end_turn"
    message = {
        "id": server.next_id("msg_fake_"),
        "type": "message",
        "role": "assistant",
        "model": body.get("model"),
        "content": [block],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": anthropic_usage(input_tokens, output_tokens),
    }
    if not body.get("stream"):
        return Reply(body=message)
    start = {**message, "content": [], "stop_reason": None, "usage": anthropic_usage(input_tokens, 1)}
    return Reply(events=messages_stream(start, block, answer, stop_reason, output_tokens))


def messages_stream(start: JSON, block: JSON, answer: Answer, stop_reason: str, output_tokens: int) -> list[str]:
    """message_start, content_block_start, ping, deltas, content_block_stop, message_delta, message_stop."""
    if answer.tool:
        opening = {**block, "input": {}}
        deltas = [{"type": "input_json_delta", "partial_json": p} for p in pieces(answer.arguments)]
    else:
        opening = {**block, "text": ""}
        deltas = [{"type": "text_delta", "text": p} for p in pieces(answer.text)]
    usage = {"input_tokens": start["usage"]["input_tokens"], "output_tokens": output_tokens}
    events: list[JSON] = [
        {"type": "message_start", "message": start},
        {"type": "content_block_start", "index": 0, "content_block": opening},
        {"type": "ping"},
    ]
    events += [{"type": "content_block_delta", "index": 0, "delta": d} for d in deltas]
    events += [
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": None}, "usage": usage},
        {"type": "message_stop"},
    ]
    return [sse(event, event["type"]) for event in events]


def count_tokens(server: FakeLLMServer, body: JSON) -> Reply:
    return Reply(body={"input_tokens": anthropic_answer(body, {})[1]})


def input_tokens(server: FakeLLMServer, body: JSON) -> Reply:
    return Reply(body={"object": "response.input_tokens", "input_tokens": responses_answer(body, {})[1]})


OPENAI_ROUTES = {
    "/v1/chat/completions": chat_completions,
    "/v1/responses": responses,
    "/v1/responses/input_tokens": input_tokens,
    "/v1/embeddings": embeddings,
    "/v1/completions": completions,
}
ANTHROPIC_ROUTES = {"/v1/messages": messages, "/v1/messages/count_tokens": count_tokens}


# --------------------------------------------------------------------------- Azure OpenAI

# AzureOpenAI posts deployment operations to /openai/deployments/<name>/..., the others (Responses) to
# /openai/..., always with an api-version query parameter; the answers are OpenAI's.
_AZURE_PATH = re.compile(r"^/openai(?:/deployments/[^/]+)?(/.+)$")


def azure_route(path: str) -> Any:
    match = _AZURE_PATH.match(path)
    return OPENAI_ROUTES.get("/v1" + match.group(1)) if match else None


def moderations(server: FakeLLMServer, body: JSON) -> Reply:
    """An operation the trace does not read: nothing flagged."""
    raw = body.get("input")
    inputs = raw if isinstance(raw, list) else [raw]
    result = {"flagged": False, "categories": {}, "category_scores": {}, "category_applied_input_types": {}}
    body = {"id": server.next_id("modr-fake-"), "model": body.get("model"), "results": [result] * len(inputs)}
    return Reply(body=body)


OPENAI_ROUTES["/v1/moderations"] = moderations
# --------------------------------------------------------------------------- calls that generate nothing


def read_reply(server: FakeLLMServer, method: str, path: str, anthropic: bool) -> Reply | None:
    """GET /v1/models (both APIs), /v1/files and /v1/responses/{id}: listing and fetching, no generation."""
    if method != "GET":
        return None
    if path == "/v1/models" and anthropic:
        model = {
            "type": "model",
            "id": "claude-sonnet-4-6",
            "display_name": "Claude",
            "created_at": "2026-01-01T00:00:00Z",
        }
        return Reply(body={"data": [model], "has_more": False, "first_id": model["id"], "last_id": model["id"]})
    if path == "/v1/models":
        return Reply(
            body={
                "object": "list",
                "data": [{"id": "gpt-5.4-mini", "object": "model", "created": 0, "owned_by": "fake"}],
            }
        )
    if path == "/v1/files":
        return Reply(body={"object": "list", "data": [], "has_more": False})
    if path.startswith("/v1/responses/"):
        made = server.responses.get(path.rsplit("/", 1)[1])
        if made is not None:  # as the API does: the response that was made, the same id, output and usage
            return Reply(body=made)
        stored = responses(server, {"model": "gpt-5.4-mini", "input": "stored"})
        stored.body["id"] = path.rsplit("/", 1)[1]
        return stored
    return None


# --------------------------------------------------------------------------- HTTP plumbing


def _handler_for(server: FakeLLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        fake = server

    return Handler


class _Handler(BaseHTTPRequestHandler):
    fake: FakeLLMServer
    # HTTP/1.1 so SSE can be sent chunked like the real APIs; every response closes the
    # connection so stop() leaves no pooled keep-alive connection still being served.
    protocol_version = "HTTP/1.1"
    timeout = 30

    def do_POST(self) -> None:
        self._serve()

    do_GET = do_PUT = do_PATCH = do_DELETE = do_POST

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def _serve(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = self.fake.handle(self.command, self.path, headers, body)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("connection", "close")
        if reply.events is None:
            self._send_json(reply.body)
        else:
            self._send_events(reply.events)

    def _send_json(self, body: Any) -> None:
        data = json.dumps(body).encode()
        time.sleep(self.fake.first_delay)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_events(self, events: list[str]) -> None:
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        time.sleep(self.fake.first_delay)
        for index, event in enumerate(events):
            if index:
                time.sleep(self.fake.event_delay)
            data = event.encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")


# --------------------------------------------------------------------------- Google Gemini (generativelanguage)
# POST {prefix}/{v1|v1beta|v1alpha}/models/{model}:{method}. A function call answers when tools are declared and
# the last part sent is not a functionResponse; usage counts words as above, plus thoughts when thinking is
# configured and cached tokens when a cachedContent is named.

GEMINI_PATH = re.compile(r"^.*/(?P<version>v1|v1beta|v1alpha)/models/(?P<model>[^/:]+):(?P<method>[A-Za-z]+)$")
# What the real API sends beside the body (none of it secret); tests may add to server.gemini_headers.
GEMINI_HEADERS = {
    "vary": "Origin, X-Origin, Referer",
    "x-xss-protection": "0",
    "x-frame-options": "SAMEORIGIN",
    "x-content-type-options": "nosniff",
    "server-timing": "gfet4t7; dur=412",
}
_GEMINI_STATUSES = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED"}


def gemini_reply(server: FakeLLMServer, method: str, route: re.Match[str], query: str, body: JSON) -> Reply:
    model, action = route["model"], route["method"]
    status = server._take_failure() or TRIGGER_STATUSES.get(model)
    handler = GEMINI_ROUTES.get(action) if method == "POST" else None
    if status is None and handler is None:
        status = 404
    if status is not None:
        reply = gemini_error(status, f"Error for model '{model}' ({action}).")
    elif action == "streamGenerateContent" and "alt=sse" not in query:
        reply = gemini_error(400, "streamGenerateContent is served as SSE only here: add alt=sse")
    else:
        assert handler is not None
        reply = handler(server, model, body)
    reply.headers.update(server.gemini_headers)
    return reply


def gemini_error(status: int, message: str) -> Reply:
    code = _GEMINI_STATUSES.get(status, "INTERNAL" if status >= 500 else "FAILED_PRECONDITION")
    return Reply(status, {"error": {"code": status, "message": message, "status": code}})


def gemini_texts(parts: Any) -> list[str]:
    return [str(part["text"]) for part in parts or [] if isinstance(part, dict) and "text" in part]


def gemini_answer(body: JSON, replies: Mapping[str, Scripted]) -> tuple[Answer, int]:
    contents: list[JSON] = body.get("contents") or []
    system = body.get("systemInstruction") or {}
    texts = gemini_texts(system.get("parts"))
    for content in contents:
        texts += gemini_texts(content.get("parts"))
    last_parts = (contents[-1].get("parts") or []) if contents else []
    results = [gemini_field(part, "functionResponse") for part in last_parts if isinstance(part, dict)]
    results = [result for result in results if isinstance(result, dict)]
    tool_result = " ".join(json.dumps(r.get("response"), sort_keys=True) for r in results) if results else None
    users = [c for c in contents if c.get("role", "user") == "user" and gemini_texts(c.get("parts"))]
    prompt = " ".join(gemini_texts(users[-1].get("parts"))) if users else ""
    config = gemini_field(body, "generationConfig") or {}
    schema = gemini_field(config, "responseJsonSchema") or gemini_field(config, "responseSchema")
    answer = decide(prompt, tool_result, gemini_tool(body), _lowercase_types(schema) if schema else None, replies)
    return answer, count_words(*texts, *(tool_result or "",))


def gemini_field(body: JSON, name: str) -> Any:
    """A field by its camelCase name, or the snake_case one the API accepts too (LiteLLM sends those)."""
    return body.get(name, body.get(re.sub(r"[A-Z]", lambda m: "_" + m.group().lower(), name)))


def gemini_tool(body: JSON) -> str | None:
    mode = (gemini_field(gemini_field(body, "toolConfig") or {}, "functionCallingConfig") or {}).get("mode")
    declared = [d for tool in body.get("tools") or [] for d in gemini_field(tool, "functionDeclarations") or []]
    return None if not declared or mode == "NONE" else str(declared[0]["name"])


def _lowercase_types(schema: Any) -> Any:
    """Gemini's OpenAPI-style schemas spell types in capitals (OBJECT, STRING)."""
    if isinstance(schema, dict):
        return {k: v.lower() if k == "type" and isinstance(v, str) else _lowercase_types(v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_lowercase_types(item) for item in schema]
    return schema


def gemini_usage(body: JSON, prompt_tokens: int, output_tokens: int) -> JSON:
    thoughts = 3 if (body.get("generationConfig") or {}).get("thinkingConfig") else 0
    usage: JSON = {
        "promptTokenCount": prompt_tokens,
        "candidatesTokenCount": output_tokens,
        "totalTokenCount": prompt_tokens + output_tokens + thoughts,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt_tokens}],
    }
    if body.get("cachedContent"):
        usage["cachedContentTokenCount"] = min(2, prompt_tokens)
    if thoughts:
        usage["thoughtsTokenCount"] = thoughts
    return usage


def gemini_candidate(parts: list[JSON], finish: str | None) -> JSON:
    candidate: JSON = {"content": {"parts": parts, "role": "model"}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return candidate


def generate_content(server: FakeLLMServer, model: str, body: JSON) -> Reply:
    return Reply(body=_gemini_response(server, model, body, stream=False)[0])


def stream_generate_content(server: FakeLLMServer, model: str, body: JSON) -> Reply:
    return Reply(events=[sse(chunk) for chunk in _gemini_response(server, model, body, stream=True)])


def _gemini_response(server: FakeLLMServer, model: str, body: JSON, *, stream: bool) -> list[JSON]:
    """The response, or for a stream its chunks: a text split into word deltas, usage on every chunk."""
    answer, prompt_tokens = gemini_answer(body, server.replies)
    usage = gemini_usage(body, prompt_tokens, count_words(answer.output))
    base = {"usageMetadata": usage, "modelVersion": model, "responseId": server.next_id("gemini-resp-")}
    if answer.tool:
        parts = [[{"functionCall": {"name": answer.tool, "args": json.loads(answer.arguments)}}]]
    else:
        parts = [[{"text": piece}] for piece in (pieces(answer.text) if stream else [answer.text])] or [[{"text": ""}]]
    last = len(parts) - 1
    return [{"candidates": [gemini_candidate(p, "STOP" if i == last else None)], **base} for i, p in enumerate(parts)]


def gemini_count_tokens(server: FakeLLMServer, model: str, body: JSON) -> Reply:
    request = body.get("generateContentRequest") or body
    tokens = gemini_answer(request, {})[1]
    return Reply(body={"totalTokens": tokens, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": tokens}]})


def embed_content(server: FakeLLMServer, model: str, body: JSON) -> Reply:
    return Reply(body={"embedding": {"values": embedding_for(gemini_texts((body.get("content") or {}).get("parts")))}})


def batch_embed_contents(server: FakeLLMServer, model: str, body: JSON) -> Reply:
    vectors = [embedding_for(gemini_texts((r.get("content") or {}).get("parts"))) for r in body.get("requests") or []]
    return Reply(body={"embeddings": [{"values": vector} for vector in vectors]})


# The Interactions API (google-genai's client.interactions): POST /v1beta/interactions, one model turn per call.
GEMINI_INTERACTIONS = re.compile(r"^.*/(v1|v1beta|v1alpha)/interactions$")


def create_interaction(server: FakeLLMServer, body: JSON) -> Reply:
    """An Interaction: a function_call step for the first declared tool (unless a function result came back),
    else a model_output step with the echoed or scripted text; usage in total_* tokens."""
    given = body.get("input")
    items = given if isinstance(given, list) else [given]
    results = [item for item in items if isinstance(item, dict) and item.get("type") == "function_result"]
    prompt = " ".join(str(item) for item in items if isinstance(item, str))
    tools = [tool for tool in body.get("tools") or [] if isinstance(tool, dict) and tool.get("type") == "function"]
    tool_result = " ".join(str(result.get("result")) for result in results) if results else None
    tool = str(tools[0]["name"]) if tools else None
    answer = decide(prompt, tool_result, tool, json_format(body), server.replies)
    if answer.tool:
        step: JSON = {
            "type": "function_call",
            "id": server.next_id("call-"),
            "name": answer.tool,
            "arguments": json.loads(answer.arguments),
        }
    else:
        step = {"type": "model_output", "content": [{"type": "text", "text": answer.text}]}
    input_tokens, output_tokens = count_words(prompt or tool_result or ""), count_words(answer.output)
    interaction: JSON = {
        "id": server.next_id("interaction-"),
        "status": "completed",
        "model": body.get("model"),
        "steps": [step],
        "usage": {
            "total_input_tokens": input_tokens,
            "total_output_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
        },
    }
    if body.get("previous_interaction_id"):
        interaction["previous_interaction_id"] = body["previous_interaction_id"]
    if body.get("stream"):
        return Reply(events=interaction_events(interaction, answer.text if not answer.tool else None))
    return Reply(body=interaction)


def json_format(body: JSON) -> JSON | None:
    """The schema a `response_format` asks for (any JSON object when it gives none), or None for text."""
    wanted = body.get("response_format")
    if not isinstance(wanted, dict) or "json" not in str(wanted.get("mime_type", "")):
        return None
    schema = wanted.get("schema")
    return schema if isinstance(schema, dict) else {"type": "object", "properties": {"answer": {"type": "string"}}}


def interaction_events(interaction: JSON, text: str | None) -> list[str]:
    """The stream of an interaction: created, the text in word deltas (or the whole step), completed."""
    head = {"id": interaction["id"], "status": "in_progress", "model": interaction["model"]}
    frames = [sse({"event_type": "interaction.created", "interaction": head})]
    if text is None:
        frames.append(sse({"event_type": "step.start", "index": 0, "step": interaction["steps"][0]}))
    else:
        start = {"type": "model_output", "content": []}
        frames.append(sse({"event_type": "step.start", "index": 0, "step": start}))
        frames += [
            sse({"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": piece}})
            for piece in pieces(text)
        ]
    frames.append(sse({"event_type": "step.stop", "index": 0}))
    done = {**head, "status": "completed", "usage": interaction["usage"]}
    frames.append(sse({"event_type": "interaction.completed", "interaction": done}))
    return frames


GEMINI_ROUTES = {
    "generateContent": generate_content,
    "streamGenerateContent": stream_generate_content,
    "countTokens": gemini_count_tokens,
    "embedContent": embed_content,
    "batchEmbedContents": batch_embed_contents,
}
