"""A small tool-using agent, the subject of the widgets' browser tests.

tests/browser/record_cassettes.py records its runs into tests/browser/cassettes/ against the tests' fake
LLM server; the end-to-end notebook imports this module and replays them.
"""

from __future__ import annotations

import json
from typing import Any

from traceops_nb import record_decision, tool

QUESTION = "What is a cassette?"
QUESTION_V2 = "What is a cassette, and how is it replayed?"
SYSTEM = "You answer questions about testing tools. Search the docs first, then answer in one short paragraph."
SYSTEM_V2 = "You answer questions about testing tools. Search the docs first, then answer in two sentences."
# Markup in a prompt, a tool output and an answer: each payload sets window.__xss if it ever runs.
XSS_QUESTION = (
    "<script>window.__xss = 'script'</script> Is <img src=x onerror=\"window.__xss = 'img'\"> safe? "
    "See <a href=\"javascript:window.__xss = 'link'\">this link</a>."
)
XSS_PAGE = "<b>bold?</b> <img src=x onerror=\"window.__xss = 'tool'\"> javascript:window.__xss = 'tool-link'"
XSS_ANSWER = "<script>window.__xss = 'answer'</script><img src=x onerror=\"window.__xss = 'answer-img'\">"
SEARCH = {
    "type": "function",
    "function": {
        "name": "search",
        "description": "Search the documentation.",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
    },
}
DOCS = {
    QUESTION: "Cassettes store the requests a program made and the responses it got, as YAML.",
    QUESTION_V2: "Cassettes store requests and responses as YAML; a replay answers each call from the file, offline.",
    XSS_QUESTION: XSS_PAGE,
}


# replay=True: on replay the recorded output is returned and the tool does not run.
@tool(replay=True)
def search(query: str) -> str:
    return DOCS.get(query, f"No page mentions {query}.")


@tool(name="fetch_page", replay=True)
def fetch_page(url: str) -> dict[str, Any]:
    return {"url": url, "title": "Record and replay", "words": 412}


def run_agent(
    client: Any, question: str, *, model: str = "gpt-5.4-mini", system: str = SYSTEM, fetch: bool = False
) -> str:
    """Route, search with the model's arguments, answer; with fetch=True also read a page and summarise."""
    record_decision("route", "docs_agent", reason={"question": question})
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}, {"role": "user", "content": question}]
    first = client.chat.completions.create(model=model, messages=messages, tools=[SEARCH])
    request = first.choices[0].message
    call = request.tool_calls[0]
    found = search(**json.loads(call.function.arguments))
    messages += [request.model_dump(exclude_none=True), {"role": "tool", "tool_call_id": call.id, "content": found}]
    answer = client.chat.completions.create(model=model, messages=messages, tools=[SEARCH])
    text = answer.choices[0].message.content or ""
    if fetch:
        page = fetch_page("https://docs.example/replay")
        messages += [{"role": "assistant", "content": text}, {"role": "user", "content": f"Summarise {page['title']}."}]
        text = client.chat.completions.create(model=model, messages=messages).choices[0].message.content or ""
    return text
