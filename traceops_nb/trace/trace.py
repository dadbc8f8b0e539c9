"""Trace: what an agent run did, derived from its records by pure provider adapters.

A trace's records are HTTP interactions (LLM calls) and tool records (tool calls and decisions), in
the order they happened. Tool calls the code did not record are inferred from the conversation: a
tool call requested in one response whose result appears in the next request.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..cassette.interactions import Interaction, Record, ToolRecord
from .event import COUNTING_OPERATIONS, Event, ToolCall, format_cost, plural, short
from .handoff import handoff_target
from .providers import adapter_for, tool_results
from .unknowns import notes, usage_unknown


class Trace:
    """The ordered events of one run, with totals. Built from records; carries them for saving."""

    def __init__(self, records: Iterable[Record] = (), *, cassette: str | None = None) -> None:
        self.records: list[Record] = list(records)
        self.cassette = cassette
        self._events: list[Event] | None = None

    @property
    def interactions(self) -> list[Interaction]:
        """The HTTP interactions (LLM calls) only."""
        return [record for record in self.records if isinstance(record, Interaction)]

    @property
    def events(self) -> list[Event]:
        if self._events is None:
            self._events = build_events(self.records)
        return self._events

    @property
    def llm_calls(self) -> list[Event]:
        return [event for event in self.events if event.kind == "llm_call"]

    @property
    def tool_calls(self) -> list[Event]:
        return [event for event in self.events if event.kind == "tool_call"]

    @property
    def total_llm_calls(self) -> int:
        return len(self.llm_calls)

    @property
    def total_tool_calls(self) -> int:
        return len(self.tool_calls)

    @property
    def total_tokens(self) -> int:
        return sum(event.total_tokens for event in self.events)

    @property
    def total_cost_usd(self) -> float:
        """The cost of every LLM call; NaN when any of them has no known cost (never a silent 0)."""
        return total_cost(self.events)

    @property
    def trajectory(self) -> list[str]:
        return [event.label for event in self.events]

    def summary(self) -> str:
        """A deterministic text: totals, trajectory, one line per step (no times, ids or durations)."""
        return summarize(self)

    def to_dataframe(self) -> Any:
        """One row per event (pandas); see traceops_nb.frame for the columns."""
        from ..analysis.frame import to_dataframe

        return to_dataframe(self)

    def __len__(self) -> int:
        return len(self.events)

    def __repr__(self) -> str:
        where = f" from {self.cassette}" if self.cassette else ""
        return f"<Trace{where}: {self.total_llm_calls} LLM calls, {self.total_tokens} tokens>"


def total_cost(events: Iterable[Event]) -> float:
    """Failed calls are not billed; a successful one with no stored cost makes the total unknown."""
    total = 0.0
    for event in events:
        if event.kind == "llm_call":
            if event.cost_usd is None:
                return math.nan
            total += event.cost_usd
    return total


# -- from records to events ---------------------------------------------------------------------------


def build_events(records: Sequence[Record]) -> list[Event]:
    """One event per record, in order, with the tool calls the code did not record inferred in place."""
    events: list[Event] = []
    requested: tuple[ToolCall, ...] = ()  # by the last LLM call, not yet answered
    recorded_since: list[str] = []  # names of tool calls the code recorded since that call
    for index, record in enumerate(records):
        if isinstance(record, ToolRecord):
            events.append(tool_event(record, len(events), index))
            if record.kind == "tool_call":
                recorded_since.append(record.name)
            continue
        event = event_from(record, len(events), index)
        if event.kind == "llm_call":
            inferred, answered = infer_tool_calls(requested, recorded_since, event, len(events))
            if inferred:
                events.extend(inferred)
                event = replace(event, step=len(events))
            if event.operation in COUNTING_OPERATIONS:  # the calls it did not answer stay pending
                requested = tuple(call for call in requested if call.id not in answered)
            else:
                requested, recorded_since = event.tool_calls, []
        events.append(event)
    return events


def event_from(interaction: Interaction, step: int, index: int | None = None) -> Event:
    event = adapter_for(interaction.provider)(interaction, step)
    return event if index is None or index == step else replace(event, interaction=index)


def tool_event(record: ToolRecord, step: int, index: int | None) -> Event:
    return Event(
        step=step,
        kind=record.kind,
        name=record.name,
        input=record.input,
        output=record.output,
        error=record.error,
        duration_ms=record.duration_ms,
        started_at=record.started_at,
        replayed=record.replayed,
        interaction=index,
    )


def infer_tool_calls(
    requested: Sequence[ToolCall], recorded: list[str], consumer: Event, step: int
) -> tuple[list[Event], set[str]]:
    """Tool calls requested by the previous LLM call whose results the consumer sends back, and their ids.

    A call the code recorded itself (same tool name, since that request) is not inferred again.
    """
    left = list(recorded)
    unrecorded = []
    for call in requested:
        if call.name in left:
            left.remove(call.name)
        elif call.id is not None:
            unrecorded.append(call)
    if not unrecorded:
        return [], set()
    results = tool_results(consumer, {str(call.id) for call in unrecorded})
    inferred: list[Event] = []
    for call in unrecorded:
        if call.id in results:
            inferred.append(inferred_step(call, results[call.id], consumer, step + len(inferred)))
    return inferred, set(results)


def inferred_step(call: ToolCall, result: Any, consumer: Event, step: int) -> Event:
    """A tool call read from the conversation; an agent handoff is the decision to move to that agent."""
    kind, name, given, output = "tool_call", call.name, call.arguments, result
    target = handoff_target(call.name, result)
    if target is not None:
        kind, name, given, output = "decision", target, call.name, target
    return Event(
        step=step,
        kind=kind,
        provider=consumer.provider,
        name=name,
        input=given,
        output=output,
        replayed=consumer.replayed,
        inferred=True,
    )


# -- the deterministic summary -------------------------------------------------------------------------


def summarize(trace: Trace) -> str:
    events = trace.events
    source = f" ({Path(trace.cassette).name})" if trace.cassette else ""
    lines = [
        f"Trace{source}: {plural(trace.total_llm_calls, 'LLM call')}, {plural(trace.total_tool_calls, 'tool call')}, "
        f"{plural(trace.total_tokens, 'token')}, {format_cost(trace.total_cost_usd)}",
        *notes(events),
    ]
    if events:
        lines.append("trajectory: " + " → ".join(trace.trajectory))
        lines.extend(step_line(event) for event in events)
    return "\n".join(lines)


def step_line(event: Event) -> str:
    head = f"  {event.step:>3} {event.label}"
    if event.kind == "llm_call":
        tokens = (
            "tokens unknown" if usage_unknown(event) else f"in {event.input_tokens} / out {event.output_tokens} tokens"
        )
        detail = f"{tokens}, {format_cost(event.cost_usd)}"
        if event.tool_calls:
            detail += ", requests " + ", ".join(call.name for call in event.tool_calls)
        elif event.output_text:
            detail += f": {short(event.output_text)}"
        return f"{head}  {detail}"
    if event.kind == "error":
        return f"{head}  HTTP {event.status}: {short(event.error)}"
    outcome = f"raised {short(event.error)}" if event.error else short(event.output)
    return f"{head}  {short(event.input)} → {outcome}" + (" (inferred)" if event.inferred else "")


def as_trace(value: Any) -> Trace:
    """A Trace from a Trace, a session (its trace so far) or a cassette path."""
    if isinstance(value, Trace):
        return value
    trace = getattr(value, "trace", None)
    if isinstance(trace, Trace):
        return trace
    if isinstance(value, str | os.PathLike):
        from ..cassette.file import read_records

        return Trace(read_records(value), cassette=str(value))
    raise TypeError(f"expected a Trace, a session or a cassette path, not {type(value).__name__}")


def traces(source: Any) -> Iterator[Trace]:
    """Every trace a source names: a Trace, a session, a cassette path, a folder (its cassettes, sorted, not
    the `*.partial.*` / `*.baseline.*` working files), or a list of those."""
    if isinstance(source, str | os.PathLike) and Path(source).is_dir():
        from ..cassette.file import find_cassettes

        yield from (as_trace(path) for path in find_cassettes(source))
    elif isinstance(source, str | os.PathLike | Trace) or hasattr(source, "trace"):
        yield as_trace(source)
    elif isinstance(source, Iterable):
        for item in source:
            yield from traces(item)
    else:
        raise TypeError(f"expected a Trace, a session, a cassette path or folder, or a list of them, not {source!r}")
