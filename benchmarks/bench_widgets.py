"""Widget benchmark: a 10,000-step trace in the trajectory and debugger widgets, in real JupyterLab and
headless Chromium (the browser tests' harness, tests/browser/lab.py).

    python benchmarks/bench_widgets.py [--runs 5] [--steps 10000] [--json out.json]

A notebook builds a synthetic trace in the kernel (tests/browser/traces.py: LLM calls and tool calls,
two to one) and its widget cells are run again and again from the page, as a user runs them
(Ctrl+Enter). Every time is taken inside the page with performance.now(), not by the driver:

* first view (the target, <= 1 s): from the moment the cell's output element is inserted into the page
  (JupyterLab has received the widget's display message and created its output) until the first
  `.tnb-step-row` is in the DOM and painted (two animation frames after the rows were inserted: the
  first frame paints them, the second starts after that paint). This is the front end's share: the
  widget model's state arriving and being deserialized, loading the widget module, rendering.
* run -> first view: from the Ctrl+Enter keydown to the same point: adds the kernel building the
  widget (its summary columns and fallbacks) and sending it.
* rows in the DOM: `.tnb-step-row` elements in the widget at first view, after scrolling to the end,
  and the most seen while scrolling; the list keeps only the rows in view (plus a few) in the DOM.
* synced payload: the bytes the kernel sent over its websocket while the cell ran (the widget's
  state travels in one comm message, the largest frame), and the JSON of the synced `steps` columns,
  both per step.
* step detail: from a real mouse click on a row (a capturing click listener's timestamp) until that
  step's detail pane is in the DOM and painted. The detail is not synced: it is a round trip to the
  kernel. Each run clicks a row not opened before (answers are cached for the view's life).
* scroll to the end: the list's scrollTop set to its end, until the last step's row is painted.
* scrolling: the list scrolled by 7 rows in every animation frame (420 rows a second at 60 frames a
  second), --scroll-frames frames, --runs times; reported: the frame interval (median, 95th percentile,
  worst; 16.7 ms is 60 frames a second, and the idle page's is shown beside it), frames longer than
  50 ms, the most step rows in the DOM, and how many frames were drawn with a row in view not rendered.
  Beside it, the same scroll of a plain box of the same size holding static text rows (made in advance,
  no widget code), interleaved run by run: what scrolling costs on the machine and page alone.
  The JSON also has the browser's own account of the long frames (long-animation-frame entries: time
  in scripts, in style and layout, in rendering).

The first run of each widget is also reported on its own ("cold": the widget module is loaded for the
first time in the page); medians are over all runs. No network: the page may only reach 127.0.0.1.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BROWSER_TESTS = ROOT / "tests" / "browser"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", BROWSER_TESTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lab = load("lab")
traces = load("traces")

NOTEBOOK = "bench.ipynb"
TARGET_MS = 1000.0
WIDGETS = {"trajectory": (1, ".tnb-trajectory"), "debugger": (2, ".tnb-debugger")}  # cell index, root class


def cells(steps: int) -> list[str]:
    return [
        f"import traceops_nb\nfrom traces import synthetic_trace\ntrace = synthetic_trace({steps})\nlen(trace.events)",
        "traceops_nb.TrajectoryWidget(trace)",
        "traceops_nb.DebuggerWidget(trace)",
    ]


# Installed in the page once: watchers that record performance.now() at the moments defined above.
PAGE_HELPERS = """
(() => {
  const painted = () => new Promise((resolve) =>
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now()))));
  const bench = (window.__tnbBench = { lastRun: 0, lastClick: 0 });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.ctrlKey) bench.lastRun = performance.now();
  }, true);
  document.addEventListener("click", () => { bench.lastClick = performance.now(); }, true);
  const widgetIn = (cellIndex, selector) =>
    document.querySelectorAll(".jp-Notebook .jp-CodeCell")[cellIndex].querySelector(selector);

  // The next output of cell `cellIndex`: when it appears, and when its first step rows are painted.
  bench.watchCell = (cellIndex) => {
    const cell = document.querySelectorAll(".jp-Notebook .jp-CodeCell")[cellIndex];
    const before = new Set(cell.querySelectorAll(".jp-OutputArea-output"));
    const result = {};
    bench.pending = new Promise((resolve) => {
      const observer = new MutationObserver(() => {
        const output = [...cell.querySelectorAll(".jp-OutputArea-output")].find((node) => !before.has(node));
        if (!output) return;
        if (!result.output) result.output = performance.now();
        const row = output.querySelector(".tnb-step-row");
        if (!row) return;
        observer.disconnect();
        result.rows = performance.now();
        painted().then((time) => {
          const box = row.getBoundingClientRect();
          Object.assign(result, {
            painted: time,
            run: bench.lastRun,
            visible: box.height > 0 && box.bottom > 0 && box.top < window.innerHeight,
            rowsInDom: output.querySelectorAll(".tnb-step-row").length,
            steps: output.querySelector(".tnb-vlist-spacer").offsetHeight / row.offsetHeight,
          });
          resolve(result);
        });
      });
      observer.observe(cell, { childList: true, subtree: true });
    });
  };

  // The detail pane of step `step` in the widget of cell `cellIndex`, after the next click.
  bench.watchDetail = (cellIndex, selector, step) => {
    const root = widgetIn(cellIndex, selector);
    bench.pending = new Promise((resolve) => {
      const observer = new MutationObserver(() => {
        if (!root.querySelector(`.tnb-detail[data-step='${step}']`)) return;
        observer.disconnect();
        const shown = performance.now();
        painted().then((time) => resolve({ click: bench.lastClick, shown, painted: time }));
      });
      observer.observe(root, { childList: true, subtree: true });
    });
  };

  bench.scrollTo = (cellIndex, selector, where) => new Promise((resolve) => {
    const list = widgetIn(cellIndex, selector).querySelector(".tnb-vlist");
    const rowHeight = list.querySelector(".tnb-step-row").offsetHeight;
    const count = Math.round(list.querySelector(".tnb-vlist-spacer").offsetHeight / rowHeight);
    const index = where === "end" ? count - 1 : 0;
    const start = performance.now();
    const done = () => painted().then((time) => resolve({
      ms: time - start,
      rowsInDom: list.querySelectorAll(".tnb-step-row").length,
      scrollTop: list.scrollTop,
    }));
    const observer = new MutationObserver(() => {
      if (!list.querySelector(`.tnb-step-row[data-index='${index}']`)) return;
      observer.disconnect();
      done();
    });
    observer.observe(list, { childList: true, subtree: true });
    list.scrollTop = where === "end" ? list.scrollHeight : 0;
    if (list.querySelector(`.tnb-step-row[data-index='${index}']`)) { observer.disconnect(); done(); }
  });

  bench.idleFrames = (frames) => new Promise((resolve) => {
    const stamps = [];
    const frame = (time) => {
      stamps.push(time);
      if (stamps.length <= frames) requestAnimationFrame(frame);
      else resolve(stamps.slice(1).map((t, i) => t - stamps[i]));
    };
    requestAnimationFrame(frame);
  });

  // The same scroll of a plain box of the list's size holding static one-line text rows, made in advance:
  // what scrolling costs on this machine and page with no widget code running.
  bench.scrollBaseline = (cellIndex, selector, frames, rowsPerFrame) => new Promise((resolve) => {
    const list = widgetIn(cellIndex, selector).querySelector(".tnb-vlist");
    const rowHeight = list.querySelector(".tnb-step-row").offsetHeight;
    const box = document.createElement("div");
    box.style.cssText = `height:${list.clientHeight}px;width:${list.clientWidth}px;overflow-y:auto`;
    for (let i = 0; i < (frames + 2) * rowsPerFrame + 40; i++) {
      const row = document.createElement("div");
      row.style.cssText = `height:${rowHeight}px;white-space:nowrap;border-bottom:1px solid #8884`;
      row.textContent = `${i}   LLM   gpt-5.4-mini   20   5   $0.0000375   100 ms`;
      box.append(row);
    }
    list.parentElement.insertBefore(box, list);
    const stamps = [];
    let n = 0;
    const frame = (time) => {
      stamps.push(time);
      if (n++ < frames) {
        box.scrollTop += rowsPerFrame * rowHeight;
        requestAnimationFrame(frame);
        return;
      }
      box.remove();
      resolve(stamps.slice(1).map((t, i) => t - stamps[i]));
    };
    requestAnimationFrame(frame);
  });

  bench.scrollFrames = (cellIndex, selector, frames, rowsPerFrame) => new Promise((resolve) => {
    const list = widgetIn(cellIndex, selector).querySelector(".tnb-vlist");
    const rowHeight = list.querySelector(".tnb-step-row").offsetHeight;
    const count = Math.round(list.querySelector(".tnb-vlist-spacer").offsetHeight / rowHeight);
    const stamps = [];
    const height = list.clientHeight;
    let maxRows = 0, checks = 0, uncovered = 0, n = 0, top = list.scrollTop;
    // Registered after the list's own listener, so this frame callback runs after the list's update. It
    // reads no layout (that would force one here): the position is the one set last, the height fixed.
    const onScroll = () => requestAnimationFrame(() => {
      checks += 1;
      const first = Math.floor(top / rowHeight);
      const last = Math.min(count - 1, Math.floor((top + height - 1) / rowHeight));
      const has = (i) => list.querySelector(`.tnb-step-row[data-index='${i}']`) !== null;
      if (!has(first) || !has(last)) uncovered += 1;
      maxRows = Math.max(maxRows, list.querySelectorAll(".tnb-step-row").length);
    });
    list.addEventListener("scroll", onScroll, { passive: true });
    // Frames over 50 ms, as the browser accounts them: script, then style and layout, then the rest.
    const slow = [];
    const loaf = new PerformanceObserver((entries) => {
      for (const entry of entries.getEntries()) {
        const end = entry.startTime + entry.duration;
        const scripts = entry.scripts.reduce((sum, script) => sum + script.duration, 0);
        const layout = entry.styleAndLayoutStart ? end - entry.styleAndLayoutStart : 0;
        const render = entry.renderStart ? end - entry.renderStart : 0;
        slow.push({ duration: entry.duration, scripts, layout, render });
      }
    });
    loaf.observe({ type: "long-animation-frame" });
    const frame = (time) => {
      stamps.push(time);
      if (n++ < frames) {
        list.scrollTop += rowsPerFrame * rowHeight;
        top = list.scrollTop; // the first callback of the frame: layout is still clean, reading is free
        requestAnimationFrame(frame);
        return;
      }
      list.removeEventListener("scroll", onScroll);
      for (const entry of loaf.takeRecords()) slow.push({ duration: entry.duration, scripts: 0, layout: 0, render: 0 });
      loaf.disconnect();
      const gaps = stamps.slice(1).map((t, i) => t - stamps[i]);
      resolve({ gaps, maxRows, checks, uncovered, endTop: list.scrollTop, slow });
    };
    requestAnimationFrame(frame);
  });
})();
"""


class WatchedBrowser:
    """The browser, with every kernel websocket frame the page receives counted (the listener has to be
    on the page before it connects, so it is added where NotebookPage creates its page)."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.frames: list[int] = []

    def new_context(self, **options: Any) -> Any:
        context = self.browser.new_context(**options)
        context.on("page", lambda page: page.on("websocket", self._socket))
        return context

    def _socket(self, socket: Any) -> None:
        def received(payload: str | bytes) -> None:
            self.frames.append(len(payload.encode() if isinstance(payload, str) else payload))

        if "/api/kernels/" in socket.url:
            socket.on("framereceived", received)


def run_cell(notebook: Any, index: int) -> dict[str, Any]:
    page = notebook.page
    page.locator(".jp-Notebook .jp-CodeCell").nth(index).locator(".jp-InputArea-editor").click()
    page.evaluate(f"window.__tnbBench.watchCell({index})")
    page.keyboard.press("Control+Enter")
    result: dict[str, Any] = page.evaluate("window.__tnbBench.pending")
    notebook.wait_for_idle_kernel(timeout=120_000)
    return result


def click_row(notebook: Any, index: int, selector: str, step: int) -> float:
    page = notebook.page
    widget = page.locator(".jp-Notebook .jp-CodeCell").nth(index).locator(selector)
    row = widget.locator(f".tnb-step-row[data-index='{step}']")
    page.evaluate(f"window.__tnbBench.watchDetail({index}, '{selector}', {step})")
    row.click()
    timing = page.evaluate("window.__tnbBench.pending")
    return float(timing["painted"] - timing["click"])


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def measure(steps: int, runs: int, scroll_frames: int) -> dict[str, Any]:
    results: dict[str, Any] = {"steps": steps, "runs": runs}
    trace = traces.synthetic_trace(steps)
    from traceops_nb.widgets import TrajectoryWidget

    state = TrajectoryWidget(trace).get_state()
    results["synced_steps_json_bytes_per_step"] = len(json.dumps(state["steps"], separators=(",", ":"))) / steps

    with tempfile.TemporaryDirectory(prefix="traceops-bench-") as folder:
        root = Path(folder)
        shutil.copy(BROWSER_TESTS / "traces.py", root / "traces.py")
        lab.write_notebook(root / NOTEBOOK, cells(steps))
        with lab.jupyter_lab(root) as server, lab.chromium() as browser:
            server.set_theme("light")
            watched = WatchedBrowser(browser)
            notebook = lab.NotebookPage(watched, server, NOTEBOOK, height=1600)
            results["chromium"] = browser.version
            try:
                page = notebook.page
                page.evaluate(PAGE_HELPERS)
                notebook.run_cell(0)
                for name, (index, selector) in WIDGETS.items():
                    views = []
                    for _ in range(runs):
                        before = len(watched.frames)
                        view = run_cell(notebook, index)
                        frames = watched.frames[before:]
                        view["ws_bytes"], view["ws_largest"] = sum(frames), max(frames, default=0)
                        if not view["visible"] or round(view["steps"]) != steps:
                            raise RuntimeError(f"{name}: the first rows are not visible, or not {steps} steps: {view}")
                        views.append(view)
                    results[name] = summarise_views(views, steps)
                    if name == "trajectory":
                        results[name].update(interact(notebook, index, selector, steps, runs, scroll_frames))
                if notebook.errors or notebook.external:
                    raise RuntimeError(f"page errors {notebook.errors}, requests outside 127.0.0.1 {notebook.external}")
            finally:
                notebook.close()
    return results


def summarise_views(views: list[dict[str, Any]], steps: int) -> dict[str, Any]:
    first_view = [v["painted"] - v["output"] for v in views]
    run_to_view = [v["painted"] - v["run"] for v in views]
    run_to_output = [v["output"] - v["run"] for v in views]
    return {
        "first_view_ms": median(first_view),
        "first_view_cold_ms": first_view[0],
        "first_view_max_ms": max(first_view),
        "run_to_first_view_ms": median(run_to_view),
        "run_to_first_view_cold_ms": run_to_view[0],
        "run_to_output_ms": median(run_to_output),
        "rows_in_dom_first_view": max(v["rowsInDom"] for v in views),
        "ws_bytes_per_step": median([v["ws_bytes"] for v in views]) / steps,
        "ws_largest_frame_bytes": median([v["ws_largest"] for v in views]),
        "samples_first_view_ms": first_view,
    }


def interact(notebook: Any, index: int, selector: str, steps: int, runs: int, scroll_frames: int) -> dict[str, Any]:
    page = notebook.page
    helpers = "window.__tnbBench"
    details = [click_row(notebook, index, selector, 1 + 2 * run) for run in range(runs)]  # rows in view, new each time
    to_end, back, after = [], [], 0
    for _ in range(runs):
        end = page.evaluate(f"{helpers}.scrollTo({index}, '{selector}', 'end')")
        to_end.append(end["ms"])
        after = max(after, end["rowsInDom"])
        back.append(page.evaluate(f"{helpers}.scrollTo({index}, '{selector}', 'top')")["ms"])
    page.evaluate(f"{helpers}.scrollTo({index}, '{selector}', 'end')")
    details_end = [click_row(notebook, index, selector, steps - 1)]  # the last step, after scrolling there
    page.evaluate(f"{helpers}.scrollTo({index}, '{selector}', 'top')")
    idle = sorted(page.evaluate(f"{helpers}.idleFrames({scroll_frames})"))
    scrolls, plain = [], []
    for _ in range(runs):  # interleaved: the machine's load changes from one to the next
        plain += page.evaluate(f"{helpers}.scrollBaseline({index}, '{selector}', {scroll_frames}, 7)")
        scrolls.append(page.evaluate(f"{helpers}.scrollFrames({index}, '{selector}', {scroll_frames}, 7)"))
    plain.sort()
    gaps = sorted(gap for scroll in scrolls for gap in scroll["gaps"])
    slow = [frame for scroll in scrolls for frame in scroll["slow"]]
    return {
        "detail_ms": median(details),
        "detail_max_ms": max(details),
        "detail_last_step_ms": details_end[0],
        "scroll_to_end_ms": median(to_end),
        "scroll_to_top_ms": median(back),
        "rows_in_dom_at_end": after,
        "idle_frame_median_ms": median(idle),
        "idle_frame_max_ms": idle[-1],
        "plain_scroll_frame_median_ms": median(plain),
        "plain_scroll_long_frames": sum(1 for gap in plain if gap > 50),
        "scroll_frames": len(gaps),
        "scroll_frame_median_ms": median(gaps),
        "scroll_frame_p95_ms": gaps[int(0.95 * (len(gaps) - 1))],
        "scroll_frame_max_ms": gaps[-1],
        "scroll_long_frames": sum(1 for gap in gaps if gap > 50),
        "scroll_rows_in_dom_max": max(scroll["maxRows"] for scroll in scrolls),
        "scroll_slow_frames_ms": {
            part: median([frame[part] for frame in slow]) if slow else 0.0
            for part in ("duration", "scripts", "layout", "render")
        },
        "scroll_uncovered": sum(scroll["uncovered"] for scroll in scrolls),
        "scroll_checks": sum(scroll["checks"] for scroll in scrolls),
        "samples_detail_ms": details,
    }


def environment() -> dict[str, Any]:
    from importlib.metadata import version

    def git(*args: str) -> str:
        try:
            result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10)
            return result.stdout.strip()
        except OSError:
            return ""

    return {
        "python": platform.python_version(),
        "jupyterlab": version("jupyterlab"),
        "anywidget": version("anywidget"),
        "ipywidgets": version("ipywidgets"),
        "playwright": version("playwright"),
        "git_head": git("rev-parse", "--short", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--", "js", "traceops_nb")),
    }


def report(results: dict[str, Any], env: dict[str, Any]) -> None:
    steps, runs = results["steps"], results["runs"]
    trajectory, debugger = results["trajectory"], results["debugger"]
    dirty = " + uncommitted changes" if env["dirty"] else ""
    print(
        f"traceops_nb widget benchmark: {steps:,} steps, median of {runs} runs; JupyterLab {env['jupyterlab']}, "
        f"anywidget {env['anywidget']}, headless Chromium {results['chromium']}, git {env['git_head']}{dirty}"
    )
    target = "≤ 1 s" if trajectory["first_view_ms"] <= TARGET_MS else "MISSED ≤ 1 s"
    rows = [
        ("first view: output appears → first rows painted", "trajectory", trajectory["first_view_ms"], "ms", target),
        ("  cold (first widget of its kind in the page)", "trajectory", trajectory["first_view_cold_ms"], "ms", ""),
        ("first view: output appears → first rows painted", "debugger", debugger["first_view_ms"], "ms", ""),
        ("  cold", "debugger", debugger["first_view_cold_ms"], "ms", ""),
        ("run (Ctrl+Enter) → first rows painted", "trajectory", trajectory["run_to_first_view_ms"], "ms", ""),
        ("run (Ctrl+Enter) → first rows painted", "debugger", debugger["run_to_first_view_ms"], "ms", ""),
        ("  of which run → output appears (kernel, transport)", "trajectory", trajectory["run_to_output_ms"], "ms", ""),
        ("step rows in the DOM at first view", "trajectory", trajectory["rows_in_dom_first_view"], "", ""),
        ("step rows in the DOM at first view", "debugger", debugger["rows_in_dom_first_view"], "", ""),
        ("step rows in the DOM after scrolling to the end", "trajectory", trajectory["rows_in_dom_at_end"], "", ""),
        ("step rows in the DOM, most while scrolling", "trajectory", trajectory["scroll_rows_in_dom_max"], "", ""),
        ("synced steps columns (JSON)", "trajectory", results["synced_steps_json_bytes_per_step"], "B/step", ""),
        (
            "kernel → page websocket bytes while the cell ran",
            "trajectory",
            trajectory["ws_bytes_per_step"],
            "B/step",
            "",
        ),
        ("  largest frame (the widget's state)", "trajectory", trajectory["ws_largest_frame_bytes"] / 1024, "KiB", ""),
        ("click a row → its detail painted", "trajectory", trajectory["detail_ms"], "ms", ""),
        ("  the last step, after scrolling to it", "trajectory", trajectory["detail_last_step_ms"], "ms", ""),
        ("scroll to the end → last row painted", "trajectory", trajectory["scroll_to_end_ms"], "ms", ""),
        ("scroll back to the top → first row painted", "trajectory", trajectory["scroll_to_top_ms"], "ms", ""),
        ("page idle, no scrolling: frame interval median", "", trajectory["idle_frame_median_ms"], "ms", ""),
        ("  worst", "", trajectory["idle_frame_max_ms"], "ms", ""),
        (
            f"scrolling {trajectory['scroll_frames']} frames (7 rows/frame): frame interval median",
            "trajectory",
            trajectory["scroll_frame_median_ms"],
            "ms",
            "",
        ),
        ("  95th percentile", "trajectory", trajectory["scroll_frame_p95_ms"], "ms", ""),
        ("  worst", "trajectory", trajectory["scroll_frame_max_ms"], "ms", ""),
        ("  frames over 50 ms", "trajectory", trajectory["scroll_long_frames"], "", ""),
        (
            "the same scroll of a plain box of static text rows: median",
            "",
            trajectory["plain_scroll_frame_median_ms"],
            "ms",
            "",
        ),
        ("  frames over 50 ms", "", trajectory["plain_scroll_long_frames"], "", ""),
        (
            f"  frames with rows in view missing (of {trajectory['scroll_checks']})",
            "trajectory",
            trajectory["scroll_uncovered"],
            "",
            "",
        ),
    ]
    for label, widget, value, unit, note in rows:
        shown = f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
        print(f"  {label:<58} {widget:<11} {shown:>9} {unit:<7} {note}".rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each measurement (default 5)")
    parser.add_argument("--steps", type=int, default=10_000, help="steps in the trace (default 10,000)")
    parser.add_argument("--scroll-frames", type=int, default=120, help="frames of continuous scrolling")
    parser.add_argument("--json", type=Path, help="also write the numbers, with versions, as JSON")
    args = parser.parse_args()
    results = measure(args.steps, args.runs, args.scroll_frames)
    env = environment()
    report(results, env)
    if args.json:
        args.json.write_text(json.dumps({"environment": env, **results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
