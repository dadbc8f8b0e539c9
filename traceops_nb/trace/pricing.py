"""What an LLM call cost: a packaged, dated price table (prices.yaml), user overrides, and the cost of
an event.

Cost is computed when a call is recorded and stored in the cassette, so a budget test does not flip
when prices change; `recompute(trace)` prices a trace again with today's table. A model the table does
not know costs NaN (never a silent $0); the trace's summary and widgets say so (trace/unknowns.py), and outside
a notebook kernel one warning per model per process says so too. In a kernel the warning would be on stderr of
the record run only, which a replay run (nbval) could not reproduce.
"""

from __future__ import annotations

import math
import os
import re
import sys
import threading
import warnings
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..cassette.interactions import Interaction, ToolRecord
from .event import COUNTING_OPERATIONS, Event
from .trace import Trace, event_from
from .unknowns import PRICES_ENV_VAR, how_to_price

ENV_VAR = PRICES_ENV_VAR  # a price file loaded over the packaged table
_DATED = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8})$")  # gpt-4o-2024-08-06, claude-haiku-4-5-20251001


@dataclass(frozen=True)
class Rates:
    """USD per million tokens. A missing cache rate means: charged at the input rate."""

    input: float
    output: float
    cached_input: float | None = None
    cache_write: float | None = None
    cache_write_1h: float | None = None


@dataclass(frozen=True)
class ModelPrice:
    model: str
    rates: Rates
    provider: str | None = None
    long_context: tuple[int, Rates] | None = None  # (above this many input tokens, these rates)
    source: str = ""
    date: str = ""
    note: str = ""

    def rates_for(self, input_tokens: int) -> Rates:
        if self.long_context is not None and input_tokens > self.long_context[0]:
            return self.long_context[1]
        return self.rates


_lock = threading.Lock()
_table: dict[str, ModelPrice] | None = None
_warned: set[str] = set()


# -- the table ----------------------------------------------------------------------------------------


def prices() -> dict[str, ModelPrice]:
    """A copy of the current table, by model name."""
    return dict(_current())


def price_of(model: str) -> ModelPrice | None:
    """The model's price; a dated snapshot falls back to its model (gpt-4o-2024-08-06 → gpt-4o)."""
    table = _current()
    found = table.get(model)
    if found is None:
        undated = _DATED.sub("", model)
        found = table.get(undated) if undated != model else None
    return found


def register_model(
    model: str,
    *,
    input: float,
    output: float,
    cached_input: float | None = None,
    cache_write: float | None = None,
    cache_write_1h: float | None = None,
    provider: str | None = None,
    source: str = "registered by the user",
    date: str = "",
) -> ModelPrice:
    """Add a model to the table, or replace its price, for this process (USD per million tokens)."""
    price = ModelPrice(
        model=model,
        rates=Rates(input, output, cached_input, cache_write, cache_write_1h),
        provider=provider,
        source=source,
        date=date,
    )
    with _lock:
        _current()[model] = price
        _warned.discard(model)
    return price


def load_prices(path: str | os.PathLike[str]) -> list[str]:
    """Merge a price file (the format of the packaged prices.yaml) into the table; returns its models."""
    loaded = parse_prices(Path(path).read_text(encoding="utf-8"), str(path))
    with _lock:
        _current().update(loaded)
        _warned.difference_update(loaded)
    return list(loaded)


def reset_prices() -> None:
    """Back to the packaged table (and TRACEOPS_PRICES, if set)."""
    global _table
    with _lock:
        _table = None
        _warned.clear()


def packaged_prices() -> dict[str, ModelPrice]:
    text = resources.files("traceops_nb.trace").joinpath("prices.yaml").read_text(encoding="utf-8")
    return parse_prices(text, "traceops_nb/trace/prices.yaml")


def parse_prices(text: str, where: str) -> dict[str, ModelPrice]:
    doc = yaml.safe_load(text)
    models = doc.get("models") if isinstance(doc, dict) else None
    if not isinstance(models, dict):
        raise ValueError(f"{where}: a price file needs a 'models' mapping (see traceops_nb/trace/prices.yaml)")
    try:
        return {str(name): _model_price(str(name), entry) for name, entry in models.items()}
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"{where}: an entry has the wrong shape ({err!r})") from None


def _model_price(name: str, entry: dict[str, Any]) -> ModelPrice:
    long = entry.get("long_context")
    return ModelPrice(
        model=name,
        rates=_rates(entry),
        provider=entry.get("provider"),
        long_context=(int(long["above_input_tokens"]), _rates(long)) if long else None,
        source=str(entry.get("source") or ""),
        date=str(entry.get("date") or ""),  # str(): an unquoted YAML date is a datetime.date
        note=str(entry.get("note") or ""),
    )


def _rates(entry: dict[str, Any]) -> Rates:
    def optional(key: str) -> float | None:
        value = entry.get(key)
        return float(value) if value is not None else None

    return Rates(
        input=float(entry["input"]),
        output=float(entry["output"]),
        cached_input=optional("cached_input"),
        cache_write=optional("cache_write"),
        cache_write_1h=optional("cache_write_1h"),
    )


def _current() -> dict[str, ModelPrice]:
    global _table
    if _table is None:
        table = packaged_prices()
        extra = os.environ.get(ENV_VAR)
        if extra:
            table.update(parse_prices(Path(extra).read_text(encoding="utf-8"), extra))
        _table = table
    return _table


# -- cost -----------------------------------------------------------------------------------------------


def cost_of(event: Event) -> float | None:
    """The event's cost in USD with the current table: 0.0 for failed and free calls, None when unknown.

    Unknown means the response reported no usage (an OpenAI stream without include_usage), or the
    model is not in the table; the latter warns once per model.
    """
    if event.kind in ("error", "api_call") or event.operation in COUNTING_OPERATIONS:
        return 0.0
    if event.kind != "llm_call" or not event.has_usage or not event.model:
        return None
    price = price_of(event.model)
    if price is None:
        _warn_unknown(event.model, event.provider)
        return None
    return charge(price.rates_for(event.input_tokens), event)


def charge(rates: Rates, event: Event) -> float:
    cached, written, written_1h = event.cached_tokens, event.cache_write_tokens, event.cache_write_1h_tokens
    fresh = max(event.input_tokens - cached - written, 0)
    write_rate = _or(rates.cache_write, rates.input)
    per_million = (
        fresh * rates.input
        + cached * _or(rates.cached_input, rates.input)
        + (written - written_1h) * write_rate
        + written_1h * _or(rates.cache_write_1h, write_rate)
        + event.output_tokens * rates.output
    )
    return per_million / 1_000_000


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def _warn_unknown(model: str, provider: str | None) -> None:
    if in_notebook_kernel():
        return
    with _lock:
        if model in _warned:
            return
        _warned.add(model)
    warnings.warn(
        f"traceops_nb has no price for {provider or 'the'} model {model!r}, so its cost is NaN (unknown): "
        f"{how_to_price(model)}.",
        UserWarning,
        stacklevel=2,
    )


def in_notebook_kernel() -> bool:
    """Running in a Jupyter kernel (JupyterLab, Notebook 7, VS Code, nbclient, nbval): ipykernel's shell is
    the active IPython shell. Read from the modules already imported; nothing is imported here."""
    ipython, zmqshell = sys.modules.get("IPython"), sys.modules.get("ipykernel.zmqshell")
    if ipython is None or zmqshell is None:
        return False
    return isinstance(ipython.get_ipython(), zmqshell.ZMQInteractiveShell)


def price_interaction(interaction: Interaction) -> None:
    """Store the cost of a call that has just been recorded (its response complete)."""
    interaction.cost_usd = cost_of(event_from(interaction, 0))


def recompute(trace: Trace) -> Trace:
    """The same trace with every LLM call priced again with today's table (the original is untouched)."""
    records = [
        record if isinstance(record, ToolRecord) else replace(record, cost_usd=cost_of(event_from(record, 0)))
        for record in trace.records
    ]
    return Trace(records, cassette=trace.cassette)


def is_known(cost: float | None) -> bool:
    return cost is not None and not math.isnan(cost)
