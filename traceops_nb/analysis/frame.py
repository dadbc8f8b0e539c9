"""Traces as pandas DataFrames: one row per event, stable columns and dtypes, many cassettes at once.

| column | dtype | meaning |
| --- | --- | --- |
| cassette | string | the cassette path (<NA> for a trace that has none) |
| step | int64 | the event's position in its trace, from 0 |
| kind | category | llm_call, tool_call, decision or error |
| provider | string | openai / anthropic (<NA> for recorded tools and decisions) |
| model | string | the model that answered |
| operation | string | chat.completions, responses, embeddings, messages, … |
| name | string | the tool's or decision's name |
| input_tokens | int64 | every prompt token, cached and cache-written ones included |
| output_tokens | int64 | generated tokens, reasoning included |
| cached_tokens | int64 | prompt tokens read from the cache |
| cache_write_tokens | int64 | prompt tokens written to the cache |
| reasoning_tokens | int64 | the reasoning part of output_tokens |
| total_tokens | int64 | input_tokens + output_tokens |
| cost_usd | float64 | stored at record time; NaN when unknown, and for tools and decisions |
| duration_ms | float64 | until the last byte (LLM calls) or the return (tools); 0 when not measured |
| started_at | datetime64[ns, UTC] | NaT when not recorded (inferred tool calls) |
| stream | bool | the call was streamed |
| status | Int64 | HTTP status (<NA> for tools and decisions) |
| error | string | the API error or the tool's exception (<NA> when none) |
| finish_reason | string | stop, tool_calls, end_turn, … |
| replayed | bool | served from a cassette in this run |
| inferred | bool | a tool call read from the conversation, not recorded by the code |
| cell | string | notebook mode: the cell that made the step (its id, or `#N` for the Nth cell run); <NA> otherwise |

Sums equal the trace totals: `df.total_tokens.sum() == trace.total_tokens`, and `df.cost_usd.sum()`
equals `trace.total_cost_usd` when every LLM call's cost is known.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..trace import Event, Trace, traces

KINDS = ("llm_call", "tool_call", "decision", "error")
STRING = ("cassette", "provider", "model", "operation", "name", "error", "finish_reason", "cell")
INTEGER = ("step", "input_tokens", "output_tokens", "cached_tokens", "cache_write_tokens", "reasoning_tokens")
COLUMNS = {
    "cassette": "string",
    "step": "int64",
    "kind": pd.CategoricalDtype(KINDS),
    "provider": "string",
    "model": "string",
    "operation": "string",
    "name": "string",
    "input_tokens": "int64",
    "output_tokens": "int64",
    "cached_tokens": "int64",
    "cache_write_tokens": "int64",
    "reasoning_tokens": "int64",
    "total_tokens": "int64",
    "cost_usd": "float64",
    "duration_ms": "float64",
    "started_at": "datetime64[ns, UTC]",
    "stream": "bool",
    "status": "Int64",
    "error": "string",
    "finish_reason": "string",
    "replayed": "bool",
    "inferred": "bool",
    "cell": "string",
}


def to_dataframe(source: Any) -> pd.DataFrame:
    """One row per event of a Trace, a session, a cassette path, a folder of cassettes, or a list of these."""
    columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    for trace in traces(source):
        _add_rows(columns, trace)
    return _frame(columns)


def _add_rows(columns: dict[str, list[Any]], trace: Trace) -> None:
    events = trace.events
    columns["cassette"].extend([trace.cassette] * len(events))
    for name in ("step", "kind", "provider", "model", "operation", "name", "error", "finish_reason"):
        columns[name].extend([getattr(event, name) for event in events])
    for name in INTEGER[1:]:
        columns[name].extend([getattr(event, name) for event in events])
    columns["total_tokens"].extend([event.input_tokens + event.output_tokens for event in events])
    columns["cost_usd"].extend([_cost(event) for event in events])
    columns["duration_ms"].extend([event.duration_ms for event in events])
    columns["started_at"].extend([event.started_at or None for event in events])
    for name in ("stream", "replayed", "inferred"):
        columns[name].extend([getattr(event, name) for event in events])
    columns["status"].extend([event.status for event in events])
    columns["cell"].extend(_cells(trace))


def _cells(trace: Trace) -> list[str | None]:
    """Each step's cell, from its record; an inferred tool call is the cell of the call that sent its result."""
    records = trace.records
    cells: list[str | None] = [None if e.interaction is None else records[e.interaction].cell for e in trace.events]
    for index in range(len(cells) - 2, -1, -1):
        if trace.events[index].inferred:
            cells[index] = cells[index + 1]
    return cells


def _cost(event: Event) -> float:
    return math.nan if event.cost_usd is None else event.cost_usd


def _frame(columns: dict[str, list[Any]]) -> pd.DataFrame:
    data: dict[str, Any] = {}
    for name, dtype in COLUMNS.items():
        values = columns[name]
        if name == "started_at":
            stamps = pd.to_datetime(pd.Series(values, dtype="object"), utc=True, format="ISO8601")
            data[name] = stamps.dt.as_unit("ns")  # one unit whatever pandas infers, as documented
        elif name in STRING:
            data[name] = pd.array(values, dtype="string")
        else:
            data[name] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(data)
