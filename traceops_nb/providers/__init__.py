"""Provider adapters: pure functions from an Interaction to an Event, one module per provider."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..interactions import Interaction
from ..trace import Event


def adapter_for(provider: str) -> Callable[[Interaction, int], Event]:
    if provider == "openai":
        from .openai import to_event

        return to_event
    if provider == "anthropic":
        from .anthropic import to_event

        return to_event
    raise ValueError(f"no adapter for provider {provider!r}")


def tool_results(event: Event, wanted: set[str]) -> dict[str, Any]:
    """The wanted tool results the request of this LLM call sends back, by tool call id (pure).

    Results sit at the end of a growing conversation: the search runs backwards and stops once it
    has them all.
    """
    if event.provider == "openai":
        from .openai import tool_results as read
    elif event.provider == "anthropic":
        from .anthropic import tool_results as read
    else:
        return {}
    return read(event.input_messages, wanted)


def common_fields(interaction: Interaction, step: int) -> dict[str, object]:
    """The fields every adapter fills the same way."""
    response = interaction.response
    fields: dict[str, object] = {
        "step": step,
        "kind": "llm_call",
        "provider": interaction.provider,
        "started_at": interaction.started_at,
        "duration_ms": interaction.duration_ms,
        "stream": interaction.stream,
        "status": response.status,
        "cost_usd": interaction.cost_usd,
        "replayed": interaction.replayed,
        "interaction": step,
    }
    body = interaction.request.body
    if isinstance(body, dict) and isinstance(body.get("model"), str):
        fields["model"] = body["model"]
    if response.status >= 400:
        fields["kind"] = "error"
        fields["error"] = error_message(response.body) or f"HTTP {response.status}"
    return fields


def error_message(body: object) -> str | None:
    """Both providers put the message at error.message."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        message = body["error"].get("message")
        return str(message) if message is not None else None
    return None
