"""The widgets' Python side: what is synced, what is fetched on request, and the no-JavaScript fallbacks."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import traceops_nb
from traceops_nb import DebuggerWidget, DiffWidget, Trace, TrajectoryWidget, diff_traces, load_cassette
from traceops_nb.cassette.interactions import Interaction, ToolRecord
from traceops_nb.views.payload import word_diff
from traceops_nb.views.steps import SUMMARY_FIELDS, chat_messages

BROWSER = Path(__file__).resolve().parent / "browser"
sys.path.insert(0, str(BROWSER))

from traces import synthetic_trace  # noqa: E402

CASSETTES = BROWSER / "cassettes"
AGENT, AGENT_V2, XSS = CASSETTES / "agent.yaml", CASSETTES / "agent_v2.yaml", CASSETTES / "xss.yaml"
MARKUP = ("<script", "<img", "<a ", "<b>")


def fetch(widget: Any, **request: Any) -> dict[str, Any]:
    """What the front-end gets back when it asks for a step's (or an aligned pair's) detail."""
    sent: list[Any] = []
    widget.send = sent.append
    widget._on_message(widget, {"type": "detail", "key": "k", **request}, [])
    assert len(sent) == 1 and sent[0]["type"] == "detail" and sent[0]["key"] == "k"
    return sent[0]["detail"]  # type: ignore[no-any-return]


def test_the_widgets_are_exported_lazily() -> None:
    assert {"TrajectoryWidget", "DebuggerWidget", "DiffWidget"} <= set(traceops_nb.__all__)
    assert traceops_nb.TrajectoryWidget.__module__ == "traceops_nb.views.widgets.trajectory"


def test_the_synced_payload_is_a_summary_per_step_and_the_detail_comes_on_request() -> None:
    trace = load_cassette(AGENT)
    widget = TrajectoryWidget(trace)
    state = widget.get_state()
    assert set(state["steps"]) == set(SUMMARY_FIELDS)
    assert state["steps"]["label"] == trace.trajectory
    assert state["steps"]["cost_usd"][1] == trace.events[1].cost_usd and state["steps"]["cost_usd"][2] is None
    assert state["totals"]["steps"] == 4 and state["totals"]["tool_calls"] == 1
    synced = json.dumps(state)
    prompt = trace.events[1].input_messages[0]["content"]
    assert prompt not in synced  # messages, outputs and tool payloads are not synced…
    detail = fetch(widget, step=1)  # …but fetched when the step is opened
    assert [m["role"] for m in detail["messages"]] == ["system", "user"]
    assert detail["messages"][0]["text"] == prompt
    assert detail["tool_calls"][0]["name"] == "search"
    assert detail["tool_calls"][0]["arguments"] == {"query": "What is a cassette?"}
    assert fetch(widget, step=2)["output"] == trace.events[2].output


def test_a_10000_step_trace_syncs_under_a_hundred_bytes_per_step() -> None:
    widget = TrajectoryWidget(synthetic_trace(10_000))
    size = len(json.dumps(widget.get_state()["steps"]))
    assert size < 100 * 10_000, size
    assert "Question 5000" not in json.dumps(widget.get_state())
    assert fetch(widget, step=9999)["messages"][0]["text"].startswith("Question 9999")
    fallback = widget._repr_mimebundle_()[0]
    assert "… 9800 more steps" in fallback["text/plain"] and len(fallback["text/html"]) < 100_000


def test_chat_messages_from_both_providers_share_one_shape() -> None:
    openai_chat = [
        {"role": "developer", "content": "be brief"},
        {"role": "user", "content": [{"type": "text", "text": "hi"}]},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c1", "function": {"name": "f", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "42"},
    ]
    assert [(m["role"], m["text"]) for m in chat_messages(openai_chat)] == [
        ("system", "be brief"),
        ("user", "hi"),
        ("assistant", ""),
        ("tool", "42"),
    ]
    assert chat_messages(openai_chat)[2]["tool_calls"] == [{"name": "f", "arguments": {}, "id": "c1"}]
    assert chat_messages(openai_chat)[3]["tool_call_id"] == "c1"
    anthropic = [
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "g", "input": {"a": 1}}]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "t1", "content": [{"type": "text", "text": "ok"}]}],
        },
    ]
    shaped = chat_messages(anthropic)
    assert shaped[0]["tool_calls"] == [{"name": "g", "arguments": {"a": 1}, "id": "t1"}]
    assert shaped[1] == {"role": "tool", "text": "ok", "tool_calls": [], "tool_call_id": "t1"}
    responses = [{"type": "function_call", "name": "h", "arguments": "{}", "call_id": "r1"}]
    responses.append({"type": "function_call_output", "call_id": "r1", "output": "done"})
    assert [(m["role"], m["tool_call_id"]) for m in chat_messages(responses)] == [("assistant", None), ("tool", "r1")]
    assert chat_messages(responses)[0]["tool_calls"] == [{"name": "h", "arguments": {}, "id": "r1"}]


def test_the_debugger_step_is_a_clamped_trait_and_its_event_follows() -> None:
    trace = load_cassette(AGENT)
    widget = DebuggerWidget(trace, step=2)
    assert widget.step == 2 and widget.event is trace.events[2]
    widget.step = 99
    assert widget.step == 3
    widget.step = -5
    assert widget.step == 0
    assert widget.get_state()["step"] == 0


def test_the_diff_widget_shows_diff_traces_alignment_and_badges() -> None:
    widget = DiffWidget(AGENT, AGENT_V2)
    expected = diff_traces(AGENT, AGENT_V2)
    assert widget.rows["status"] == [step.status for step in expected.steps]
    assert widget.rows["new_step"] == [step.new_step for step in expected.steps]
    texts = [badge["text"] for badge in widget.badges]
    assert "model changed: gpt-5.4-mini → gpt-5.4" in texts
    assert "new tool used: fetch_page" in texts and "1 extra LLM call" in texts
    assert any(text.startswith("cost +") and text.endswith(" %") for text in texts)
    assert widget.selected == 0  # the first change is open
    answer = fetch(widget, row=3)
    response = next(d for d in answer["text_diffs"] if d["title"] == "response")
    segments = response["segments"]
    assert ["delete", ";"] in segments and any(op == "insert" and "offline" in text for op, text in segments)
    old_text = "".join(text for op, text in segments if op != "insert")
    assert old_text == load_cassette(AGENT).events[3].output_text
    assert answer["old"]["model"] == "gpt-5.4-mini" and answer["new"]["model"] == "gpt-5.4"
    added = fetch(widget, row=4)
    assert added["old"] is None and added["new"]["name"] == "fetch_page"
    same = DiffWidget(AGENT, AGENT)
    assert same.badges == [{"kind": "same", "text": "no differences"}] and same.selected == -1


def test_word_diff_keeps_words_and_spaces() -> None:
    assert word_diff("the cat sat", "the dog sat") == [
        ["equal", "the "],
        ["delete", "cat"],
        ["insert", "dog"],
        ["equal", " sat"],
    ]
    assert word_diff("", "new") == [["insert", "new"]]
    assert "".join(text for op, text in word_diff("a b,c", "a  b;c") if op != "delete") == "a  b;c"


def _with_other_timings(trace: Trace) -> Trace:
    """The same run as a replay shows it: other durations, timestamps and ids."""
    records: list[Interaction | ToolRecord] = []
    for record in trace.records:
        if isinstance(record, Interaction):
            body = dict(record.response.body, id="chatcmpl-other")
            response = replace(record.response, body=body, headers={"x-request-id": "req_other"})
            records.append(
                replace(record, response=response, duration_ms=1234.5, started_at="2030-01-01", replayed=True)
            )
        else:
            records.append(replace(record, duration_ms=999.0, started_at="2030-01-01", replayed=True))
    return Trace(records, cassette=trace.cassette)


@pytest.mark.parametrize("make", [TrajectoryWidget, DebuggerWidget, lambda t: DiffWidget(t, load_cassette(AGENT_V2))])
def test_text_fallbacks_are_deterministic(make: Any) -> None:
    trace = load_cassette(AGENT)
    first, second = make(trace)._repr_mimebundle_()[0], make(_with_other_timings(trace))._repr_mimebundle_()[0]
    assert "application/vnd.jupyter.widget-view+json" in first
    assert first["text/plain"] == second["text/plain"] and first["text/html"] == second["text/html"]
    for text in (first["text/plain"], first["text/html"]):
        assert " ms" not in text and "0x" not in text and "chatcmpl" not in text and "2026-" not in text
    assert "<script" not in first["text/html"]
    assert "<table" in first["text/html"] or "<details" in first["text/html"]


def test_the_debugger_fallback_shows_each_step_in_full() -> None:
    plain = DebuggerWidget(AGENT)._repr_mimebundle_()[0]["text/plain"]
    assert "step 1 · llm:gpt-5.4-mini · 20 in / 5 out · $0.000037" in plain
    assert '→ tool search({"query": "What is a cassette?"})' in plain
    assert "  output: Cassettes store the requests" in plain


@pytest.mark.parametrize("make", [TrajectoryWidget, DebuggerWidget, lambda t: DiffWidget(load_cassette(AGENT), t)])
def test_fallback_html_escapes_model_and_tool_text(make: Any) -> None:
    bundle = make(load_cassette(XSS))._repr_mimebundle_()[0]
    page = bundle["text/html"]
    assert not any(tag in page for tag in MARKUP)
    if not isinstance(make, type) or make is not TrajectoryWidget:  # the trajectory table shows no content
        assert "&lt;script&gt;window.__xss" in page and "&lt;img src=x onerror=" in page


def test_magics_open_the_widgets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    monkeypatch.chdir(tmp_path)
    shell = InteractiveShell.instance()
    try:
        shell.run_line_magic("load_ext", "traceops_nb")
        with capture_output() as shown:
            shell.run_line_magic("traceops", f"show {AGENT}")
        data = shown.outputs[0].data
        assert "application/vnd.jupyter.widget-view+json" in data and data["text/plain"].startswith("traceops_nb ·")
        shell.user_ns["old"], shell.user_ns["new"] = load_cassette(AGENT), load_cassette(AGENT_V2)
        debugger = shell.run_line_magic("traceops", "debug old")
        assert isinstance(debugger, DebuggerWidget) and debugger.trace is shell.user_ns["old"]
        diff = shell.run_line_magic("traceops", f"diff old {AGENT_V2}")
        assert isinstance(diff, DiffWidget) and "new tool used: fetch_page" in repr(diff)
    finally:
        InteractiveShell.clear_instance()
