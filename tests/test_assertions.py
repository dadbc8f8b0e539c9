"""Budget assertions on traces, and the pytest `budget` marker (run with pytester)."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
from clients import make_client
from fakellm import FakeLLMServer
from scenarios import GPT, user
from traceops_nb.assertions import (
    assert_cost_under,
    assert_max_llm_calls,
    assert_no_loops,
    assert_tokens_under,
    check_budget,
)

import traceops_nb
from traceops_nb import Recorder, Trace

pytest_plugins = ["pytester"]


@pytest.fixture
def two_calls(server: FakeLLMServer, cassette_path: Path) -> Path:
    """A cassette of two chat calls, to replay (offline) in the tests that pytester runs."""
    client = make_client("openai", server)
    with Recorder(cassette_path, mode="rewrite"):
        client.chat.completions.create(model=GPT, messages=user("first question"))
        client.chat.completions.create(model=GPT, messages=user("second question"))
    return cassette_path


def test_cost_tokens_and_calls_under_and_over(two_calls: Path) -> None:
    trace = traceops_nb.load_cassette(two_calls)
    cost, tokens = trace.total_cost_usd, trace.total_tokens
    assert cost > 0 and tokens > 0
    assert_cost_under(trace, cost)
    assert_tokens_under(two_calls, tokens)  # a path works too
    assert_max_llm_calls(trace, 2)
    with pytest.raises(AssertionError, match=rf"cost \$\d\.\d{{6}} is over the budget of \$0\.000000 \({GPT} \$"):
        assert_cost_under(trace, 0.0)
    with pytest.raises(AssertionError, match=rf"{tokens} tokens is over the budget of {tokens - 1} \(input"):
        assert_tokens_under(trace, tokens - 1)
    with pytest.raises(AssertionError, match=rf"2 LLM calls is over the limit of 1: llm:{GPT} → llm:{GPT}"):
        assert_max_llm_calls(trace, 1)


def test_an_unknown_cost_fails_a_cost_budget_instead_of_counting_as_zero(two_calls: Path) -> None:
    trace = traceops_nb.load_cassette(two_calls)
    unpriced = Trace([replace(record, cost_usd=None) for record in trace.interactions])
    with pytest.raises(AssertionError, match=rf"cost is unknown for 2 of 2 LLM calls \(models: {GPT}\)"):
        assert_cost_under(unpriced, 100.0)


def test_check_budget_reports_every_limit_exceeded_at_once(two_calls: Path) -> None:
    check_budget(two_calls, max_usd=1.0, max_tokens=10_000, max_llm_calls=2)
    with pytest.raises(AssertionError) as caught:
        check_budget(two_calls, max_usd=1.0, max_tokens=1, max_llm_calls=1)
    lines = str(caught.value).splitlines()
    assert len(lines) == 2 and "tokens is over" in lines[0] and "LLM calls is over" in lines[1]


def test_loops_count_consecutive_calls_of_one_tool(cassette_path: Path) -> None:
    with Recorder(cassette_path, mode="rewrite") as recorder:
        for name in ["search", "search", "fetch", "search", "search", "search"]:
            traceops_nb.record_tool_call(name, {"q": 1}, "r")
    assert_no_loops(recorder.trace, max_consecutive_same_tool=3)
    with pytest.raises(AssertionError, match=r"tool 'search' was called 3 times in a row \(limit 2\), up to step 5"):
        assert_no_loops(recorder, max_consecutive_same_tool=2)


def test_llm_calls_between_tool_calls_do_not_break_a_loop(server: FakeLLMServer, cassette_path: Path) -> None:
    client = make_client("openai", server)
    with Recorder(cassette_path, mode="rewrite") as recorder:
        for _ in range(3):
            client.chat.completions.create(model=GPT, messages=user("again"))
            traceops_nb.record_tool_call("search", {"q": "same"}, "nothing")
    with pytest.raises(AssertionError, match="called 3 times in a row"):
        assert_no_loops(recorder.trace, max_consecutive_same_tool=2)


# -- the marker ------------------------------------------------------------------------------------------


def run_marked(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, body: str, cassette: Path
) -> pytest.RunResult:
    """Run a test file with only the budget plugin loaded (whatever else this environment installs)."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    header = f"""
        import openai, pytest, traceops_nb

        CASSETTE = {str(cassette)!r}

        def ask(*questions):
            client = openai.OpenAI(api_key="unused", base_url="http://127.0.0.1:9/v1", max_retries=0)
            for question in questions:
                client.chat.completions.create(model={GPT!r}, messages=[{{"role": "user", "content": question}}])
    """
    pytester.makepyfile(textwrap.dedent(header) + textwrap.dedent(body))
    return pytester.runpytest(
        "-p", "traceops_nb.testing.budget", "-p", "no:cacheprovider", "-p", "no:traceops", "--strict-markers"
    )


def test_the_budget_marker_fails_only_the_test_over_budget(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, two_calls: Path
) -> None:
    result = run_marked(
        pytester,
        monkeypatch,
        """
        @pytest.mark.budget(max_llm_calls=2, max_usd=0.01)
        def test_within():
            with traceops_nb.Replayer(CASSETTE):
                ask("first question", "second question")

        @pytest.mark.budget(max_llm_calls=1)
        def test_over():
            with traceops_nb.Replayer(CASSETTE):
                ask("first question", "second question")

        def test_unmarked_runs_after():
            with traceops_nb.Replayer(CASSETTE):
                ask("first question", "second question")
        """,
        two_calls,
    )
    result.assert_outcomes(passed=2, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        ["*test_over*", f"*over budget: 2 LLM calls is over the limit of 1: llm:{GPT} → llm:{GPT}*"]
    )


def test_a_session_opened_by_a_fixture_is_counted(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, two_calls: Path
) -> None:
    result = run_marked(
        pytester,
        monkeypatch,
        """
        @pytest.fixture
        def replay():
            with traceops_nb.Replayer(CASSETTE) as session:
                yield session

        @pytest.mark.budget(max_usd=0.0000001)
        def test_costly(replay):
            ask("first question", "second question")
        """,
        two_calls,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*over budget: cost $0.0000* is over the budget of $0.000000*"])


def test_a_marked_test_with_no_session_fails_with_the_reason(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, two_calls: Path
) -> None:
    result = run_marked(
        pytester,
        monkeypatch,
        """
        @pytest.mark.budget(max_tokens=10)
        def test_nothing_recorded():
            pass

        @pytest.mark.budget()
        def test_no_limits():
            pass

        @pytest.mark.budget(max_tokens=1)
        def test_fails_by_itself():
            with traceops_nb.Replayer(CASSETTE):
                ask("first question")
            assert False, "the test's own failure"
        """,
        two_calls,
    )
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(
        [
            "*no traceops_nb session*ran during this test*",
            "*needs at least one of max_usd, max_tokens, max_llm_calls*",
            "*the test's own failure*",
        ]
    )
    assert "over budget" not in result.stdout.str()


def test_a_wider_scoped_session_counts_only_the_calls_of_this_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, two_calls: Path
) -> None:
    result = run_marked(
        pytester,
        monkeypatch,
        """
        @pytest.fixture(scope="module")
        def shared():
            with traceops_nb.Replayer(CASSETTE, allow_repeats=True) as session:
                yield session

        def test_earlier(shared):
            ask("first question", "second question")

        @pytest.mark.budget(max_llm_calls=2)
        def test_two_of_four(shared):
            ask("first question", "second question")
            assert shared.trace.total_llm_calls == 4

        @pytest.mark.budget(max_llm_calls=1)
        def test_two_again(shared):
            ask("first question", "second question")
        """,
        two_calls,
    )
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*test_two_again*", "*over budget: 2 LLM calls is over the limit of 1*"])


def test_the_marker_counts_the_cassette_fixture(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, two_calls: Path
) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("TRACEOPS_RECORD_MODE", raising=False)
    pytester.makepyfile(
        textwrap.dedent(f"""
        import openai, pytest

        @pytest.mark.traceops(path={str(two_calls)!r})
        @pytest.mark.budget(max_tokens=1)
        def test_agent(cassette):
            client = openai.OpenAI(api_key="unused", base_url="http://127.0.0.1:9/v1", max_retries=0)
            for question in ("first question", "second question"):
                client.chat.completions.create(model={GPT!r}, messages=[{{"role": "user", "content": question}}])
        """)
    )
    result = pytester.runpytest(
        "-p",
        "traceops_nb.testing.plugin",
        "-p",
        "traceops_nb.testing.budget",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:traceops",
    )
    result.assert_outcomes(failed=1)
    tokens = traceops_nb.load_cassette(two_calls).total_tokens
    result.stdout.fnmatch_lines([f"*over budget: {tokens} tokens is over the budget of 1*"])
