"""plotly figures of traces: cost by model, tokens per step, a latency timeline, cost across cassettes.

Each function takes a DataFrame from `to_dataframe`, or anything `to_dataframe` accepts (a Trace, a
session, a cassette path or folder, a list of these), and returns a `plotly.graph_objects.Figure`.
Nothing is shown: display the figure, or call `.show()`, yourself.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from .frame import to_dataframe

KIND_COLOURS = {"llm_call": "#4C78A8", "tool_call": "#F58518", "decision": "#54A24B", "error": "#E45756"}


def cost_by_model(data: Any) -> go.Figure:
    """Total cost per model (LLM calls); calls with no known cost are counted in the hover text."""
    llm = _llm_rows(frame_of(data))
    grouped = llm.groupby("model", dropna=False, observed=True)["cost_usd"]
    totals = grouped.sum()
    unknown = grouped.apply(lambda costs: int(costs.isna().sum()))
    calls = grouped.size()
    models = [str(model) for model in totals.index]
    hover = [f"{c} calls, {u} without a known cost" for c, u in zip(calls, unknown, strict=True)]
    figure = go.Figure(go.Bar(x=models, y=totals.to_numpy(), hovertext=hover, name="cost"))
    figure.update_layout(title="Cost by model", xaxis_title="model", yaxis_title="USD")
    return figure


def tokens_per_step(data: Any) -> go.Figure:
    """Input and output tokens of every LLM call, stacked, step by step."""
    llm = _llm_rows(frame_of(data))
    steps = _step_labels(llm)
    figure = go.Figure(
        [
            go.Bar(x=steps, y=llm["input_tokens"].to_numpy(), name="input tokens"),
            go.Bar(x=steps, y=llm["output_tokens"].to_numpy(), name="output tokens"),
        ]
    )
    figure.update_layout(barmode="stack", title="Tokens per step", xaxis_title="step", yaxis_title="tokens")
    figure.update_xaxes(type="category")
    return figure


def latency_timeline(data: Any) -> go.Figure:
    """A waterfall: each LLM call and tool call as a bar from its start to its end, in ms from the run's start."""
    frame = frame_of(data)
    timed = frame[frame["started_at"].notna()].copy()
    first = timed.groupby("cassette", dropna=False)["started_at"].transform("min")
    timed["offset_ms"] = (timed["started_at"] - first).dt.total_seconds() * 1000
    timed["row"] = _step_labels(timed, with_label=True)
    figure = go.Figure()
    for kind, rows in timed.groupby("kind", observed=True):
        figure.add_trace(
            go.Bar(
                y=rows["row"].tolist(),
                x=rows["duration_ms"].to_numpy(),
                base=rows["offset_ms"].to_numpy(),
                orientation="h",
                name=str(kind),
                marker_color=KIND_COLOURS.get(str(kind)),
            )
        )
    figure.update_layout(title="Latency timeline", xaxis_title="ms from the first call", barmode="overlay")
    figure.update_yaxes(autorange="reversed", type="category", categoryorder="array", categoryarray=timed["row"])
    return figure


def cost_by_cassette(data: Any) -> go.Figure:
    """Total cost of each cassette, stacked by model: how runs compare."""
    llm = _llm_rows(frame_of(data)).copy()
    llm["run"] = llm["cassette"].map(_short_name)
    table = llm.pivot_table(index="run", columns="model", values="cost_usd", aggfunc="sum", sort=True, observed=True)
    figure = go.Figure([go.Bar(x=list(table.index), y=table[model].to_numpy(), name=str(model)) for model in table])
    figure.update_layout(barmode="stack", title="Cost by cassette", xaxis_title="cassette", yaxis_title="USD")
    return figure


def frame_of(data: Any) -> pd.DataFrame:
    return data if isinstance(data, pd.DataFrame) else to_dataframe(data)


def _llm_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["kind"] == "llm_call"]


def _step_labels(frame: pd.DataFrame, *, with_label: bool = False) -> list[str]:
    """`3`, or `agent.yaml #3` when the frame holds several cassettes; with the step's label if asked."""
    several = frame["cassette"].nunique(dropna=False) > 1
    labels = []
    for cassette, step, kind, model, name in zip(
        frame["cassette"], frame["step"], frame["kind"], frame["model"], frame["name"], strict=True
    ):
        text = f"{_short_name(cassette)} #{step}" if several else str(step)
        if with_label:
            what = model if kind in ("llm_call", "error") else name
            text += f" {str(kind).removesuffix('_call')}:{'' if pd.isna(what) else what}"
        labels.append(text)
    return labels


def _short_name(cassette: Any) -> str:
    return "(no cassette)" if cassette is None or pd.isna(cassette) else PurePath(str(cassette)).name
