"""The traceops-nb command line, run as a real subprocess (`python -m traceops_nb`) on cassettes recorded
in the test against the fake LLM server, or on the browser tests' cassettes."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from clients import make_client
from fakellm import FakeLLMServer
from sdk_agents import chat_agent, claude_agent

import traceops_nb
from traceops_nb import Recorder, load_cassette
from traceops_nb.analysis.frame import COLUMNS
from traceops_nb.cli import main

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = Path(__file__).resolve().parent / "browser" / "cassettes"
DAY = 86400


def cli(*args: str, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "traceops_nb", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


class Ran:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """The same command in this process (cli.main), for the many variants: a subprocess costs seconds
    of SDK imports. Each subcommand also runs at least once as a real subprocess (`cli` above)."""

    def invoke(*args: str, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None) -> Ran:
        monkeypatch.chdir(cwd)
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin or ""))
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exit:  # argparse: --help, --version, usage errors
            code = int(exit.code or 0)
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return invoke


def weather(query: str) -> str:
    return f"sunny in {query}"


@pytest.fixture
def runs(server: FakeLLMServer, tmp_path: Path) -> Path:
    """A folder with three recorded runs: OpenAI about Paris and Berlin, Anthropic about Rome."""
    folder = tmp_path / "cassettes"
    openai_client, anthropic_client = make_client("openai", server), make_client("anthropic", server)
    with Recorder(folder / "paris.yaml", mode="rewrite"):
        chat_agent(openai_client, [], "Paris", {"get_weather": weather})
    with Recorder(folder / "berlin.yaml", mode="rewrite"):
        chat_agent(openai_client, [], "Berlin", {"get_weather": weather})
    with Recorder(folder / "claude" / "rome.yaml", mode="rewrite"):
        claude_agent(anthropic_client, [], "Rome", {"get_weather": weather})
    return folder


def one_line_error(result: Any) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    message = result.stderr
    assert message.endswith("\n") and message.count("\n") == 1, message
    assert message.startswith("traceops-nb")
    return str(message)


def test_help_lists_every_subcommand_and_the_script_is_declared(tmp_path: Path, run: Any) -> None:
    result = cli("--help", cwd=tmp_path)
    assert result.returncode == 0
    for name in ("inspect", "diff", "export", "report", "ls", "stats", "validate", "prune", "debug"):
        assert f"    {name} " in result.stdout
    assert run("--version", cwd=tmp_path).stdout.strip() == f"traceops-nb {traceops_nb.__version__}"
    project = (ROOT / "pyproject.toml").read_text()
    assert '[project.scripts]\ntraceops-nb = "traceops_nb.cli:main"\n' in project
    assert re.search(r'\nexport = \[\n    "pyarrow>=[\d.]+",\n\]', project)


def test_inspect_shows_the_summary_and_the_steps(runs: Path, run: Any) -> None:
    trace = load_cassette(runs / "paris.yaml")
    result = cli("inspect", "paris.yaml", cwd=runs)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "paris.yaml"
    assert lines[1].startswith(f"{len(trace.events)} steps · 2 LLM calls · {trace.total_tokens} tokens · $")
    assert lines[2] == "trajectory: llm:gpt-4o-mini → tool:get_weather → llm:gpt-4o-mini"
    assert lines[3].split() == ["step", "kind", "name", "tokens", "in", "tokens", "out", "cost"]
    assert [line.split()[:2] for line in lines[4:]] == [["0", "llm_call"], ["1", "tool_call"], ["2", "llm_call"]]

    full = run("inspect", "paris.yaml", "--full", cwd=runs).stdout
    assert "  user: Paris" in full and "output: sunny in Paris" in full and "→ final: sunny in Paris" in full

    data = json.loads(run("inspect", "paris.yaml", "--json", cwd=runs).stdout)
    assert data["trajectory"] == trace.trajectory
    assert data["totals"]["tokens"] == trace.total_tokens and data["totals"]["llm_calls"] == 2
    assert [step["label"] for step in data["steps"]] == trace.trajectory
    assert data["steps"][1]["name"] == "get_weather"


def test_diff_exits_1_when_the_runs_differ_for_ci(runs: Path, run: Any) -> None:
    same = run("diff", "paris.yaml", "paris.yaml", cwd=runs)
    assert same.returncode == 0, same.stderr
    assert same.stdout.splitlines() == ["paris.yaml → paris.yaml", "No differences: 3 steps, same trajectory."]

    changed = cli("diff", "paris.yaml", "berlin.yaml", cwd=runs)
    assert changed.returncode == 1, changed.stderr
    assert changed.stdout.splitlines()[1].startswith("Traces differ in: prompt, response, tool_input, tool_output")
    assert "-user: Paris" in changed.stdout and "+user: Berlin" in changed.stdout

    data = json.loads(run("diff", "paris.yaml", "berlin.yaml", "--json", cwd=runs).stdout)
    assert data["has_changes"] is True and data["old"] == "paris.yaml"
    assert data == {
        "old": "paris.yaml",
        "new": "berlin.yaml",
        **traceops_nb.diff_traces(load_cassette(runs / "paris.yaml"), load_cassette(runs / "berlin.yaml")).to_dict(),
    }

    ignored = ["--ignore", "prompt", "--ignore", "response", "--ignore", "tool_input", "--ignore", "tool_output"]
    assert run("diff", "paris.yaml", "berlin.yaml", *ignored, cwd=runs).returncode == 0
    assert "invalid choice: 'colour'" in one_line_error(run("diff", "a", "b", "--ignore", "colour", cwd=runs))


def test_export_json_csv_and_parquet(runs: Path, run: Any) -> None:
    expected = traceops_nb.to_dataframe(runs)
    rows = json.loads(run("export", ".", "--format", "json", cwd=runs).stdout)
    assert len(rows) == len(expected) == 9
    assert list(rows[0]) == list(COLUMNS)
    assert sum(row["total_tokens"] for row in rows) == expected.total_tokens.sum()
    assert {row["model"] for row in rows} == {None, "gpt-4o-mini", "claude-sonnet-4-6"}

    written = run("export", "paris.yaml", "berlin.yaml", "-o", "steps.csv", cwd=runs)
    assert written.returncode == 0 and written.stderr == "wrote 6 rows to steps.csv\n"
    table = pd.read_csv(runs / "steps.csv")
    assert list(table.columns) == list(COLUMNS) and len(table) == 6

    assert cli("export", ".", "-o", "steps.parquet", cwd=runs).returncode == 0
    back = pd.read_parquet(runs / "steps.parquet")
    assert list(back.columns) == list(COLUMNS)
    assert back.total_tokens.sum() == expected.total_tokens.sum()
    assert str(back.started_at.dtype) == "datetime64[ns, UTC]" and str(back.kind.dtype) == "category"

    assert "-o FILE.parquet" in one_line_error(run("export", ".", "--format", "parquet", cwd=runs))


def test_parquet_without_pyarrow_says_what_to_install(runs: Path, run: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # `import pyarrow` now fails as if it were not installed
    result = run("export", ".", "-o", "steps.parquet", cwd=runs)
    assert "pip install 'traceops_nb[export]'" in one_line_error(result)
    assert not (runs / "steps.parquet").exists()


def test_ls_lists_calls_tokens_cost_and_age(runs: Path, run: Any) -> None:
    now = time.time()
    os.utime(runs / "paris.yaml", (now, now - 40 * DAY - 3600))
    os.utime(runs / "claude" / "rome.yaml", (now, now - 3 * 3600 - 300))
    (runs / "notes.yaml").write_text("just: a note\n")
    (runs / "paris.partial.yaml").write_text("version: 1\ninteractions: []\n")
    result = cli("ls", ".", cwd=runs)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["cassette", "calls", "tools", "tokens", "cost", "age"]
    paris = load_cassette(runs / "paris.yaml")
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:4]}
    assert rows["paris.yaml"] == ["2", "1", str(paris.total_tokens), f"${paris.total_cost_usd:.6f}", "40d"]
    assert rows["claude/rome.yaml"][-1] == "3h" and rows["claude/rome.yaml"][0] == "2"
    assert set(rows) == {"paris.yaml", "berlin.yaml", "claude/rome.yaml"}  # partial recordings are left out
    assert lines[4] == "3 cassettes"
    assert lines[5].startswith("unreadable: notes.yaml: cassette notes.yaml is not a traceops_nb cassette")

    data = json.loads(run("ls", ".", "--json", cwd=runs).stdout)
    by_name = {entry["cassette"]: entry for entry in data["cassettes"]}
    assert 40 < by_name["paris.yaml"]["age_days"] < 41
    assert by_name["paris.yaml"]["tokens"] == paris.total_tokens
    assert by_name["paris.yaml"]["cost_usd"] == pytest.approx(paris.total_cost_usd)
    assert [entry["cassette"] for entry in data["unreadable"]] == ["notes.yaml"]


def test_stats_aggregates_by_model_and_provider(runs: Path, run: Any) -> None:
    traces = [load_cassette(path) for path in (runs / "paris.yaml", runs / "berlin.yaml", runs / "claude/rome.yaml")]
    data = json.loads(run("stats", ".", "--json", cwd=runs).stdout)
    assert data["cassettes"] == 3 and data["llm_calls"] == 6 and data["tool_calls"] == 3
    assert data["tokens"] == sum(trace.total_tokens for trace in traces)
    assert data["cost_usd"] == pytest.approx(sum(trace.total_cost_usd for trace in traces))
    models = {(row["provider"], row["model"]): row for row in data["by_model"]}
    assert set(models) == {("openai", "gpt-4o-mini"), ("anthropic", "claude-sonnet-4-6")}
    gpt = [event for trace in traces[:2] for event in trace.llm_calls]
    assert models["openai", "gpt-4o-mini"]["llm_calls"] == 4
    assert models["openai", "gpt-4o-mini"]["input_tokens"] == sum(event.input_tokens for event in gpt)
    assert [row["provider"] for row in data["by_provider"]] == ["anthropic", "openai"]

    text = cli("stats", ".", cwd=runs).stdout
    assert text.startswith("3 cassettes · 9 steps · 6 LLM calls · 3 tool calls · 0 errors · ")
    assert "\nby model\n" in text and "\nby provider\n" in text
    assert any(line.split()[:3] == ["openai", "gpt-4o-mini", "4"] for line in text.splitlines())


def test_validate_checks_schema_safety_and_secrets(runs: Path, tmp_path: Path, run: Any) -> None:
    good = run("validate", ".", str(SHIPPED), cwd=runs)
    assert good.returncode == 0, good.stdout
    assert good.stdout.splitlines()[-1] == "6 checked, 0 with problems"

    bad = tmp_path / "bad"
    bad.mkdir()
    marker = tmp_path / "pwned"
    (bad / "unsafe.yaml").write_text(
        f"version: 1\ninteractions:\n- !!python/object/apply:os.system ['touch {marker}']\n"
    )
    (bad / "future.yaml").write_text("version: 9\ninteractions: []\n")
    key_like = "sk-" + "proj-" + "Z" * 30  # built here, so no key-shaped text sits in the test's source
    text = (runs / "paris.yaml").read_text()
    (bad / "leaky.yaml").write_text(text.replace("content: Paris", f"content: Paris {key_like}", 1))
    (bad / "env.yaml").write_text(text.replace("content: Paris", "content: Paris hunter2-is-not-a-key", 1))
    headers = text.replace(
        "    path: /chat/completions\n",
        "    path: /chat/completions\n    headers:\n      authorization: placeholder\n",
        1,
    )
    (bad / "headers.yaml").write_text(headers)
    result = cli("validate", str(bad), cwd=runs, env={"MY_SERVICE_TOKEN": "hunter2-is-not-a-key"})
    assert result.returncode == 1
    out = result.stdout
    assert not marker.exists()
    assert (
        f"FAIL  {bad / 'unsafe.yaml'}\n      cassette {bad / 'unsafe.yaml'} uses a YAML tag that is not allowed" in out
    )
    assert "has version 9" in out
    assert "looks like a credential at interactions[0].request.body.messages[0].content: sk-proj-ZZ…" in out
    assert key_like not in out
    assert "holds the value of the environment variable MY_SERVICE_TOKEN" in out and "hunter2" not in out
    assert "interactions[0].request.headers has 'authorization', which traceops_nb never keeps" in out
    assert out.splitlines()[-1] == "5 checked, 5 with problems"

    data = json.loads(run("validate", str(bad / "future.yaml"), "--json", cwd=runs).stdout)
    assert data["ok"] is False and data["checked"] == 1 and "version 9" in data["cassettes"][0]["problems"][0]
    missing = run("validate", "nowhere.yaml", cwd=runs)
    assert missing.returncode == 1 and "FAIL  nowhere.yaml\n      does not exist" in missing.stdout


def test_prune_deletes_old_cassettes_only_and_dry_run_deletes_nothing(runs: Path, run: Any) -> None:
    now = time.time()
    (runs / "notes.yaml").write_text("just: a note\n")
    shutil.copy(runs / "berlin.yaml", runs / "claude" / "rome.partial.yaml")
    for name in ("paris.yaml", "notes.yaml", "claude/rome.partial.yaml"):
        os.utime(runs / name, (now, now - 45 * DAY))
    os.utime(runs / "berlin.yaml", (now, now - 10 * DAY))
    before = sorted(str(p.relative_to(runs)) for p in runs.rglob("*.yaml"))

    dry = cli("prune", ".", "--older-than", "30d", "--dry-run", cwd=runs)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        "would delete claude/rome.partial.yaml (age 45d)",
        "would delete paris.yaml (age 45d)",
        "kept notes.yaml: old, but not a traceops_nb cassette",
        "2 cassettes would be deleted",
    ]
    assert sorted(str(p.relative_to(runs)) for p in runs.rglob("*.yaml")) == before

    done = run("prune", ".", "--older-than", "4w", "--json", cwd=runs)
    assert json.loads(done.stdout)["deleted"] == [
        {"cassette": "claude/rome.partial.yaml", "age_days": 45.0},
        {"cassette": "paris.yaml", "age_days": 45.0},
    ]
    left = sorted(str(p.relative_to(runs)) for p in runs.rglob("*.yaml"))
    assert left == ["berlin.yaml", "claude/rome.yaml", "notes.yaml"]
    assert run("prune", ".", "--older-than", "7", cwd=runs).stdout.splitlines() == [
        "deleted berlin.yaml (age 10d)",
        "kept notes.yaml: old, but not a traceops_nb cassette",
        "1 cassette deleted",
    ]
    assert "is not an age" in one_line_error(run("prune", ".", "--older-than", "soon", cwd=runs))
    assert "is not a folder" in one_line_error(run("prune", "claude/rome.yaml", "--older-than", "1d", cwd=runs))


def test_debug_steps_through_the_trace_from_stdin(runs: Path, run: Any) -> None:
    result = cli("debug", "paris.yaml", cwd=runs, stdin="n\np\ng 2\n9\nfirst\nbogus\n\nq\nn\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    shown = [line for line in out.splitlines() if line.startswith("[step ")]
    assert shown == [
        "[step 0 of 2]",
        "[step 1 of 2]",
        "[step 0 of 2]",
        "[step 2 of 2]",
        "[step 0 of 2]",
        "[step 1 of 2]",
    ]
    assert "no step 9: steps go from 0 to 2" in out and "unknown command 'bogus'" in out
    assert 'step 1 · tool:get_weather\n  input: {"query": "Paris"}\n  output: sunny in Paris' in out
    assert out.count("debug> ") == 8  # q ended it: the last `n` was never read

    at_end = run("debug", "paris.yaml", "--step", "2", cwd=runs, stdin="n\n")  # then the input ends
    assert at_end.returncode == 0 and "already at the last step (q quits)" in at_end.stdout


def test_report_writes_one_html_file(runs: Path, run: Any) -> None:
    result = cli("report", "paris.yaml", "berlin.yaml", "-o", "out/report.html", cwd=runs)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "wrote out/report.html (2 cassettes); open it in a browser\n"
    page = (runs / "out" / "report.html").read_text()
    assert page.startswith("<!doctype html>") and "data-tnb-widget='diff'" in page
    assert run("report", "claude", cwd=runs).returncode == 0
    assert "data-tnb-widget='diff'" not in (runs / "report.html").read_text()
    (runs / "empty").mkdir()
    assert "no cassettes" in one_line_error(run("report", "empty", cwd=runs))


def test_errors_are_one_line_that_says_what_to_do(runs: Path, run: Any) -> None:
    assert "missing.yaml does not exist" in one_line_error(cli("inspect", "missing.yaml", cwd=runs))
    assert "is a folder: give one cassette file" in one_line_error(run("inspect", "claude", cwd=runs))
    (runs / "notes.yaml").write_text("just: a note\n")
    assert "is not a traceops_nb cassette" in one_line_error(run("debug", "notes.yaml", cwd=runs))
    (runs / "broken.yaml").write_text("version: 1\ninteractions: [\n")
    assert "is not valid YAML" in one_line_error(run("diff", "broken.yaml", "paris.yaml", cwd=runs))
    assert "required: path" in one_line_error(run("inspect", cwd=runs))
    assert "invalid choice" in one_line_error(run("frobnicate", cwd=runs))
    assert "required: COMMAND" in one_line_error(run(cwd=runs))
