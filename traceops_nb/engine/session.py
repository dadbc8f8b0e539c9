"""Sessions: Recorder, Replayer and cassette(), one engine configured by the record mode."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any

from .. import intercept
from ..cassette import file as cassette_file
from ..cassette.interactions import Interaction, Record, Request, ToolRecord
from ..cassette.redact import Redactor
from ..intercept import context
from ..intercept.fastpath import REPLAYED
from ..intercept.transport import http_response
from ..trace import Trace
from ..trace.pricing import price_interaction
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
    # The OpenAI Agents SDK uploads its traces to api.openai.com with any key it finds, a placeholder too: a
    # replay uploads nothing (an explicit setting is kept).
    "OPENAI_AGENTS_DISABLE_TRACING": "1",
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
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.mode = mode
        self.allow_repeats = allow_repeats
        self.strict = strict
        # Body fields left out of matching: the documented per-run ones (engine/volatile.py), less keep_fields.
        self.ignore_fields = ignored_fields(ignore_fields, keep_fields)
        self.redact_patterns = tuple(redact)
        self.keep_partial = keep_partial
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

    # -- what the interceptor calls -------------------------------------------------------------

    def begin_exchange(self, call: context.Call, request: Any, response_class: type) -> Exchange:
        record = request_record(request, call.base_path)
        if self._playback is not None:
            played = self.play(call.provider, record, miss_ok=self._can_record)
            if played is not None:
                response = http_response(played, request, response_class)
                setattr(response, REPLAYED, True)
                return Exchange(call, record, response=response)
        return Exchange(call, record)

    def play(self, provider: str, record: Request, *, miss_ok: bool, errors_ok: bool = True) -> Interaction | None:
        """The recorded answer to this request, now part of this run's timeline."""
        assert self._playback is not None
        played = self._playback.take(provider, self._matchable(record), miss_ok=miss_ok, errors_ok=errors_ok)
        if played is not None:
            with self._lock:
                self._timeline.append(played)
        return played

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
    def recording(self) -> bool:
        """True when calls that the cassette cannot answer go to the network and are recorded."""
        return self._can_record

    @property
    def replaying(self) -> bool:
        """True when calls are answered from a cassette (replay only, or new_episodes over a file)."""
        return self._playback is not None

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
        self.active = True
        self._token = context.enter(self)

    def _stop(self, *, failed: bool) -> None:
        context.leave(self, self._token)
        self.active = False
        self._clear_placeholder_keys()
        try:
            if failed:
                self._save_partial()
                return
            if self._can_record and self.path is not None:
                self._save()
            if self.strict and self._playback is not None:
                self._playback.check_all_used()
        finally:  # after the cassette is safe: an observer's failure must not lose it
            for observer in list(session_observers):
                observer(self)

    def _save(self) -> None:
        assert self.path is not None
        old = self._cassette_records if self._playback is not None else []
        if self.mode.mode is RecordMode.NEW_EPISODES and not self._recorded and self.path.exists():
            return
        cassette_file.write_interactions(self.path, old + self._recorded, self._redactor)

    def _save_partial(self) -> None:
        """A failed block never replaces the cassette; on request its calls go beside it, clearly named."""
        if self.keep_partial and self.path is not None and self._recorded:
            self.partial_path = self.path.with_name(f"{self.path.stem}.partial{self.path.suffix}")
            cassette_file.write_interactions(self.partial_path, self._recorded, self._redactor)

    def _matchable(self, record: Request) -> Request:
        """The live request as it would be stored: secrets in it were redacted when it was recorded."""
        redactor = self._redactor
        if redactor is None or record.body is None or not (redactor.secrets or redactor.patterns):
            return record
        scrubbed = redactor.scrub(record.body)
        return record if scrubbed == record.body else Request(**{**_fields(record), "body": scrubbed})

    def _set_placeholder_keys(self) -> None:
        for name, value in PLACEHOLDER_KEYS.items():
            if not os.environ.get(name):
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
