"""The pytest plugin, tested by running pytest on test files written for the purpose."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fakellm import FakeLLMServer

import traceops_nb

pytest_plugins = ["pytester"]

# TraceOps' plugin (installed beside us only for the benchmark) and pytest-recording both claim
# --record-mode; keep it out of these runs so that what is tested is ours next to pytest-recording.
NO_TRACEOPS = ("-p", "no:traceops", "-p", "no:cacheprovider")

TEST_FILE = """
import os
import openai

def ask(text):
    client = openai.OpenAI(base_url=os.environ["FAKE_OPENAI_URL"], api_key="test-key", max_retries=0)
    return client.chat.completions.create(model="gpt-5.4-mini", messages=[{"role": "user", "content": text}])

def test_agent(cassette):
    assert ask("hello").choices[0].message.content == "echo: hello"
    assert cassette.trace.total_llm_calls == 1
"""


@pytest.fixture
def project(pytester: pytest.Pytester, server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("FAKE_OPENAI_URL", server.openai_base_url)
    monkeypatch.setenv("TRACEOPS_RECORD_MODE", "none")  # restored after the test, whatever the runs set
    return pytester


def test_records_once_then_replays_offline(project: pytest.Pytester, server: FakeLLMServer) -> None:
    project.makepyfile(test_agent=TEST_FILE)
    project.runpytest(*NO_TRACEOPS, "--traceops-record-mode=once").assert_outcomes(passed=1)
    cassette = project.path / "cassettes" / "test_agent" / "test_agent.yaml"
    assert cassette.exists() and len(server.requests) == 1

    server.stop()
    os.environ.pop("TRACEOPS_RECORD_MODE")
    project.runpytest(*NO_TRACEOPS).assert_outcomes(passed=1)  # default under pytest: replay only


def test_default_mode_is_none_and_exported(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACEOPS_RECORD_MODE", raising=False)
    pytester.makepyfile(
        test_env="""
        import os
        import traceops_nb

        def test_exported():
            assert os.environ["TRACEOPS_RECORD_MODE"] == "none"

        def test_missing_cassette_says_how_to_record(cassette):
            pass
        """
    )
    result = pytester.runpytest_subprocess(*NO_TRACEOPS)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*CassetteNotFoundError*", "*--traceops-record-mode=once*"])


def test_marker_sets_path_and_mode(project: pytest.Pytester, server: FakeLLMServer) -> None:
    project.makepyfile(
        test_marked=TEST_FILE.replace(
            "def test_agent",
            "import pytest\n\n@pytest.mark.traceops(path='shared/agent.yaml', mode='rewrite')\ndef test_agent",
        )
    )
    project.runpytest(*NO_TRACEOPS).assert_outcomes(passed=1)
    assert (project.path / "shared" / "agent.yaml").exists()
    assert len(server.requests) == 1


def test_starts_beside_pytest_recording(project: pytest.Pytester) -> None:
    project.makepyfile(test_agent=TEST_FILE)
    result = project.runpytest(
        *NO_TRACEOPS, "-p", "pytest_recording", "--record-mode=none", "--traceops-record-mode=once"
    )
    result.assert_outcomes(passed=1)


def test_the_mode_option_is_validated(project: pytest.Pytester) -> None:
    project.makepyfile(test_agent=TEST_FILE)
    result = project.runpytest(*NO_TRACEOPS, "--traceops-record-mode=sometimes")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*--traceops-record-mode*invalid choice*"])


def test_cassette_paths_are_beside_the_test_file(project: pytest.Pytester) -> None:
    sub = project.mkpydir("suite")
    (Path(sub) / "test_deep.py").write_text(TEST_FILE.replace("def test_agent", "def test_deep"))
    project.runpytest(*NO_TRACEOPS, "--traceops-record-mode=once").assert_outcomes(passed=1)
    assert (Path(sub) / "cassettes" / "test_deep" / "test_deep.yaml").exists()


CAUGHT_MISS = """
import os
import openai
import traceops_nb

def test_agent(cassette):
    client = openai.OpenAI(base_url=os.environ["FAKE_OPENAI_URL"], api_key="test-key", max_retries=0)
    try:  # a helper that swallows every error
        client.chat.completions.create(model="gpt-5.4-mini", messages=[{"role": "user", "content": "changed"}])
    except traceops_nb.CassetteError:
        pass
"""


def test_a_miss_the_test_caught_still_fails_the_test(project: pytest.Pytester, server: FakeLLMServer) -> None:
    project.makepyfile(test_agent=TEST_FILE)
    project.runpytest(*NO_TRACEOPS, "--traceops-record-mode=once").assert_outcomes(passed=1)
    server.stop()
    os.environ.pop("TRACEOPS_RECORD_MODE")  # the run above exported its mode in this process
    project.makepyfile(test_agent=CAUGHT_MISS)
    result = project.runpytest(*NO_TRACEOPS)
    result.assert_outcomes(failed=1)  # a failure of the test itself, not an error in the fixture's teardown
    assert 'messages[0].content: "hello" → "changed"' in result.stdout.str()
    result.stdout.fnmatch_lines(["*CassetteMismatchError*mode none*"])
    result.stdout.fnmatch_lines(["traceops_nb: 1 test with a cassette: 1 missed"])


TWO_CALLS = TEST_FILE.replace(
    '    assert ask("hello")', '    if os.environ.get("BOTH") == "1":\n        ask("again")\n    assert ask("hello")'
).replace("assert cassette.trace.total_llm_calls == 1", "")


def test_strict_fails_a_test_that_left_recorded_calls_unplayed(
    project: pytest.Pytester, server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.makepyfile(test_agent=TWO_CALLS)
    monkeypatch.setenv("BOTH", "1")
    project.runpytest(*NO_TRACEOPS, "--traceops-record-mode=once").assert_outcomes(passed=1)
    server.stop()
    monkeypatch.setenv("BOTH", "0")
    monkeypatch.setenv("TRACEOPS_RECORD_MODE", "none")
    project.runpytest(*NO_TRACEOPS).assert_outcomes(passed=1)  # not strict: one call fewer is allowed
    result = project.runpytest(*NO_TRACEOPS, "--traceops-strict")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*CassetteUnusedError*1 of 2 recorded interactions*never played*", "*#0: openai POST /chat/completions*"]
    )


VERDICTS = """
import os
import openai
import pytest

def ask(text):
    client = openai.OpenAI(base_url=os.environ["FAKE_OPENAI_URL"], api_key="test-key", max_retries=0)
    return client.chat.completions.create(model="gpt-5.4-mini", messages=[{"role": "user", "content": text}])

@pytest.mark.traceops(mode="once")
def test_once(cassette):
    ask("one two three")

@pytest.mark.traceops(mode="rewrite")
def test_live_then_fails(cassette):
    ask("four")
    assert False, "the agent got it wrong"

def test_no_calls(cassette):
    pass
"""


def test_the_run_ends_with_a_summary_of_verdicts_and_savings(project: pytest.Pytester, server: FakeLLMServer) -> None:
    project.makepyfile(test_verdicts=VERDICTS)
    (project.path / "cassettes" / "test_verdicts").mkdir(parents=True)
    (project.path / "cassettes" / "test_verdicts" / "test_no_calls.yaml").write_text("version: 1\ninteractions: []\n")
    first = project.runpytest(*NO_TRACEOPS)
    first.assert_outcomes(passed=2, failed=1)
    first.stdout.fnmatch_lines(
        [
            "*- traceops_nb -*",
            "traceops_nb: 3 tests with a cassette: 1 recorded, 1 went live, 1 made no calls",
            "traceops_nb: 0 calls replayed; replay saved 0 tokens, $0.000000 and 0.0 s of API time",
        ]
    )
    recorded = traceops_nb.load_cassette(project.path / "cassettes" / "test_verdicts" / "test_once.yaml")
    tokens, cost = recorded.total_tokens, recorded.total_cost_usd
    assert tokens > 0 and cost > 0

    again = project.runpytest(*NO_TRACEOPS, "-k", "once")
    again.assert_outcomes(passed=1, deselected=2)
    again.stdout.fnmatch_lines(
        [
            "traceops_nb: 1 test with a cassette: 1 replayed",
            f"traceops_nb: 1 call replayed; replay saved {tokens} tokens, ${cost:.6f} and * s of API time",
        ]
    )
