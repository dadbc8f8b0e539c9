"""Which recorded request answers a live one, and how the closest one differs when none does. Pure."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ..cassette.interactions import Request
from .textdiff import text_change

MatchKey = tuple[str, str, str, str, str, str]


def request_key(provider: str, request: Request, ignore: Sequence[str] = ()) -> MatchKey:
    """Provider + method + SDK path + query + behaviour headers + canonical JSON body."""
    body = without_fields(request.body, ignore) if ignore else request.body
    return (
        provider,
        request.method,
        request.path,
        canonical(request.query) if request.query else "",
        canonical(request.headers) if request.headers else "",
        canonical(body) if body is not None else (request.body_text or ""),
    )


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def without_fields(body: Any, ignore: Sequence[str]) -> Any:
    """A copy of body without the dotted paths in ignore ("metadata.user_id", "messages.0.name")."""
    if not isinstance(body, dict) or not any(_present(body, path.split(".")) for path in ignore):
        return body  # nothing to drop (the usual case): no copy
    pruned = json.loads(json.dumps(body))
    for path in ignore:
        _drop(pruned, path.split("."))
    return pruned


def _drop(node: Any, parts: list[str]) -> None:
    head, rest = parts[0], parts[1:]
    if isinstance(node, list):
        for child in _list_items(node, head) if rest else ():  # list items stay; fields inside go
            _drop(child, rest)
    elif isinstance(node, dict) and head in node:
        if rest:
            _drop(node[head], rest)
        else:
            del node[head]


def _present(node: Any, parts: list[str]) -> bool:
    head, rest = parts[0], parts[1:]
    if isinstance(node, list):
        return bool(rest) and any(_present(child, rest) for child in _list_items(node, head))
    if isinstance(node, dict) and head in node:
        return _present(node[head], rest) if rest else True
    return False


def _list_items(items: list[Any], selector: str) -> list[Any]:
    if selector == "*":
        return items
    return items[int(selector) : int(selector) + 1] if selector.isdigit() else []


def differences(recorded: Request, live: Request) -> list[str]:
    """Field by field, recorded → live: `messages[0].content: "hi" → "hi there"`."""
    lines: list[str] = []
    for name in ("method", "path"):
        old, new = getattr(recorded, name), getattr(live, name)
        if old != new:
            lines.append(f"{name}: {old} → {new}")
    _diff_values("query", recorded.query, live.query, lines)
    _diff_values("headers", recorded.headers, live.headers, lines)
    if recorded.body_text != live.body_text:
        lines.append(f"body: {_change(recorded.body_text, live.body_text)}")
    _diff_values("", recorded.body, live.body, lines)
    return lines


def _diff_values(path: str, old: Any, new: Any, out: list[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            child = f"{path}.{key}" if path else str(key)
            if key not in new:
                out.append(f"{child}: removed (was {_short(old[key])})")
            elif key not in old:
                out.append(f"{child}: added {_short(new[key])}")
            else:
                _diff_values(child, old[key], new[key], out)
    elif isinstance(old, list) and isinstance(new, list):
        for index in range(max(len(old), len(new))):
            child = f"{path}[{index}]"
            if index >= len(new):
                out.append(f"{child}: removed (was {_short(old[index])})")
            elif index >= len(old):
                out.append(f"{child}: added {_short(new[index])}")
            else:
                _diff_values(child, old[index], new[index], out)
    elif old != new or type(old) is not type(new):
        out.append(f"{path or 'body'}: {_change(old, new)}")


def _change(old: Any, new: Any) -> str:
    """Texts as a window around their first difference; other values whole, or cut short."""
    if isinstance(old, str) and isinstance(new, str):
        return text_change(old, new)
    return f"{_short(old)} → {_short(new)}"


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"
