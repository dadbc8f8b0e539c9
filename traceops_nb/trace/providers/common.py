"""What every provider adapter fills the same way."""

from __future__ import annotations

from ...cassette.interactions import Interaction


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
