"""traceops_nb.report: one self-contained HTML file. What the page holds and how model text is embedded;
tests/browser/test_report_browser.py opens it in Chromium."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

import traceops_nb
from traceops_nb import Interaction, Request, Response, Trace, load_cassette
from traceops_nb.views.report import render_report, script_json, script_text
from traceops_nb.views.steps import step_columns, step_detail
from traceops_nb.views.widgets.static import static_file

CASSETTES = Path(__file__).resolve().parent / "browser" / "cassettes"
AGENT, AGENT_V2, XSS = (CASSETTES / name for name in ("agent.yaml", "agent_v2.yaml", "xss.yaml"))
SCRIPT = re.compile(r"<script([^>]*)>(.*?)</script>", re.DOTALL)


def scripts(page: str) -> dict[str, str]:
    """Each <script> element's attributes → its text."""
    return {attributes.strip(): text for attributes, text in SCRIPT.findall(page)}


def embedded_data(page: str) -> dict:
    return json.loads(scripts(page)["type='application/json' id='tnb-report-data'"])


def test_one_trace_gets_a_trajectory_and_a_debugger(tmp_path: Path) -> None:
    written = traceops_nb.report(AGENT, tmp_path / "one.html")
    assert written == tmp_path / "one.html"
    page = written.read_text()
    assert re.findall(r"data-tnb-widget='(\w+)'", page) == ["trajectory", "debugger"]
    data = embedded_data(page)
    trace = load_cassette(AGENT)
    assert "diffs" not in data and len(data["traces"]) == 1
    assert data["traces"][0]["steps"] == json.loads(json.dumps(step_columns(trace.events)))
    details = [{**d, "messages": [data["messages"][i] for i in d["messages"]]} for d in data["traces"][0]["details"]]
    assert details == json.loads(json.dumps([step_detail(event) for event in trace.events]))
    assert "<title>traceops_nb report: agent.yaml</title>" in page


def test_two_traces_add_their_diff_opened_at_the_first_change(tmp_path: Path) -> None:
    page = traceops_nb.report([AGENT, AGENT_V2], tmp_path / "two.html", title="Before & after").read_text()
    assert re.findall(r"data-tnb-widget='(\w+)'", page) == ["diff", "trajectory", "debugger", "trajectory", "debugger"]
    diff = embedded_data(page)["diffs"][0]
    assert diff["titles"] == ["agent.yaml", "agent_v2.yaml"] and diff["selected"] == 0
    assert "model changed: gpt-5.4-mini → gpt-5.4" in [badge["text"] for badge in diff["badges"]]
    assert len(diff["details"]) == len(diff["rows"]["status"]) == 6
    assert [(row["old"], row["new"]) for row in diff["details"]] == [
        (0, 0),
        (1, 1),
        (2, 2),
        (3, 3),
        (None, 4),
        (None, 5),
    ]
    assert "<title>Before &amp; after</title>" in page
    ignored = traceops_nb.report([AGENT, AGENT], tmp_path / "same.html").read_text()
    assert embedded_data(ignored)["diffs"][0]["selected"] == -1


def test_the_page_is_self_contained_and_its_scripts_are_the_widgets_own(tmp_path: Path) -> None:
    page = traceops_nb.report([AGENT, XSS], tmp_path / "r.html").read_text()
    found = scripts(page)
    assert list(found) == [
        "type='application/json' id='tnb-report-data'",
        "type='text/x-traceops-module' id='tnb-esm-trajectory'",
        "type='text/x-traceops-module' id='tnb-esm-debugger'",
        "type='text/x-traceops-module' id='tnb-esm-diff'",
        "type='module'",
    ]
    for name in ("trajectory", "debugger", "diff"):  # unchanged: the bundles hold nothing to escape
        assert found[f"type='text/x-traceops-module' id='tnb-esm-{name}'"] == static_file(f"{name}.js").read_text()
    assert static_file("widgets.css").read_text() in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing fetched from anywhere
    assert not re.search(r"@import|url\(\s*['\"]?https?:", page)
    loader = found["type='module'"]
    digest = base64.b64encode(hashlib.sha256(loader.encode()).digest()).decode()
    policy = re.search(r'http-equiv=\'Content-Security-Policy\' content="([^"]+)"', page)
    assert policy is not None
    assert f"script-src 'sha256-{digest}' blob:;" in policy.group(1)
    assert "default-src 'none'" in policy.group(1) and "connect-src 'none'" in policy.group(1)


def test_model_text_never_reaches_the_page_as_markup(tmp_path: Path) -> None:
    page = traceops_nb.report([AGENT, XSS], tmp_path / "r.html").read_text()
    data = scripts(page)["type='application/json' id='tnb-report-data'"]
    assert "<" not in data and ">" not in data and "&" not in data
    assert "\\u003cscript>" not in data and "\\u003cscript\\u003ewindow.__xss" in data
    # Outside the widgets' own bundles and the JSON, no markup from the cassette: the static summaries
    # (shown without JavaScript) are escaped.
    outside = SCRIPT.sub("", page)
    for needle in ("<script>window", "<img", 'onerror="', "<a href", "<b>bold"):
        assert needle not in outside
    assert "&lt;script&gt;window.__xss = &#x27;script&#x27;&lt;/script&gt;" in outside
    assert len(re.findall(r"<script", page)) == 5 and len(re.findall(r"</script", page, re.IGNORECASE)) == 5


def test_each_message_is_embedded_once_however_often_the_conversation_repeats_it(tmp_path: Path) -> None:
    trace = load_cassette(AGENT_V2)
    system = trace.llm_calls[0].input_messages[0]["content"]
    assert all(event.input_messages[0]["content"] == system for event in trace.llm_calls)  # sent three times
    page = traceops_nb.report(AGENT_V2, tmp_path / "r.html").read_text()
    data = scripts(page)["type='application/json' id='tnb-report-data'"]
    assert data.count(json.dumps(system)[1:-1]) == 1


def test_script_json_and_script_text_cannot_close_their_element(tmp_path: Path) -> None:
    value = {"text": "</script><!-- <script>alert(1)</script> & \u2028", "n": None}
    encoded = script_json(value)
    assert "<" not in encoded and ">" not in encoded and "&" not in encoded
    assert json.loads(encoded) == value
    bundle = tmp_path / "bundle.js"
    bundle.write_text('const a = "</script>"; // <!-- x\nconst b = /<\\/SCRIPT>/;\n')
    escaped = script_text(bundle)
    assert "</script" not in escaped.lower() and "<!--" not in escaped
    assert escaped == 'const a = "<\\/script>"; // <\\!-- x\nconst b = /<\\/SCRIPT>/;\n'


def test_unknown_costs_are_null_and_names_repeat_with_their_paths(tmp_path: Path) -> None:
    body = {"model": "not-in-the-table", "choices": [{"message": {"role": "assistant", "content": "hi"}}]}
    call = Interaction(
        "openai", Request("POST", "/chat/completions", body={"model": "not-in-the-table"}), Response(200, {}, body=body)
    )
    unpriced = Trace([call])
    data = embedded_data(render_report([unpriced]))
    assert data["traces"][0]["title"] == "trace 1"
    assert data["traces"][0]["totals"]["cost_usd"] is None and data["traces"][0]["details"][0]["cost_usd"] is None
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for folder in ("a", "b"):
        (tmp_path / folder / "run.yaml").write_bytes(AGENT.read_bytes())
    page = traceops_nb.report(tmp_path, tmp_path / "folders.html").read_text()
    assert embedded_data(page)["diffs"][0]["titles"] == [
        str(tmp_path / "a" / "run.yaml"),
        str(tmp_path / "b" / "run.yaml"),
    ]


def test_the_page_is_deterministic_and_report_stays_a_function(tmp_path: Path) -> None:
    first = traceops_nb.report([AGENT, AGENT_V2], tmp_path / "1.html").read_bytes()
    second = traceops_nb.report([AGENT, AGENT_V2], tmp_path / "2.html").read_bytes()  # called again, after import
    assert first == second
    assert callable(traceops_nb.report) and "report" in traceops_nb.__all__
    with pytest.raises(ValueError, match="nothing to report"):
        traceops_nb.report([], tmp_path / "empty.html")
    with pytest.raises(TypeError, match="expected a Trace"):
        traceops_nb.report(42, tmp_path / "bad.html")


def test_the_loader_never_parses_text_as_html_and_imports_only_the_embedded_bundles() -> None:
    loader = (Path(traceops_nb.__file__).parent / "views" / "report_page.js").read_text()
    forbidden = re.compile(
        r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|DOMParser|createContextualFragment|"
        r"\beval\(|new Function|\bfetch\(|XMLHttpRequest|WebSocket|https?://"
    )
    assert forbidden.findall(loader) == []
    assert re.findall(r"\bimport\((\w+)\)", loader) == ["url"]  # the Blob URL of an embedded bundle
    assert "URL.createObjectURL(new Blob([source]" in loader
