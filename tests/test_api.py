"""The public names other code relies on."""

from __future__ import annotations

import anthropic
import openai

import traceops_nb


def test_exported_names() -> None:
    expected = {
        "Recorder",
        "Replayer",
        "cassette",
        "load_cassette",
        "save_cassette",
        "Trace",
        "CassetteError",
        "CassetteNotFoundError",
        "CassetteMismatchError",
        "CassetteExhaustedError",
        "CassetteFormatError",
        "tool",
        "record_tool_call",
        "record_decision",
        "diff_traces",
        "assert_trace_unchanged",
        "to_dataframe",
        "plots",
        "pricing",
        "assertions",
        "compare",
        "baseline",
        "normalize",
        "replay_savings",
        "BaselineNotFoundError",
    }
    assert expected <= set(traceops_nb.__all__)
    assert all(hasattr(traceops_nb, name) for name in traceops_nb.__all__)


def test_every_error_is_a_cassette_error_and_an_sdk_error() -> None:
    errors = [getattr(traceops_nb, name) for name in traceops_nb.__all__ if name.endswith("Error")]
    assert len(errors) >= 6
    for error in errors:
        assert issubclass(error, traceops_nb.CassetteError)
        assert issubclass(error, openai.OpenAIError) and issubclass(error, anthropic.AnthropicError)
