"""Bodies as a cassette stores them: JSON as structure, other text as text, bytes as bytes, streams as
their list of server-sent events."""

from __future__ import annotations

import json
from typing import Any

from .interactions import Interaction
from .sse import SSEParser


def decode_body(content: bytes) -> tuple[Any, str | None]:
    if not content:
        return None, None
    try:
        return json.loads(content), None
    except ValueError:
        return None, content.decode("utf-8", errors="replace")


def store_body(interaction: Interaction, content: bytes) -> None:
    response = interaction.response
    if interaction.stream:
        parser = SSEParser()
        response.events = parser.feed(content) + parser.close()
        return
    body, text = decode_body(content)
    if body is not None:
        response.body = body
    elif text is not None and "\ufffd" not in text:
        response.text = text
    elif content:
        response.binary = content
