"""Replay-only notebooks (CI, nbval): an SDK call made outside any cassette stops at once, saying how to fix it.

Without this, such a call goes to the SDK, which retries and then fails with its own long connection error
that never names traceops_nb. Layer A calls `refuse_unrecorded` when a call starts with no session active.
"""

from __future__ import annotations

import linecache
import sys
from typing import Any

from .. import intercept
from ..engine.modes import RecordMode, resolve_mode
from ..errors import UnrecordedCallError
from ..intercept import sdk

PROMPT_WORDS = 8


def install() -> None:
    intercept.install()
    sdk.no_session_hook = refuse_unrecorded


def refuse_unrecorded(provider: str, options: Any) -> None:
    resolved = resolve_mode(None, RecordMode.REWRITE)
    if resolved.mode is not RecordMode.NONE:
        return  # recording interactively: a call outside any cassette is simply a live call
    body = getattr(options, "json_data", None)
    request = describe_request(provider, body if isinstance(body, dict) else {})
    where = cell_line()
    raise UnrecordedCallError(
        f"{request} was made outside any cassette while replaying only (mode none from {resolved.source}), "
        "so it was stopped before reaching the network.\n"
        + (f"The call: {where}\n" if where else "")
        + "To record it, either put `%%record cassettes/NAME.yaml` on this cell, or record the whole notebook: "
        "`%traceops notebook` in a cell at its top (or `traceops-nb record NOTEBOOK`, with no edit), "
        "then commit the cassette."
    )


def describe_request(provider: str, body: dict[str, Any]) -> str:
    """`an openai call (model gpt-5.4-mini, prompt "What is the weather in…")`."""
    details = []
    if isinstance(body.get("model"), str):
        details.append(f"model {body['model']}")
    prompt = prompt_text(body)
    if prompt:
        words = prompt.split()
        shown = " ".join(words[:PROMPT_WORDS]) + ("…" if len(words) > PROMPT_WORDS else "")
        details.append(f'prompt "{shown}"')
    return f"an {provider} call" + (f" ({', '.join(details)})" if details else "")


def prompt_text(body: dict[str, Any]) -> str:
    """The text of the last user message (chat, messages), or the Responses / completions input."""
    for message in reversed(body.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            text = _text(message.get("content"))
            if text:
                return text
    for field in ("input", "prompt"):
        value = body.get(field)
        if isinstance(value, list):
            return prompt_text({"messages": value}) or _text(value)
        text = _text(value)
        if text:
            return text
    return ""


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(_text(part.get("text")) for part in content if isinstance(part, dict))
    return ""


def cell_line() -> str:
    """`line 3: answer = client.chat…` of the innermost frame that is the user's code, not a library's."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if _users(filename):
            source = linecache.getline(filename, frame.f_lineno).strip()
            return f"line {frame.f_lineno}: {source}" if source else f"line {frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return ""


def _users(filename: str) -> bool:
    return not (
        "site-packages" in filename
        or "traceops_nb" in filename
        or filename.startswith(sys.prefix)
        or filename.startswith("<frozen")
    )
