"""JupyterLab on 127.0.0.1 and headless Chromium driven by Playwright: the harness of the browser tests
and of benchmarks/bench_widgets.py.

The lab's root is a temporary folder holding the notebooks to open, tests/browser/agent.py and the
cassettes it replays. The kernel replays only (TRACEOPS_RECORD_MODE=none): no network, no key.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("TRACEOPS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_notebook(path: Path, cells: list[str]) -> Path:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


class Lab:
    """A running JupyterLab server."""

    def __init__(self, root: Path, port: int, process: subprocess.Popen[bytes], log: Path) -> None:
        self.root, self.port, self.process, self.log = root, port, process, log
        self.url = f"http://127.0.0.1:{port}"

    def set_theme(self, theme: str) -> None:
        """Through the settings API; pages opened afterwards use it."""
        body = json.dumps({"raw": json.dumps({"theme": THEMES[theme]})}).encode()
        request = urllib.request.Request(
            f"{self.url}/lab/api/settings/@jupyterlab/apputils-extension:themes", data=body, method="PUT"
        )
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 204, response.status

    def start_kernel(self, notebook: str) -> str:
        """A kernel session for the notebook, so the page opens connected (no kernel dialog); the kernel's id."""
        body = json.dumps({"path": notebook, "type": "notebook", "name": notebook, "kernel": {"name": "python3"}})
        request = urllib.request.Request(f"{self.url}/api/sessions", data=body.encode(), method="POST")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 201, response.status
            return str(json.load(response)["kernel"]["id"])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


@contextmanager
def jupyter_lab(root: Path) -> Iterator[Lab]:
    """JupyterLab serving `root`, with its own settings, workspaces and config (none of the user's)."""
    shutil.copy(HERE / "agent.py", root / "agent.py")
    shutil.copytree(HERE / "cassettes", root / "cassettes", dirs_exist_ok=True)
    home = root / ".lab"
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    # No news or update checks: the page must make no request beyond 127.0.0.1.
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    # Every cell rendered, on screen or not, so a test can wait for any widget.
    notebook_settings = home / "settings" / "@jupyterlab" / "notebook-extension"
    notebook_settings.mkdir(parents=True)
    (notebook_settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    # Widget state saved in a notebook is loaded when it opens (and saved with it), as for a user who turns it on.
    widgets_settings = home / "settings" / "@jupyter-widgets" / "jupyterlab-manager"
    widgets_settings.mkdir(parents=True)
    (widgets_settings / "plugin.jupyterlab-settings").write_text(json.dumps({"saveState": True}))
    env = {
        **os.environ,
        "TRACEOPS_RECORD_MODE": "none",
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL"):
        env.pop(name, None)
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.token=",
        "--ServerApp.password=",
        "--ServerApp.disable_check_xsrf=True",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--allow-root",
    ]
    log = root / "jupyterlab.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=sink, stderr=subprocess.STDOUT)
    lab = Lab(root, port, process, log)
    try:
        _wait_until_up(lab)
        yield lab
    finally:
        lab.stop()


def _wait_until_up(lab: Lab, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lab.process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited ({lab.process.returncode}):\n{lab.log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{lab.url}/api/status", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"JupyterLab did not start in {timeout} s:\n{lab.log.read_text()[-3000:]}")


@contextmanager
def chromium() -> Iterator[Any]:
    """Headless Chromium (the system's; Playwright's own download is not used)."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"no Chromium at {CHROMIUM}: `bash scripts/test` installs it (apt-get install chromium); "
            "or point TRACEOPS_CHROMIUM at one"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class WatchedPage:
    """A page in a browser context of its own that keeps page errors and dialogs, and refuses (and keeps)
    every request whose URL does not start with one of `allowed`."""

    def __init__(
        self, browser: Any, allowed: tuple[str, ...], *, width: int = 1280, height: int = 1000, javascript: bool = True
    ) -> None:
        self.allowed = allowed
        self.context = browser.new_context(viewport={"width": width, "height": height}, java_script_enabled=javascript)
        self.page = self.context.new_page()
        self.external: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", self._dialog)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.allowed):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def clean(self) -> bool:
        return self.errors == [] and self.external == [] and self.dialogs == []

    def close(self) -> None:
        self.context.close()


class NotebookPage(WatchedPage):
    """One notebook open in JupyterLab, in one page; every request outside 127.0.0.1 is refused and kept."""

    def __init__(self, browser: Any, lab: Lab, notebook: str, *, width: int = 1280, height: int = 1000) -> None:
        super().__init__(browser, (lab.url, "data:", "blob:"), width=width, height=height)
        self.lab = lab
        lab.start_kernel(notebook)
        # A workspace of its own, reset: the page shows this notebook only, not tabs another page left open.
        workspace = Path(notebook).stem
        self.page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{notebook}?reset")
        self.page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        self.page.wait_for_selector(".jp-Notebook-ExecutionIndicator:not([data-status='dead'])", timeout=60_000)
        self.page.wait_for_selector("text=Python 3 (ipykernel) | Idle", timeout=60_000)

    def wait_for_idle_kernel(self, timeout: float = 60_000) -> None:
        self.page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout)

    def run_all(self) -> None:
        self.command("Run All Cells", "notebook:run-all-cells")

    def command(self, label: str, command_id: str) -> None:
        """A JupyterLab command, through the command palette."""
        self.page.locator(".jp-Notebook").first.click(position={"x": 5, "y": 5})  # focus in the notebook
        self.page.keyboard.press("Control+Shift+C")
        palette = self.page.locator(".lm-CommandPalette-input")
        palette.wait_for(state="visible")
        palette.fill(label)
        self.page.wait_for_selector(f".lm-CommandPalette-item.lm-mod-active[data-command='{command_id}']")
        self.page.keyboard.press("Enter")

    def run_cell(self, index: int) -> str:
        """Run one code cell again; its output text once the kernel is idle."""
        cell = self.page.locator(".jp-Notebook .jp-CodeCell").nth(index)
        cell.locator(".jp-InputArea-editor").click()
        self.page.keyboard.press("Control+Enter")
        self.page.wait_for_timeout(200)
        self.wait_for_idle_kernel()
        return str(cell.locator(".jp-OutputArea").inner_text())
