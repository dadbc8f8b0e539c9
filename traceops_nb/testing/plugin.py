"""pytest plugin (entry point pytest11): an option, a marker and the `cassette` fixture.

Under pytest the default record mode is `none`, exported through TRACEOPS_RECORD_MODE so that
kernels started by nbval (which inherit the environment) replay too. The option is named
--traceops-record-mode so that it never collides with pytest-recording's --record-mode.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import summary

# The budget marker, the run's summary and the nbval integration live in plugin modules of their own; loading
# this plugin loads them.
pytest_plugins = ["traceops_nb.testing.budget", "traceops_nb.testing.summary", "traceops_nb.testing.nbval"]

ENV_VAR = "TRACEOPS_RECORD_MODE"
MODES = ("rewrite", "all", "once", "new_episodes", "none")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("traceops_nb", "record and replay LLM SDK calls")
    group.addoption(
        "--traceops-record-mode",
        choices=MODES,
        default=None,
        help=f"record mode for traceops_nb cassettes (default: ${ENV_VAR}, else none: replay only)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "traceops(path=None, mode=None, **options): the cassette file (relative to the test file) "
        "and record mode of this test's `cassette` fixture, plus options such as allow_repeats",
    )
    mode = config.getoption("--traceops-record-mode")
    if mode:
        os.environ[ENV_VAR] = mode
    else:
        os.environ.setdefault(ENV_VAR, "none")


@pytest.fixture
def cassette(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A per-test cassette, `cassettes/<module>/<test name>.yaml` beside the test file.

    It records or replays according to the record mode; the session is the fixture's value
    (`cassette.trace` after the calls). A test that fails never replaces its cassette, as a block that
    raises never does.
    """
    from traceops_nb import cassette as open_cassette

    marker = request.node.get_closest_marker("traceops")
    options = dict(marker.kwargs) if marker else {}
    test_file = Path(str(request.node.path))
    default = Path("cassettes") / test_file.stem / f"{_file_name(request.node.name)}.yaml"
    path = test_file.parent / options.pop("path", default)
    session = open_cassette(path, options.pop("mode", None), **options)
    request.node.stash[summary.SESSION] = session
    session.__enter__()
    try:
        yield session
    finally:
        failed = request.node.stash.get(summary.CALL_FAILED, False)  # as a block that raised: file kept
        try:
            session.__exit__(RuntimeError if failed else None, None, None)
        finally:
            summary.ended(request.config, session)


def _file_name(test_name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name).strip("_")
