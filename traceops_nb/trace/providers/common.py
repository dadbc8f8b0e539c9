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


def not_generating(fields: dict[str, object], interaction: Interaction) -> dict[str, object]:
    """A call that generates nothing (trace/operations.py) as an `api_call` step named for its operation, free;
    its request as input and its JSON response as output. A failed one stays an error."""
    if fields["kind"] != "error":
        fields.update(kind="api_call", cost_usd=0.0, output=interaction.response.body)
    fields.update(name=fields["operation"], input=f"{interaction.request.method} {interaction.request.path}")
    return fields


def error_message(body: object) -> str | None:
    """Both providers put the message at error.message."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        message = body["error"].get("message")
        return str(message) if message is not None else None
    return None
