"""`traceops-nb` (also `python -m traceops_nb`): cassettes from a terminal or CI.

Plain text without colour, readable in a terminal and in CI logs; `--json` where a machine reads it.
Exit status: 0 when all is well, 1 when `diff` finds a difference or `validate` a problem, 2 on an
error (one line on stderr that says what to do).

Each subcommand is a `Subcommand` in SUBCOMMANDS: a name, a one-line help, a function that adds its
arguments and a function that runs it and returns the exit status. Add one by appending to the list.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TextIO

from . import __version__
from .cassette.file import find_cassettes, read_records
from .cassette.interactions import Interaction
from .cassette.redact import REQUEST_HEADERS, RESPONSE_HEADERS, Redactor, find_key_like
from .engine.importing import import_cassette
from .errors import CassetteError
from .trace import Event, Trace, as_trace

PROG = "traceops-nb"
EXPORT_FORMATS = ("json", "csv", "parquet")


class CliError(Exception):
    """An error the user can fix: printed as one line, exit status 2."""


@dataclass(frozen=True)
class Subcommand:
    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line (argparse's default prints the usage first), naming where the help is."""
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


# -- shared pieces -------------------------------------------------------------------------------------


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _print_json(value: Any) -> None:
    _out(json.dumps(_finite(value), indent=2, ensure_ascii=False, default=str))


def _finite(value: Any) -> Any:
    """NaN (an unknown cost) as null: JSON has no NaN."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def _json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def _existing(path: str) -> Path:
    file = Path(path)
    if not file.exists():
        raise CliError(f"{path} does not exist: give the path of a cassette (.yaml) or of a folder of cassettes")
    return file


def _cassette(path: str) -> Trace:
    file = _existing(path)
    if file.is_dir():
        raise CliError(f"{path} is a folder: give one cassette file (`{PROG} ls {path}` lists them)")
    return as_trace(file)


def _cassettes(paths: Iterable[str]) -> list[Path]:
    """Files as given, folders as the cassettes in them."""
    found: list[Path] = []
    for path in paths:
        file = _existing(path)
        found.extend(find_cassettes(file) if file.is_dir() else [file])
    return found


def _folder(path: str) -> Path:
    folder = _existing(path)
    if not folder.is_dir():
        raise CliError(f"{path} is not a folder: give the folder that holds the cassettes")
    return folder


def _table(rows: Sequence[Sequence[str]], right: Iterable[int] = ()) -> list[str]:
    """Columns padded to their widest cell; the columns in `right` aligned right (numbers)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    numeric = set(right)
    pad = [str.rjust if i in numeric else str.ljust for i in range(len(widths))]
    return ["  ".join(pad[i](cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]


def _cost_text(known: float, unpriced: int) -> str:
    if unpriced and not known:
        return "unknown"
    return f"${known:.6f}" + (f" (+{unpriced} unpriced)" if unpriced else "")


def _age(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 86400)}d"


def _relative(path: Path, folder: Path) -> str:
    return str(path.relative_to(folder))


# -- inspect --------------------------------------------------------------------------------------------


def _inspect_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="the cassette")
    parser.add_argument("--full", action="store_true", help="every step in full: messages, output, tool calls")
    _json_flag(parser)


def cmd_inspect(args: argparse.Namespace) -> int:
    from .views.steps import describe, step_columns, step_detail, totals
    from .views.text import plain_text

    trace = _cassette(args.path)
    if args.json:
        columns = step_columns(trace.events)
        steps = [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]
        full = [step_detail(event) for event in trace.events] if args.full else steps
        _print_json({"cassette": args.path, "totals": totals(trace), "trajectory": trace.trajectory, "steps": full})
        return 0
    _out(plain_text(trace, args.path))
    if args.full:
        for event in trace.events:
            _out()
            _out("\n".join(describe(event)))
    return 0


# -- diff -------------------------------------------------------------------------------------------------


def _diff_arguments(parser: argparse.ArgumentParser) -> None:
    from .analysis.diff import CATEGORIES

    parser.add_argument("old", help="the earlier run's cassette")
    parser.add_argument("new", help="the later run's cassette")
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        choices=CATEGORIES,
        metavar="CATEGORY",
        help=f"leave a kind of change out (repeatable): {', '.join(CATEGORIES)}",
    )
    _json_flag(parser)


def cmd_diff(args: argparse.Namespace) -> int:
    from .analysis.diff import diff_traces

    diff = diff_traces(_cassette(args.old), _cassette(args.new), ignore=args.ignore)
    if args.json:
        _print_json({"old": args.old, "new": args.new, **diff.to_dict()})
    else:
        _out(f"{args.old} → {args.new}")
        _out(diff.summary())
    return 1 if diff.has_changes else 0


# -- export -----------------------------------------------------------------------------------------------


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="cassettes, or folders of cassettes")
    parser.add_argument(
        "--format", choices=EXPORT_FORMATS, help="json, csv or parquet (default: from -o's suffix, else json)"
    )
    parser.add_argument("-o", "--output", help="the file to write (default: standard output; parquet needs one)")


def cmd_export(args: argparse.Namespace) -> int:
    kind = args.format or _format_of(args.output)
    if kind == "parquet":
        _require_pyarrow()
        if not args.output:
            raise CliError("parquet is binary: give the file to write with -o FILE.parquet")
    from .analysis.frame import to_dataframe

    frame = to_dataframe(_cassettes(args.paths))
    if kind == "parquet":
        frame.to_parquet(args.output, index=False)
    else:
        text = frame.to_csv(index=False) if kind == "csv" else _json_rows(frame)
        if args.output:
            Path(args.output).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        else:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
    if args.output:
        print(f"wrote {len(frame)} rows to {args.output}", file=sys.stderr)
    return 0


def _json_rows(frame: Any) -> str:
    """One JSON object per step; times as ISO 8601, missing values as null (pandas' own JSON escapes `/`)."""
    return json.dumps(json.loads(frame.to_json(orient="records", date_format="iso")), ensure_ascii=False)


def _format_of(output: str | None) -> str:
    suffix = Path(output).suffix.lower().lstrip(".") if output else ""
    return suffix if suffix in EXPORT_FORMATS else "json"


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise CliError(
            "parquet export needs pyarrow: pip install 'traceops_nb[export]' (or: pip install pyarrow)"
        ) from None


# -- report -----------------------------------------------------------------------------------------------


def _report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="cassettes or folders; two cassettes add their diff")
    parser.add_argument("-o", "--output", default="report.html", help="the HTML file to write (default: report.html)")
    parser.add_argument("--title", help="the page's title")


def cmd_report(args: argparse.Namespace) -> int:
    from .views.report import report

    paths = _cassettes(args.paths)
    if not paths:
        raise CliError(f"no cassettes (*.yaml, *.yml) in {', '.join(args.paths)}")
    written = report(paths, args.output, title=args.title)
    _out(f"wrote {written} ({len(paths)} cassette{'s' if len(paths) != 1 else ''}); open it in a browser")
    return 0


# -- ls and stats -----------------------------------------------------------------------------------------


def _folder_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", metavar="DIR", help="the folder of cassettes (searched recursively)")
    _json_flag(parser)


def _load_all(folder: Path) -> tuple[list[tuple[Path, Trace]], list[tuple[Path, str]]]:
    """Every cassette under folder as a trace, and those that cannot be read, with why."""
    loaded, failed = [], []
    for path in find_cassettes(folder):
        try:
            trace = Trace(read_records(path), cassette=str(path))
            trace.events  # noqa: B018 - a cassette whose entries cannot become events counts as unreadable
        except (CassetteError, ValueError, TypeError, KeyError) as err:
            failed.append((path, _one_line(err)))
        else:
            loaded.append((path, trace))
    return loaded, failed


def _priced(events: Iterable[Event]) -> tuple[float, int]:
    """The known cost of the LLM calls, and how many have none."""
    known, unpriced = 0.0, 0
    for event in events:
        if event.kind == "llm_call":
            if event.cost_usd is None or math.isnan(event.cost_usd):
                unpriced += 1
            else:
                known += event.cost_usd
    return known, unpriced


def cmd_ls(args: argparse.Namespace) -> int:
    folder = _folder(args.folder)
    loaded, failed = _load_all(folder)
    now = time.time()
    entries = []
    for path, trace in loaded:
        known, unpriced = _priced(trace.events)
        age = now - path.stat().st_mtime
        entries.append(
            {
                "cassette": _relative(path, folder),
                "llm_calls": trace.total_llm_calls,
                "tool_calls": trace.total_tool_calls,
                "tokens": trace.total_tokens,
                "cost_usd": None if unpriced else known,
                "unpriced_calls": unpriced,
                "cost": _cost_text(known, unpriced),
                "age_days": round(age / 86400, 3),
                "age": _age(age),
            }
        )
    unreadable = [{"cassette": _relative(path, folder), "error": why} for path, why in failed]
    if args.json:
        _print_json({"folder": args.folder, "cassettes": entries, "unreadable": unreadable})
        return 0
    if not entries and not unreadable:
        _out(f"no cassettes (*.yaml, *.yml) in {args.folder}")
        return 0
    rows: list[tuple[str, ...]] = [("cassette", "calls", "tools", "tokens", "cost", "age")]
    for entry in entries:
        rows.append(tuple(str(entry[key]) for key in ("cassette", "llm_calls", "tool_calls", "tokens", "cost", "age")))
    for line in _table(rows, right=(1, 2, 3, 4, 5)) if entries else []:
        _out(line)
    _out(f"{len(entries)} cassette{'s' if len(entries) != 1 else ''}")
    for item in unreadable:
        _out(f"unreadable: {item['cassette']}: {item['error']}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    folder = _folder(args.folder)
    loaded, failed = _load_all(folder)
    events = [event for _, trace in loaded for event in trace.events]
    by_model = _group(events, lambda e: (e.provider or "?", e.model or "?"))
    by_provider = _group(events, lambda e: (e.provider or "?",))
    known, unpriced = _priced(events)
    kinds = [event.kind for event in events]
    summary = {
        "cassettes": len(loaded),
        "unreadable": len(failed),
        "steps": len(events),
        "llm_calls": kinds.count("llm_call"),
        "tool_calls": kinds.count("tool_call"),
        "errors": kinds.count("error"),
        "tokens": sum(event.total_tokens for event in events),
        "cost_usd": known,
        "unpriced_calls": unpriced,
    }
    if args.json:
        _print_json({"folder": args.folder, **summary, "by_model": by_model, "by_provider": by_provider})
        return 0
    _out(
        f"{summary['cassettes']} cassettes · {summary['steps']} steps · {summary['llm_calls']} LLM calls · "
        f"{summary['tool_calls']} tool calls · {summary['errors']} errors · {summary['tokens']} tokens · "
        f"{_cost_text(known, unpriced)}"
    )
    tables = (("by model", by_model, ("provider", "model")), ("by provider", by_provider, ("provider",)))
    for title, groups, keys in tables:
        if groups:
            _out()
            _out(title)
            _out("\n".join(_group_table(groups, keys)))
    if failed:
        _out()
        _out(f"{len(failed)} unreadable (see `{PROG} validate {args.folder}`)")
    return 0


def _group(events: Iterable[Event], key: Callable[[Event], tuple[str, ...]]) -> list[dict[str, Any]]:
    """LLM calls and API errors aggregated by key (tools and decisions have no model or provider)."""
    groups: dict[tuple[str, ...], list[Event]] = {}
    for event in events:
        if event.kind in ("llm_call", "error"):
            groups.setdefault(key(event), []).append(event)
    rows = []
    for name, members in sorted(groups.items()):
        known, unpriced = _priced(members)
        kinds = [event.kind for event in members]
        rows.append(
            {
                **dict(zip(("provider", "model"), name, strict=False)),
                "llm_calls": kinds.count("llm_call"),
                "errors": kinds.count("error"),
                **{field: sum(getattr(event, field) for event in members) for field in _TOKEN_FIELDS},
                "cost_usd": known,
                "unpriced_calls": unpriced,
            }
        )
    return rows


_TOKEN_FIELDS = ("input_tokens", "output_tokens", "cached_tokens")


def _group_table(groups: list[dict[str, Any]], keys: tuple[str, ...]) -> list[str]:
    head = (*keys, "calls", "errors", "tokens in", "tokens out", "cached", "cost")
    numbers = ("llm_calls", "errors", *_TOKEN_FIELDS)
    rows = [head]
    for row in groups:
        cost = _cost_text(row["cost_usd"], row["unpriced_calls"])
        rows.append((*(row[key] for key in keys), *(str(row[name]) for name in numbers), cost))
    return ["  " + line for line in _table(rows, right=range(len(keys), len(head)))]


# -- validate ---------------------------------------------------------------------------------------------


def _validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="cassettes, or folders of cassettes")
    _json_flag(parser)


def cmd_validate(args: argparse.Namespace) -> int:
    results: list[dict[str, Any]] = []
    for path in args.paths:
        files = find_cassettes(path, partial=True) if Path(path).is_dir() else [Path(path)]
        results.extend({"cassette": str(file), "problems": cassette_problems(file)} for file in files)
    bad = [result for result in results if result["problems"]]
    if args.json:
        _print_json({"ok": not bad, "checked": len(results), "cassettes": results})
    else:
        for result in results:
            _out(f"{'FAIL' if result['problems'] else 'ok  '}  {result['cassette']}")
            for problem in result["problems"]:
                _out(f"      {problem}")
        _out(f"{len(results)} checked, {len(bad)} with problems")
    return 1 if bad or not results else 0


def cassette_problems(file: Path) -> list[str]:
    """What is wrong with a cassette: unreadable (not YAML, unsafe, wrong shape or version), entries that
    do not make a trace, or something that looks like a credential. Empty when it is fine."""
    if not file.is_file():
        return ["does not exist" if not file.exists() else "is not a file"]
    try:
        records = read_records(file)  # the safe loader, the schema and the version check
        Trace(records).events  # noqa: B018 - the provider adapters must read every entry
    except (CassetteError, ValueError, TypeError, KeyError, AttributeError) as err:
        return [_one_line(err)]
    problems = []
    for index, record in enumerate(records):
        where = f"interactions[{index}]"
        problems += [f"looks like a credential at {where}.{found}" for found in find_key_like(record.to_dict())]
        if isinstance(record, Interaction):
            for side, headers, allowed in (
                ("request", record.request.headers, REQUEST_HEADERS),
                ("response", record.response.headers, RESPONSE_HEADERS),
            ):
                problems += [
                    f"{where}.{side}.headers has {name!r}, which traceops_nb never keeps (it may hold a "
                    "credential): re-record the cassette, or delete the header"
                    for name in headers
                    if name not in allowed
                ]
    text = file.read_text(encoding="utf-8", errors="replace")
    for value, placeholder in Redactor.from_environment().secrets:
        if value in text:  # the variable's name only: the value is never printed
            problems.append(f"holds the value of the environment variable {placeholder[len('<redacted:') : -1]}")
    return problems


# -- prune ------------------------------------------------------------------------------------------------


def _prune_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", metavar="DIR", help="the folder of cassettes (searched recursively)")
    parser.add_argument(
        "--older-than",
        required=True,
        type=_duration,
        metavar="AGE",
        help="delete cassettes last written longer ago than this: 30d, 12h, 2w, 90m (a bare number is days)",
    )
    parser.add_argument("--dry-run", action="store_true", help="only say what would be deleted")
    _json_flag(parser)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "": 86400}


def _duration(text: str) -> float:
    match = _DURATION.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not an age: write it as 30d, 12h, 2w or 90m")
    return float(match.group(1)) * _SECONDS[match.group(2)]


def cmd_prune(args: argparse.Namespace) -> int:
    folder = _folder(args.folder)
    now = time.time()
    chosen, skipped = [], []
    for path in find_cassettes(folder, partial=True):
        age = now - path.stat().st_mtime
        if age <= args.older_than:
            continue
        try:
            read_records(path)  # only traceops_nb cassettes: other YAML files in the folder are left alone
        except CassetteError:
            skipped.append(path)
            continue
        chosen.append((path, age))
    if not args.dry_run:
        for path, _ in chosen:
            path.unlink()
    verb = "would delete" if args.dry_run else "deleted"
    if args.json:
        listed = [{"cassette": _relative(p, folder), "age_days": round(age / 86400, 3)} for p, age in chosen]
        skipped_names = [_relative(p, folder) for p in skipped]
        _print_json({"dry_run": args.dry_run, verb.replace(" ", "_"): listed, "skipped": skipped_names})
        return 0
    for path, age in chosen:
        _out(f"{verb} {_relative(path, folder)} (age {_age(age)})")
    for path in skipped:
        _out(f"kept {_relative(path, folder)}: old, but not a traceops_nb cassette")
    _out(f"{len(chosen)} cassette{'s' if len(chosen) != 1 else ''} {'would be deleted' if args.dry_run else 'deleted'}")
    return 0


# -- debug ------------------------------------------------------------------------------------------------

DEBUG_HELP = "n next · p previous · g N go to step N · f first · l last · q quit (Enter repeats next)"


def _debug_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="the cassette")
    parser.add_argument("--step", type=int, default=0, help="the step to start at (default 0)")


def cmd_debug(args: argparse.Namespace) -> int:
    trace = _cassette(args.path)
    if not trace.events:
        _out(f"{args.path} has no steps")
        return 0
    return debug_session(trace, sys.stdin, title=args.path, start=args.step)


def debug_session(trace: Trace, commands: TextIO, *, title: str, start: int = 0) -> int:
    """Shows a step in full, then reads a command per line (n, p, g N, f, l, q) until q or the end of input."""
    from .views.steps import describe
    from .views.text import totals_line

    events, last = trace.events, len(trace.events) - 1
    step = max(0, min(start, last))
    _out(f"{title}: {totals_line(trace)}")
    _out(DEBUG_HELP)
    while True:
        _out()
        _out(f"[step {step} of {last}]")
        _out("\n".join(describe(events[step])))
        while True:
            sys.stdout.write("debug> ")
            sys.stdout.flush()
            line = commands.readline()
            if not line:  # end of input
                _out()
                return 0
            target, message = _debug_command(line.strip(), step, last)
            if target is None and message is None:
                return 0
            if message:
                _out(message)
            if target is not None and target != step:
                step = target
                break


def _debug_command(command: str, step: int, last: int) -> tuple[int | None, str | None]:
    """(the step to show, a message); (None, None) means quit."""
    word, _, rest = command.partition(" ")
    word = word.lower()
    if word in ("q", "quit", "exit"):
        return None, None
    if word in ("", "n", "next"):
        return (step + 1, None) if step < last else (step, "already at the last step (q quits)")
    if word in ("p", "prev", "previous"):
        return (step - 1, None) if step > 0 else (step, "already at the first step")
    if word in ("f", "first"):
        return 0, None if step else "already at the first step"
    if word in ("l", "last"):
        return last, None if step != last else "already at the last step (q quits)"
    number = rest.strip() if word in ("g", "go", "goto") else word
    if number.lstrip("-").isdigit():
        target = int(number)
        if 0 <= target <= last:
            return target, None if target != step else f"already at step {step}"
        return step, f"no step {target}: steps go from 0 to {last}"
    return step, f"unknown command {command!r}: {DEBUG_HELP}"


# -- import ----------------------------------------------------------


def _import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SRC", help="a TraceOps 0.5 cassette or a VCR.py cassette")
    parser.add_argument("-o", "--output", metavar="DEST", required=True, help="the traceops_nb cassette to write")
    parser.add_argument("--force", action="store_true", help="replace DEST if it exists")
    parser.add_argument(
        "--redact", metavar="PATTERN", action="append", default=[], help="a regex to scrub as well (repeatable)"
    )


def cmd_import(args: argparse.Namespace) -> int:
    source, target = Path(args.source), Path(args.output)
    if not source.is_file():
        raise FileNotFoundError(f"{source} does not exist: give the path of a TraceOps or VCR.py cassette")
    if target.exists() and not args.force:
        raise FileExistsError(f"{target} exists; pass --force to replace it")
    trace = import_cassette(source, target, redact=args.redact)
    print(f"{source} → {target}: {trace.total_llm_calls} LLM calls, {trace.total_tool_calls} tool calls")
    return 0


# -- the command line ---------------------------------------------------------------------------------------


def _record_arguments(parser: argparse.ArgumentParser) -> None:
    from .notebook.runner import RECORD_MODES

    parser.add_argument("notebooks", nargs="+", metavar="NOTEBOOK", help="notebooks (.ipynb) to record")
    parser.add_argument("--mode", choices=RECORD_MODES, default="rewrite", help="record mode (default rewrite)")
    parser.add_argument(
        "--cassette-dir", default=None, help="write the cassettes here (default: cassettes/ beside each notebook)"
    )
    parser.add_argument("--kernel", default=None, help="kernel name (default: the notebook's own)")


def cmd_record(args: argparse.Namespace) -> int:
    from .notebook.runner import Options, record_notebooks

    notebooks = [_existing(path) for path in args.notebooks]
    cassette_dir = Path(args.cassette_dir) if args.cassette_dir else None
    return record_notebooks(notebooks, Options(args.mode, cassette_dir, args.kernel))


SUBCOMMANDS: list[Subcommand] = [
    Subcommand("inspect", "the summary and steps of a cassette", _inspect_arguments, cmd_inspect),
    Subcommand("diff", "what changed between two runs (exit status 1 when they differ)", _diff_arguments, cmd_diff),
    Subcommand("export", "cassettes as a table: one row per step (json, csv, parquet)", _export_arguments, cmd_export),
    Subcommand("report", "one self-contained HTML file: trajectory, debugger, diff", _report_arguments, cmd_report),
    Subcommand("ls", "the cassettes in a folder: calls, tokens, cost, age", _folder_arguments, cmd_ls),
    Subcommand("stats", "a folder's calls, tokens and cost by model and provider", _folder_arguments, cmd_stats),
    Subcommand("validate", "schema and secrets check (exit status 1 on a problem)", _validate_arguments, cmd_validate),
    Subcommand("prune", "delete cassettes older than an age", _prune_arguments, cmd_prune),
    Subcommand("debug", "step through a trace in the terminal", _debug_arguments, cmd_debug),
    Subcommand("import", "a TraceOps 0.5 or VCR.py cassette as a traceops_nb cassette", _import_arguments, cmd_import),
    Subcommand(
        "record", "run notebooks in notebook mode: cassettes, and outputs nbval passes", _record_arguments, cmd_record
    ),
]


def build_parser(subcommands: Sequence[Subcommand] = ()) -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Inspect, compare, export and check traceops_nb cassettes.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    for sub in subcommands or SUBCOMMANDS:
        child = commands.add_parser(sub.name, help=sub.help, description=sub.help)
        sub.arguments(child)
        child.set_defaults(run=sub.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except BrokenPipeError:  # `traceops-nb inspect x.yaml | head`: the reader left, which is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (CliError, CassetteError, OSError, ValueError) as err:
        print(f"{PROG} {args.command}: error: {_one_line(err)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__
