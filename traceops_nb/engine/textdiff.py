"""Two texts that differ, shown short enough to read in an error: a window around the first difference
(`…` where cut, with its character offset), or for multi-line text the changed lines as a small unified diff.
Pure."""

from __future__ import annotations

import difflib
import json

WHOLE = 80  # a text this short (quoted) is shown whole
CONTEXT = 30  # characters kept before the first difference and after the changed span
SPAN = 60  # characters of the changed span shown at most
DIFF_LINES = 8  # lines of a unified diff shown at most
LINE_WIDTH = 100  # characters of each diff line shown at most
INDENT = "    "  # the diff's lines sit under the field they belong to


def text_change(old: str, new: str) -> str:
    """`"hi" → "hi there"`; `at character 400: "…a cheap hotel in…" → "…a cheap flat in…"`; or, when either
    text has several lines, where they first differ followed by a unified diff of the changed lines."""
    if "\n" in old or "\n" in new:
        return _line_change(old, new)
    if len(quoted(old)) <= WHOLE and len(quoted(new)) <= WHOLE:
        return f"{quoted(old)} → {quoted(new)}"
    start = first_difference(old, new)
    end = len(old) - last_difference(old, new, start), len(new) - last_difference(new, old, start)
    return f"at character {start}: {window(old, start, end[0])} → {window(new, start, end[1])}"


def quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def first_difference(a: str, b: str) -> int:
    """The length of the common prefix, found by halving (slice comparisons run in C)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def last_difference(a: str, b: str, start: int) -> int:
    """The length of the common suffix of a and b that does not reach back into their common prefix."""
    low, high = 0, min(len(a), len(b)) - start
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle :] == b[len(b) - middle :]:
            low = middle
        else:
            high = middle - 1
    return low


def window(text: str, start: int, end: int) -> str:
    """text[start:end] (at most SPAN characters of it) with CONTEXT characters either side, quoted."""
    left = max(0, start - CONTEXT)
    right = min(len(text), end + CONTEXT) if end - start <= SPAN else start + SPAN
    return quoted(("…" if left else "") + text[left:right] + ("…" if right < len(text) else ""))


def _line_change(old: str, new: str) -> str:
    start = first_difference(old, new)
    line = old.count("\n", 0, start) + 1
    column = start - (old.rfind("\n", 0, start) + 1)
    diff = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=1))[2:]  # no file header
    shown = [_clip(text, column) for text in diff[:DIFF_LINES]]
    if len(diff) > DIFF_LINES:
        shown.append(f"… {len(diff) - DIFF_LINES} more diff lines")
    head = f"differs from line {line} (character {start}):"
    return "\n".join([head, *(INDENT + text for text in shown)])


def _clip(text: str, column: int) -> str:
    """One diff line: its marker, then LINE_WIDTH characters around the column where the texts part."""
    if len(text) <= LINE_WIDTH or text.startswith("@@"):
        return text
    marker, body = text[0], text[1:]
    left = max(0, min(column - CONTEXT, len(body) - LINE_WIDTH))
    right = left + LINE_WIDTH
    return marker + ("…" if left else "") + body[left:right] + ("…" if right < len(body) else "")
