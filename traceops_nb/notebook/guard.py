"""Replay-only notebooks (CI, nbval): an SDK call made outside any cassette stops at once, saying how to fix it.

Without this, such a call goes to the SDK, which retries and then fails with its own long connection error
that never names traceops_nb. Layer A calls `refuse_unrecorded` when a call starts with no session active.
"""

from __future__ import annotations

import linecache
import sys
import weakref
from typing import Any

from IPython.core.getipython import get_ipython

from .. import intercept
from ..engine.modes import RecordMode, resolve_mode
from ..errors import UnrecordedCallError
from ..intercept import sdk

PROMPT_WORDS = 8


_shells: weakref.WeakSet[Any] = weakref.WeakSet()  # the shells that loaded the extension


def install(shell: Any) -> None:
    intercept.install()
    _shells.add(shell)
    sdk.no_session_hook = refuse_unrecorded


def refuse_unrecorded(provider: str, options: Any) -> None:
    resolved = resolve_mode(None, RecordMode.REWRITE)
    if resolved.mode is not RecordMode.NONE:
        return  # recording interactively: a call outside any cassette is simply a live call
    if get_ipython() not in _shells:
        return  # no longer in a shell that loaded the extension (a process that used one and moved on)
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
        if users_code(filename):
            source = linecache.getline(filename, frame.f_lineno).strip()
            return f"line {frame.f_lineno}: {source}" if source else f"line {frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return ""


def users_code(filename: str) -> bool:
    """A notebook cell or the user's own module, not a library (installed packages, the standard library, us)."""
    return not (
        "site-packages" in filename
        or "traceops_nb" in filename
        or filename.startswith(sys.prefix)
        or filename.startswith("<frozen")
    )
