"""Synthetic traces of any length, for the widgets' tests and benchmarks (no cassette, no server)."""

from __future__ import annotations

from traceops_nb import Interaction, Request, Response, ToolRecord, Trace


def chat(step: int, *, model: str = "gpt-5.4-mini") -> Interaction:
    question, answer = f"Question {step}: what changed in run {step}?", f"Answer {step}: nothing that matters."
    body = {
        "id": f"chatcmpl-{step}",
        "object": "chat.completion",
        "created": 1700000000,
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop", "logprobs": None}
        ],
        "usage": {"prompt_tokens": 20 + step % 50, "completion_tokens": 5 + step % 30, "total_tokens": 25 + step % 80},
    }
    request = Request(
        "POST", "/chat/completions", body={"model": model, "messages": [{"role": "user", "content": question}]}
    )
    return Interaction(
        "openai",
        request,
        Response(200, {"content-type": "application/json"}, body=body),
        started_at="2026-01-01T00:00:00.000Z",
        duration_ms=100.0 + (step * 37) % 900,
        cost_usd=round(1e-6 * (20 + step % 50) + 4e-6 * (5 + step % 30), 9),
    )


def synthetic_trace(steps: int) -> Trace:
    """LLM calls and tool calls, two to one; every 97th tool call raised."""
    records: list[Interaction | ToolRecord] = []
    for step in range(steps):
        if step % 3 == 2:
            error = "TimeoutError: the search backend did not answer" if step % 97 == 2 else None
            output = None if error else {"hits": step % 7, "top": f"page {step}"}
            records.append(ToolRecord("tool_call", "search", {"query": f"q{step}"}, output, error, "", 5.0 + step % 40))
        else:
            records.append(chat(step))
    trace = Trace(records)
    assert len(trace.events) == steps
    return trace
