"""Small tool-using agents written against the real SDKs, for traces with real multi-step tool loops.

Against the fake server (tests/fakellm.py) every question costs: an LLM call that requests the first
tool, the tool, then an LLM call that answers "final: <tool result>". Each agent keeps its
conversation in `messages`, so asking twice makes a longer loop.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from scenarios import CLAUDE, CLAUDE_WEATHER, GPT, WEATHER

Tools = dict[str, Callable[..., Any]]
RESPONSES_WEATHER = {"type": "function", **WEATHER["function"]}


def chat_agent(client: Any, messages: list[Any], question: str, tools: Tools, *, stream: bool = False) -> str:
    messages.append({"role": "user", "content": question})
    for _ in range(5):
        if stream:
            with client.chat.completions.stream(
                model=GPT, messages=messages, tools=[WEATHER], stream_options={"include_usage": True}
            ) as events:
                message = events.get_final_completion().choices[0].message
        else:
            message = client.chat.completions.create(model=GPT, messages=messages, tools=[WEATHER]).choices[0].message
        if not message.tool_calls:
            messages.append({"role": "assistant", "content": message.content})
            return str(message.content)
        messages.append(
            {
                "role": "assistant",
                "content": message.content,
                "tool_calls": [
                    {
                        "id": c.id,
                        "type": "function",
                        "function": {"name": c.function.name, "arguments": c.function.arguments},
                    }
                    for c in message.tool_calls
                ],
            }
        )
        for call in message.tool_calls:
            result = tools[call.function.name](**json.loads(call.function.arguments))
            messages.append({"role": "tool", "tool_call_id": call.id, "content": str(result)})
    raise AssertionError("the agent did not finish")


def responses_agent(client: Any, question: str, tools: Tools) -> str:
    items: list[Any] = [{"role": "user", "content": question}]
    for _ in range(5):
        response = client.responses.create(model=GPT, input=items, tools=[RESPONSES_WEATHER])
        calls = [item for item in response.output if item.type == "function_call"]
        if not calls:
            return str(response.output_text)
        for call in calls:
            items.append(
                {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments}
            )
            result = tools[call.name](**json.loads(call.arguments))
            items.append({"type": "function_call_output", "call_id": call.call_id, "output": str(result)})
    raise AssertionError("the agent did not finish")


def claude_agent(client: Any, messages: list[Any], question: str, tools: Tools, *, stream: bool = False) -> str:
    messages.append({"role": "user", "content": question})
    for _ in range(5):
        options = {"model": CLAUDE, "max_tokens": 64, "messages": messages, "tools": [CLAUDE_WEATHER]}
        if stream:
            with client.messages.stream(**options) as events:
                message = events.get_final_message()
        else:
            message = client.messages.create(**options)
        messages.append(
            {"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in message.content]}
        )
        uses = [block for block in message.content if block.type == "tool_use"]
        if not uses:
            return "".join(block.text for block in message.content if block.type == "text")
        results = [
            {"type": "tool_result", "tool_use_id": use.id, "content": str(tools[use.name](**use.input))} for use in uses
        ]
        messages.append({"role": "user", "content": results})
    raise AssertionError("the agent did not finish")
