"""Layer A for Google's google-genai SDK: wrap BaseApiClient._request / _async_request.

Every models / chats / caches call of `genai.Client` and `client.aio`, streamed or not, goes through
these two methods, and the SDK's retry loop (tenacity) lives inside them. The wrapper marks the call as
in flight, so layer B records the bytes of that client's own httpx / httpx2 traffic, and commits its
last attempt. The async client sends through an inner httpx client per event loop, which the call owns
too; while a call is in flight the SDK is kept on httpx even when aiohttp is installed (it would
bypass layer B).

On replay the recorded answer is served here, before the SDK builds an HTTP request: a body or the
stream's events go to the SDK as the list of JSON texts its own replay support reads, and a recorded
error is raised by the SDK's own `APIError.raise_for_response`, once (never retried). A miss, or
TRACEOPS_FAST_REPLAY=0, takes the full route through layer B, one attempt only.

The SDK turns each replayed JSON object into its pydantic class with `_from_response`, which first walks
the object to drop fields the class does not know (forward compatibility), then validates it. While a
session replays, validation is tried first: the classes forbid unknown fields, so an object that passes
had none to drop and the result is the same; one that fails takes the SDK's own way.
"""

from __future__ import annotations

import copy
import functools
import importlib
import sys
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ..cassette.interactions import Interaction, Request
from ..cassette.redact import REQUEST_HEADERS, keep_headers, redact_query
from ..cassette.sse import event_data
from . import context, google_fastpath, imports
from .transport import http_response

PROVIDER = "google"
PACKAGE = "google.genai"
MODULE = "google.genai._api_client"
TYPES_MODULE = "google.genai._common"


GENERATED_MODULE = "google.genai._gaos.basesdk"  # the Interactions API's generated client (client.interactions)


def install() -> None:
    """Patch google-genai once it is imported (now, if it already is)."""
    imports.when_imported(PACKAGE, _install)
    imports.when_imported(GENERATED_MODULE, _install_generated)


def _install(_package: object) -> None:
    module = importlib.import_module(MODULE)
    base = module.BaseApiClient
    imports.wrap_method(base, "_request", _sync_request)
    imports.wrap_method(base, "_async_request", _async_request)
    imports.wrap_method(base, "_use_aiohttp", _use_aiohttp)
    _patch_from_response(importlib.import_module(TYPES_MODULE).BaseModel)
    google_fastpath.install(_play_built)


def _install_generated(module: Any) -> None:
    """`client.interactions` (and agents, environments…) send through a generated client of their own, over
    the same httpx / httpx2 clients as the rest of the SDK: each request it sends is a call in flight."""
    imports.wrap_method(module.BaseSDK, "do_request", _generated_request)
    imports.wrap_method(module.AsyncBaseSDK, "do_request_async", _generated_async_request)


def _generated_call(sdk: Any, http_client: Any, hook_ctx: Any) -> tuple[GoogleCall, object] | None:
    session = context.active_session()
    if session is None:
        return None
    configuration = sdk.sdk_configuration
    base_path = urlsplit(configuration.server_url or "").path.rstrip("/")
    call = GoogleCall(session, PROVIDER, http_client, base_path, operation=_operation(hook_ctx))
    return call, context.begin_call(call)


# The generated client's operation ids, as the SDK's resource and method; others are kept as they are.
GENERATED_OPERATIONS = {
    "CreateInteraction": "interactions.create",
    "getInteractionById": "interactions.get",
    "deleteInteraction": "interactions.delete",
    "cancelInteractionById": "interactions.cancel",
}


def _operation(hook_ctx: Any) -> str | None:
    operation_id = str(getattr(hook_ctx, "operation_id", "") or "")
    return GENERATED_OPERATIONS.get(operation_id, operation_id) or None


def _generated_request(original: Any) -> Any:
    @functools.wraps(original)
    def do_request(self: Any, hook_ctx: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        started = _generated_call(self, self.sdk_configuration.client, hook_ctx)
        if started is None:
            return original(self, hook_ctx, request, *args, **kwargs)
        call, token = started
        try:
            return original(self, hook_ctx, request, *args, **kwargs)
        finally:
            _finish(call, token)

    return do_request


def _generated_async_request(original: Any) -> Any:
    @functools.wraps(original)
    async def do_request_async(self: Any, hook_ctx: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        started = _generated_call(self, self.sdk_configuration.async_client, hook_ctx)
        if started is None:
            return await original(self, hook_ctx, request, *args, **kwargs)
        call, token = started
        try:
            return await original(self, hook_ctx, request, *args, **kwargs)
        finally:
            _finish(call, token)

    return do_request_async


def _patch_from_response(model_class: type) -> None:
    original = model_class.__dict__["_from_response"].__func__
    if getattr(original, imports.MARK, False):
        return
    from pydantic import ValidationError

    @functools.wraps(original)
    def _from_response(cls: type, *, response: Any, kwargs: Any) -> Any:
        session = context.active_session()
        if session is not None and session.can_fast_replay and isinstance(response, dict):
            try:
                return cls.model_validate(response)  # type: ignore[attr-defined]
            except ValidationError:  # fields the class does not know: the SDK drops them, from a copy here
                return original(cls, response=copy.deepcopy(response), kwargs=kwargs)
        return original(cls, response=response, kwargs=kwargs)

    setattr(_from_response, imports.MARK, True)
    model_class._from_response = classmethod(_from_response)  # type: ignore[attr-defined]


@dataclass
class GoogleCall(context.Call):
    """A google-genai call: its BaseApiClient sends through its sync client, its async client, or the
    async client's per-event-loop inner clients."""

    api: Any = None

    def owns(self, client: Any) -> bool:
        if client is self.http_client:
            return True
        outer = self.api._async_httpx_client if self.api is not None else self.http_client
        if client is outer:
            return True
        inner = getattr(outer, "_loop_clients", None) or {}
        return any(client is each for each in list(inner.values()))


def _start(api: Any, http_client: Any) -> tuple[GoogleCall, object] | None:
    session = context.active_session()
    if session is None:
        return None
    call = GoogleCall(session, PROVIDER, http_client, _base_path(api), api=api)
    return call, context.begin_call(call)


def _finish(call: context.Call, token: object) -> None:
    context.end_call(token)
    if call.last_attempt is not None:
        call.session.commit(call.last_attempt)


def _sync_request(original: Any) -> Any:
    @functools.wraps(original)
    def _request(self: Any, http_request: Any, http_options: Any = None, stream: bool = False) -> Any:
        started = _start(self, self._httpx_client)
        if started is None:
            return original(self, http_request, http_options, stream)
        call, token = started
        try:
            played = _play(call, http_request)
            if played is not None:
                if played.response.status >= 400:
                    _errors().APIError.raise_for_response(_error_response(self, http_request, played))
                return _sdk_response(self, played)
            if call.session.replaying and not call.session.recording:
                return self._request_once(http_request, stream)  # one attempt: a recorded error is final
            return original(self, http_request, http_options, stream)
        finally:
            _finish(call, token)

    return _request


def _async_request(original: Any) -> Any:
    @functools.wraps(original)
    async def _async_request(self: Any, http_request: Any, http_options: Any = None, stream: bool = False) -> Any:
        started = _start(self, self._async_httpx_client)
        if started is None:
            return await original(self, http_request, http_options, stream)
        call, token = started
        try:
            played = _play(call, http_request)
            if played is not None:
                if played.response.status >= 400:
                    await _errors().APIError.raise_for_async_response(_error_response(self, http_request, played))
                return _sdk_response(self, played)
            if call.session.replaying and not call.session.recording:
                return await self._async_request_once(http_request, stream, implicit_retry=False)
            return await original(self, http_request, http_options, stream)
        finally:
            _finish(call, token)

    return _async_request


def _use_aiohttp(original: Any) -> Any:
    @functools.wraps(original)
    def use_aiohttp(self: Any) -> bool:
        call = context.current_call()
        if isinstance(call, GoogleCall) and call.api is self and self._async_httpx_client is not None:
            return False  # stay on httpx, where layer B sees the call's bytes
        return bool(original(self))

    return use_aiohttp


# -- replay from layer A --------------------------------------------------------------------------------


def _play(call: GoogleCall, http_request: Any) -> Interaction | None:
    """The recorded answer, when the fast route may serve it; None sends the call down the full route."""
    handed = google_fastpath.take_handed(call.api)
    if handed is not None:
        return handed
    if not call.session.can_fast_replay:
        return None
    return _play_built(call.session, call.api, http_request)


def _play_built(session: Any, api: Any, http_request: Any) -> Interaction | None:
    """The recorded answer to the request the SDK built, or None."""
    record = request_record(http_request, _base_path(api))
    if record is None:
        return None
    played: Interaction | None = session.play(PROVIDER, record, miss_ok=True)
    return played


def _base_path(api: Any) -> str:
    return urlsplit(api._http_options.base_url or "").path.rstrip("/")


def request_record(http_request: Any, base_path: str) -> Request | None:
    """The SDK's HttpRequest as layer B would record it from the bytes sent; None for a non-JSON body."""
    data = http_request.data
    if isinstance(data, bytes | bytearray):
        return None
    url = urlsplit(http_request.url)
    path = unquote(url.path)
    if base_path and path.startswith(base_path):
        path = path[len(base_path) :] or "/"
    return Request(
        method=http_request.method.upper(),
        path=path,
        query=redact_query(parse_qsl(url.query, keep_blank_values=True)),
        headers=keep_headers(http_request.headers.items(), REQUEST_HEADERS),
        body=data or None,
    )


def _sdk_response(api: Any, played: Interaction) -> Any:
    """What `_request_once` returns, built from the cassette: the SDK reads a list of JSON texts as its
    own replayed body (one text) or stream (one text per event)."""
    recorded = played.response
    if recorded.events is not None:
        texts = [event_data(event) for event in recorded.events]
    else:
        texts = [recorded.content().decode()]
    return sys.modules[MODULE].HttpResponse(dict(recorded.headers), texts)


def _error_response(api: Any, http_request: Any, played: Interaction) -> Any:
    module = _http_module(api)
    request = module.Request(http_request.method, http_request.url)
    return http_response(played, request, module.Response)


def _http_module(api: Any) -> Any:
    """httpx2 or httpx, whichever the SDK's client is built on."""
    for cls in type(api._httpx_client or api._async_httpx_client).__mro__:
        root = cls.__module__.partition(".")[0]
        if root in ("httpx2", "httpx"):
            return sys.modules[root]
    return importlib.import_module("httpx")


def _errors() -> Any:
    return importlib.import_module("google.genai.errors")
