"""What the tests with a `cassette` fixture did: each test's misses fail that test (also those its code
caught), `--traceops-strict` fails a test that left recorded calls unplayed, and a short summary after the
run says how many tests replayed, recorded, went live or missed, and what replay saved.

Loaded by traceops_nb's pytest plugin; the rest of traceops_nb is imported inside the hooks.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import pytest

SESSION = pytest.StashKey[Any]()  # the cassette fixture's session, set by the fixture
CALL_FAILED = pytest.StashKey[bool]()  # the test failed: its fixture's session ends as a block that raised
VERDICTS = ("replayed", "recorded", "went live", "missed", "made no calls")


@dataclass
class Tally:
    verdicts: Counter[str] = field(default_factory=Counter)
    calls_replayed: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    api_seconds: float = 0.0

    def add(self, session: Any) -> None:
        from ..analysis.savings import replay_savings

        self.verdicts[verdict(session)] += 1
        saved = replay_savings(session.trace)
        self.calls_replayed += sum(1 for event in session.trace.llm_calls if event.replayed)
        self.tokens += saved.tokens
        self.cost_usd += saved.cost_usd
        self.api_seconds += saved.duration_ms / 1000

    def lines(self) -> list[str]:
        from ..trace import format_cost, plural

        tests = sum(self.verdicts.values())
        counts = ", ".join(f"{self.verdicts[name]} {name}" for name in VERDICTS if self.verdicts[name])
        cost = "cost unknown" if math.isnan(self.cost_usd) else format_cost(self.cost_usd)
        return [
            f"traceops_nb: {plural(tests, 'test')} with a cassette: {counts}",
            f"traceops_nb: {plural(self.calls_replayed, 'call')} replayed; replay saved "
            f"{plural(self.tokens, 'token')}, {cost} and {self.api_seconds:.1f} s of API time",
        ]


def verdict(session: Any) -> str:
    """replayed (every call from the cassette), recorded (live calls, written), went live (live calls that
    were not written: the test failed, or the save did), missed (a call the cassette could not answer)."""
    from ..cassette.interactions import Interaction
    from ..errors import CassetteExhaustedError, CassetteMismatchError

    if any(isinstance(error, (CassetteMismatchError, CassetteExhaustedError)) for error in session.failures):
        return "missed"
    calls = [record for record in session.trace.records if isinstance(record, Interaction)]
    if any(not call.replayed for call in calls):
        return "recorded" if session.saved_to is not None else "went live"
    return "replayed" if calls else "made no calls"


TALLY = pytest.StashKey[Tally]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("traceops_nb").addoption(
        "--traceops-strict",
        action="store_true",
        default=False,
        help="fail a test whose cassette holds calls the test never made",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[TALLY] = Tally()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    result = yield  # a test that failed on its own keeps its own failure
    session = item.stash.get(SESSION, None)
    if session is not None:
        session.raise_failures()  # what the test's code caught still fails it
        if item.config.getoption("--traceops-strict"):
            session.check_all_played()
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    if report.when == "call" and report.failed:
        item.stash[CALL_FAILED] = True
    return report


def ended(config: pytest.Config, session: Any) -> None:
    """The cassette fixture's session is over: count its test."""
    config.stash[TALLY].add(session)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    tally = config.stash.get(TALLY, None)
    if tally is None or not tally.verdicts:
        return
    terminalreporter.section("traceops_nb", sep="-")
    for line in tally.lines():
        terminalreporter.write_line(line)
