"""Request fields that change on every run without changing the answer: the ones left out of matching by
default, and the hint a mismatch gives when it lies only in values that look generated. Pure."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..cassette.interactions import Request


@dataclass(frozen=True)
class VolatileField:
    """A request body field (a dotted path, as `ignore_fields` takes) that frameworks fill per run."""

    path: str
    filled_by: str  # the framework and version that fills it
    example: str  # what its value looks like


DEFAULT_IGNORED_FIELDS: tuple[VolatileField, ...] = (
    VolatileField(
        "prompt_cache_key",
        "OpenAI Agents SDK (openai-agents) 0.14 and later, on api.openai.com, new for each Runner.run; "
        "PydanticAI's OpenAICodexModel (pydantic-ai 2.68), from the conversation id",
        "agents-sdk:run:<uuid4 hex>",
    ),
)


def ignored_fields(ignore_fields: Sequence[str] = (), keep_fields: Sequence[str] = ()) -> tuple[str, ...]:
    """The fields matching leaves out: the defaults less `keep_fields`, plus `ignore_fields`."""
    defaults = [field.path for field in DEFAULT_IGNORED_FIELDS]
    unknown = [path for path in keep_fields if path not in defaults]
    if unknown:
        raise ValueError(
            f"keep_fields takes fields the default list ignores ({', '.join(defaults)}); "
            f"{', '.join(map(repr, unknown))} is not one of them, so it is matched already"
        )
    kept = [path for path in defaults if path not in keep_fields]
    return tuple(dict.fromkeys([*kept, *ignore_fields]))


# Tokens that are made afresh on each run: UUIDs (with or without dashes), long hex digests, ISO 8601
# timestamps and dates (a prompt that says what day it is), Unix times in seconds or milliseconds, and long
# random ids mixing letters and digits.
_TOKEN = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
    r"|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
    r"|\d{4}-\d{2}-\d{2}(?![\d:])"
    r"|[A-Za-z0-9]{12,}"
)
_UNIX_TIME = range(1_000_000_000, 4_000_000_000)  # 2001 to 2096, in seconds


def _is_generated_token(token: str) -> bool:
    if "-" in token or ":" in token or re.fullmatch(r"[0-9a-f]{16,}", token):
        return True
    if token.isdigit():
        return int(token[:10]) in _UNIX_TIME and len(token) in (10, 13)
    digits = sum(char.isdigit() for char in token)
    return digits >= 2 and len(token) - digits >= 2


def _masked(text: str) -> tuple[str, int]:
    """The text with its generated-looking tokens replaced, and how many there were."""
    count = 0

    def mask(match: re.Match[str]) -> str:
        nonlocal count
        if not _is_generated_token(match.group()):
            return match.group()
        count += 1
        return "\0"

    return _TOKEN.sub(mask, text), count


def looks_generated(old: Any, new: Any) -> bool:
    """Two values that differ only where each holds something generated (an id, a UUID, a timestamp)."""
    if type(old) is int and type(new) is int:
        return old != new and any(old // unit in _UNIX_TIME and new // unit in _UNIX_TIME for unit in (1, 1000))
    if not (isinstance(old, str) and isinstance(new, str)) or old == new:
        return False
    (old_masked, old_count), (new_masked, new_count) = _masked(old), _masked(new)
    return old_count > 0 and new_count > 0 and old_masked == new_masked


def generated_differences(recorded: Request, live: Request) -> list[str] | None:
    """The body fields in which two requests differ, when every difference is a generated-looking value and
    nothing else differs; None otherwise."""
    same = (recorded.method, recorded.path, recorded.query, recorded.headers, recorded.body_text) == (
        live.method,
        live.path,
        live.query,
        live.headers,
        live.body_text,
    )
    if not same:
        return None
    paths: list[str] = []
    for path, old, new in _changed_leaves("", recorded.body, live.body):
        if not looks_generated(old, new):
            return None
        paths.append(path)
    return paths or None


def _changed_leaves(path: str, old: Any, new: Any) -> Iterator[tuple[str, Any, Any]]:
    """(dotted path, old, new) for every place the two values differ; a changed shape is one difference."""
    if isinstance(old, dict) and isinstance(new, dict) and old.keys() == new.keys():
        for key in old:
            yield from _changed_leaves(f"{path}.{key}" if path else str(key), old[key], new[key])
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (old_item, new_item) in enumerate(zip(old, new, strict=True)):
            yield from _changed_leaves(f"{path}.{index}" if path else str(index), old_item, new_item)
    elif old != new or type(old) is not type(new):
        yield path, old, new


def generated_hint(recorded: Request, live: Request) -> list[str]:
    """The lines a mismatch message adds when re-recording cannot help: what to ignore instead."""
    paths = generated_differences(recorded, live)
    if paths is None:
        return []
    fields = json.dumps(paths, ensure_ascii=False)
    options = " ".join(f"--ignore-field {path}" for path in paths)
    return [
        "These differences are only in values that look generated on each run (ids, UUIDs, timestamps), so "
        "re-recording will not help: the next run makes new ones.",
        f"To match regardless of them, pass ignore_fields={fields} to the Recorder, Replayer, cassette() or the "
        f"traceops pytest marker, or add `{options}` to %%record / %%replay or to the notebook's "
        "`%traceops notebook` line.",
    ]
