"""Small notebooks written the way public cookbooks write them (OpenAI's function calling, streaming and
structured outputs; Anthropic's tool-use agent): clients built from the environment, a helper that catches
exceptions, an agent loop defined in one cell and run in a later one, a cell run twice, a call from a thread.
Nothing in them mentions traceops_nb, except the one-line notebook.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

SETUP = """\
import json
from openai import OpenAI

GPT_MODEL = "gpt-5.4-mini"
client = OpenAI()"""

FUNCTION_CALLING = [
    SETUP,
    """\
def chat_completion_request(messages, tools=None, tool_choice=None, model=GPT_MODEL):
    try:
        response = client.chat.completions.create(
            model=model, messages=messages, tools=tools, tool_choice=tool_choice,
        )
        return response
    except Exception as e:
        print("Unable to generate ChatCompletion response")
        print(f"Exception: {e}")
        return e""",
    """\
tools = [{
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Get the current weather",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string", "description": "The city and state"}},
            "required": ["location"],
        },
    },
}]""",
    """\
messages = [
    {"role": "system", "content": "Don't make assumptions about what values to plug into functions."},
    {"role": "user", "content": "What's the weather like today in Glasgow, Scotland?"},
]
chat_response = chat_completion_request(messages, tools=tools)
assistant_message = chat_response.choices[0].message
messages.append(assistant_message)
assistant_message.tool_calls[0].function.name""",
    """\
tool_call = assistant_message.tool_calls[0]
messages.append({"role": "tool", "tool_call_id": tool_call.id, "content": "14 degrees and raining"})
final = chat_completion_request(messages, tools=tools)
print(final.choices[0].message.content)""",
    """\
joke = chat_completion_request([{"role": "user", "content": "Tell me a joke about the weather"}])
joke.id, joke.choices[0].message.content""",
    """\
joke = chat_completion_request([{"role": "user", "content": "Tell me a joke about the weather"}])
joke.id, joke.choices[0].message.content""",
    """\
import threading

results = {}
worker = threading.Thread(target=lambda: results.update(
    summary=chat_completion_request([{"role": "user", "content": "Summarise the forecast"}]).choices[0].message.content
))
worker.start()
worker.join()
results""",
]

STREAMING = [
    SETUP,
    """\
stream = client.chat.completions.create(
    model=GPT_MODEL,
    messages=[{"role": "user", "content": "Count to ten, please"}],
    stream=True,
)
collected = []
for chunk in stream:
    if chunk.choices and chunk.choices[0].delta.content:
        collected.append(chunk.choices[0].delta.content)
print("".join(collected))""",
    """\
from pydantic import BaseModel

class Step(BaseModel):
    explanation: str
    output: str

class MathReasoning(BaseModel):
    steps: list[Step]
    final_answer: str

completion = client.chat.completions.parse(
    model=GPT_MODEL,
    messages=[
        {"role": "system", "content": "You are a helpful math tutor."},
        {"role": "user", "content": "how can I solve 8x + 7 = -23"},
    ],
    response_format=MathReasoning,
)
math_reasoning = completion.choices[0].message.parsed
type(math_reasoning).__name__, len(math_reasoning.steps) > 0""",
]

AGENT = [
    """\
import anthropic

MODEL = "claude-sonnet-4-6"
client = anthropic.Anthropic()
tools = [{
    "name": "get_weather",
    "description": "Get the current weather in a given location",
    "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]},
}]""",
    """\
def get_weather(location):
    return f"It is sunny in {location}"

def run_agent(question, max_turns=5):
    messages = [{"role": "user", "content": question}]
    for _ in range(max_turns):
        response = client.messages.create(model=MODEL, max_tokens=1024, tools=tools, messages=messages)
        messages.append({"role": "assistant", "content": response.content})
        if response.stop_reason != "tool_use":
            return "".join(block.text for block in response.content if block.type == "text")
        results = [
            {"type": "tool_result", "tool_use_id": block.id, "content": get_weather(**block.input)}
            for block in response.content if block.type == "tool_use"
        ]
        messages.append({"role": "user", "content": results})""",
    """\
answer = run_agent("What is the weather in Lisbon?")
answer""",
]

ONE_LINE = [
    "%load_ext traceops_nb",
    "%traceops notebook",
    SETUP,
    """\
reply = client.chat.completions.create(model=GPT_MODEL, messages=[{"role": "user", "content": "Say hello"}])
reply.choices[0].message.content""",
]

NOTEBOOKS = {
    "function_calling": FUNCTION_CALLING,
    "streaming": STREAMING,
    "claude_agent": AGENT,
    "one_line": ONE_LINE,
}


def write_notebook(folder: Path, name: str, cells: list[str]) -> Path:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / f"{name}.ipynb"
    nbformat.write(notebook, path)
    return path
