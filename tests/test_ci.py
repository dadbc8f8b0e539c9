"""The CI workflow: it parses, its steps are the commands the README documents, it needs no secrets, and its
report step works whether or not a cassette changed."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
README = (ROOT / "README.md").read_text()
REPORT = "cassette-report.html"


def steps() -> list[dict[str, Any]]:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as true
    assert set(triggers) == {"push", "pull_request"}
    (job,) = workflow["jobs"].values()
    return list(job["steps"])


def commands() -> list[str]:
    return [step["run"] for step in steps() if "run" in step]


def readme_section(title: str) -> str:
    match = re.search("^### " + re.escape(title) + r"\n(.*?)(?=^#{2,3} |\Z)", README, re.MULTILINE | re.DOTALL)
    assert match, f"README has no '### {title}' section"
    return match.group(1)


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.MULTILINE | re.DOTALL)


def test_the_steps_are_the_commands_the_readme_documents() -> None:
    section = readme_section("CI")
    assert blocks(section, "bash")[0].splitlines() == commands()
    assert blocks(section, "yaml") == [WORKFLOW.read_text()]  # the copy in the docs is the workflow itself
    install, test, _ = commands()
    top = blocks(README, "bash")[0]  # the commands at the top of the README
    assert install in top and test in top


def test_it_installs_replays_the_notebooks_runs_the_suite_and_uploads_the_report() -> None:
    install, test, report = commands()
    assert '.venv/bin/pip install -q -e ".[notebook]"' in install
    assert "TRACEOPS_RECORD_MODE=none" in install and "notebooks/01_quickstart.ipynb" in install
    assert test == "bash scripts/test"
    script = (ROOT / "scripts" / "test").read_text()
    assert re.search(r"pytest tests notebooks --nbval", script)  # the suite, and the notebooks under nbval
    assert f"traceops-nb report -o {REPORT}" in report and "xargs -r" in report
    upload = next(step for step in steps() if str(step.get("uses", "")).startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == REPORT and upload["with"]["if-no-files-found"] == "ignore"
    assert upload["if"] == "always()"


def test_it_uses_no_secrets() -> None:
    text = WORKFLOW.read_text()
    assert "secrets." not in text and "API_KEY" not in text


def git(folder: Path, *args: str) -> str:
    config = ["-c", "user.name=ci", "-c", "user.email=ci@example.com", "-c", "commit.gpgsign=false"]
    done = subprocess.run(["git", *config, *args], cwd=folder, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A repository with two commits, and `.venv/bin/traceops-nb` running this package's CLI."""
    recorded = ROOT / "tests" / "browser" / "cassettes" / "agent.yaml"
    (tmp_path / "cassettes").mkdir()
    (tmp_path / "cassettes" / "agent.yaml").write_bytes(recorded.read_bytes())
    (tmp_path / "notes.txt").write_text("one\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "first")
    cli = tmp_path / ".venv" / "bin" / "traceops-nb"
    cli.parent.mkdir(parents=True)
    cli.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m traceops_nb "$@"\n')
    cli.chmod(cli.stat().st_mode | stat.S_IXUSR)
    return tmp_path


def run_report_step(folder: Path) -> subprocess.CompletedProcess[str]:
    *_, report = commands()
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(["bash", "-e", "-c", report], cwd=folder, capture_output=True, text=True, env=environment)


def test_the_report_step_writes_nothing_when_no_cassette_changed(repository: Path) -> None:
    (repository / "notes.txt").write_text("two\n")
    git(repository, "commit", "-qam", "not a cassette")
    done = run_report_step(repository)
    assert done.returncode == 0, done.stderr
    assert not (repository / REPORT).exists()


def test_the_report_step_reports_the_changed_cassettes(repository: Path) -> None:
    cassette = repository / "cassettes" / "agent.yaml"
    cassette.write_text(cassette.read_text().replace("What is a cassette?", "What is a cassette, really?"))
    git(repository, "commit", "-qam", "a changed prompt")
    done = run_report_step(repository)
    assert done.returncode == 0, done.stderr
    assert "What is a cassette, really?" in (repository / REPORT).read_text()
