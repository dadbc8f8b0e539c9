"""Analysis benchmark: to_dataframe on 100,000 events, diff_traces of two 1,000-step agent traces.

    python benchmarks/bench_analysis.py [--runs 7]

Targets (from the issue): to_dataframe of 100,000 events ≤ 1 s; diff_traces of two 1,000-step traces
≤ 0.5 s. Prints medians of time.perf_counter() over --runs runs, after one untimed warm-up run.

The traces are built in memory from Interaction / ToolRecord objects shaped as the Recorder stores
them (chat completions with usage, cost priced by traceops_nb.pricing), with no network:

* frame: 50,000 chat calls (a system prompt, three messages, a ~40-word answer) and 50,000 recorded
  tool calls, one trace. Timed twice: with the trace's events already derived (the DataFrame alone),
  and from the records (the provider adapters deriving the events, then the DataFrame).
* diff: an agent loop of 500 LLM calls and 500 tool calls (1,000 steps), where each request carries
  the whole conversation so far (up to 1,001 messages). The new trace is a separate copy with other
  response and tool call ids, as a re-recording has; "identical" differs in nothing else, "changed"
  also has a different tool output at step 499 (so the 250 prompts after it differ). Each run diffs
  fresh Trace objects, so deriving the events of both traces is included.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # scenarios: the tool schema

from scenarios import WEATHER

import traceops_nb
from traceops_nb import Interaction, Request, Response, ToolRecord, Trace, diff_traces
from traceops_nb.trace.pricing import price_interaction

MODEL = "gpt-4o-mini"
ANSWER = " ".join(["the tide turns twice a day and the harbour pilots plan around it"] * 3)
STAMP = "2026-11-25T12:00:00.000Z"


def chat_interaction(messages: list[Any], content: str | None, calls: list[Any], n: int) -> Interaction:
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
    if calls:
        message["tool_calls"] = calls
    body = {
        "id": f"chatcmpl-{n}",
        "object": "chat.completion",
        "created": 1700000000,
        "model": MODEL,
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}],
        "usage": {
            "prompt_tokens": 40 + 12 * len(messages),
            "completion_tokens": 40,
            "total_tokens": 80 + 12 * len(messages),
            "prompt_tokens_details": {"cached_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0},
        },
    }
    interaction = Interaction(
        provider="openai",
        request=Request("POST", "/chat/completions", body={"model": MODEL, "messages": messages, "tools": [WEATHER]}),
        response=Response(200, {"content-type": "application/json", "x-request-id": f"req_{n}"}, body=body),
        started_at=STAMP,
        duration_ms=812.5,
    )
    price_interaction(interaction)
    return interaction


def frame_records(count: int) -> list[Any]:
    records: list[Any] = []
    for n in range(count // 2):
        messages = [
            {"role": "system", "content": "You are a harbour assistant."},
            {"role": "user", "content": f"When is high tide at berth {n}?"},
            {"role": "assistant", "content": "Let me check the tables."},
            {"role": "user", "content": "Thanks."},
        ]
        records.append(chat_interaction(messages, ANSWER, [], n))
        records.append(ToolRecord("tool_call", "tide_table", {"berth": n}, {"high": "06:12"}, None, STAMP, 3.5))
    return records


def agent_records(llm_calls: int, *, id_prefix: str, changed_at: int | None = None) -> list[Any]:
    """An agent loop: each LLM call requests `search`, the tool answers, the next call sees it all."""
    messages: list[Any] = [
        {"role": "system", "content": "You research tides."},
        {"role": "user", "content": "Plan the week's sailings."},
    ]
    records: list[Any] = []
    for n in range(llm_calls):
        call_id = f"call_{id_prefix}_{n}"
        call = {
            "id": call_id,
            "type": "function",
            "function": {"name": "search", "arguments": f'{{"query": "day {n}"}}'},
        }
        # a copy through JSON: every request's messages are distinct objects, as after loading a cassette
        records.append(chat_interaction(json.loads(json.dumps(messages)), None, [call], n))
        output = f"tides for day {n}: high 06:{n % 60:02d}" + (" (revised)" if n == changed_at else "")
        records.append(ToolRecord("tool_call", "search", {"query": f"day {n}"}, output, None, STAMP, 2.0))
        messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        messages.append({"role": "tool", "tool_call_id": call_id, "content": output})
    return records


def median_s(run: Callable[[], Any], runs: int) -> float:
    run()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs

    records = frame_records(100_000)
    derived = Trace(records)
    events = len(derived.events)
    frame = traceops_nb.to_dataframe(derived)
    assert len(frame) == events == 100_000 and frame["total_tokens"].sum() == derived.total_tokens
    frame_only = median_s(lambda: traceops_nb.to_dataframe(derived), runs)
    from_records = median_s(lambda: traceops_nb.to_dataframe(Trace(records)), runs)

    old = agent_records(500, id_prefix="a")
    same = agent_records(500, id_prefix="b")
    changed = agent_records(500, id_prefix="b", changed_at=249)
    assert len(Trace(old).events) == 1000
    assert not diff_traces(Trace(old), Trace(same)).has_changes
    assert diff_traces(Trace(old), Trace(changed)).changes == ("prompt", "tool_output")
    identical = median_s(lambda: diff_traces(Trace(old), Trace(same)), runs)
    different = median_s(lambda: diff_traces(Trace(old), Trace(changed)), runs)
    derived_old, derived_changed = Trace(old), Trace(changed)
    diff_only = median_s(lambda: diff_traces(derived_old, derived_changed), runs)

    print(f"traceops_nb analysis benchmark: median of {runs} runs, Python {sys.version.split()[0]}")
    print(f"  to_dataframe, 100,000 events (events derived)     {frame_only:7.3f} s   target ≤ 1 s")
    print(f"  to_dataframe, 100,000 events (from the records)   {from_records:7.3f} s")
    print(f"  diff_traces, 1,000 steps, no change               {identical:7.3f} s   target ≤ 0.5 s")
    print(f"  diff_traces, 1,000 steps, a tool output changed   {different:7.3f} s   target ≤ 0.5 s")
    print(f"  diff_traces, changed, events already derived      {diff_only:7.3f} s")


if __name__ == "__main__":
    main()
