"""Agent handoffs: on the wire, a handoff is a tool call; in a trajectory, it is a decision. Pure.

The OpenAI Agents SDK offers each agent it can hand to as a function tool named `transfer_to_<agent>`, and
answers the model's call of it with `{"assistant": "<agent name>"}`. Such a call is the step where the run
moves to that agent, so it is shown as a decision named for the agent, not as a tool that ran.
"""

from __future__ import annotations

import json
from typing import Any

HANDOFF_PREFIX = "transfer_to_"


def handoff_target(tool_name: str, result: Any) -> str | None:
    """The agent a tool call hands the run to, or None when it is an ordinary tool call."""
    if not tool_name.startswith(HANDOFF_PREFIX) or not isinstance(result, str):
        return None
    try:
        answer = json.loads(result)
    except ValueError:
        return None
    if isinstance(answer, dict) and list(answer) == ["assistant"] and isinstance(answer["assistant"], str):
        return answer["assistant"]
    return None
