"""Budget and behaviour assertions on a trace (or a session, or a cassette path).

Each raises AssertionError with a message that says what was over and by how much. A cost that is not
known (a model missing from the price table, a stream that reported no usage) fails a cost assertion
rather than counting as $0. `check_budget` is what the pytest `budget` marker runs.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..trace import Trace, as_trace, format_cost
from .diff import assert_trace_unchanged


def assert_cost_under(trace: Any, max_usd: float) -> None:
    _raise(cost_problems(as_trace(trace), max_usd))


def assert_tokens_under(trace: Any, max_tokens: int) -> None:
    _raise(token_problems(as_trace(trace), max_tokens))


def assert_max_llm_calls(trace: Any, max_calls: int) -> None:
    _raise(llm_call_problems(as_trace(trace), max_calls))


def assert_no_loops(trace: Any, max_consecutive_same_tool: int = 3) -> None:
    """Fail when one tool is called more than `max_consecutive_same_tool` times in a row.

    "In a row" counts tool calls only: the LLM calls between them do not break a run (an agent loop
    is llm → tool:search → llm → tool:search …); a call of another tool does.
    """
    _raise(loop_problems(as_trace(trace), max_consecutive_same_tool))


def check_budget(
    trace: Any, *, max_usd: float | None = None, max_tokens: int | None = None, max_llm_calls: int | None = None
) -> None:
    """Every limit given, checked at once; one AssertionError lists all that were exceeded."""
    checked = as_trace(trace)
    problems: list[str] = []
    if max_usd is not None:
        problems += cost_problems(checked, max_usd)
    if max_tokens is not None:
        problems += token_problems(checked, max_tokens)
    if max_llm_calls is not None:
        problems += llm_call_problems(checked, max_llm_calls)
    _raise(problems)


# -- each check as a list of problems ------------------------------------------------------------------------


def cost_problems(trace: Trace, max_usd: float) -> list[str]:
    unknown = [event for event in trace.llm_calls if event.cost_usd is None]
    if unknown:
        models = sorted({str(event.model) for event in unknown})
        return [
            f"cost is unknown for {len(unknown)} of {trace.total_llm_calls} LLM calls (models: {', '.join(models)}), "
            f"so the budget of {format_cost(max_usd)} cannot be checked. Add the models' prices "
            "(traceops_nb.pricing.register_model / load_prices) and re-record, or price the trace again "
            "with traceops_nb.pricing.recompute(trace); OpenAI streams need stream_options={'include_usage': True}."
        ]
    total = trace.total_cost_usd
    if total <= max_usd:
        return []
    return [f"cost {format_cost(total)} is over the budget of {format_cost(max_usd)} ({_by_model(trace)})"]


def token_problems(trace: Trace, max_tokens: int) -> list[str]:
    total = trace.total_tokens
    if total <= max_tokens:
        return []
    inputs = sum(event.input_tokens for event in trace.events)
    return [f"{total} tokens is over the budget of {max_tokens} (input {inputs}, output {total - inputs})"]


def llm_call_problems(trace: Trace, max_calls: int) -> list[str]:
    count = trace.total_llm_calls
    if count <= max_calls:
        return []
    return [f"{count} LLM calls is over the limit of {max_calls}: {' → '.join(trace.trajectory)}"]


def loop_problems(trace: Trace, max_consecutive: int) -> list[str]:
    name, run, worst = None, 0, (0, "", 0)
    for event in trace.tool_calls:
        run = run + 1 if event.name == name else 1
        name = event.name
        if run > worst[0]:
            worst = (run, str(name), event.step)
    if worst[0] <= max_consecutive:
        return []
    count, tool, last_step = worst
    return [
        f"tool {tool!r} was called {count} times in a row (limit {max_consecutive}), up to step {last_step}: "
        "the agent looks stuck in a loop"
    ]


def _by_model(trace: Trace) -> str:
    costs: dict[str, float] = defaultdict(float)
    for event in trace.llm_calls:
        costs[str(event.model)] += event.cost_usd or 0.0
    return ", ".join(f"{model} {format_cost(cost)}" for model, cost in sorted(costs.items()))


def _raise(problems: list[str]) -> None:
    if problems:
        raise AssertionError("\n".join(problems))


__all__ = [
    "assert_cost_under",
    "assert_max_llm_calls",
    "assert_no_loops",
    "assert_tokens_under",
    "assert_trace_unchanged",
    "check_budget",
]
