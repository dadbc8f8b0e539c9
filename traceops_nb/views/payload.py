"""What the widgets send to the browser: a compact summary per step up front, a step's detail on request.

Pure functions of events and diffs; JSON-ready values only. Costs that are unknown are None, never 0.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Sequence
from typing import Any

from ..analysis.diff import TraceDiff, message_lines, response_lines
from ..trace import Event, Trace
from .steps import step_detail


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(b, dict) and b.get("type") == "text" for b in value):
        return "\n".join(str(block.get("text", "")) for block in value)
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=repr)


# -- the diff ---------------------------------------------------------------------------------------------


def diff_columns(diff: TraceDiff) -> dict[str, list[Any]]:
    """diff_traces' alignment, one entry per aligned pair, as columns."""
    steps = diff.steps
    return {
        "status": [step.status for step in steps],
        "old_step": [step.old_step for step in steps],
        "new_step": [step.new_step for step in steps],
        "old_label": [step.old_label for step in steps],
        "new_label": [step.new_label for step in steps],
        "changes": [[name for name in step.changes if name not in diff.ignore] for step in steps],
    }


def badges(diff: TraceDiff, old: Trace, new: Trace) -> list[dict[str, str]]:
    """The diff at a glance: model changed, new tool used, extra LLM call, cost +x %, …"""
    if not diff.has_changes:
        return [{"kind": "same", "text": "no differences"}]
    shown = set(diff.changes)
    found: list[dict[str, str]] = []
    models = _model_changes(diff, old, new) if "model" in shown else []
    if models:
        more = f" (+{len(models) - 1} more)" if len(models) > 1 else ""
        found.append({"kind": "model", "text": f"model changed: {models[0][0]} → {models[0][1]}{more}"})
    if "tools" in shown:
        found += [{"kind": "tools-added", "text": f"new tool used: {name}"} for name in diff.tools_added]
        found += [{"kind": "tools-removed", "text": f"tool no longer used: {name}"} for name in diff.tools_removed]
    if "llm_calls" in shown:
        delta = diff.new_llm_calls - diff.old_llm_calls
        word = "extra" if delta > 0 else "fewer"
        found.append({"kind": "llm-calls", "text": f"{abs(delta)} {word} LLM call{'s' if abs(delta) != 1 else ''}"})
    if "trajectory" in shown and not any(b["kind"] in ("tools-added", "tools-removed", "llm-calls") for b in found):
        found.append({"kind": "trajectory", "text": "trajectory changed"})
    for category, text in (("prompt", "prompt changed"), ("response", "response changed"), ("error", "errors changed")):
        count = sum(1 for step in diff.steps if category in step.changes)
        if category in shown and count:
            found.append({"kind": category, "text": f"{text} ({count} step{'s' if count != 1 else ''})"})
    if "cost" in shown:
        found.append(_cost_badge(diff.old_cost, diff.new_cost))
    if "tokens" in shown:
        found.append(
            {"kind": "tokens", "text": f"tokens {diff.old_tokens} → {diff.new_tokens} ({diff.token_delta:+d})"}
        )
    return found


def _model_changes(diff: TraceDiff, old: Trace, new: Trace) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for step in diff.steps:
        if "model" in step.changes and step.old_step is not None and step.new_step is not None:
            pair = (str(old.events[step.old_step].model), str(new.events[step.new_step].model))
            if pair not in pairs:
                pairs.append(pair)
    return pairs


def _cost_badge(old: float, new: float) -> dict[str, str]:
    if math.isnan(old) or math.isnan(new):
        return {"kind": "cost", "text": "cost unknown (unpriced calls)"}
    if old == 0:
        return {"kind": "cost-up" if new > 0 else "cost", "text": f"cost $0 → ${new:.6f}"}
    ratio = (new - old) / old
    return {"kind": "cost-up" if ratio > 0 else "cost-down", "text": f"cost {ratio * 100:+.1f} %"}


def row_detail(diff: TraceDiff, row: int, old: Trace, new: Trace) -> dict[str, Any]:
    """One aligned pair: both steps in full, diff_traces' change lines, word diffs of what changed."""
    step = diff.steps[row]
    before = old.events[step.old_step] if step.old_step is not None else None
    after = new.events[step.new_step] if step.new_step is not None else None
    text_diffs = []
    if before is not None and after is not None:
        for title, old_text, new_text in _changed_texts(before, after, step.changes):
            text_diffs.append({"title": title, "segments": word_diff(old_text, new_text)})
    return {
        "row": row,
        "status": step.status,
        "changes": list(step.changes),
        "details": list(step.details),
        # the one-line changes (model: a → b, input: x → y); the text diffs are shown word by word instead
        "summary": [line for line in step.details if not line.startswith(" ") and not line.endswith(":")],
        "old": step_detail(before) if before is not None else None,
        "new": step_detail(after) if after is not None else None,
        "text_diffs": text_diffs,
    }


def _changed_texts(old: Event, new: Event, changes: Sequence[str]) -> list[tuple[str, str, str]]:
    texts = []
    if "prompt" in changes:
        first, last = _changed_span(old.input_messages, new.input_messages)
        old_part = old.input_messages[first : len(old.input_messages) - last]
        new_part = new.input_messages[first : len(new.input_messages) - last]
        texts.append(("prompt", _message_text(old_part), _message_text(new_part)))
    if "response" in changes:
        texts.append(("response", "\n".join(response_lines(old)), "\n".join(response_lines(new))))
    for category, title, attribute in (("tool_input", "tool input", "input"), ("tool_output", "tool output", "output")):
        if category in changes:
            texts.append((title, _as_text(getattr(old, attribute)), _as_text(getattr(new, attribute))))
    return texts


def _changed_span(old: Sequence[Any], new: Sequence[Any]) -> tuple[int, int]:
    """How many messages are equal at the start and at the end (conversations grow by appending)."""
    first = 0
    while first < min(len(old), len(new)) and old[first] == new[first]:
        first += 1
    last = 0
    while last < min(len(old), len(new)) - first and old[-1 - last] == new[-1 - last]:
        last += 1
    return first, last


def _message_text(messages: Sequence[Any]) -> str:
    return "\n".join(line for message in messages for line in message_lines(message))


_WORD = re.compile(r"\s+|\w+|[^\w\s]")


def word_diff(old: str, new: str) -> list[list[str]]:
    """[op, text] segments, op one of equal / delete / insert, words and whitespace kept as they are."""
    a, b = _WORD.findall(old), _WORD.findall(new)
    segments: list[list[str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            _add(segments, "equal", "".join(a[i1:i2]))
            continue
        _add(segments, "delete", "".join(a[i1:i2]))
        _add(segments, "insert", "".join(b[j1:j2]))
    return segments


def _add(segments: list[list[str]], op: str, text: str) -> None:
    if not text:
        return
    if segments and segments[-1][0] == op:
        segments[-1][1] += text
    else:
        segments.append([op, text])
