"""Traces as DataFrames (columns, dtypes, sums, folders) and plotly figures made from them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
from clients import make_client
from fakellm import FakeLLMServer
from scenarios import GPT, user
from sdk_agents import chat_agent, claude_agent

import traceops_nb
from traceops_nb import Recorder, Trace, plots
from traceops_nb.analysis.frame import COLUMNS


def weather(query: str) -> str:
    return f"sunny in {query}"


@traceops_nb.tool(name="get_weather")
def timed_weather(query: str) -> str:
    return f"sunny in {query}"


@pytest.fixture
def folder(server: FakeLLMServer, tmp_path: Path) -> Path:
    """Three recorded runs: an OpenAI tool loop (streamed, the tool recorded), a Claude tool loop (the tool
    inferred), a single call."""
    with Recorder(tmp_path / "runs" / "a_openai.yaml", mode="rewrite"):
        chat_agent(make_client("openai", server), [], "Paris", {"get_weather": timed_weather}, stream=True)
    with Recorder(tmp_path / "runs" / "b_claude.yaml", mode="rewrite"):
        claude_agent(make_client("anthropic", server), [], "Rome", {"get_weather": weather})
        traceops_nb.record_decision("done", "answered")
    with Recorder(tmp_path / "runs" / "nested" / "c_single.yaml", mode="rewrite"):
        make_client("openai", server).chat.completions.create(model="gpt-5.4-mini", messages=user("one"))
    return tmp_path / "runs"


def test_one_row_per_event_with_the_documented_dtypes(folder: Path) -> None:
    trace = traceops_nb.load_cassette(folder / "a_openai.yaml")
    frame = trace.to_dataframe()
    assert list(frame.columns) == list(COLUMNS)
    assert {name: str(dtype) for name, dtype in frame.dtypes.items()} == {
        name: str(pd.Series(dtype=dtype).dtype) for name, dtype in COLUMNS.items()
    }
    assert len(frame) == len(trace.events) == 3
    assert list(frame["kind"]) == ["llm_call", "tool_call", "llm_call"]
    assert list(frame["name"].fillna("")) == ["", "get_weather", ""]
    assert frame["stream"].tolist() == [True, False, True]
    assert frame["started_at"].iloc[0] == pd.Timestamp(trace.events[0].started_at)
    assert pd.isna(frame["status"].iloc[1]) and frame["status"].iloc[0] == 200
    assert frame["cassette"].unique().tolist() == [str(folder / "a_openai.yaml")]


def test_sums_equal_the_trace_totals(folder: Path) -> None:
    for path in sorted(folder.rglob("*.yaml")):
        trace = traceops_nb.load_cassette(path)
        frame = trace.to_dataframe()
        assert frame["total_tokens"].sum() == trace.total_tokens > 0
        assert frame["cost_usd"].sum() == pytest.approx(trace.total_cost_usd)
        assert (frame["kind"] == "llm_call").sum() == trace.total_llm_calls


def test_a_folder_loads_into_one_frame(folder: Path) -> None:
    frame = traceops_nb.to_dataframe(folder)
    names = [Path(p).name for p in frame["cassette"].unique()]
    assert names == ["a_openai.yaml", "b_claude.yaml", "c_single.yaml"]
    assert len(frame) == 3 + 4 + 1
    by_cassette = frame.groupby("cassette")["step"].max().tolist()
    assert by_cassette == [2, 3, 0]  # steps count within each cassette
    same = traceops_nb.to_dataframe([folder / "a_openai.yaml", traceops_nb.load_cassette(folder / "b_claude.yaml")])
    assert len(same) == 7


def test_an_empty_trace_still_has_the_columns() -> None:
    frame = traceops_nb.to_dataframe(Trace())
    assert frame.empty and list(frame.columns) == list(COLUMNS)


def test_plots_are_figures_built_from_the_frame(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(go.Figure, "show", lambda *a, **k: pytest.fail("a plot function showed its figure"))
    frame = traceops_nb.to_dataframe(folder)
    llm = frame[frame["kind"] == "llm_call"]

    by_model = plots.cost_by_model(frame)
    totals = dict(zip(by_model.data[0].x, by_model.data[0].y, strict=True))
    assert totals[GPT] == pytest.approx(llm[llm["model"] == GPT]["cost_usd"].sum())

    tokens = plots.tokens_per_step(frame)
    assert [trace.name for trace in tokens.data] == ["input tokens", "output tokens"]
    assert tokens.layout.barmode == "stack"
    assert sum(tokens.data[0].y) + sum(tokens.data[1].y) == llm["total_tokens"].sum()
    assert tokens.data[0].x[0] == "a_openai.yaml #0"

    timeline = plots.latency_timeline(folder / "a_openai.yaml")  # anything to_dataframe takes
    bars = {trace.name: trace for trace in timeline.data}
    assert set(bars) == {"llm_call", "tool_call"} and bars["llm_call"].orientation == "h"
    assert bars["llm_call"].base[0] == 0 and bars["llm_call"].base[1] > 0  # from the run's first call

    runs = plots.cost_by_cassette(frame)
    assert list(runs.data[0].x) == ["a_openai.yaml", "b_claude.yaml", "c_single.yaml"]
    assert sum(pd.Series(trace.y).sum() for trace in runs.data) == pytest.approx(llm["cost_usd"].sum())


def test_importing_the_package_loads_no_view_library() -> None:
    code = (
        "import sys, traceops_nb; heavy = {'pandas', 'plotly', 'IPython', 'anywidget'} & set(sys.modules); "
        "print(sorted(heavy)); traceops_nb.to_dataframe; print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["[]", "True"]
