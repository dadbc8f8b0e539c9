"""Cassette YAML, fast and safely: rapidyaml parses and emits JSON in C++, json.loads builds the objects.

YAML 1.1 (PyYAML) and JSON read some plain scalars differently (`yes`, `~`, `1e3`, `.nan`) and YAML can ask
for more than plain data (tags). So the fast route is taken only for a document this package wrote and
nobody changed since: the writer seals it with the SHA-256 of its body in the first line, and writes
nothing ambiguous (PyYAML's dumper quotes what YAML 1.1 would misread; strings that JSON would read as
numbers are quoted too). Anything else, an edited cassette included, goes to PyYAML's safe loader, the
caller's fallback. Either way the result is the same plain data.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

try:
    import ryml
except ImportError:  # an optional speed-up: without it every cassette goes through PyYAML
    ryml = None

SEAL = b"# traceops_nb cassette, sha256 "
DESCRIPTION = b": recorded LLM SDK calls. Replay: %%replay <path> or traceops_nb.Replayer.\n"
JSON_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?\Z")
_NOT_JSON = (b".nan", b".inf", b".NaN", b".Inf", b".NAN", b".INF")


def seal(body: bytes) -> bytes:
    return SEAL + hashlib.sha256(body).hexdigest().encode() + DESCRIPTION + body


def load(raw: bytes) -> Any | None:
    """The document as plain data, or None where PyYAML's safe loader must decide."""
    if ryml is None or not raw.startswith(SEAL):
        return None
    digest, _, body = raw[len(SEAL) :].partition(b"\n")
    if hashlib.sha256(body).hexdigest().encode() != digest[:64] or any(token in body for token in _NOT_JSON):
        return None
    try:
        tree = ryml.parse_in_arena(body)
        return json.loads(ryml.emit_json_malloc(tree, tree.root_id()))
    except Exception:  # anything rapidyaml or JSON cannot express: PyYAML decides
        return None
