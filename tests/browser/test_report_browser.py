"""The HTML report opened from disk (file://) in headless Chromium: the widgets render, step navigation
works, the diff shows for two traces, nothing is requested from anywhere, and markup in prompts,
responses and tool output stays text."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lab import HERE, WatchedPage

import traceops_nb

CASSETTES = HERE / "cassettes"
XSS_OUTPUT = "<script>window.__xss = 'answer'</script><img src=x onerror=\"window.__xss = 'answer-img'\">"
TOOL_OUTPUT = "<b>bold?</b> <img src=x onerror=\"window.__xss = 'tool'\"> javascript:window.__xss = 'tool-link'"


class ReportPage(WatchedPage):
    """One report in its own page; requests other than file:, data: and blob: are refused and kept."""

    def __init__(self, browser: Any, path: Path, *, javascript: bool = True) -> None:
        super().__init__(browser, ("file:", "data:", "blob:"), javascript=javascript)
        self.page.goto(path.resolve().as_uri())
        if javascript:
            self.page.wait_for_selector("body[data-tnb-ready='true']", timeout=30_000)


@pytest.fixture
def open_report(browser: Any) -> Iterator[Any]:
    pages: list[ReportPage] = []

    def open_(path: Path, **options: Any) -> ReportPage:
        pages.append(ReportPage(browser, path, **options))
        return pages[-1]

    yield open_
    for page in pages:
        page.context.close()


def texts(locator: Any) -> list[str]:
    return [str(text).strip() for text in locator.all_inner_texts()]


def test_the_widgets_render_and_step_from_a_file_url(open_report: Any, tmp_path: Path, artifacts: Path) -> None:
    path = traceops_nb.report([CASSETTES / "agent.yaml", CASSETTES / "agent_v2.yaml"], tmp_path / "report.html")
    report = open_report(path)
    page = report.page
    assert page.locator(".tnb-trajectory").count() == 2 and page.locator(".tnb-debugger").count() == 2
    trajectory = page.locator(".tnb-trajectory").first
    assert texts(trajectory.locator(".tnb-step-row .tnb-c-name")) == ["route", "gpt-5.4-mini", "search", "gpt-5.4-mini"]
    trajectory.locator(".tnb-step-row").nth(2).click()
    detail = trajectory.locator(".tnb-detail[data-step='2']")
    detail.wait_for()
    assert "Cassettes store the requests a program made" in detail.inner_text()

    debugger = page.locator(".tnb-debugger").nth(1)  # agent_v2: six steps
    debugger.locator(".tnb-detail[data-step='0']").wait_for()
    debugger.get_by_role("button", name="next step").click()
    debugger.locator(".tnb-detail[data-step='1']").wait_for()
    assert "What is a cassette, and how is it replayed?" in debugger.locator(".tnb-chat").inner_text()
    debugger.focus()
    page.keyboard.press("End")
    debugger.locator(".tnb-detail[data-step='5']").wait_for()
    page.keyboard.press("k")
    debugger.locator(".tnb-detail[data-step='4']").wait_for()
    assert "fetch_page" in debugger.locator(".tnb-detail-title").inner_text()
    page.keyboard.press("g")
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    debugger.locator(".tnb-detail[data-step='1']").wait_for()

    diff = page.locator(".tnb-diff")
    assert diff.count() == 1
    badges = texts(diff.locator(".tnb-diff-badge"))
    assert "model changed: gpt-5.4-mini → gpt-5.4" in badges and "new tool used: fetch_page" in badges
    rows = diff.locator(".tnb-diff-row")
    assert rows.count() == 6
    assert texts(rows.nth(4).locator(".tnb-c-side")) == ["—", "4 · tool:fetch_page"]
    rows.nth(3).click()
    diff_detail = diff.locator(".tnb-diff-detail")
    page.wait_for_function(
        "(el) => el.textContent.includes('old step 3 → new step 3')", arg=diff_detail.element_handle()
    )
    assert "offline" in " ".join(texts(diff_detail.locator("ins.tnb-insert")))
    sides = diff_detail.locator(".tnb-diff-side .tnb-detail")  # both steps in full, messages included
    assert sides.count() == 2
    assert "answer in one short paragraph" in str(sides.nth(0).text_content())
    assert "answer in two sentences" in str(sides.nth(1).text_content())
    page.screenshot(path=str(artifacts / "report.png"), full_page=True)
    assert report.clean(), (report.errors, report.external, report.dialogs)


def test_markup_in_the_runs_is_shown_as_text_and_never_runs(open_report: Any, tmp_path: Path) -> None:
    # The cassette's file name is hostile too: it becomes headings, titles and the diff's column names.
    hostile = tmp_path / "<img src=x onerror=\"window.__xss='name'\">.yaml"
    shutil.copy(CASSETTES / "xss.yaml", hostile)
    path = traceops_nb.report([CASSETTES / "agent.yaml", hostile], tmp_path / "report.html")
    report = open_report(path)
    page = report.page
    trajectory, debugger = page.locator(".tnb-trajectory").nth(1), page.locator(".tnb-debugger").nth(1)

    trajectory.locator(".tnb-step-row").nth(2).click()  # the tool whose output is markup
    tool_output = trajectory.locator(".tnb-detail .tnb-json").nth(1)
    tool_output.wait_for()
    assert tool_output.inner_text() == TOOL_OUTPUT

    debugger.focus()
    page.keyboard.press("End")
    debugger.locator(".tnb-detail[data-step='3']").wait_for()
    chat = debugger.locator(".tnb-msg-text")
    assert chat.nth(1).inner_text().startswith("<script>window.__xss = 'script'</script> Is <img src=x onerror=")
    assert "<a href=\"javascript:window.__xss = 'link'\">this link</a>" in chat.nth(1).inner_text()
    assert debugger.locator(".tnb-output").inner_text() == XSS_OUTPUT

    diff = page.locator(".tnb-diff")
    assert diff.locator(".tnb-title").inner_text() == f"agent.yaml → {hostile.name}"
    diff.locator(".tnb-diff-row").nth(3).click()
    diff.locator(".tnb-diff-detail del").first.wait_for()
    assert "<script>window.__xss = 'answer'</script>" in " ".join(texts(diff.locator(".tnb-worddiff-new")))
    assert hostile.name in page.locator("h1").inner_text() and hostile.name in page.title()

    page.wait_for_timeout(500)  # time for an injected onerror handler to have fired
    assert page.evaluate("() => window.__xss === undefined")
    assert page.locator("img, iframe, a, b, .tnb script").count() == 0
    assert report.clean(), (report.errors, report.external, report.dialogs)


def test_without_javascript_the_page_shows_escaped_summaries(open_report: Any, tmp_path: Path) -> None:
    path = traceops_nb.report([CASSETTES / "agent.yaml", CASSETTES / "xss.yaml"], tmp_path / "report.html")
    report = open_report(path, javascript=False)
    page = report.page
    assert page.locator(".tnb").count() == 0  # no widget ran
    summaries = page.locator(".traceops-nb-summary")
    assert summaries.count() == 3  # the diff and one per trace (the debugger's place stays empty)
    assert "trajectory changed" not in summaries.first.inner_text()
    assert "<script>window.__xss = 'script'</script>" in summaries.first.inner_text()
    assert page.locator("img, iframe, a, b").count() == 0
    assert report.external == []
