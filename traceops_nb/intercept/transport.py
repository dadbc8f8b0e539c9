"""Layer B: wrap httpx2's (and httpx's) Client.send, where the bytes of an SDK call pass.

Only traffic of the SDK call in flight is touched (its own http client, inside layer A), and requests
to a provider API that a framework makes without an SDK (direct.py); every other request passes
through as if nothing were installed.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

from ..cassette.interactions import Interaction
from . import context, imports, pacing
from .direct import direct_call

HTTP_MODULES = ("httpx2", "httpx")
_MARK = "__traceops_nb__"


def install() -> None:
    """Patch each HTTP client library once it is imported (now, if it already is)."""
    for module_name in HTTP_MODULES:
        imports.when_imported(module_name, _install_client)


def _install_client(module: Any) -> None:
    _wrap(module.Client, module.Response, is_async=False)
    _wrap(module.AsyncClient, module.Response, is_async=True)


def _wrap(client_class: type, response_class: type, *, is_async: bool) -> None:
    original = client_class.send  # type: ignore[attr-defined]
    if getattr(original, _MARK, False):
        return
    make = _async_send if is_async else _sync_send
    wrapper = make(original, response_class)
    setattr(wrapper, _MARK, True)
    client_class.send = wrapper  # type: ignore[attr-defined]


def _our_call(client: Any, request: Any) -> tuple[context.Call | None, bool]:
    """The SDK call in flight on this client, or a provider request made without an SDK (direct=True)."""
    call = context.current_call()
    if call is not None and call.owns(client):
        return call, False
    call = direct_call(request)
    return call, call is not None


def _captured(call: context.Call, direct: bool) -> None:
    """A direct request has no SDK call to commit its attempt when done: it is one attempt, committed now."""
    if direct and call.last_attempt is not None:
        call.session.commit(call.last_attempt)


def _sync_send(original: Any, response_class: type) -> Any:
    @functools.wraps(original)
    def send(self: Any, request: Any, **kwargs: Any) -> Any:
        call, direct = _our_call(self, request)
        if call is None:
            return original(self, request, **kwargs)
        exchange = call.session.begin_exchange(call, request, response_class)
        if exchange.response is not None:
            if not kwargs.get("stream"):  # as httpx does: the body is read before send returns (a paced one waits)
                exchange.response.read()
            return exchange.response
        token = context.begin_call(call) if direct else None  # in flight: its connection is an SDK call's
        try:
            response = exchange.capture(original(self, request, **kwargs), is_async=False)
        finally:
            if token is not None:
                context.end_call(token)
        _captured(call, direct)
        return response

    return send


def _async_send(original: Any, response_class: type) -> Any:
    @functools.wraps(original)
    async def send(self: Any, request: Any, **kwargs: Any) -> Any:
        call, direct = _our_call(self, request)
        if call is None:
            return await original(self, request, **kwargs)
        exchange = call.session.begin_exchange(call, request, response_class)
        if exchange.response is not None:
            if not kwargs.get("stream"):
                await exchange.response.aread()
            return exchange.response
        token = context.begin_call(call) if direct else None
        try:
            response = exchange.capture(await original(self, request, **kwargs), is_async=True)
        finally:
            if token is not None:
                context.end_call(token)
        _captured(call, direct)
        return response

    return send


def http_response(
    interaction: Interaction,
    request: Any,
    response_class: type,
    stream: Any = None,
    clock: pacing.Clock | None = None,
) -> Any:
    """A new httpx / httpx2 Response built from the cassette, for the SDK to parse as a real one; its body
    is `stream` when given (an httpx byte stream), else the recorded content, delivered at the recorded
    pace when a clock is given."""
    recorded = interaction.response
    headers = dict(recorded.headers)
    if recorded.status >= 400:
        headers["x-should-retry"] = "false"  # the recorded answer is final: no back-off, no retry
    encoding = headers.pop("content-encoding", None)  # the body is stored decoded: httpx must not decode it
    if stream is None and clock is not None:
        stream = pacing.paced_body(importlib.import_module(response_class.__module__.split(".")[0]), interaction, clock)
    if stream is not None:
        return response_class(recorded.status, headers=headers, stream=stream, request=request)
    response = response_class(recorded.status, headers=headers, content=recorded.content(), request=request)
    # The body is read now; the headers become what the server sent, for SDKs that show them (google-genai).
    if encoding is not None:
        response.headers["content-encoding"] = encoding
    if "transfer-encoding" in headers and "content-length" not in headers:
        del response.headers["content-length"]  # httpx adds one; a chunked response had none
    return response
