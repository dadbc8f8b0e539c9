"""Semantic diff of two traces: steps aligned (not compared position by position), then what changed.

Steps are aligned on their kind and tool name, so an inserted tool call or an extra LLM call shows as
one added step, and the steps after it still pair with their counterparts. Paired LLM calls are
compared on provider and model, prompt (the messages sent) and response (text and requested tool
calls); paired tool calls and decisions on input, output and error. Messages are compared in the
provider-neutral shape of traceops_nb.normalize, so a step moved from OpenAI to Anthropic shows as a
provider / model change plus its real content differences. Ids that differ on every run (tool call ids,
response ids) are never compared. Pure: no I/O, no pandas.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..trace import Event, as_trace, format_cost
from ..trace.normalize import normalize_message, normalize_messages, render

# What can differ. `ignore=` takes any of these.
CATEGORIES = (
    "trajectory",
    "model",
    "prompt",
    "response",
    "tool_input",
    "tool_output",
    "error",
    "tools",
    "llm_calls",
    "tokens",
    "cost",
)
MAX_DETAIL_LINES = 40  # per step, so one huge prompt does not drown the summary


@dataclass(frozen=True)
class StepDiff:
    """One aligned step: in both traces ("same" / "changed"), or in one only ("added" / "removed")."""

    status: str
    old_step: int | None
    new_step: int | None
    old_label: str | None
    new_label: str | None
    changes: tuple[str, ...] = ()  # categories changed within the step
    details: tuple[str, ...] = ()  # readable lines: "model: gpt-4o → gpt-4o-mini", text diff lines
    token_delta: int = 0
    cost_delta: float = 0.0  # NaN when either side's cost is unknown

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "old_step": self.old_step,
            "new_step": self.new_step,
            "old_label": self.old_label,
            "new_label": self.new_label,
            "changes": list(self.changes),
            "details": list(self.details),
            "token_delta": self.token_delta,
            "cost_delta": _number(self.cost_delta),
        }


@dataclass(frozen=True)
class TraceDiff:
    old_trajectory: tuple[str, ...]
    new_trajectory: tuple[str, ...]
    steps: tuple[StepDiff, ...]
    tools_added: tuple[str, ...]
    tools_removed: tuple[str, ...]
    old_llm_calls: int
    new_llm_calls: int
    old_tokens: int
    new_tokens: int
    old_cost: float
    new_cost: float
    ignore: frozenset[str] = field(default_factory=frozenset)

    @property
    def changes(self) -> tuple[str, ...]:
        """The categories that differ, in CATEGORIES order, without the ignored ones."""
        found = set(self._trace_level_changes())
        for step in self.steps:
            found.update(step.changes)
        return tuple(name for name in CATEGORIES if name in found and name not in self.ignore)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def trajectory_changed(self) -> bool:
        return self.old_trajectory != self.new_trajectory

    @property
    def token_delta(self) -> int:
        return self.new_tokens - self.old_tokens

    @property
    def cost_delta(self) -> float:
        return self.new_cost - self.old_cost

    def _trace_level_changes(self) -> Iterable[str]:
        if self.trajectory_changed:
            yield "trajectory"
        if self.tools_added or self.tools_removed:
            yield "tools"
        if self.old_llm_calls != self.new_llm_calls:
            yield "llm_calls"
        if self.old_tokens != self.new_tokens:
            yield "tokens"
        if not _same_cost(self.old_cost, self.new_cost):
            yield "cost"

    def summary(self) -> str:
        """Plain text, deterministic (no times, durations or ids)."""
        return summarize(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "has_changes": self.has_changes,
            "changes": list(self.changes),
            "ignored": sorted(self.ignore),
            "trajectory": {
                "old": list(self.old_trajectory),
                "new": list(self.new_trajectory),
                "changed": self.trajectory_changed,
            },
            "tools_added": list(self.tools_added),
            "tools_removed": list(self.tools_removed),
            "llm_calls": {"old": self.old_llm_calls, "new": self.new_llm_calls},
            "tokens": {"old": self.old_tokens, "new": self.new_tokens, "delta": self.token_delta},
            "cost_usd": {
                "old": _number(self.old_cost),
                "new": _number(self.new_cost),
                "delta": _number(self.cost_delta),
            },
            "steps": [step.to_dict() for step in self.steps],
        }


def diff_traces(old: Any, new: Any, *, ignore: Iterable[str] = ()) -> TraceDiff:
    """How `new` differs from `old` (each a Trace, a session, or a cassette path)."""
    ignored = frozenset(ignore)
    unknown = ignored - set(CATEGORIES)
    if unknown:
        raise ValueError(f"unknown diff categories {sorted(unknown)}; choose from {', '.join(CATEGORIES)}")
    before, after = as_trace(old), as_trace(new)
    old_events, new_events = before.events, after.events
    old_tools, new_tools = _tool_names(old_events), _tool_names(new_events)
    return TraceDiff(
        old_trajectory=tuple(before.trajectory),
        new_trajectory=tuple(after.trajectory),
        steps=tuple(align(old_events, new_events)),
        tools_added=tuple(sorted(new_tools - old_tools)),
        tools_removed=tuple(sorted(old_tools - new_tools)),
        old_llm_calls=before.total_llm_calls,
        new_llm_calls=after.total_llm_calls,
        old_tokens=before.total_tokens,
        new_tokens=after.total_tokens,
        old_cost=before.total_cost_usd,
        new_cost=after.total_cost_usd,
        ignore=ignored,
    )


def assert_trace_unchanged(old: Any, new: Any, *, ignore: Iterable[str] = ()) -> None:
    """Raise AssertionError with the diff's summary when `new` differs from `old` (beyond `ignore`)."""
    diff = diff_traces(old, new, ignore=ignore)
    if diff.has_changes:
        raise AssertionError(diff.summary())


# -- alignment ------------------------------------------------------------------------------------------


def step_key(event: Event) -> str:
    """What must match for two steps to pair: an LLM call (failed or not), or a tool / decision by name."""
    return "llm" if event.kind in ("llm_call", "error") else f"{event.kind}:{event.name}"


def align(old: Sequence[Event], new: Sequence[Event]) -> list[StepDiff]:
    old_keys, new_keys = [step_key(e) for e in old], [step_key(e) for e in new]
    # Equal ends are paired directly, so the quadratic matcher only sees the part that moved.
    head = 0
    while head < min(len(old), len(new)) and old_keys[head] == new_keys[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old_keys[-1 - tail] == new_keys[-1 - tail]:
        tail += 1
    prompts = Prompts()
    steps = [compare(old[i], new[i], prompts) for i in range(head)]
    middle = difflib.SequenceMatcher(
        None, old_keys[head : len(old) - tail], new_keys[head : len(new) - tail], autojunk=False
    )
    for tag, i1, i2, j1, j2 in middle.get_opcodes():
        if tag == "equal":
            steps.extend(compare(old[head + i1 + k], new[head + j1 + k], prompts) for k in range(i2 - i1))
        else:
            steps.extend(_removed(old[head + i]) for i in range(i1, i2))
            steps.extend(_added(new[head + j]) for j in range(j1, j2))
    steps.extend(compare(old[len(old) - tail + k], new[len(new) - tail + k], prompts) for k in range(tail))
    return steps


def _removed(event: Event) -> StepDiff:
    return StepDiff("removed", event.step, None, event.label, None, token_delta=-event.total_tokens)


def _added(event: Event) -> StepDiff:
    return StepDiff("added", None, event.step, None, event.label, token_delta=event.total_tokens)


# -- comparing two paired steps ---------------------------------------------------------------------------


def compare(old: Event, new: Event, prompts: Prompts | None = None) -> StepDiff:
    changes: list[str] = []
    details: list[str] = []
    if step_key(old) == "llm":
        _compare_llm(old, new, prompts or Prompts(), changes, details)
    else:
        _compare_value("tool_input", "input", old.input, new.input, changes, details)
        _compare_value("tool_output", "output", old.output, new.output, changes, details)
    if old.error != new.error:
        changes.append("error")
        details.append(f"error: {_show(old.error)} → {_show(new.error)}")
    if len(details) > MAX_DETAIL_LINES:
        details[MAX_DETAIL_LINES:] = [f"… {len(details) - MAX_DETAIL_LINES} more lines"]
    return StepDiff(
        "changed" if changes else "same",
        old.step,
        new.step,
        old.label,
        new.label,
        tuple(changes),
        tuple(details),
        new.total_tokens - old.total_tokens,
        _cost(new) - _cost(old),
    )


def _compare_llm(old: Event, new: Event, prompts: Prompts, changes: list[str], details: list[str]) -> None:
    if old.provider != new.provider:
        changes.append("model")
        details.append(f"provider/model: {old.provider} {old.model} → {new.provider} {new.model}")
    elif old.model != new.model:
        changes.append("model")
        details.append(f"model: {old.model} → {new.model}")
    lines = prompts.compare(old, new)
    if lines:
        changes.append("prompt")
        details.append("prompt:")
        details.extend(lines)
    old_answer, new_answer = response_lines(old), response_lines(new)
    if old_answer != new_answer:
        changes.append("response")
        details.append("response:")
        details.extend(text_diff(old_answer, new_answer))


def _compare_value(category: str, label: str, old: Any, new: Any, changes: list[str], details: list[str]) -> None:
    if old == new:
        return
    changes.append(category)
    old_lines, new_lines = _lines(old), _lines(new)
    if max(len(_show(old, limit=10**6)), len(_show(new, limit=10**6))) <= 60:  # short: one line says it
        details.append(f"{label}: {_show(old)} → {_show(new)}")
    else:
        details.append(f"{label}:")
        details.extend(text_diff(old_lines, new_lines))


class Prompts:
    """Compares the prompts of paired LLM calls in order, rendering only what each call appended.

    An agent's conversation grows by appending: when both calls extend the previous pair's messages,
    only the appended messages are compared, and a difference already reported earlier is named as
    carried over instead of being shown again. That keeps a 1,000-step diff linear.
    """

    def __init__(self) -> None:
        self.old: Sequence[Any] = ()
        self.new: Sequence[Any] = ()
        self.since: int | None = None  # the step where a difference still carried in the conversation began

    def compare(self, old: Event, new: Event) -> list[str]:
        before, after = old.input_messages, new.input_messages
        grows = self.old and _extends(before, self.old) and _extends(after, self.new)
        if grows:
            lines = prompt_diff(before[len(self.old) :], after[len(self.new) :])
            since = self.since
        else:
            lines = prompt_diff(before, after) if before != after else []  # the C-speed check first
            since = None
        if since is not None:
            lines.append(f"  (and the difference from step {since}, carried in the conversation)")
        self.old, self.new = before, after
        self.since = since if since is not None else (new.step if lines else None)
        return lines


def _extends(messages: Sequence[Any], prefix: Sequence[Any]) -> bool:
    return len(messages) >= len(prefix) and messages[: len(prefix)] == prefix


def prompt_diff(old: Sequence[Any], new: Sequence[Any]) -> list[str]:
    """The changed messages as text diff lines, compared provider-neutrally; [] when only ids differ."""
    before, after = normalize_messages(old), normalize_messages(new)
    start = 0  # messages equal at both ends are not rendered: conversations grow by appending
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end = 0
    while end < min(len(before), len(after)) - start and before[-1 - end] == after[-1 - end]:
        end += 1
    old_lines = render(before[start : len(before) - end])
    new_lines = render(after[start : len(after) - end])
    return text_diff(old_lines, new_lines) if old_lines != new_lines else []


def text_diff(old: list[str], new: list[str]) -> list[str]:
    diff = difflib.unified_diff(old, new, lineterm="", n=0)
    return [f"  {line}" for line in diff if not line.startswith(("---", "+++", "@@"))]


def response_lines(event: Event) -> list[str]:
    lines = event.output_text.splitlines()
    lines.extend(f"[tool call {call.name} {_json(call.arguments)}]" for call in event.tool_calls)
    return lines


def message_lines(message: Any) -> list[str]:
    """A message of either provider as text lines, without ids: `user: …`, `assistant: [tool call search {...}]`."""
    return render(normalize_message(message))


# -- the summary -------------------------------------------------------------------------------------------


def summarize(diff: TraceDiff) -> str:
    if not diff.has_changes:
        ignored = f" (ignoring {', '.join(sorted(diff.ignore))})" if diff.ignore else ""
        return f"No differences{ignored}: {len(diff.new_trajectory)} steps, same trajectory."
    shown = set(diff.changes)
    lines = [f"Traces differ in: {', '.join(diff.changes)}"]
    if "trajectory" in shown:
        lines += ["trajectory changed:", f"  old: {_path(diff.old_trajectory)}", f"  new: {_path(diff.new_trajectory)}"]
    if "tools" in shown:
        lines += [f"tools added: {', '.join(diff.tools_added)}"] if diff.tools_added else []
        lines += [f"tools removed: {', '.join(diff.tools_removed)}"] if diff.tools_removed else []
    if "llm_calls" in shown:
        delta = _signed(diff.new_llm_calls - diff.old_llm_calls)
        lines.append(f"LLM calls: {diff.old_llm_calls} → {diff.new_llm_calls} ({delta})")
    if "tokens" in shown:
        lines.append(f"tokens: {diff.old_tokens} → {diff.new_tokens} ({_signed(diff.token_delta)})")
    if "cost" in shown:
        lines.append(f"cost: {format_cost(diff.old_cost)} → {format_cost(diff.new_cost)}")
    for step in diff.steps:
        lines.extend(_step_lines(step, shown))
    if diff.ignore:
        lines.append(f"ignored: {', '.join(sorted(diff.ignore))}")
    return "\n".join(lines)


def _step_lines(step: StepDiff, shown: set[str]) -> list[str]:
    if step.status == "added" and "trajectory" in shown:
        return [f"new step {step.new_step} added: {step.new_label}"]
    if step.status == "removed" and "trajectory" in shown:
        return [f"old step {step.old_step} removed: {step.old_label}"]
    changed = [name for name in step.changes if name in shown]
    if step.status != "changed" or not changed:
        return []
    where = f"step {step.old_step}" if step.old_step == step.new_step else f"step {step.old_step}→{step.new_step}"
    return [f"{where} {step.new_label}: {', '.join(changed)} changed", *(f"  {line}" for line in step.details)]


# -- small helpers -----------------------------------------------------------------------------------------


def _tool_names(events: Sequence[Event]) -> set[str]:
    return {str(event.name) for event in events if event.kind == "tool_call"}


def _cost(event: Event) -> float:
    if event.kind != "llm_call":
        return 0.0
    return math.nan if event.cost_usd is None else event.cost_usd


def _same_cost(old: float, new: float) -> bool:
    if math.isnan(old) or math.isnan(new):
        return math.isnan(old) and math.isnan(new)
    return math.isclose(old, new, rel_tol=1e-9, abs_tol=1e-12)


def _number(value: float) -> float | None:
    return None if math.isnan(value) else value


def _lines(value: Any) -> list[str]:
    return (value if isinstance(value, str) else _json(value, indent=1)).splitlines() or [""]


def _json(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=repr, indent=indent)


def _show(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else _json(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _path(labels: Sequence[str]) -> str:
    return " → ".join(labels) if labels else "(no steps)"


def _signed(number: int) -> str:
    return f"{number:+d}"
