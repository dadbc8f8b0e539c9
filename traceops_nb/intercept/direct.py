"""Provider API traffic that bypasses the official SDKs: LiteLLM, for one, posts to Anthropic's Messages
API with its own httpx client. Layer B hands such a request here when no SDK call is in flight; it becomes
a call of its own, recorded and replayed like an SDK's, its path made relative as the SDK's would be.
"""

from __future__ import annotations

from typing import Any

from . import context

# Anthropic's Messages API, recognised by its path and the version header every client must send.
ANTHROPIC_PATHS = ("/v1/messages", "/v1/messages/count_tokens")


def direct_call(request: Any) -> context.Call | None:
    """A call for this request when it goes to a provider API outside any SDK call, else None."""
    path = request.url.path.rstrip("/")  # cheapest first: this runs for every request httpx sends
    if not path.endswith(ANTHROPIC_PATHS) or "anthropic-version" not in request.headers:
        return None
    session = context.active_session()
    if session is None or context.current_call() is not None:
        return None
    base_path = path[: path.rfind("/v1/")]  # what precedes /v1/ belongs to the base URL, as with the SDK
    return context.Call(session, "anthropic", http_client=None, base_path=base_path)
