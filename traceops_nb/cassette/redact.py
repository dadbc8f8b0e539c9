"""Secrets never reach disk: allow-listed headers; the credentials the SDKs sent and environment secrets
replaced wherever they appear; anything else key-shaped replaced by a marker.

Defaults are always on; user patterns add to them, never replace them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .interactions import BEHAVIOUR_HEADERS

# Response headers worth keeping: what the SDKs read (request ids, retry hints) and the content type.
RESPONSE_HEADERS = frozenset(
    {"content-type", "x-request-id", "request-id", "x-should-retry", "retry-after", "openai-version"}
)
# Google's API sends these beside the body (none of them secret), and google-genai shows every response
# header on the objects it returns (`sdk_http_response.headers`): keeping them makes a replayed object
# equal to the recorded one. Still an allow-list: a header not named here never reaches a cassette.
GOOGLE_RESPONSE_HEADERS = RESPONSE_HEADERS | {
    "content-length",
    "content-encoding",
    "transfer-encoding",
    "connection",
    "date",
    "server",
    "server-timing",
    "vary",
    "alt-svc",
    "cache-control",
    "x-xss-protection",
    "x-frame-options",
    "x-content-type-options",
}
RESPONSE_HEADERS_BY_PROVIDER = {"google": GOOGLE_RESPONSE_HEADERS}
REQUEST_HEADERS = BEHAVIOUR_HEADERS
# Query parameters that carry a credential (Google's API takes its key as `?key=`): kept as redacted.
SECRET_QUERY_PARAMS = frozenset({"key", "api_key", "apikey", "access_token"})
REDACTED = "<redacted>"
SECRET_ENV_SUFFIXES = ("KEY", "TOKEN", "SECRET")
MIN_SECRET_LENGTH = 8  # shorter values ("1", "true") would scrub ordinary text

# Where the SDKs send their credential: the value of these headers (after `Bearer `), and Google's `key=`.
CREDENTIAL_HEADERS = ("authorization", "x-api-key", "api-key", "x-goog-api-key")
CREDENTIAL_QUERY = ("key",)
CREDENTIAL_MARKER = "<redacted:credential>"  # what an SDK sent as its key, whichever header carried it
KEY_LIKE_MARKER = "<redacted:key-like>"
_KEY_HINTS = ("sk-", "AKIA", "Bearer")  # a cheap test before the regex: most text holds none of them

KEY_LIKE = re.compile(
    r"(?<![A-Za-z0-9])(?:sk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|Bearer\s+[A-Za-z0-9._~+/=-]{16,})"
)


def keep_headers(headers: Iterable[tuple[str, str]], allowed: frozenset[str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers if name.lower() in allowed}


def response_headers(provider: str) -> frozenset[str]:
    return RESPONSE_HEADERS_BY_PROVIDER.get(provider, RESPONSE_HEADERS)


def redact_query(params: Iterable[tuple[str, str]]) -> dict[str, str]:
    """A request's query with the value of every credential parameter replaced: the replayed request,
    redacted the same way, still matches."""
    return {name: REDACTED if name.lower() in SECRET_QUERY_PARAMS else value for name, value in params}


@dataclass(frozen=True)
class Redactor:
    """Replaces secret values (from the environment, or user patterns) inside any JSON-like value."""

    secrets: tuple[tuple[str, str], ...]  # (value, placeholder), longest first
    patterns: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def from_environment(cls, patterns: Iterable[str | re.Pattern[str]] = ()) -> Redactor:
        found = [
            (value, f"<redacted:{name}>")
            for name, value in os.environ.items()
            if name.upper().endswith(SECRET_ENV_SUFFIXES) and len(value) >= MIN_SECRET_LENGTH
        ]
        found.sort(key=lambda pair: -len(pair[0]))
        compiled = tuple(re.compile(p) if isinstance(p, str) else p for p in patterns)
        return cls(tuple(found), compiled)

    def with_secrets(self, found: Iterable[tuple[str, str]]) -> Redactor:
        """This redactor, also replacing these (value, placeholder) pairs; values it knows keep their name."""
        known = {value for value, _ in self.secrets}
        new = [(value, placeholder) for value, placeholder in found if value not in known]
        if not new:
            return self
        merged = sorted([*self.secrets, *dict(new).items()], key=lambda pair: -len(pair[0]))
        return Redactor(tuple(merged), self.patterns)

    def touches(self, text: str) -> bool:
        return any(value in text for value, _ in self.secrets) or any(p.search(text) for p in self.patterns)

    def scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._scrub_text(value)
        if isinstance(value, dict):
            return {key: self.scrub(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.scrub(item) for item in value]
        return value

    def _scrub_text(self, text: str) -> str:
        for secret, placeholder in self.secrets:
            if secret in text:
                text = text.replace(secret, placeholder)
        for pattern in self.patterns:
            text = pattern.sub("<redacted>", text)
        return text


def sent_credentials(headers: Iterable[tuple[str, str]], query: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The credentials a request carries, whatever their shape, as (value, CREDENTIAL_MARKER)."""
    found = [
        value.split(" ", 1)[1] if value.lower().startswith("bearer ") else value
        for name, value in headers
        if name.lower() in CREDENTIAL_HEADERS
    ]
    found += [value for name, value in query if name in CREDENTIAL_QUERY]
    return [(value.strip(), CREDENTIAL_MARKER) for value in found if len(value.strip()) >= MIN_SECRET_LENGTH]


def mark_key_like(value: Any) -> Any:
    """value with every key-shaped string replaced by KEY_LIKE_MARKER."""
    if isinstance(value, str):
        return KEY_LIKE.sub(KEY_LIKE_MARKER, value) if any(hint in value for hint in _KEY_HINTS) else value
    if isinstance(value, dict):
        return {key: mark_key_like(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mark_key_like(item) for item in value]
    return value


def find_key_like(value: Any, path: str = "") -> Iterator[str]:
    """Where in value something still looks like a credential, as `path: sk-abc…`."""
    if isinstance(value, str):
        for match in KEY_LIKE.finditer(value):
            yield f"{path or '(top)'}: {match.group()[:10]}…"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from find_key_like(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from find_key_like(item, f"{path}[{index}]")
