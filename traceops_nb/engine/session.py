"""Sessions: Recorder, Replayer and cassette(), one engine configured by the record mode."""

from __future__ import annotations

import errno
import os
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any

from .. import intercept
from ..cassette import file as cassette_file
from ..cassette.interactions import Interaction, Record, Request, ToolRecord
from ..cassette.redact import Redactor, mark_key_like, sent_credentials
from ..errors import (
    CassetteError,
    CassetteExhaustedError,
    CassetteMismatchError,
    CassetteSaveError,
    UnrecordedTrafficWarning,
)
from ..intercept import context, pacing
from ..intercept.fastpath import REPLAYED
from ..intercept.transport import http_response
from ..trace import Trace
from ..trace.pricing import price_interaction
from . import network
from .modes import RecordMode, ResolvedMode, resolve_mode
from .playback import Playback, ToolPlayback
from .recording import capture, now_iso, request_record
from .volatile import ignored_fields

PLACEHOLDER_KEYS = {
    "OPENAI_API_KEY": "traceops-replay-placeholder",
    "ANTHROPIC_API_KEY": "traceops-replay-placeholder",
    "AZURE_OPENAI_API_KEY": "traceops-replay-placeholder",
    # AzureOpenAI() also insists on an endpoint; its host is never matched (a .invalid name never resolves).
    # Not OPENAI_API_VERSION: it is sent as the api-version parameter and matched, so a made-up one would miss.
    "AZURE_OPENAI_ENDPOINT": "https://replay.traceops.invalid",
    "GEMINI_API_KEY": "traceops-replay-placeholder",
    # The OpenAI Agents SDK uploads its traces to api.openai.com with any key it finds, a placeholder too: a
    # replay uploads nothing (an explicit setting is kept).
    "OPENAI_AGENTS_DISABLE_TRACING": "1",
}
# A placeholder is not set while one of these is: google-genai reads GOOGLE_API_KEY first, and warns when
# both of its variables are set.
SAME_KEY = {"GEMINI_API_KEY": ("GOOGLE_API_KEY",)}


def placeholders_needed() -> dict[str, str]:
    """The placeholder keys to set now: those whose variable (or an alternative the SDK reads) is unset."""
    return {
        name: value
        for name, value in PLACEHOLDER_KEYS.items()
        if not any(os.environ.get(each) for each in (name, *SAME_KEY.get(name, ())))
    }


# Called with every session as it ends (its trace is then final). The pytest `budget` marker collects
# the sessions a test ran this way (traceops_nb/budget_plugin.py). Append and remove callables freely.
session_observers: list[Callable[[Session], None]] = []


class Session:
    """Records and/or replays every SDK call made while it is active (with or async with)."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        mode: ResolvedMode,
        *,
        allow_repeats: bool = False,
        strict: bool = False,
        ignore_fields: Sequence[str] = (),
        keep_fields: Sequence[str] = (),
        redact: Iterable[str] = (),
        keep_partial: bool = False,
        block_network: bool = True,
        allow_hosts: Iterable[str] = (),
        pace: float | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else None
        # Replayed calls take their recorded time × pace (0: as fast as possible); see intercept/pacing.py.
        self.pace = pacing.resolve_pace(pace)
        self.mode = mode
        self.allow_repeats = allow_repeats
        self.strict = strict
        # Body fields left out of matching: the documented per-run ones (engine/volatile.py), less keep_fields.
        self.ignore_fields = ignored_fields(ignore_fields, keep_fields)
        self.redact_patterns = tuple(redact)
        self.keep_partial = keep_partial
        self.block_network = block_network
        self.allow_hosts = tuple(allow_hosts)
        self.allowed_hosts: frozenset[str] = frozenset()
        # What must not pass silently: misses and refused connections the code caught (raised at the end),
        # and connections a recording could not record (a warning at the end).
        self.failures: list[CassetteError] = []
        self.unrecorded: list[network.Attempt] = []
        self.save_hint = "call .save(OTHER_PATH) on the session to write it elsewhere"
        # Replay short-cuts the SDK's request building (see intercept/fastpath.py); 0 turns that off.
        self.fast_replay = os.environ.get("TRACEOPS_FAST_REPLAY", "1") != "0"
        self.active = False
        self.partial_path: Path | None = None
        self._timeline: list[Record] = []  # this run's calls, tools and decisions, played and live, in order
        self._recorded: list[Record] = []  # the live ones, to be written
        self._cassette_records: list[Record] = []  # what the cassette held when the session began
        self._playback: Playback | None = None
        self._tool_playback: ToolPlayback | None = None
        self._can_record = False
        self._lock = threading.Lock()
        self._token: Any = None
        self._placeholders: list[str] = []
        self._redactor: Redactor | None = None
        self._clients_seen: set[int] = set()
        self._failures_raised = False
        self.saved_to: Path | None = None  # where the recording was last written

    # -- what the interceptor calls -------------------------------------------------------------

    def begin_exchange(self, call: context.Call, request: Any, response_class: type) -> Exchange:
        self.learn_credentials(request.headers.items(), request.url.params.items())
        record = request_record(request, call.base_path)
        if self._playback is not None:
            played = self.play(call.provider, record, miss_ok=self._can_record)
            if played is not None:
                response = http_response(played, request, response_class, clock=pacing.clock(self.pace))
                setattr(response, REPLAYED, True)
                return Exchange(call, record, response=response)
        return Exchange(call, record)

    def play(self, provider: str, record: Request, *, miss_ok: bool, errors_ok: bool = True) -> Interaction | None:
        """The recorded answer to this request, now part of this run's timeline."""
        assert self._playback is not None
        try:
            played = self._playback.take(provider, self._matchable(record), miss_ok=miss_ok, errors_ok=errors_ok)
        except (CassetteMismatchError, CassetteExhaustedError) as error:
            self.note_failure(error)
            raise
        if played is not None:
            with self._lock:
                self._timeline.append(played)
        return played

    def learn_credentials(self, headers: Iterable[tuple[str, str]], query: Iterable[tuple[str, str]]) -> None:
        """The credentials an SDK sends are secrets, whatever their shape: replaced wherever they appear."""
        found = sent_credentials(headers, query)
        if found and self._redactor is not None:
            with self._lock:
                self._redactor = self._redactor.with_secrets(found)

    def learn_client(self, client: Any) -> None:
        """An SDK client's credentials, once per client (a fast replay builds no http request to read)."""
        if id(client) in self._clients_seen:
            return
        self._clients_seen.add(id(client))
        headers = getattr(client, "default_headers", None) or {}
        query = getattr(client, "default_query", None) or {}
        self.learn_credentials(dict(headers).items(), dict(query).items())

    def note_failure(self, error: CassetteError) -> None:
        with self._lock:
            self.failures.append(error)

    def note_unrecorded(self, attempt: network.Attempt) -> None:
        with self._lock:
            self.unrecorded.append(attempt)

    def commit(self, interaction: Interaction) -> None:
        with self._lock:
            self._timeline.append(interaction)
            self._recorded.append(interaction)

    # -- what traceops_nb.tools calls ------------------------------------------------------------

    def add_tool_record(self, record: ToolRecord) -> None:
        """A tool call (when it starts, so calls made inside it follow it) or a decision.

        One the cassette already holds (same kind, name and input, in order) is not written again.
        """
        with self._lock:
            self._timeline.append(record)
            known = self._tool_playback is not None and self._tool_playback.take(record.kind, record.name, record.input)
            if self._can_record and not known:
                self._recorded.append(record)

    def replay_tool(self, name: str, given: Any) -> ToolRecord | None:
        """The recorded call of this tool with this input (next in order), now part of the timeline."""
        if self._tool_playback is None:
            return None
        found = self._tool_playback.take("tool_call", name, given)
        if found is None:
            return None
        played = replace(found, replayed=True)
        with self._lock:
            self._timeline.append(played)
        return played

    def recorded_tool_inputs(self, name: str) -> list[Any]:
        return self._tool_playback.recorded_inputs(name) if self._tool_playback is not None else []

    # -- results ---------------------------------------------------------------------------------

    @property
    def trace(self) -> Trace:
        with self._lock:
            return Trace(list(self._timeline), cassette=str(self.path) if self.path else None)

    @property
    def recorded(self) -> list[Record]:
        """The live calls, tools and decisions of this run so far, in order: what the cassette gains."""
        with self._lock:
            return list(self._recorded)

    @property
    def recording(self) -> bool:
        """True when calls that the cassette cannot answer go to the network and are recorded."""
        return self._can_record

    @property
    def replaying(self) -> bool:
        """True when calls are answered from a cassette (replay only, or new_episodes over a file)."""
        return self._playback is not None

    @property
    def blocks_network(self) -> bool:
        """True while this session replays only and guards the network (see engine/network.py)."""
        return self.active and self.block_network and not self._can_record

    @property
    def can_fast_replay(self) -> bool:
        return self._playback is not None and self.fast_replay

    # -- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> Session:
        self._start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._stop(failed=kind is not None)

    async def __aenter__(self) -> Session:
        return self.__enter__()

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.__exit__(kind, error, tb)

    def _start(self) -> None:
        if self.active:
            raise RuntimeError("this session is already active; create a new one for each block")
        intercept.install()
        mode, exists = self.mode.mode, self.path is not None and self.path.exists()
        replays = (
            mode is RecordMode.NONE
            or (mode is RecordMode.ONCE and exists)
            or (mode is RecordMode.NEW_EPISODES and exists)
        )
        self._can_record = mode is not RecordMode.NONE and not (mode is RecordMode.ONCE and exists)
        if replays:
            if self.path is None:
                raise ValueError(f"mode {mode.value!r} replays, so it needs a cassette path")
            self._cassette_records = cassette_file.read_records(self.path)
            self._tool_playback = ToolPlayback([r for r in self._cassette_records if isinstance(r, ToolRecord)])
            self._playback = Playback(
                [r for r in self._cassette_records if isinstance(r, Interaction)],
                cassette=self.path,
                mode=self.mode,
                ignore=self.ignore_fields,
                allow_repeats=self.allow_repeats,
            )
        if not self._can_record:
            self._set_placeholder_keys()
        self._redactor = Redactor.from_environment(self.redact_patterns)
        self._timeline, self._recorded = [], []
        self.failures, self.unrecorded, self._failures_raised, self.saved_to = [], [], False, None
        self.allowed_hosts = network.allowed_hosts(self.allow_hosts)
        network.install()
        self.active = True
        self._token = context.enter(self)

    def _stop(self, *, failed: bool) -> None:
        context.leave(self, self._token)
        self.active = False
        self._clear_placeholder_keys()
        try:
            self._warn_unrecorded()
            if failed:
                self._save_partial()
                return
            if self._can_record and self.path is not None:
                self._save()
            self.raise_failures()
            if self.strict:
                self.check_all_played()
        finally:  # after the cassette is safe: an observer's failure must not lose it
            for observer in list(session_observers):
                observer(self)

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write what this session recorded (after the calls it replayed, in new_episodes) to path, by default
        its own cassette: after a save that failed (disk full, a folder that cannot be written), this writes
        the same recording elsewhere. Returns the path written."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("this session has no cassette path: pass one, save(path)")
        old = self._cassette_records if self._playback is not None else []
        self._write(target, old + self._recorded)
        self.saved_to = target
        return target

    def _save(self) -> None:
        assert self.path is not None
        if self.mode.mode is RecordMode.NEW_EPISODES and not self._recorded and self.path.exists():
            return
        self.save()

    def _save_partial(self) -> None:
        """A failed block never replaces the cassette; on request its calls go beside it, clearly named."""
        if self.keep_partial and self.path is not None and self._recorded:
            self.partial_path = self.path.with_name(f"{self.path.stem}.partial{self.path.suffix}")
            self._write(self.partial_path, self._recorded)

    def _write(self, path: Path, records: list[Record]) -> None:
        """Write atomically; a file system that refuses leaves the old file as it was, and the recording here."""
        try:
            cassette_file.write_interactions(path, records, self._redactor)
        except OSError as error:
            cause = error.strerror or str(error)
            name = errno.errorcode.get(error.errno) if error.errno is not None else None
            code = f" ({name})" if name else ""
            raise CassetteSaveError(
                f"cannot save cassette {path}: {cause}{code}; nothing was replaced, and the recording "
                f"({len(records)} entries) is kept: {self.save_hint}"
            ) from error

    def forget_failures(self) -> None:
        """Start afresh: the misses caught so far were reported (notebook mode: each cell reports its own)."""
        self.failures.clear()
        self._failures_raised = False

    def raise_failures(self) -> None:
        """Raise the first miss or refused connection of this session that the code caught (once): it is
        still the session's result. Called when the session ends; the pytest plugin calls it earlier."""
        if not self.failures or self._failures_raised:
            return
        self._failures_raised = True
        first, others = self.failures[0], len(self.failures) - 1
        more = f" ({others} more after it)" if others else ""
        if hasattr(first, "add_note"):
            first.add_note(f"(raised inside the session and caught by the code there; reported again{more})")
        raise first

    def check_all_played(self) -> None:
        """CassetteUnusedError, listing them, when the cassette holds calls this session never played."""
        if self._playback is not None:
            self._playback.check_all_used()

    def _warn_unrecorded(self) -> None:
        if self.unrecorded:
            warnings.warn(UnrecordedTrafficWarning(network.unrecorded_summary(self, self.unrecorded)), stacklevel=4)

    def _matchable(self, record: Request) -> Request:
        """The live request as it would be stored: secrets and key-like text in it were replaced when it
        was recorded."""
        redactor = self._redactor
        if redactor is None:
            return record
        body = mark_key_like(redactor.scrub(record.body)) if record.body is not None else None
        query = redactor.scrub(record.query) if record.query else record.query
        if body == record.body and query == record.query:
            return record
        return Request(**{**_fields(record), "body": body, "query": query})

    def _set_placeholder_keys(self) -> None:
        for name, value in placeholders_needed().items():
            os.environ[name] = value
            self._placeholders.append(name)

    def _clear_placeholder_keys(self) -> None:
        for name in self._placeholders:
            if os.environ.get(name) == PLACEHOLDER_KEYS[name]:
                del os.environ[name]
        self._placeholders = []


def _fields(record: Request) -> dict[str, Any]:
    return {name: getattr(record, name) for name in ("method", "path", "query", "headers", "body", "body_text")}


@dataclass
class Exchange:
    """One attempt of a call: either answered from the cassette, or live and being captured."""

    call: context.Call
    record: Request
    response: Any = None
    started: float = 0.0
    started_at: str = ""

    def __post_init__(self) -> None:
        self.started = time.perf_counter()
        self.started_at = now_iso()

    def capture(self, response: Any, *, is_async: bool) -> Any:
        self.call.last_attempt = capture(
            self.call.provider,
            self.record,
            response,
            self.started,
            self.started_at,
            is_async=is_async,
            on_complete=price_interaction,  # cost at record time, stored in the cassette
            operation=self.call.operation,
        )
        return response


class Recorder(Session):
    """Records every SDK call made inside it; writes the cassette when save_to is given.

    The mode defaults to "rewrite"; TRACEOPS_RECORD_MODE or mode= can make it "new_episodes", "once"
    or "none" (replay only), which is how CI replays code that records on a developer's machine.
    """

    def __init__(
        self, save_to: str | os.PathLike[str] | None = None, *, mode: str | RecordMode | None = None, **options: Any
    ) -> None:
        super().__init__(save_to, resolve_mode(mode, RecordMode.REWRITE), **options)


class Replayer(Session):
    """Serves every SDK call from the cassette at path; never opens a network connection."""

    def __init__(self, path: str | os.PathLike[str], *, allow_repeats: bool = False, **options: Any) -> None:
        super().__init__(path, ResolvedMode(RecordMode.NONE, "Replayer"), allow_repeats=allow_repeats, **options)


def cassette(path: str | os.PathLike[str], mode: str | RecordMode | None = None, **options: Any) -> Session:
    """Record, replay or both, by mode ("once" unless given or set in TRACEOPS_RECORD_MODE)."""
    return Session(path, resolve_mode(mode, RecordMode.ONCE), **options)


def load_cassette(path: str | os.PathLike[str]) -> Trace:
    return Trace(cassette_file.read_records(path), cassette=str(path))


def save_cassette(trace: Trace, path: str | os.PathLike[str]) -> None:
    cassette_file.write_interactions(path, trace.records)
