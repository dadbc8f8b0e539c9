"""Traces as OpenTelemetry spans, following the GenAI semantic conventions (v1.41.0), for the observability
backends teams already run (Phoenix, Langfuse, MLflow, any OTLP collector).

One trace per cassette: a root `invoke_agent {cassette}` span, and a child span per step: `chat {model}` /
`embeddings {model}` / `text_completion {model}` for LLM calls, `execute_tool {name}` for tool calls.
Decisions are events on the root span (they are moments of the run, not operations of their own). Times
are the recorded ones; ids are derived from the cassette's name and content, so the same cassette gives
the same spans. Message contents, tool arguments and results, and decisions' reasons and choices are
left out unless asked for (`include_content=True`): backends are often shared.

The OpenTelemetry SDK is an optional extra (`traceops_nb[otel]`), imported when spans are built.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cassette.interactions import Interaction
from ..trace import Event, ToolCall, Trace, traces
from ..trace.event import COUNTING_OPERATIONS
from ..trace.normalize import Message, normalize_messages

if TYPE_CHECKING:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

SEMCONV_VERSION = "1.41.0"
SCHEMA_URL = f"https://opentelemetry.io/schemas/{SEMCONV_VERSION}"
SCOPE = "traceops_nb"
COST_ATTRIBUTE = "traceops_nb.cost_usd"  # ours: the semantic conventions define no cost

# gen_ai.provider.name for the providers a cassette names; anything else is passed on as it is.
PROVIDER_NAMES = {"openai": "openai", "anthropic": "anthropic", "google": "gcp.gemini", "gemini": "gcp.gemini"}
# gen_ai.operation.name for each recorded operation; counting calls keep a name of their own.
OPERATION_NAMES = {
    "chat.completions": "chat",
    "responses": "chat",
    "messages": "chat",
    "embeddings": "embeddings",
    "completions": "text_completion",
    "generate_content": "generate_content",
    "models.generate_content": "generate_content",  # Gemini
    "models.embed_content": "embeddings",
    "models.count_tokens": "count_tokens",
    "messages.count_tokens": "count_tokens",
    "responses.input_tokens": "count_tokens",
}
OPENAI_API_TYPES = {"chat.completions": "chat_completions", "responses": "responses"}
# request body field → (attribute, how to convert); the first of several spellings present wins
REQUEST_PARAMETERS: tuple[tuple[tuple[str, ...], str, type], ...] = (
    (("temperature",), "gen_ai.request.temperature", float),
    (("top_p",), "gen_ai.request.top_p", float),
    (("top_k",), "gen_ai.request.top_k", float),
    (("max_tokens", "max_completion_tokens", "max_output_tokens"), "gen_ai.request.max_tokens", int),
    (("frequency_penalty",), "gen_ai.request.frequency_penalty", float),
    (("presence_penalty",), "gen_ai.request.presence_penalty", float),
    (("seed",), "gen_ai.request.seed", int),
    (("stream",), "gen_ai.request.stream", bool),
    (("dimensions",), "gen_ai.embeddings.dimension.count", int),
)
RESPONSE_FIELDS = (
    ("id", "gen_ai.response.id"),
    ("responseId", "gen_ai.response.id"),  # Gemini
    ("system_fingerprint", "openai.response.system_fingerprint"),
)
# finish reasons in output messages use the conventions' words
FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "completed": "stop",
    "tool_calls": "tool_call",
    "tool_use": "tool_call",
    "max_tokens": "length",
    "incomplete": "length",
}


class OtelExportError(RuntimeError):
    """The exporter reported that it could not export a trace."""


def require_sdk() -> None:
    """The OpenTelemetry SDK, or an ImportError that says how to install it."""
    try:
        import opentelemetry.exporter.otlp.proto.common.trace_encoder
        import opentelemetry.sdk.trace  # noqa: F401
    except ImportError:
        raise ImportError(
            "OpenTelemetry export needs the otel extra: pip install 'traceops_nb[otel]' (opentelemetry-sdk and "
            "opentelemetry-exporter-otlp-proto-http)"
        ) from None


def spans(
    source: Any, *, include_content: bool = False, resource: Resource | Mapping[str, Any] | None = None
) -> list[ReadableSpan]:
    """The spans of every trace a source names (a Trace, a session, a cassette path, a folder, or a list of
    these), root first, then the steps in order; nothing is exported."""
    require_sdk()
    otel_resource = _resource(resource)
    return [
        span for trace in traces(source) for span in trace_spans(trace, otel_resource, include_content=include_content)
    ]


def export(
    source: Any,
    exporter: SpanExporter,
    *,
    include_content: bool = False,
    resource: Resource | Mapping[str, Any] | None = None,
) -> list[ReadableSpan]:
    """Hands the spans of each trace to an OpenTelemetry SDK SpanExporter (one export call per trace) and
    returns them; raises OtelExportError when the exporter reports a failure."""
    require_sdk()
    from opentelemetry.sdk.trace.export import SpanExportResult

    otel_resource = _resource(resource)
    sent: list[ReadableSpan] = []
    for trace in traces(source):
        batch = trace_spans(trace, otel_resource, include_content=include_content)
        if not batch:
            continue
        result: SpanExportResult = exporter.export(batch)
        if result is not SpanExportResult.SUCCESS:
            raise OtelExportError(
                f"{type(exporter).__name__} could not export the trace of {trace.cassette or 'the run'} "
                f"({len(batch)} spans): it reported {result.name} (its own log says why)"
            )
        sent.extend(batch)
    return sent


def _resource(given: Resource | Mapping[str, Any] | None) -> Resource:
    """The given resource; else service.name traceops_nb under what OTEL_SERVICE_NAME and
    OTEL_RESOURCE_ATTRIBUTES say (not Resource.create(), which adds a random instance id)."""
    from opentelemetry.sdk.resources import OTELResourceDetector, Resource

    if isinstance(given, Resource):
        return given
    base = Resource({"service.name": "traceops_nb"}).merge(OTELResourceDetector().detect())
    return base.merge(Resource(dict(given))) if given else base


# -- one trace -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Timed:
    event: Event
    start_ns: int
    end_ns: int


def trace_spans(trace: Trace, resource: Resource, *, include_content: bool = False) -> list[ReadableSpan]:
    """The root span and one span per step; none for a trace with no steps (it has no time to show)."""
    if not trace.events:
        return []
    from opentelemetry.sdk.trace import Event as SpanEvent
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.sdk.util.instrumentation import InstrumentationScope
    from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags

    name = Path(trace.cassette).stem if trace.cassette else "run"
    trace_id = _trace_id(trace, name)
    scope = InstrumentationScope(SCOPE, _version(), schema_url=SCHEMA_URL)

    def context(key: str) -> SpanContext:
        return SpanContext(trace_id, _span_id(trace_id, key), is_remote=False, trace_flags=TraceFlags.get_default())

    root_context = context("root")
    timed = _timed(trace.events)
    steps = [item for item in timed if item.event.kind != "decision"]
    decisions = [item for item in timed if item.event.kind == "decision"]
    children = []
    for item, call_id in zip(steps, _tool_call_ids([item.event for item in steps]), strict=True):
        span_name, kind, attributes = _step(item.event, trace, call_id, include_content)
        children.append(
            ReadableSpan(
                name=span_name,
                context=context(f"step {item.event.step}"),
                parent=root_context,
                resource=resource,
                attributes=attributes,
                kind=SpanKind.CLIENT if kind == "client" else SpanKind.INTERNAL,
                instrumentation_scope=scope,
                start_time=item.start_ns,
                end_time=item.end_ns,
                status=Status(StatusCode.ERROR, item.event.error) if _failed(item.event) else Status(StatusCode.UNSET),
            )
        )
    root = ReadableSpan(
        name=f"invoke_agent {name}",
        context=root_context,
        parent=None,
        resource=resource,
        attributes=_root_attributes(trace, name),
        events=[
            SpanEvent("traceops_nb.decision", _decision_attributes(item.event, include_content), item.start_ns)
            for item in decisions
        ],
        kind=SpanKind.INTERNAL,
        instrumentation_scope=scope,
        start_time=min((item.start_ns for item in timed), default=0),
        end_time=max((item.end_ns for item in timed), default=0),
    )
    return [root, *children]


def _version() -> str:
    """This package's version (read from its metadata: the package's face is a stage above this one)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("traceops_nb")
    except PackageNotFoundError:
        return "unknown"


def _trace_id(trace: Trace, name: str) -> int:
    """From the cassette's name and content: the same cassette, the same ids; two cassettes, two traces."""
    content = json.dumps([record.to_dict() for record in trace.records], sort_keys=True, default=str)
    return int.from_bytes(hashlib.sha256(f"{name}\n{content}".encode()).digest()[:16], "big") or 1


def _span_id(trace_id: int, key: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{trace_id:032x} {key}".encode()).digest()[:8], "big") or 1


def _timed(events: Sequence[Event]) -> list[_Timed]:
    """Recorded start and end of each step; a step with no recorded start (an inferred tool call) starts
    when the one before it ended."""
    timed: list[_Timed] = []
    previous_end = 0
    for event in events:
        start = _iso_ns(event.started_at)
        start = previous_end if start is None else start
        end = start + round(event.duration_ms * 1_000_000)
        timed.append(_Timed(event, start, end))
        previous_end = max(previous_end, end)
    return timed


def _iso_ns(text: str) -> int | None:
    """ISO 8601 as integer nanoseconds since the epoch (exact: no float rounding)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    delta = moment - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def _tool_call_ids(events: Sequence[Event]) -> list[str | None]:
    """Each tool step's call id: the id of the matching call (by name, in order) the LLM call before it asked for."""
    ids: list[str | None] = []
    requested: list[ToolCall] = []
    for event in events:
        if event.kind == "llm_call" and event.operation not in COUNTING_OPERATIONS:  # counting answers nothing
            requested = list(event.tool_calls)
        match = next((call for call in requested if call.name == event.name), None)
        if event.kind == "tool_call" and match is not None:
            requested.remove(match)
            ids.append(match.id)
        else:
            ids.append(None)
    return ids


def _failed(event: Event) -> bool:
    return event.kind == "error" or (event.kind == "tool_call" and event.error is not None)


def _root_attributes(trace: Trace, name: str) -> dict[str, Any]:
    calls = [event for event in trace.events if event.kind in ("llm_call", "error")]
    providers = Counter(_provider_name(event.provider) for event in calls)
    attributes: dict[str, Any] = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": name}
    if providers:
        attributes["gen_ai.provider.name"] = providers.most_common(1)[0][0]
    llm_calls = [event for event in calls if event.kind == "llm_call"]
    if any(event.has_usage for event in llm_calls):
        attributes["gen_ai.usage.input_tokens"] = sum(event.input_tokens for event in llm_calls)
        attributes["gen_ai.usage.output_tokens"] = sum(event.output_tokens for event in llm_calls)
    if not math.isnan(trace.total_cost_usd):
        attributes[COST_ATTRIBUTE] = trace.total_cost_usd
    if trace.cassette:
        attributes["traceops_nb.cassette"] = Path(trace.cassette).name
    return attributes


def _provider_name(provider: str | None) -> str:
    return PROVIDER_NAMES.get(provider or "", provider or "_OTHER")


# -- one step ---------------------------------------------------------------------------------------------


def _step(event: Event, trace: Trace, call_id: str | None, content: bool) -> tuple[str, str, dict[str, Any]]:
    """(span name, "client" or "internal", attributes) of a step."""
    if event.kind == "tool_call":
        return f"execute_tool {event.name}", "internal", _tool_attributes(event, call_id, content)
    interaction = _interaction(event, trace)
    operation = OPERATION_NAMES.get(event.operation, event.operation or "chat")
    request = interaction.request.body if interaction is not None and isinstance(interaction.request.body, dict) else {}
    # the body names the model asked for; Gemini names it in the path, which the event read
    model = request.get("model") if isinstance(request.get("model"), str) else event.model
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": operation,
        "gen_ai.provider.name": _provider_name(event.provider),
        "traceops_nb.step": event.step,
    }
    if model:
        attributes["gen_ai.request.model"] = model
    attributes.update(_request_parameters(request))
    if event.provider == "openai" and event.operation in OPENAI_API_TYPES:
        attributes["openai.api.type"] = OPENAI_API_TYPES[event.operation]
    if event.kind == "error":
        attributes["error.type"] = _error_type(interaction, event)
        attributes["http.response.status_code"] = event.status
    else:
        attributes.update(_response_attributes(event, interaction))
    if content:
        attributes.update(_message_attributes(event, request))
    return (f"{operation} {model}" if model else operation), "client", attributes


def _interaction(event: Event, trace: Trace) -> Interaction | None:
    index = event.interaction
    record = trace.records[index] if index is not None and 0 <= index < len(trace.records) else None
    return record if isinstance(record, Interaction) else None


# Gemini's generationConfig, in the spellings the other providers use
GEMINI_PARAMETERS = {
    "temperature": "temperature",
    "topP": "top_p",
    "topK": "top_k",
    "maxOutputTokens": "max_output_tokens",
    "stopSequences": "stop_sequences",
    "seed": "seed",
    "candidateCount": "n",
    "presencePenalty": "presence_penalty",
    "frequencyPenalty": "frequency_penalty",
}


def _request_parameters(body: Mapping[str, Any]) -> dict[str, Any]:
    config = body.get("generationConfig")
    gemini = config if isinstance(config, dict) else {}
    request = {**body, **{GEMINI_PARAMETERS[key]: value for key, value in gemini.items() if key in GEMINI_PARAMETERS}}
    attributes: dict[str, Any] = {}
    for names, attribute, convert in REQUEST_PARAMETERS:
        value = next((request[name] for name in names if isinstance(request.get(name), int | float)), None)
        if value is not None:
            attributes[attribute] = convert(value)
    stops = request.get("stop_sequences", request.get("stop"))
    if isinstance(stops, str):
        stops = [stops]
    if isinstance(stops, list) and stops and all(isinstance(stop, str) for stop in stops):
        attributes["gen_ai.request.stop_sequences"] = tuple(stops)
    if isinstance(request.get("n"), int) and request["n"] != 1:
        attributes["gen_ai.request.choice.count"] = request["n"]
    if isinstance(request.get("encoding_format"), str):
        attributes["gen_ai.request.encoding_formats"] = (request["encoding_format"],)
    if isinstance(request.get("service_tier"), str):
        attributes["openai.request.service_tier"] = request["service_tier"]
    return attributes


def _response_attributes(event: Event, interaction: Interaction | None) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    if event.model:
        attributes["gen_ai.response.model"] = event.model
    for field, attribute in RESPONSE_FIELDS:
        value = _response_field(interaction, field)
        if value is not None:
            attributes.setdefault(attribute, value)
    tier = _response_field(interaction, "service_tier")
    if tier is not None and event.provider == "openai":
        attributes["openai.response.service_tier"] = tier
    if event.finish_reason:
        attributes["gen_ai.response.finish_reasons"] = (event.finish_reason,)  # tuples, as the SDK's own spans hold
    if event.has_usage:
        attributes["gen_ai.usage.input_tokens"] = event.input_tokens
        attributes["gen_ai.usage.output_tokens"] = event.output_tokens
        attributes["gen_ai.usage.cache_read.input_tokens"] = event.cached_tokens
        if event.cache_write_tokens:
            attributes["gen_ai.usage.cache_creation.input_tokens"] = event.cache_write_tokens
        if event.reasoning_tokens:
            attributes["gen_ai.usage.reasoning.output_tokens"] = event.reasoning_tokens
    if event.cost_usd is not None and not math.isnan(event.cost_usd):
        attributes[COST_ATTRIBUTE] = event.cost_usd
    return attributes


def _response_field(interaction: Interaction | None, field: str) -> str | None:
    """A top-level string of the response: its body's, or, for a stream, the first event that has it
    (OpenAI chunks carry it, Anthropic's message_start and Responses' events one level down)."""
    if interaction is None:
        return None
    response = interaction.response
    bodies = [response.body] if response.events is None else [event.get("data") for event in response.events]
    for body in bodies:
        if not isinstance(body, dict):
            continue
        for holder in (body, body.get("message"), body.get("response")):
            if isinstance(holder, dict) and isinstance(holder.get(field), str):
                return str(holder[field])
    return None


def _error_type(interaction: Interaction | None, event: Event) -> str:
    """The provider's error code or type (`rate_limit_exceeded`, `rate_limit_error`), else the HTTP status."""
    body = interaction.response.body if interaction is not None else None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        for key in ("code", "type"):  # OpenAI's code is the precise one (rate_limit_exceeded, insufficient_quota)
            if isinstance(error.get(key), str) and error[key]:
                return str(error[key])
    return str(event.status or "_OTHER")


def _tool_attributes(event: Event, call_id: str | None, content: bool) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": event.name,
        "gen_ai.tool.type": "function",
        "traceops_nb.step": event.step,
    }
    if call_id is not None:
        attributes["gen_ai.tool.call.id"] = call_id
    if event.inferred:
        attributes["traceops_nb.tool.inferred"] = True  # read from the conversation, not recorded by the code
    if event.error is not None:
        attributes["error.type"] = event.error.partition(":")[0].strip() or "_OTHER"
    if content:
        attributes["gen_ai.tool.call.arguments"] = _json(event.input)
        if event.error is None:
            attributes["gen_ai.tool.call.result"] = _json(event.output)
    return attributes


def _decision_attributes(event: Event, content: bool) -> dict[str, Any]:
    attributes: dict[str, Any] = {"traceops_nb.decision.name": event.name or "", "traceops_nb.step": event.step}
    if content:
        attributes["traceops_nb.decision.choice"] = _json(event.output)
        attributes["traceops_nb.decision.reason"] = _json(event.input)
    return attributes


# -- contents (opt-in) ---------------------------------------------------------------------------------------


def _message_attributes(event: Event, request: Mapping[str, Any]) -> dict[str, Any]:
    """gen_ai.input.messages / output.messages / system_instructions as JSON strings (structured values are
    flattened by some backends, Phoenix among them)."""
    messages = list(normalize_messages(event.input_messages, ids=True))
    attributes: dict[str, Any] = {}
    given_apart = request.get("system") is not None or request.get("instructions") is not None
    if given_apart and messages and messages[0].role == "system":  # Anthropic system=, Responses instructions=
        attributes["gen_ai.system_instructions"] = _json([{"type": "text", "content": messages.pop(0).text}])
    if messages:
        attributes["gen_ai.input.messages"] = _json([_chat_message(message) for message in messages])
    if event.kind == "llm_call" and event.operation != "embeddings":
        reply = Message("assistant", event.output_text, event.tool_calls)
        reason = (event.finish_reason or "stop").lower()  # Gemini says STOP, MAX_TOKENS
        finish = FINISH_REASONS.get(reason, reason)
        attributes["gen_ai.output.messages"] = _json([{**_chat_message(reply), "finish_reason": finish}])
    return attributes


def _chat_message(message: Message) -> dict[str, Any]:
    parts: list[dict[str, Any]] = []
    if message.role == "tool":
        parts.append({"type": "tool_call_response", "id": message.tool_call_id, "response": message.text})
    elif message.text:
        parts.append({"type": "text", "content": message.text})
    parts.extend(
        {"type": "tool_call", "id": call.id, "name": call.name, "arguments": call.arguments}
        for call in message.tool_calls
    )
    return {"role": message.role, "parts": parts}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=repr)
