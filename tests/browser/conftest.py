"""One JupyterLab server for the whole test session, one Chromium per test module (they take seconds to start).

Chromium is module-scoped because Playwright's sync API keeps an asyncio loop running in the main thread
while it is open: left open, it would break every later test that calls asyncio.run()."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cells import CELLS, NOTEBOOKS
from lab import Lab, chromium, jupyter_lab, write_notebook

ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts" / "widgets"


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    with tempfile.TemporaryDirectory(prefix="traceops-lab-") as folder:
        root = Path(folder)
        for name in NOTEBOOKS:  # one per page: two pages on one notebook would share its kernel and file
            write_notebook(root / name, CELLS)
        with jupyter_lab(root) as server:
            yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:  # no Chromium is a failure, never a skip: scripts/test installs it
        yield launched


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    """A failed browser test leaves a screenshot of the whole page beside the others."""
    report = yield
    notebook = getattr(item, "funcargs", {}).get("notebook")
    if report.failed and call.when == "call" and notebook is not None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        notebook.page.screenshot(path=str(ARTIFACTS / f"failed-{item.name}.png"), full_page=True)
    return report
