"""The pytest `budget` marker: fail a test whose LLM calls cost, use or number more than it allows.

    @pytest.mark.budget(max_usd=0.05, max_tokens=20_000, max_llm_calls=8)
    def test_agent(cassette): ...

It checks what the test actually did, recorded or replayed: the calls made through every traceops_nb
session (the `cassette` fixture, Recorder, Replayer, cassette(), %%record) from the start of the test's
setup to the end of its call — a session a fixture opened counts, and one opened earlier (a wider-scoped
fixture) counts only for the calls made during this test. Over budget fails that test only, with the
reason. Loaded by traceops_nb's pytest plugin; the rest of traceops_nb is imported inside the hooks.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

MARKER = (
    "budget(max_usd=None, max_tokens=None, max_llm_calls=None): fail the test when the LLM calls it made "
    "(recorded or replayed through traceops_nb) cost, use or number more than this"
)


class Watch:
    """The sessions seen from a test's setup on: those already open (and how far along), and those that end."""

    def __init__(self) -> None:
        from ..engine.session import session_observers
        from ..intercept import context

        self.before = {id(s): (s, len(s.trace.records)) for s in context.entered_sessions()}
        self.ended: list[Any] = []
        self.observer = self.ended.append
        self.observers = session_observers
        session_observers.append(self.observer)

    def stop(self) -> None:
        if self.observer in self.observers:
            self.observers.remove(self.observer)

    def records(self) -> tuple[list[Any], int]:
        """The records added during the test, and how many sessions there were."""
        from ..intercept import context

        sessions = {id(s): s for s in [*self.ended, *context.entered_sessions()]}
        added: list[Any] = []
        for key, session in sessions.items():
            known, done = self.before.get(key, (None, 0))
            added.extend(session.trace.records[done if known is session else 0 :])
        return added, len(sessions)


WATCH = pytest.StashKey[Watch]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, Any, Any]:
    if item.get_closest_marker("budget") is not None:
        item.stash[WATCH] = Watch()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    watch = item.stash.get(WATCH, None)
    if watch is None:
        return (yield)
    try:
        result = yield  # a test that failed on its own is not checked: its failure says enough
    finally:
        watch.stop()
    marker = item.get_closest_marker("budget")
    check(watch, budget_limits(*marker.args, **marker.kwargs) if marker else {})
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, Any, Any]:
    watch = item.stash.get(WATCH, None)
    if watch is not None:
        watch.stop()  # when setup failed, the call never ran
    return (yield)


def budget_limits(
    max_usd: float | None = None, max_tokens: int | None = None, max_llm_calls: int | None = None
) -> dict[str, Any]:
    limits = {"max_usd": max_usd, "max_tokens": max_tokens, "max_llm_calls": max_llm_calls}
    if all(value is None for value in limits.values()):
        pytest.fail("@pytest.mark.budget needs at least one of max_usd, max_tokens, max_llm_calls", pytrace=False)
    return limits


def check(watch: Watch, limits: dict[str, Any]) -> None:
    from ..analysis.assertions import check_budget
    from ..trace import Trace

    records, sessions = watch.records()
    if not sessions:
        pytest.fail(
            "@pytest.mark.budget: no traceops_nb session (the cassette fixture, Recorder, Replayer, cassette()) "
            "ran during this test, so its LLM calls could not be counted.",
            pytrace=False,
        )
    try:
        check_budget(Trace(records), **limits)
    except AssertionError as over:
        pytest.fail(f"over budget: {over}", pytrace=False)
