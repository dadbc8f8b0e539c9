"""traceops_nb imports no SDK the user's code does not, yet records an SDK first imported mid-session.

Each case runs in a fresh interpreter: which modules are imported is the process's state.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from fakellm import FakeLLMServer

TESTS = Path(__file__).resolve().parent


def run_fresh(code: str, **env: str) -> dict[str, object]:
    """Run `code` in a new interpreter (tests/ on its path); it prints one JSON object as its last line."""
    script = f"import json, sys\nsys.path.insert(0, {str(TESTS)!r})\n" + textwrap.dedent(code)
    environment = {**os.environ, **env}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False, env=environment
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_import_and_a_session_leave_unused_sdks_unimported(tmp_path: Path) -> None:
    result = run_fresh(
        f"""
        import openai
        import traceops_nb
        with traceops_nb.Recorder({str(tmp_path / "none.yaml")!r}, mode="rewrite"):
            pass
        print(json.dumps({{name: name in sys.modules for name in ("anthropic", "google.genai", "openai")}}))
        """
    )
    assert result == {"anthropic": False, "google.genai": False, "openai": True}


def test_an_sdk_imported_inside_a_session_is_recorded_and_its_errors_are_ours(tmp_path: Path) -> None:
    cassette = tmp_path / "late.yaml"
    with FakeLLMServer() as server:
        result = run_fresh(
            f"""
            import traceops_nb
            from traceops_nb import errors
            with traceops_nb.Recorder({str(cassette)!r}, mode="rewrite") as session:
                import anthropic  # first imported here, after the session began
                client = anthropic.Anthropic(api_key="sk-ant-test", base_url={server.anthropic_base_url!r})
                reply = client.messages.create(
                    model="claude-sonnet-4-5", max_tokens=64, messages=[{{"role": "user", "content": "Say hi"}}]
                )
            print(json.dumps({{
                "recorded": len(session.trace.interactions),
                "provider": session.trace.interactions[0].provider,
                "text": reply.content[0].text,
                "sdk_error": issubclass(errors.CassetteMismatchError, anthropic.AnthropicError),
                "still_connection_error": issubclass(errors.CassetteNetworkError, ConnectionError),
            }}))
            """
        )
    assert result["recorded"] == 1 and result["provider"] == "anthropic"
    assert result["text"] and result["sdk_error"] is True and result["still_connection_error"] is True
    assert "Say hi" in cassette.read_text()


def test_a_miss_inside_an_sdk_imported_after_traceops_nb_is_not_retried_or_wrapped(tmp_path: Path) -> None:
    cassette = tmp_path / "empty.yaml"
    cassette.write_text("version: 1\ninteractions: []\n")
    result = run_fresh(
        f"""
        import traceops_nb
        import anthropic  # after traceops_nb: its errors must still pass through anthropic's retry loop untouched
        client = anthropic.Anthropic(api_key="sk-ant-test", base_url="http://127.0.0.1:9", max_retries=3)
        inside = None
        try:
            with traceops_nb.Replayer({str(cassette)!r}):
                try:
                    client.messages.create(
                        model="claude-sonnet-4-5", max_tokens=8, messages=[{{"role": "user", "content": "hi"}}]
                    )
                except Exception as error:  # what the SDK call itself raised, before the session's end
                    inside = type(error).__name__
        except Exception:
            pass  # the session raises the caught miss again at its end
        print(json.dumps({{"caught": inside}}))
        """,
        TRACEOPS_FAST_REPLAY="0",  # the full route: the miss is raised inside anthropic's retry loop
    )
    assert result["caught"] == "CassetteMismatchError"
