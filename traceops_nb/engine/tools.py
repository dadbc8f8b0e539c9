"""Tool calls and agent decisions in the trace: the `tool` decorator, `record_tool_call`, `record_decision`.

Each goes into the active session (Recorder, Replayer, cassette(), %%record …) as a record in the same
ordered list as the LLM calls; outside a session they do nothing. A tool decorated with replay=True is
not run while a cassette is replayed: the output recorded for the same input is returned instead, so an
agent whose tools reach the network replays with no network at all.
"""

from __future__ import annotations

import copy
import functools
import inspect
import time
from collections.abc import Callable
from typing import Any, TypeVar, overload

from ..cassette.interactions import ToolRecord, to_json
from ..errors import CassetteMismatchError
from ..intercept import context
from .modes import how_to_rerecord
from .recording import now_iso

F = TypeVar("F", bound=Callable[..., Any])


class RecordedToolError(Exception):
    """Raised on replay for a tool whose recorded call raised: carries the recorded error text."""


@overload
def tool(func: F, /) -> F: ...
@overload
def tool(*, name: str | None = None, replay: bool = False) -> Callable[[F], F]: ...


def tool(func: Any = None, /, *, name: str | None = None, replay: bool = False) -> Any:
    """Record every call of a function (sync or async) as a tool call: name, input, output, duration, error.

    `@tool`, or `@tool(name="search", replay=True)`. With replay=True, a session that replays a
    cassette returns the recorded output for the same input (in recorded order) instead of running
    the function; a replay-only session with no such recording raises CassetteMismatchError.
    """

    def decorate(function: F) -> F:
        tool_name = name or function.__name__
        if inspect.iscoroutinefunction(function):
            return _async_wrapper(function, tool_name, replay)  # type: ignore[return-value]
        return _sync_wrapper(function, tool_name, replay)  # type: ignore[return-value]

    return decorate(func) if func is not None else decorate


def record_tool_call(
    name: str, input: Any = None, output: Any = None, *, error: str | None = None, duration_ms: float = 0.0
) -> ToolRecord | None:
    """Add a tool call that already happened to the active session's trace (None outside a session)."""
    record = ToolRecord("tool_call", name, to_json(input), to_json(output), error, now_iso(), duration_ms)
    return _add(record)


def record_decision(name: str, decision: Any, *, reason: Any = None) -> ToolRecord | None:
    """Add an agent decision (routing, delegation, a plan) to the active session's trace.

    `record_decision("route", "billing_agent", reason="the user asked about an invoice")`: the
    decision is stored as the step's output, the reason as its input.
    """
    return _add(ToolRecord("decision", name, to_json(reason), to_json(decision), None, now_iso()))


def _add(record: ToolRecord) -> ToolRecord | None:
    session = context.active_session()
    if session is None:
        return None
    session.add_tool_record(record)
    return record


# -- the decorator's two wrappers share everything but the call itself --------------------------------


def _sync_wrapper(function: Callable[..., Any], name: str, replay: bool) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        run = _Run.begin(function, name, replay, args, kwargs)
        if run is None:
            return function(*args, **kwargs)
        if run.replayed:
            return run.serve()
        try:
            result = function(*args, **kwargs)
        except BaseException as error:
            run.fail(error)
            raise
        return run.finish(result)

    return wrapper


def _async_wrapper(function: Callable[..., Any], name: str, replay: bool) -> Callable[..., Any]:
    @functools.wraps(function)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        run = _Run.begin(function, name, replay, args, kwargs)
        if run is None:
            return await function(*args, **kwargs)
        if run.replayed:
            return run.serve()
        try:
            result = await function(*args, **kwargs)
        except BaseException as error:
            run.fail(error)
            raise
        return run.finish(result)

    return wrapper


class _Run:
    """One call of a decorated tool inside a session: either served from the cassette or run and timed."""

    def __init__(self, record: ToolRecord, *, replayed: bool) -> None:
        self.record = record
        self.replayed = replayed
        self.started = time.perf_counter()

    @classmethod
    def begin(
        cls, function: Callable[..., Any], name: str, replay: bool, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> _Run | None:
        session = context.active_session()
        if session is None:
            return None
        given = to_json(call_arguments(function, args, kwargs))
        if replay and session.replaying:
            served = session.replay_tool(name, given)
            if served is None and not session.recording:
                raise _no_recording(session, name, given)
            if served is not None:
                return cls(served, replayed=True)
        record = ToolRecord("tool_call", name, given, started_at=now_iso())
        session.add_tool_record(record)  # now, so the calls the tool makes follow it in the trace
        return cls(record, replayed=False)

    def serve(self) -> Any:
        if self.record.error is not None:
            raise RecordedToolError(f"{self.record.name} (replayed): {self.record.error}")
        return copy.deepcopy(self.record.output)  # the caller may change it; the trace keeps the original

    def finish(self, result: Any) -> Any:
        self.record.output = to_json(result)
        self.record.duration_ms = (time.perf_counter() - self.started) * 1000
        return result

    def fail(self, error: BaseException) -> None:
        self.record.error = f"{type(error).__name__}: {error}"
        self.record.duration_ms = (time.perf_counter() - self.started) * 1000


def call_arguments(function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The call's arguments by parameter name, as passed (defaults left out); self / cls dropped."""
    try:
        bound = inspect.signature(function).bind(*args, **kwargs)
    except (TypeError, ValueError):  # no signature, or a call the function will reject itself
        return {"args": list(args), "kwargs": kwargs}
    arguments = dict(bound.arguments)
    for implicit in ("self", "cls"):
        arguments.pop(implicit, None)
    return arguments


def _no_recording(session: Any, name: str, given: Any) -> CassetteMismatchError:
    recorded = session.recorded_tool_inputs(name)
    shown = "\n  ".join(repr(item) for item in recorded[:5]) or "(none)"
    error = CassetteMismatchError(
        f"tool {name!r} opts in to replay, but cassette {session.path} has no unplayed recording of it with "
        f"input {given!r}.\nRecorded inputs of {name!r}:\n  {shown}\n" + how_to_rerecord(session.path)
    )
    session.note_failure(error)  # reported again when the session ends, should the code catch it
    return error
