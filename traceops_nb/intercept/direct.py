"""Provider API traffic that bypasses the official SDKs: LiteLLM, for one, posts to Anthropic's Messages
API and to Gemini's generateContent with its own httpx client. Layer B hands such a request here when no
SDK call is in flight; it becomes a call of its own, recorded and replayed like an SDK's, its path made
relative as the SDK's would be.
"""

from __future__ import annotations

import re
from typing import Any

from . import context

# Anthropic's Messages API, recognised by its path and the version header every client must send.
ANTHROPIC_PATHS = ("/v1/messages", "/v1/messages/count_tokens")
# Gemini's REST API, recognised by its path and its key (a header, or the `key` query parameter).
GEMINI_METHODS = (":generateContent", ":streamGenerateContent", ":countTokens", ":embedContent", ":batchEmbedContents")
_GEMINI_VERSION = re.compile(r"/v1(?:alpha|beta)?/models/[^/]+$")


def direct_call(request: Any) -> context.Call | None:
    """A call for this request when it goes to a provider API outside any SDK call, else None."""
    path = request.url.path.rstrip("/")  # cheapest first: this runs for every request httpx sends
    found = _provider_api(path, request)
    if found is None:
        return None
    session = context.active_session()
    if session is None or context.current_call() is not None:
        return None
    provider, base_path = found
    return context.Call(session, provider, http_client=None, base_path=base_path)


def _provider_api(path: str, request: Any) -> tuple[str, str] | None:
    """The provider and the base path (what precedes the API version, as with the SDKs), or None."""
    if path.endswith(ANTHROPIC_PATHS) and "anthropic-version" in request.headers:
        return "anthropic", path[: path.rfind("/v1/")]
    if not path.endswith(GEMINI_METHODS):
        return None
    version = _GEMINI_VERSION.search(path)
    keyed = "x-goog-api-key" in request.headers or "key" in request.url.params
    return ("google", path[: version.start()]) if version is not None and keyed else None
