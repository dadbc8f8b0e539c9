"""The widgets in a real browser: JupyterLab on 127.0.0.1 runs a notebook that replays shipped cassettes,
and Playwright drives headless Chromium through it. Screenshots go to test-artifacts/widgets/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cells import NOTEBOOKS, PRINT_STEP_CELL
from lab import Lab, NotebookPage

WIDGETS = {"trajectory": ".tnb-trajectory", "debugger": ".tnb-debugger", "diff": ".tnb-diff"}


def open_and_run(browser: Any, lab: Lab, name: str = NOTEBOOKS[0]) -> NotebookPage:
    notebook = NotebookPage(browser, lab, name, height=2400)  # tall: whole widgets in screenshots
    notebook.run_all()
    page = notebook.page
    for selector in WIDGETS.values():  # two of each: the agent's run and the markup run
        page.locator(selector).nth(1).wait_for(timeout=90_000)
    page.locator(".tnb-diff .tnb-diff-detail").first.wait_for()  # the first change opens by itself
    notebook.wait_for_idle_kernel()
    return notebook


@pytest.fixture(scope="module")
def notebook(browser: Any, lab: Lab) -> Iterator[NotebookPage]:
    lab.set_theme("light")
    opened = open_and_run(browser, lab)
    yield opened
    opened.close()


def texts(locator: Any) -> list[str]:
    return [text.strip() for text in locator.all_inner_texts()]


def test_the_trajectory_shows_every_step_with_totals_and_opens_one(notebook: NotebookPage) -> None:
    widget = notebook.page.locator(".tnb-trajectory").first
    header = widget.locator(".tnb-header").inner_text()
    assert "steps\n4" in header.replace(" ", "\n") or "steps 4" in header
    assert "tool calls" in header and "$0.000135" in header
    assert texts(widget.locator(".tnb-trajstep")) == [
        "decision:route",
        "llm:gpt-5.4-mini",
        "tool:search",
        "llm:gpt-5.4-mini",
    ]
    rows = widget.locator(".tnb-step-row")
    assert texts(rows.locator(".tnb-c-name")) == ["route", "gpt-5.4-mini", "search", "gpt-5.4-mini"]
    assert texts(rows.nth(1).locator(".tnb-c-num"))[:3] == ["20", "5", "$0.0000375"]
    widths = [
        float(w)
        for w in rows.locator(".tnb-bar-cost").evaluate_all("(bars) => bars.map((b) => parseFloat(b.style.width))")
    ]
    assert widths[0] == 0 and widths[3] == 100 and 0 < widths[1] < 100  # proportional to cost

    rows.nth(2).click()
    detail = widget.locator(".tnb-detail")
    detail.wait_for()
    assert "Step 2 · tool:search" in detail.inner_text()
    assert '"query": "What is a cassette?"' in detail.locator(".tnb-json").first.inner_text()
    assert "Cassettes store the requests" in detail.inner_text()
    widget.locator(".tnb-steps").press("ArrowDown")  # keyboard: the next step opens
    widget.locator(".tnb-detail[data-step='3']").wait_for()
    assert notebook.external == [] and notebook.errors == []


def test_the_debugger_steps_with_buttons_and_keys_and_python_sees_the_step(notebook: NotebookPage) -> None:
    page = notebook.page
    widget = page.locator(".tnb-debugger").first
    title = widget.locator(".tnb-detail-title")

    def at(step: int, label: str) -> None:
        widget.locator(f".tnb-detail[data-step='{step}']").wait_for()
        assert title.inner_text() == f"Step {step} · {label}"
        assert widget.locator(".tnb-jump").input_value() == str(step)

    at(1, "llm:gpt-5.4-mini")  # set from Python after the view was shown (dbg.step = 1)
    assert texts(widget.locator(".tnb-msg-role")) == ["SYSTEM", "USER"]
    assert "→ search" in widget.locator(".tnb-toolcall-name").inner_text()
    assert '"query": "What is a cassette?"' in widget.locator(".tnb-toolcall .tnb-json").inner_text()
    assert "20 in / 5 out · $0.0000375" in widget.locator(".tnb-chip-step").inner_text()
    widget.get_by_role("button", name="next step").click()
    at(2, "tool:search")
    widget.get_by_role("button", name="next step").click()
    at(3, "llm:gpt-5.4-mini")
    assert (
        texts(widget.locator(".tnb-msg-role"))[-2:] == ["ASSISTANT", "TOOL · CALL_FAKE_1"]
        or "TOOL" in texts(widget.locator(".tnb-msg-role"))[-1]
    )
    assert "so far\n75 tokens · $0.000135" in widget.locator(".tnb-chip-sofar").inner_text().replace(
        "so far ", "so far\n"
    )
    widget.get_by_role("button", name="previous step").click()
    at(2, "tool:search")

    widget.focus()
    page.keyboard.press("Home")
    at(0, "decision:route")
    page.keyboard.press("End")
    at(3, "llm:gpt-5.4-mini")
    page.keyboard.press("k")
    at(2, "tool:search")
    page.keyboard.press("g")
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    at(1, "llm:gpt-5.4-mini")
    assert notebook.run_cell(PRINT_STEP_CELL).strip() == "python sees step 1"
    widget.get_by_role("button", name="last step").click()
    at(3, "llm:gpt-5.4-mini")
    assert notebook.run_cell(PRINT_STEP_CELL).strip() == "python sees step 3"


def test_the_diff_aligns_the_runs_and_highlights_what_changed(notebook: NotebookPage) -> None:
    widget = notebook.page.locator(".tnb-diff").first
    badges = texts(widget.locator(".tnb-diff-badge"))
    assert "model changed: gpt-5.4-mini → gpt-5.4" in badges and "new tool used: fetch_page" in badges
    assert "1 extra LLM call" in badges and any(b.startswith("cost +") for b in badges)
    rows = widget.locator(".tnb-diff-row")
    assert rows.count() == 6
    classes = rows.evaluate_all("(rows) => rows.map((r) => r.className)")
    assert [c.split("tnb-diff-")[-1].split()[0] for c in classes] == ["changed"] * 4 + ["added"] * 2
    assert texts(rows.nth(4).locator(".tnb-c-side")) == ["—", "4 · tool:fetch_page"]
    assert texts(rows.nth(1).locator(".tnb-c-side")) == ["1 · llm:gpt-5.4-mini", "1 · llm:gpt-5.4"]
    assert "model, prompt, response changed" in rows.nth(1).inner_text()

    rows.nth(3).click()
    detail = widget.locator(".tnb-diff-detail")
    notebook.page.wait_for_function(
        "(el) => el.textContent.includes('old step 3 → new step 3')", arg=detail.element_handle()
    )
    assert "response (word diff)" in detail.inner_text()
    inserted = " ".join(texts(detail.locator("ins.tnb-insert")))
    deleted = " ".join(texts(detail.locator("del.tnb-delete")))
    assert "offline" in inserted and "tests" in deleted and "offline" not in deleted


def test_markup_in_prompts_responses_and_tool_output_is_shown_as_text(notebook: NotebookPage) -> None:
    page = notebook.page
    trajectory, debugger, diff = (page.locator(selector).nth(1) for selector in WIDGETS.values())
    trajectory.locator(".tnb-step-row").nth(2).click()  # the tool whose output is markup
    tool_output = trajectory.locator(".tnb-detail .tnb-json").nth(1)
    tool_output.wait_for()
    assert (
        tool_output.inner_text()
        == "<b>bold?</b> <img src=x onerror=\"window.__xss = 'tool'\"> javascript:window.__xss = 'tool-link'"
    )
    debugger.locator(".tnb-detail[data-step='3']").wait_for()
    chat = debugger.locator(".tnb-msg-text")
    assert chat.nth(1).inner_text().startswith("<script>window.__xss = 'script'</script> Is <img src=x onerror=")
    assert "<a href=\"javascript:window.__xss = 'link'\">this link</a>" in chat.nth(1).inner_text()
    output = debugger.locator(".tnb-output").inner_text()
    assert output == "<script>window.__xss = 'answer'</script><img src=x onerror=\"window.__xss = 'answer-img'\">"
    diff.locator(".tnb-diff-row").nth(3).click()
    diff.locator(".tnb-diff-detail del").first.wait_for()
    assert "<script>window.__xss = 'answer'</script>" in diff.locator(".tnb-worddiff-new").first.inner_text() + (
        diff.locator(".tnb-worddiff-new").last.inner_text()
    )
    page.wait_for_timeout(500)  # time for an injected onerror handler to have fired
    assert page.evaluate("() => window.__xss === undefined")
    assert page.locator(".tnb script, .tnb img, .tnb a, .tnb b, .tnb iframe").count() == 0
    assert notebook.dialogs == [] and notebook.errors == [] and notebook.external == []


def background(notebook: NotebookPage, selector: str) -> tuple[int, ...]:
    color = notebook.page.locator(selector).first.evaluate("(el) => getComputedStyle(el).backgroundColor")
    return tuple(int(part) for part in color[color.index("(") + 1 : color.index(")")].split(",")[:3])


def test_screenshots_in_the_light_and_dark_themes(
    notebook: NotebookPage, browser: Any, lab: Lab, artifacts: Path
) -> None:
    shots = {}
    for name, selector in WIDGETS.items():
        shots[name, "light"] = artifacts / f"{name}-light.png"
        notebook.page.locator(selector).first.screenshot(path=str(shots[name, "light"]))
    light = background(notebook, ".tnb-trajectory")
    lab.set_theme("dark")
    dark_page = open_and_run(browser, lab, NOTEBOOKS[1])
    try:
        for name, selector in WIDGETS.items():
            shots[name, "dark"] = artifacts / f"{name}-dark.png"
            dark_page.page.locator(selector).first.screenshot(path=str(shots[name, "dark"]))
        dark = background(dark_page, ".tnb-trajectory")
        text = dark_page.page.locator(".tnb-trajectory .tnb-title").first.evaluate("(el) => getComputedStyle(el).color")
        assert dark_page.external == [] and dark_page.errors == []
    finally:
        dark_page.close()
        lab.set_theme("light")
    assert sum(light) > 600 and sum(dark) < 200, (light, dark)  # the theme's own layout colour, both ways
    assert sum(int(p) for p in text[text.index("(") + 1 : text.index(")")].split(",")[:3]) > 400  # light text on dark
    assert all(path.stat().st_size > 5_000 for path in shots.values())
