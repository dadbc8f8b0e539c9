"""Real SDK clients pointed at the fake server, and the key-shaped test keys they use."""

from __future__ import annotations

from typing import Any

import anthropic
import openai
from fakellm import FakeLLMServer

# Key-shaped values, so the redaction tests prove real-looking keys never reach a cassette.
OPENAI_TEST_KEY = "sk-proj-traceopsTESTkey0123456789abcdefXYZ"
ANTHROPIC_TEST_KEY = "sk-ant-api03-traceopsTESTkey0123456789abcdefXYZ"
GOOGLE_TEST_KEY = "AIzaSyTraceopsTESTkey0123456789abcdefXY"  # the shape of a Gemini API key: AIza + 35
FORBIDDEN_IN_CASSETTES = (
    OPENAI_TEST_KEY,
    ANTHROPIC_TEST_KEY,
    GOOGLE_TEST_KEY,
    "x-goog-api-key",
    "Bearer",
    "authorization",
    "x-api-key",
    "set-cookie",
    "secret-cookie",
    "openai-organization",
    "org-secret",
)


def make_client(provider: str, server: FakeLLMServer, *, is_async: bool = False, **options: Any) -> Any:
    options.setdefault("max_retries", 0)
    if provider == "openai":
        cls = openai.AsyncOpenAI if is_async else openai.OpenAI
        return cls(api_key=OPENAI_TEST_KEY, base_url=server.openai_base_url, **options)
    cls = anthropic.AsyncAnthropic if is_async else anthropic.Anthropic
    return cls(api_key=ANTHROPIC_TEST_KEY, base_url=server.anthropic_base_url, **options)
