"""Provider adapters: pure functions from an Interaction to an Event, one module per provider."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...cassette.interactions import Interaction
from ..event import Event
from . import anthropic, google, openai

ADAPTERS: dict[str, Callable[[Interaction, int], Event]] = {
    "openai": openai.to_event,
    "anthropic": anthropic.to_event,
    "google": google.to_event,
}
TOOL_RESULTS: dict[str, Callable[[tuple[Any, ...], set[str]], dict[str, Any]]] = {
    "openai": openai.tool_results,
    "anthropic": anthropic.tool_results,
    "google": google.tool_results,
}


def adapter_for(provider: str) -> Callable[[Interaction, int], Event]:
    try:
        return ADAPTERS[provider]
    except KeyError:
        raise ValueError(f"no adapter for provider {provider!r}") from None


def tool_results(event: Event, wanted: set[str]) -> dict[str, Any]:
    """The wanted tool results the request of this LLM call sends back, by tool call id (pure).

    Results sit at the end of a growing conversation: the search runs backwards and stops once it
    has them all.
    """
    read = TOOL_RESULTS.get(event.provider or "")
    return read(event.input_messages, wanted) if read is not None else {}
