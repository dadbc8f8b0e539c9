"""Running notebooks as a user does, in real kernels: `traceops-nb record` with keys and the fake server's
address in the environment, as a cookbook's clients read them; `pytest --nbval` with no key at all.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from clients import ANTHROPIC_TEST_KEY, OPENAI_TEST_KEY
from fakellm import FakeLLMServer

NO_OTHER_PLUGINS = ("-p", "no:cacheprovider", "-p", "no:traceops")


def live_env(server: FakeLLMServer) -> dict[str, str]:
    """Where a notebook's clients find the API when recording: the environment, as in a cookbook."""
    env = replay_env(server)
    env.update(OPENAI_API_KEY=OPENAI_TEST_KEY, ANTHROPIC_API_KEY=ANTHROPIC_TEST_KEY)
    return env


def replay_env(server: FakeLLMServer) -> dict[str, str]:
    """CI: no key at all. The base URLs stay, so any call that reached the network would reach the server."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_KEY") and not k.startswith("TRACEOPS_")}
    env.update(OPENAI_BASE_URL=server.openai_base_url, ANTHROPIC_BASE_URL=server.anthropic_base_url)
    return env


def record(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "traceops_nb", "record", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)


def nbval(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    """nbval in the last notebook's folder, as nbval runs its kernels there."""
    command = [sys.executable, "-m", "pytest", "--nbval", *NO_OTHER_PLUGINS, *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, cwd=Path(args[-1]).parent)
