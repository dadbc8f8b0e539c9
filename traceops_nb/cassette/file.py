"""Cassette files: safe YAML in, atomic YAML out, a schema version, and a cache for large files."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import yaml

from ..errors import CassetteFormatError, CassetteNotFoundError, RedactedKeyWarning
from . import fastyaml
from .interactions import Interaction, Record, record_from_dict
from .redact import KEY_LIKE_MARKER, Redactor, find_key_like, mark_key_like

VERSION = 1

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # safe loaders only: a cassette never runs code
_BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):  # type: ignore[misc,valid-type]
    """Multi-line strings as `|` blocks, so prompts and answers read naturally in a git diff; no
    anchors and aliases (`&id001`), which would make a repeated answer unreadable where it is used."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    # Blocks for multi-line text; quotes where JSON would read a number (see fastyaml).
    style = "|" if "\n" in text else '"' if fastyaml.JSON_NUMBER.match(text) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


def _represent_tuple(dumper: yaml.SafeDumper, items: tuple[Any, ...]) -> yaml.Node:
    # Tuples (a stream's event offsets) on one line: hundreds of numbers, one per line, would drown the answer.
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(tuple, _represent_tuple)

# Parsed cassettes by content hash: replaying one file in many cells or tests parses it once.
_parsed: dict[str, list[dict[str, Any]]] = {}


def find_cassettes(folder: str | os.PathLike[str], *, partial: bool = False) -> list[Path]:
    """The *.yaml and *.yml files under a folder, recursively, sorted; the working files beside cassettes
    (`*.partial.*`, and the `*.baseline.*` that `%%record --compare` keeps) only if asked."""
    root = Path(folder)
    found = sorted({*root.rglob("*.yaml"), *root.rglob("*.yml")})
    return [path for path in found if path.is_file() and (partial or not _working_file(path))]


def _working_file(path: Path) -> bool:
    return ".partial." in path.name or ".baseline." in path.name


def read_interactions(path: str | os.PathLike[str]) -> list[Interaction]:
    """The HTTP interactions of a cassette, without its tool calls and decisions."""
    return [record for record in read_records(path) if isinstance(record, Interaction)]


def read_records(path: str | os.PathLike[str]) -> list[Record]:
    """Every entry of a cassette in order: HTTP interactions, tool calls and decisions."""
    file = Path(path)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise CassetteNotFoundError(
            f"cassette {file} does not exist. Record it first: %%record {file} (in a notebook), "
            f"traceops_nb.Recorder({str(file)!r}), TRACEOPS_RECORD_MODE=once, or under pytest "
            "--traceops-record-mode=once."
        ) from None
    except OSError as err:
        raise CassetteFormatError(f"cassette {file} cannot be read: {err}") from None
    records = _parse_cached(file, raw)
    try:
        return [record_from_dict(record) for record in records]
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise CassetteFormatError(f"cassette {file} has an interaction of the wrong shape ({err!r})") from None


def _parse_cached(file: Path, raw: bytes) -> list[dict[str, Any]]:
    digest = hashlib.sha256(raw).hexdigest()
    if digest not in _parsed:
        records = _from_disk_cache(digest)
        if records is None:
            records = _parse(file, raw)
            if len(raw) >= DISK_CACHE_MIN_BYTES:
                _to_disk_cache(digest, records)
        _parsed[digest] = records
    return _parsed[digest]


def _parse(file: Path, raw: bytes) -> list[dict[str, Any]]:
    doc = fastyaml.load(raw)
    if doc is None:
        doc = safe_load(file, raw)
    if not isinstance(doc, dict) or not isinstance(doc.get("interactions"), list):
        raise CassetteFormatError(f"cassette {file} is not a traceops_nb cassette (no 'interactions' list)")
    version = doc.get("version")
    if version != VERSION:
        raise CassetteFormatError(
            f"cassette {file} has version {version!r}, but this traceops_nb reads version {VERSION}. "
            "Upgrade traceops_nb (pip install -U traceops_nb) or re-record the cassette."
        )
    return list(doc["interactions"])


def safe_load(file: Path, raw: bytes, *, fix: str = "Re-record it.") -> Any:
    """YAML (or JSON) with a safe loader only: a tag that would build an object is an error, never run."""
    try:
        return yaml.load(raw, Loader=_Loader)  # noqa: S506 - _Loader is a safe loader
    except yaml.constructor.ConstructorError as err:
        raise CassetteFormatError(
            f"cassette {file} uses a YAML tag that is not allowed ({err.problem}); cassettes are loaded "
            f"with a safe loader only, so a cassette can never run code. {fix}".rstrip()
        ) from None
    except yaml.YAMLError as err:
        raise CassetteFormatError(f"cassette {file} is not valid YAML: {err}") from None


def write_interactions(
    path: str | os.PathLike[str], interactions: list[Record], redactor: Redactor | None = None
) -> None:
    """Redact, mark anything still key-like, then replace the file atomically (never a half-written file).

    Tool calls and decisions are written in the same ordered list as HTTP interactions, so the order
    of an agent's steps survives.
    """
    file = Path(path)
    redactor = redactor or Redactor.from_environment()
    records = [redactor.scrub(interaction.to_dict()) for interaction in interactions]
    leaks = [f"interactions[{i}].{where}" for i, record in enumerate(records) for where in find_key_like(record)]
    if leaks:
        records = [mark_key_like(record) for record in records]
        warnings.warn(RedactedKeyWarning(key_like_warning(file, leaks)), stacklevel=2)
    body = yaml.dump(
        {"version": VERSION, "interactions": records},
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=120,
    )
    atomic_write(file, fastyaml.seal(body.encode()))


def key_like_warning(file: Path, places: list[str]) -> str:
    shown = "\n  ".join(places[:10]) + (f"\n  … and {len(places) - 10} more" if len(places) > 10 else "")
    return (
        f"{file}: text that looks like a credential, but that no SDK sent as one, was written as "
        f"{KEY_LIKE_MARKER} (the trace in memory keeps it; a replay matches it the same way) at\n  {shown}\n"
        "If it is a secret, set it through an environment variable ending in KEY, TOKEN or SECRET or add a "
        "redaction pattern (redact=[r'...']) so it gets a name of its own."
    )


def atomic_write(file: Path, data: bytes, *, durable: bool = True) -> None:
    """Write beside, then rename: readers see the old file or the new one, never half of one.

    durable=False skips the fsync, for the parse cache: a cache file lost in a crash is only a miss.
    """
    file.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        os.replace(temporary, file)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# A parsed copy of large cassettes as JSON (safe to load, unlike pickle), keyed by the file's hash,
# so a 10,000-call cassette that has not changed loads in a fraction of the YAML parse time.
DISK_CACHE_MIN_BYTES = 256 * 1024


def _cache_dir() -> Path:
    root = os.environ.get("TRACEOPS_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "traceops_nb"


def _from_disk_cache(digest: str) -> list[dict[str, Any]] | None:
    try:
        with open(_cache_dir() / f"{digest}.json", "rb") as cached:
            records = json.loads(cached.read())
    except (OSError, ValueError):
        return None
    return records if isinstance(records, list) else None


def _to_disk_cache(digest: str, records: list[dict[str, Any]]) -> None:
    # The cache is an optimisation: a read-only home, or a hand-edited cassette holding a YAML date,
    # must not break replay.
    with contextlib.suppress(OSError, TypeError, ValueError):
        atomic_write(
            _cache_dir() / f"{digest}.json", json.dumps(records, separators=(",", ":")).encode(), durable=False
        )
