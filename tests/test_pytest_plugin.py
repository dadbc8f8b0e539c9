"""The pytest plugin, tested by running pytest on test files written for the purpose."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fakellm import FakeLLMServer

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
