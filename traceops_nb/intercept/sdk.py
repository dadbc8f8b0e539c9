"""Layer A: wrap the SDKs' APIClient.request, the one method every public call path goes through.

It marks the call as in flight (provider, the SDK's own http client) so that layer B acts on that
call's traffic only, and commits the call's last attempt once the SDK is done with it.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from ..cassette.operations import operation_of
from . import context, fastpath, imports, params

SDK_MODULES = {"openai": "openai._base_client", "anthropic": "anthropic._base_client"}
_MARK = "__traceops_nb__"

# Called with (provider, the SDK's request options) when an SDK call starts with no session active. It may
# raise to stop the call before the SDK builds a request, retries or connects: the notebook stage sets it
# while replaying only, where such a call could only fail after the SDK's retries.
no_session_hook: Callable[[str, Any], None] | None = None


def install() -> None:
    """Patch each SDK once it is imported (now, if it already is)."""
    for provider in SDK_MODULES:
        imports.when_imported(provider, functools.partial(_install_sdk, provider))


def _install_sdk(provider: str, _package: object) -> None:
    module = importlib.import_module(SDK_MODULES[provider])
    _wrap(module.SyncAPIClient, provider, is_async=False)
    _wrap(module.AsyncAPIClient, provider, is_async=True)
    fastpath.install_fast_validation(module)
    if provider == "openai":
        params.install()


def _wrap(client_class: type, provider: str, *, is_async: bool) -> None:
    original = client_class.request  # type: ignore[attr-defined]
    if getattr(original, _MARK, False):
        return
    wrapper = _async_request(original, provider) if is_async else _sync_request(original, provider)
    setattr(wrapper, _MARK, True)
    client_class.request = wrapper  # type: ignore[attr-defined]


def _start(client: Any, provider: str, options: Any) -> tuple[context.Call, object] | None:
    session = context.active_session()
    if session is None:
        if no_session_hook is not None:
            no_session_hook(provider, options)
        return None
    if session.replaying:  # a fast replay builds no http request: its client's credentials are learnt here
        session.learn_client(client)
    base_path = client.base_url.path.rstrip("/")
    operation = operation_of(options.method.upper(), urlsplit(options.url).path)
    call = context.Call(session, provider, client._client, base_path, operation=operation)
    return call, context.begin_call(call)


def _finish(call: context.Call, token: object) -> None:
    context.end_call(token)
    if call.last_attempt is not None:
        call.session.commit(call.last_attempt)


def _sync_request(original: Any, provider: str) -> Any:
    @functools.wraps(original)
    def request(self: Any, cast_to: Any, options: Any, *, stream: bool = False, stream_cls: Any = None) -> Any:
        started = _start(self, provider, options)
        if started is None:
            return original(self, cast_to, options, stream=stream, stream_cls=stream_cls)
        call, token = started
        try:
            fast = fastpath.replay_sync(call, self, cast_to, options, stream, stream_cls)
            if fast is not fastpath.MISS:
                return fast
            return original(self, cast_to, options, stream=stream, stream_cls=stream_cls)
        finally:
            _finish(call, token)

    return request


def _async_request(original: Any, provider: str) -> Any:
    @functools.wraps(original)
    async def request(self: Any, cast_to: Any, options: Any, *, stream: bool = False, stream_cls: Any = None) -> Any:
        started = _start(self, provider, options)
        if started is None:
            return await original(self, cast_to, options, stream=stream, stream_cls=stream_cls)
        call, token = started
        try:
            fast = await fastpath.replay_async(call, self, cast_to, options, stream, stream_cls)
            if fast is not fastpath.MISS:
                return fast
            return await original(self, cast_to, options, stream=stream, stream_cls=stream_cls)
        finally:
            _finish(call, token)

    return request
