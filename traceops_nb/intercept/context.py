"""Which session is active, and which SDK call is in flight: the state both patch layers share."""

from __future__ import annotations

import threading
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..cassette.interactions import Interaction
    from ..engine.session import Session

_session: ContextVar[Session | None] = ContextVar("traceops_nb_session", default=None)
_call: ContextVar[Call | None] = ContextVar("traceops_nb_call", default=None)

# Threads do not inherit context variables; a call made from a thread started inside a session
# falls back to the innermost session entered anywhere in the process.
_entered: list[Session] = []
_entered_lock = threading.Lock()


@dataclass
class Call:
    """One SDK call (all its retries): who made it, through which http client, and its last attempt."""

    session: Session
    provider: str
    http_client: Any  # the SDK client's own httpx / httpx2 client: only its traffic is ours
    base_path: str  # the path part of the SDK's base URL, stripped from request paths
    operation: str | None = None  # what the SDK's resource method asked for: "chat.completions", "responses", …
    last_attempt: Interaction | None = None

    def owns(self, client: Any) -> bool:
        """Whether this http client's traffic is the call's."""
        return client is self.http_client


def active_session() -> Session | None:
    session = _session.get()
    if session is not None:
        return session if session.active else None
    with _entered_lock:
        return _entered[-1] if _entered else None


def own_session() -> Session | None:
    """The session this context entered (or inherited, as tasks do), without the fallback of other threads."""
    session = _session.get()
    return session if session is not None and session.active else None


def enter(session: Session) -> object:
    with _entered_lock:
        _entered.append(session)
    return _session.set(session)


def leave(session: Session, token: Any) -> None:
    with _entered_lock:
        if session in _entered:
            _entered.remove(session)
    try:
        _session.reset(token)
    except ValueError:  # left from another context (an async with closed by a different task)
        _session.set(None)


def current_call() -> Call | None:
    return _call.get()


def begin_call(call: Call) -> object:
    return _call.set(call)


def end_call(token: Any) -> None:
    _call.reset(token)


def entered_sessions() -> list[Session]:
    """Every session active now, outermost first."""
    with _entered_lock:
        return list(_entered)
