"""The network while a session is active: a replay-only session refuses every new connection and name
lookup in the process; a recording session notes the connections that are not an SDK call in flight,
because what goes over them is not in the cassette.

One patch of `socket.socket.connect` / `connect_ex` and `socket.getaddrinfo` (which `create_connection`,
urllib3, httpx's transports and asyncio's selector loops all go through), installed when a session starts
and dispatching on the sessions active at that moment, so the guard is lifted the instant the last one
ends, for every thread. Sockets connected before a session are never touched.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any

from ..errors import CassetteNetworkError
from ..intercept import context

if TYPE_CHECKING:
    from .session import Session

ALLOW_ENV = "TRACEOPS_ALLOW_HOSTS"
_MARK = "__traceops_nb_network__"
INTERNET = (socket.AF_INET, socket.AF_INET6)
# Names lookups resolved to, so a refused or noted connect shows `api.example.com`, not an address.
_names: dict[str, str] = {}
_names_lock = threading.Lock()


@dataclass(frozen=True)
class Attempt:
    """One connection (or name lookup) the code tried: where to, and which library tried it."""

    host: str
    port: int | None
    library: str
    lookup: bool = False

    @property
    def where(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"


def allowed_hosts(given: Iterable[str] = ()) -> frozenset[str]:
    """`host:port` and bare `host` (any port) entries, from the session and TRACEOPS_ALLOW_HOSTS."""
    entries = {entry.strip().lower() for entry in [*given, *os.environ.get(ALLOW_ENV, "").split(",")]}
    loopback = {
        entry.replace("localhost", address, 1)
        for entry in entries
        if entry.split(":")[0] == "localhost"
        for address in ("127.0.0.1", "::1")
    }
    return frozenset((entries | loopback) - {""})


def is_allowed(allowed: frozenset[str], host: str, port: int | None) -> bool:
    host = host.lower().strip("[]")
    names = {host, _names.get(host, host)}
    return any(name in allowed or (port is not None and f"{name}:{port}" in allowed) for name in names) or (
        port is None and any(entry.rsplit(":", 1)[0] in names for entry in allowed)
    )


# -- the patch ---------------------------------------------------------------------------------------


def install() -> None:
    """(Re)install the patch if something (a test's monkeypatch, another tool) replaced it."""
    for name in ("connect", "connect_ex"):
        current = getattr(socket.socket, name)
        if not getattr(current, _MARK, False):
            setattr(socket.socket, name, _connect_wrapper(current))
    if not getattr(socket.getaddrinfo, _MARK, False):
        socket.getaddrinfo = _getaddrinfo_wrapper(socket.getaddrinfo)


def _connect_wrapper(original: Any) -> Any:
    def connect(self: socket.socket, address: Any, *args: Any) -> Any:
        if self.family in INTERNET and isinstance(address, tuple) and context.entered_sessions():
            host, port = str(address[0]), int(address[1])
            _check(Attempt(_names.get(host, host), port, calling_library()), host)
        return original(self, address, *args)

    setattr(connect, _MARK, True)
    return connect


def _getaddrinfo_wrapper(original: Any) -> Any:
    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host is None or not context.entered_sessions():
            return original(host, port, *args, **kwargs)
        name = host.decode() if isinstance(host, bytes) else str(host)
        number = int(port) if isinstance(port, int) or (isinstance(port, str) and port.isdigit()) else None
        _check(Attempt(name, number, calling_library(), lookup=not _is_address(name)), name, note=False)
        results = original(host, port, *args, **kwargs)
        with _names_lock:
            for *_, address in results:
                _names[str(address[0])] = name
        return results

    setattr(getaddrinfo, _MARK, True)
    return getaddrinfo


def _check(attempt: Attempt, address: str, *, note: bool = True) -> None:
    """Refuse the attempt when a replay-only session governs it; note it (connects only: each follows its
    lookup) when a recording one does."""
    session = governing_session()
    if session is None:
        return
    if session.blocks_network:
        if not is_allowed(session.allowed_hosts, address, attempt.port):
            error = CassetteNetworkError(refusal(session, attempt))
            session.note_failure(error)
            raise error
    elif note and session.recording and context.current_call() is None:
        session.note_unrecorded(attempt)


def governing_session() -> Session | None:
    """This context's own session; for a thread of no session, a replay-only session anywhere in the
    process (replay means the process is offline), else the innermost session entered."""
    own = context.own_session()
    if own is not None:
        return own
    entered = context.entered_sessions()
    blocking = [session for session in entered if session.blocks_network]
    if blocking:
        return blocking[-1]
    return entered[-1] if entered else None


def refusal(session: Session, attempt: Attempt) -> str:
    what = f"a name lookup of {attempt.host}" if attempt.lookup else f"a connection to {attempt.where}"
    entry = attempt.where if attempt.port is not None else f"{attempt.host}:PORT"
    return (
        f"traceops_nb blocked {what} (from {attempt.library}) while replaying cassette {session.path} "
        f"(mode {session.mode.mode.value} from {session.mode.source}): a replay never uses the network, and "
        "this is not an SDK call the cassette answers.\n"
        f"To fix it: if the code needs this service during replay (a database, a local server), allow it with "
        f'allow_hosts=["{entry}"] or {ALLOW_ENV}={entry}; to let this session use the network, pass '
        "block_network=False; to have the call in the cassette, make it through the OpenAI, Anthropic or "
        "google-genai SDK and re-record."
    )


def unrecorded_summary(session: Session, attempts: list[Attempt]) -> str:
    counts: dict[tuple[str, str], int] = {}
    for attempt in attempts:
        counts[attempt.where, attempt.library] = counts.get((attempt.where, attempt.library), 0) + 1
    listed = "; ".join(
        f"{where} from {library}" + (f" ({count} connections)" if count > 1 else "")
        for (where, library), count in counts.items()
    )
    target = session.path if session.path is not None else "the trace"
    return (
        "traceops_nb: this recording saw network connections that were not OpenAI, Anthropic or Google Gemini "
        f"SDK calls, so what went over them is not in {target}: {listed}. A replay will refuse these connections; "
        "make the calls through an SDK to record them, or allow the host on replay (allow_hosts=[...])."
    )


def _is_address(name: str) -> bool:
    """A numeric address: its "lookup" resolves nothing; what follows is the connection itself."""
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


# -- which library tried -------------------------------------------------------------------------------

_STDLIB_CLIENTS = {"http.client", "urllib.request", "asyncio.streams", "smtplib", "ftplib"}
_STDLIB_DIR = os.path.dirname(os.__file__)


def calling_library() -> str:
    """The libraries on the stack, nearest first, up to the caller's own code: `requests (via urllib3)`."""
    found: list[str] = []
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        name = _library_of(frame)
        if name is None and not _is_stdlib(frame):
            break  # the first frame of the caller's own code, above the libraries
        if name is not None and not any(known.split(" ")[0] == name.split(" ")[0] for known in found):
            found.append(name)  # one name per package: `dspy (lm15)` already says `dspy`
        frame = frame.f_back
    if not found:
        return "a raw socket"
    outer, *inner = reversed(found)
    return f"{outer} (via {', '.join(reversed(inner))})" if inner else outer


def _library_of(frame: FrameType) -> str | None:
    module = str(frame.f_globals.get("__name__") or "")
    if module.startswith("traceops_nb"):
        return None
    if module in _STDLIB_CLIENTS:
        return module
    file = frame.f_code.co_filename
    if "site-packages" not in file and "dist-packages" not in file:
        return None
    top = module.split(".")[0]
    vendored = module.split("._vendor.", 1)[1].split(".")[0] if "._vendor." in module else ""
    return f"{top} ({vendored})" if vendored else top


def _is_stdlib(frame: FrameType) -> bool:
    file = frame.f_code.co_filename
    module = str(frame.f_globals.get("__name__") or "")
    return file.startswith(_STDLIB_DIR) or module.startswith("traceops_nb") or file.startswith("<frozen")
