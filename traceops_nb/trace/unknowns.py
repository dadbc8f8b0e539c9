"""What a trace cannot count, in words: LLM calls whose model has no price, and calls whose response reported no
usage. The notes are read from the trace alone (the cost stored at record time), so the summary and the widgets
say the same in a record run and in a replay run of the same cassette. Pure."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from .event import COUNTING_OPERATIONS, Event, plural

PRICES_ENV_VAR = "TRACEOPS_PRICES"  # a price file loaded over the packaged table


def usage_unknown(event: Event) -> bool:
    """An LLM call whose response reported no usage (an OpenAI stream without include_usage): its tokens and
    cost are unknown, not 0. Token-counting calls report a count, not usage, and cost nothing."""
    return event.kind == "llm_call" and not event.has_usage and event.operation not in COUNTING_OPERATIONS


def unpriced(event: Event) -> bool:
    """An LLM call with usage but no cost: its model was not in the price table when it was recorded."""
    cost = event.cost_usd
    return event.kind == "llm_call" and not usage_unknown(event) and (cost is None or math.isnan(cost))


def how_to_price(model: str) -> str:
    return (
        f"add its price with traceops_nb.pricing.register_model({model!r}, input=..., output=...) in USD per "
        f"million tokens, or a price file with load_prices(path) or {PRICES_ENV_VAR}=path, then re-record; a "
        f"model that costs nothing (one served locally) is marked free with register_model({model!r}, input=0, "
        "output=0)"
    )


def notes(events: Sequence[Event]) -> list[str]:
    """`1 call unpriced: gpt-3.5-turbo — add its price with …`, and the same for calls without usage."""
    found = []
    priceless = [event for event in events if unpriced(event)]
    if priceless:
        models = _models(priceless)
        fix = how_to_price(models[0]) if len(models) == 1 else "add their prices with traceops_nb.pricing"
        found.append(f"{plural(len(priceless), 'call')} unpriced: {', '.join(models)} — {fix}")
    usageless = [event for event in events if usage_unknown(event)]
    if usageless:
        found.append(
            f"{plural(len(usageless), 'call')} without usage: {', '.join(_models(usageless))} — tokens and cost "
            "unknown (an OpenAI stream reports usage only with stream_options={'include_usage': True})"
        )
    return found


def _models(events: Iterable[Event]) -> list[str]:
    return list(dict.fromkeys(event.model or event.provider or "unknown model" for event in events))
