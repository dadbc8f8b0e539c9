"""Replay straight from layer A: no request building, no HTTP client, fast response validation.

On replay the SDK's own request building and response parsing need not all run again. For a call
whose request can be rebuilt exactly from the SDK's options (JSON body, no raw-response wrapper),
the recorded answer is found here and handed to the SDK's own `_process_response`, so the caller
still gets the SDK's own class (streams, parse helpers and request ids included). A replayed stream
reads the recorded events as the SDK's own ServerSentEvent objects, not rendered to bytes and
decoded again. Anything else,
and any miss, falls through to the full path, which gives the exact mismatch error.

Replayed response data is validated with pydantic (compiled) instead of the SDKs' pure-Python
`construct_type`; when validation disagrees with a recorded body, the SDK's own path is used.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qsl

from pydantic import BaseModel

from ..cassette.interactions import BEHAVIOUR_HEADERS, Interaction, Request
from ..cassette.sse import event_data, render_events
from . import context, pacing
from .transport import http_response

MISS = object()
RAW_RESPONSE_HEADER = "x-stainless-raw-response"
REPLAYED = "_traceops_nb_replayed"  # set on the http responses this package builds
_MARK = "__traceops_nb__"


def replay_sync(call: context.Call, client: Any, cast_to: Any, options: Any, stream: bool, stream_cls: Any) -> Any:
    if not _eligible(call, options):
        return MISS
    clock = pacing.clock(call.session.pace)
    prepared = client._prepare_options(_copy(client, options))
    result, played = _answer(call, client, cast_to, prepared, stream, stream_cls, clock)
    if clock is not None and played is not None and played.response.events is None:
        clock.wait(played.duration_ms)
    return result


async def replay_async(
    call: context.Call, client: Any, cast_to: Any, options: Any, stream: bool, stream_cls: Any
) -> Any:
    if not _eligible(call, options):
        return MISS
    clock = pacing.clock(call.session.pace)
    copied = _copy(client, options)
    prepared = await client._prepare_options(await copied if inspect.isawaitable(copied) else copied)
    result, played = _answer(call, client, cast_to, prepared, stream, stream_cls, clock)
    result = await result if inspect.isawaitable(result) else result
    if clock is not None and played is not None and played.response.events is None:
        await clock.wait_async(played.duration_ms)
    return result


def _eligible(call: context.Call, options: Any) -> bool:
    if not call.session.can_fast_replay:
        return False
    headers = options.headers if isinstance(options.headers, dict) else {}
    if any(str(name).lower() == RAW_RESPONSE_HEADER for name in headers):
        return False
    return getattr(options, "files", None) is None and getattr(options, "content", None) is None


def _copy(client: Any, options: Any) -> Any:
    """The SDK's own copy-and-prepare step where it has one (anthropic), else a plain copy."""
    prepare = getattr(client, "_copy_and_prepare", None)
    return prepare(options) if prepare is not None else options.model_copy()


def _answer(
    call: context.Call,
    client: Any,
    cast_to: Any,
    options: Any,
    stream: bool,
    stream_cls: Any,
    clock: pacing.Clock | None,
) -> tuple[Any, Interaction | None]:
    """The SDK's result for the recorded answer (MISS when there is none), and that answer."""
    record = _request_record(client, options, call.base_path)
    if record is None:
        return MISS, None
    played = call.session.play(call.provider, record, miss_ok=True, errors_ok=False)
    if played is None:  # a miss, or a recorded error: the full path raises both as they should be
        return MISS, None
    if not stream:
        direct = _direct_result(client, call.provider, cast_to, options, played)
        if direct is not MISS:
            return direct, played
    module = _http_module(client._client)
    request = module.Request(options.method, _url(module, str(client.base_url), options.url))
    events = played.response.events if stream else None
    body = None if events is None else _recorded_body(module, played, events, clock)
    response = http_response(played, request, module.Response, stream=body)
    setattr(response, REPLAYED, True)
    cast_to = client._maybe_override_cast_to(cast_to, options)
    result = client._process_response(
        cast_to=cast_to, options=options, response=response, stream=stream, stream_cls=stream_cls
    )
    if events is not None:
        _feed_recorded_events(result, events, None if clock is None else (pacing.event_offsets(played), clock))
    return result, played


def _recorded_body(module: Any, played: Interaction, events: list[dict[str, Any]], clock: pacing.Clock | None) -> Any:
    """The stream's bytes, rendered only when read (a fed stream never reads them)."""
    if clock is not None:
        return pacing.paced_body(module, played, clock)
    return pacing.body_class(module)(lambda: [render_events(events)])


def _feed_recorded_events(
    stream: Any, events: list[dict[str, Any]], pace: tuple[list[float], pacing.Clock] | None
) -> None:
    """Point the SDK's Stream / AsyncStream at the recorded events: its `__stream__` (chunk parsing,
    errors, closing) runs as it is, only the byte-level SSE decoding is skipped. Anything that is not
    one of the SDKs' stream classes keeps reading the rebuilt bytes. With a pace, each event waits for
    its recorded offset."""
    iter_events = getattr(type(stream), "_iter_events", None)
    if iter_events is None or not hasattr(stream, "_iterator"):
        return
    # the SDK's own event class, from the module that defines the method (the classes are re-exported)
    sse_class = getattr(sys.modules.get(iter_events.__module__), "ServerSentEvent", None)
    if sse_class is None:
        return
    decoded = _server_sent_events(sse_class, events)
    if inspect.isasyncgenfunction(iter_events):

        async def recorded_async() -> AsyncIterator[Any]:
            if pace is not None:
                async for paced_event in pacing.paced_async(decoded, *pace):
                    yield paced_event
                return
            for event in decoded:
                yield event

        stream._iter_events = recorded_async
    else:

        def recorded() -> Iterator[Any]:
            yield from decoded if pace is None else pacing.paced(decoded, *pace)

        stream._iter_events = recorded


# Recorded streams decoded into the SDK's event objects, once per stream and event class: the SDK only
# reads them (each chunk's JSON is parsed afresh from their text), so replays of a stream share them.
_DECODED: dict[tuple[int, int], tuple[list[dict[str, Any]], list[Any]]] = {}
_DECODED_MAX = 256


def _server_sent_events(sse_class: Any, events: list[dict[str, Any]]) -> list[Any]:
    key = (id(events), id(sse_class))
    cached = _DECODED.get(key)
    if cached is not None and cached[0] is events and len(cached[1]) == len(events):
        return cached[1]
    if len(_DECODED) >= _DECODED_MAX:
        _DECODED.clear()
    decoded = _decode(sse_class, events)
    _DECODED[key] = (events, decoded)  # the events are kept alive with it, so their id is not reused
    return decoded


def _decode(sse_class: Any, events: list[dict[str, Any]]) -> list[Any]:
    """What the SDK's SSE decoder yields for these events (the last event id carries over, as it does)."""
    decoded = []
    last_id = None
    for event in events:
        last_id = event.get("id", last_id)
        retry = event.get("retry")
        decoded.append(
            sse_class(
                event=event.get("event"),
                data=event_data(event),
                id=None if last_id is None else str(last_id),
                retry=int(retry) if retry is not None else None,
            )
        )
    return decoded


REQUEST_ID_HEADERS = {"openai": "x-request-id", "anthropic": "request-id"}


def _direct_result(client: Any, provider: str, cast_to: Any, options: Any, played: Interaction) -> Any:
    """The plain case of the SDK's `_process_response` and `APIResponse.parse`, with no HTTP response built:
    a JSON body validated into the SDK's model class, its post_parser applied, its request id attached."""
    body = played.response.body
    content_type = played.response.headers.get("content-type", "")
    if not isinstance(body, dict) or "json" not in content_type or not _is_model_class(cast_to):
        return MISS
    if getattr(client, "_strict_response_validation", False):
        return MISS
    parsed = _validate(json.loads(json.dumps(body)), cast_to)  # a fresh copy: the cassette stays untouched
    if parsed is MISS:
        return MISS
    post_parser = getattr(options, "post_parser", None)
    if callable(post_parser):
        parsed = post_parser(parsed)
    if isinstance(parsed, BaseModel):
        # the SDKs' BaseModel declares this private attribute; pydantic's does not
        parsed._request_id = played.response.headers.get(REQUEST_ID_HEADERS.get(provider, "x-request-id"))  # type: ignore[attr-defined]
    return parsed


def _is_model_class(cast_to: Any) -> bool:
    return inspect.isclass(cast_to) and issubclass(cast_to, BaseModel) and not hasattr(cast_to, "build")


@functools.lru_cache(maxsize=256)
def _url(module: Any, base_url: str, path: str) -> Any:
    """URLs are immutable: parse each base + path once."""
    return module.URL(path) if "://" in path else module.URL(base_url.rstrip("/") + "/" + path.lstrip("/"))


def _request_record(client: Any, options: Any, base_path: str) -> Request | None:
    body = options.json_data
    extra = getattr(options, "extra_json", None)
    if isinstance(extra, dict) and extra:
        if body is not None and not isinstance(body, dict):
            return None
        body = {**(body or {}), **extra}
    if body is not None:
        body = json.loads(_sdk_json_dumps(client)(body))
    if _rewrites_urls(type(client)):  # type: ignore[arg-type]
        path, query = _built_path_and_query(client, options, base_path)
    else:
        path, _, raw_query = options.url.partition("?")
        if "://" in path:
            return None  # an absolute URL: only the full path knows how it relates to the base URL
        path = "/" + path.lstrip("/")
        if base_path and path.startswith(base_path + "/"):
            path = path[len(base_path) :]
        query = _query(client, options.params, raw_query)
    # Behaviour headers the caller set; any the SDK adds itself only make this path miss, never
    # match wrongly, and the full path then decides.
    headers = {**getattr(client, "_custom_headers", {}), **(options.headers or {})}
    behaviour = {str(k).lower(): str(v) for k, v in headers.items() if str(k).lower() in BEHAVIOUR_HEADERS}
    return Request(method=options.method.upper(), path=path, query=query, headers=behaviour, body=body)


@functools.lru_cache(maxsize=16)
def _rewrites_urls(client_type: type) -> bool:
    """Whether the client moves URLs when it builds a request (AzureOpenAI: under /deployments/<model>, or
    outside a deployment's base path); its own request building then says where a call goes."""
    base = importlib.import_module(f"{client_type.__module__.split('.')[0]}._base_client").BaseClient
    return any(getattr(client_type, name) is not getattr(base, name) for name in ("_build_request", "_prepare_url"))


def _built_path_and_query(client: Any, options: Any, base_path: str) -> tuple[str, dict[str, str]]:
    """Path and query of the request the client builds, as the full path records them."""
    url = client._build_request(options).url
    path = url.path
    if base_path and path.startswith(base_path):
        path = path[len(base_path) :] or "/"
    return path, dict(url.params.items())


def _query(client: Any, call_params: Any, raw_query: str) -> dict[str, str]:
    """The query as the SDK sends it: the URL's own parameters, overridden key by key by the client's
    default query and the call's params (flattened by the client's own Querystring), first value per key
    as the full path records it."""
    is_given = _sdk_is_given(client)
    params = {k: v for k, v in {**client.default_query, **(call_params or {})}.items() if is_given(v)}
    query = _first_values(parse_qsl(raw_query, keep_blank_values=True))
    if params:
        query.update(_first_values(client.qs.stringify_items(params)))
    return query


def _first_values(pairs: Any) -> dict[str, str]:
    first: dict[str, str] = {}
    for key, value in pairs:
        first.setdefault(str(key), str(value))
    return first


@functools.lru_cache(maxsize=8)
def _sdk_is_given_for(module_name: str) -> Any:
    try:
        return importlib.import_module(f"{module_name}._utils").is_given
    except (ImportError, AttributeError):
        return lambda value: True


def _sdk_is_given(client: Any) -> Any:
    return _sdk_is_given_for(type(client).__module__.split(".")[0])


@functools.lru_cache(maxsize=8)
def _sdk_json_dumps_for(module_name: str) -> Any:
    try:
        return importlib.import_module(f"{module_name}._utils._json").openapi_dumps
    except (ImportError, AttributeError):
        return lambda value: json.dumps(value).encode()


def _sdk_json_dumps(client: Any) -> Any:
    return _sdk_json_dumps_for(type(client).__module__.split(".")[0])


@functools.lru_cache(maxsize=16)
def _http_module_for(client_type: type) -> Any:
    for klass in client_type.__mro__:
        root = klass.__module__.split(".")[0]
        if root in ("httpx2", "httpx"):
            return importlib.import_module(root)
    return importlib.import_module("httpx2")


def _http_module(http_client: Any) -> Any:
    return _http_module_for(type(http_client))  # type: ignore[arg-type]


# -- fast validation of replayed response data --------------------------------------------------


def install_fast_validation(base_client_module: Any) -> None:
    """Patch one SDK's `_base_client` (openai's or anthropic's)."""
    base = base_client_module.BaseClient
    original = base._process_response_data
    if not getattr(original, _MARK, False):
        wrapper = _validating(original)
        setattr(wrapper, _MARK, True)
        base._process_response_data = wrapper


def _validating(original: Any) -> Any:
    @functools.wraps(original)
    def process(self: Any, *, data: Any, cast_to: Any, response: Any) -> Any:
        if getattr(response, REPLAYED, False) and not getattr(self, "_strict_response_validation", False):
            validated = _validate(data, cast_to)
            if validated is not MISS:
                return validated
        return original(self, data=data, cast_to=cast_to, response=response)

    return process


def _validate(data: Any, cast_to: Any) -> Any:
    """Compiled pydantic validation, or MISS where the SDK's lenient construct must decide."""
    if data is None or cast_to is object:
        return MISS
    try:
        adapter = _adapter(cast_to)
    except TypeError:  # an unhashable type annotation
        return MISS
    if adapter is None:
        return MISS
    try:
        return adapter.validate_python(data)
    except ValueError:  # pydantic's ValidationError: the SDK's construct accepts what validation refuses
        return MISS


@functools.lru_cache(maxsize=512)
def _adapter(cast_to: Any) -> Any:
    """pydantic's validator for `cast_to`, or None where the SDK must build or construct it (once per type:
    a stream asks for every chunk)."""
    if inspect.isclass(cast_to) and hasattr(cast_to, "build"):  # ModelBuilderProtocol: the SDK builds it
        return None
    from pydantic import TypeAdapter

    try:
        return TypeAdapter(cast_to)
    except Exception:  # not a type pydantic can validate: let the SDK construct it
        return None
