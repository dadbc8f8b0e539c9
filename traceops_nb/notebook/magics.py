"""IPython magics: %%record, %%replay and %traceops.

A `%%record` / `%%replay` cell runs exactly as a normal cell would (its last expression is displayed,
top-level `await` works, history and variables behave): an input transformer swaps the magic line for
a marker, and an AST transformer wraps the cell's statements in the session. The session's end is
part of the cell, so an error while saving is the cell's error, and the cell's own exception
propagates unchanged.
"""

from __future__ import annotations

import ast
import html
import linecache
import os
import re
import shlex
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

from ..engine.modes import ENV_VAR, RecordMode, resolve_mode
from ..engine.session import Session, load_cassette, placeholders_needed
from ..engine.volatile import ignored_fields
from ..errors import CassetteError
from ..trace import Trace, plural
from . import baseline, guard, locate
from .cells import CellRegistry
from .mode import NotebookRun, resolve_cassette, shown_path

MARKER = "_traceops_nb_cell_"
CELL_MAGIC = re.compile(r"^%%(record|replay)(\s.*)?$")
HANDLE = "__traceops_nb__"  # the name the wrapped cell uses to reach the running magic


# %%record and %%replay both take it; a body field left out of matching, as ignore_fields= does.
IGNORE_FIELD = argument(
    "--ignore-field",
    dest="ignore_fields",
    action="append",
    default=[],
    metavar="FIELD",
    help="a request body field left out of matching (dotted path; repeat for more)",
)


@magics_class
class TraceopsMagics(Magics):
    def __init__(self, shell: Any) -> None:
        super().__init__(shell)
        self.traces: dict[str, Trace] = {}  # by cassette path, and the last one under ""
        self.cells = CellRegistry(shell)
        self._running: _CellRun | None = None
        self._held: Any = None
        self.notebook: NotebookRun | None = None  # notebook mode, while it is on
        self._stopped: NotebookRun | None = None  # ended by the running cell, which still ends its part
        self._last_session: Session | None = None  # for `%traceops save PATH` after a save that failed

    @property
    def _shell(self) -> Any:
        assert self.shell is not None, "the magics are registered with a shell"
        return self.shell

    # -- the cell magics (their docstrings are the help shown by %%record?) -----------------------

    @magic_arguments()
    @argument("path", help="cassette file, relative to the notebook's folder; folders are created")
    @argument(
        "--mode",
        choices=["rewrite", "all", "once", "new_episodes", "none"],
        default=None,
        help=f"record mode (default rewrite; {ENV_VAR} overrides the default)",
    )
    @argument("--as", dest="name", default=None, help="bind the trace to this variable")
    @argument("--quiet", action="store_true", help="do not show the trace after the cell")
    @argument(
        "--keep-partial",
        action="store_true",
        help="if the cell raises, write what was recorded to <name>.partial.yaml beside the cassette",
    )
    @argument(
        "--compare",
        action="store_true",
        help="keep the cassette that is there as <name>.baseline.yaml, then show what this run does differently",
    )
    @IGNORE_FIELD
    @cell_magic
    def record(self, line: str, cell: str) -> None:
        """Run the cell, recording every OpenAI, Anthropic and Google Gemini SDK call it makes into a cassette.

        Example:
            %%record cassettes/agent.yaml --as run
            answer = client.chat.completions.create(model="gpt-5.4-mini", messages=[...])

        Afterwards the trace (LLM calls, tool calls, tokens, cost) is shown below the cell. Replay the same
        cell later with %%replay, or set TRACEOPS_RECORD_MODE=none so every %%record replays (CI does).
        If the cell raises, an existing cassette is never replaced.

        With --compare, the cassette that is there is kept beside it as <name>.baseline.yaml (unless a
        baseline is kept already), and the diff of baseline vs this run is shown instead of the trace;
        then `%traceops accept PATH` keeps the new recording, `%traceops rollback PATH` restores the
        baseline. With --mode new_episodes, each step is marked replayed (from the cassette) or live,
        with what the replayed steps saved.
        """
        self._run_directly("record", line, cell)

    @magic_arguments()
    @argument("path", help="cassette file, relative to the notebook's folder")
    @argument("--as", dest="name", default=None, help="bind the trace to this variable")
    @argument("--quiet", action="store_true", help="do not show the trace after the cell")
    @argument("--allow-repeats", action="store_true", help="serve the last answer again for repeated identical calls")
    @argument(
        "--pace",
        type=float,
        default=None,
        help="replay at the recorded pace × this (1: as recorded, 0.5: twice as fast; default 0: at once)",
    )
    @IGNORE_FIELD
    @cell_magic
    def replay(self, line: str, cell: str) -> None:
        """Run the cell with every OpenAI, Anthropic and Google Gemini SDK call answered from a cassette.

        No network, no cost, no API key: the SDKs return their own objects, streams included. A call the
        cassette cannot answer raises CassetteMismatchError, showing how it differs from the closest recorded
        call and how to re-record.
        """
        self._run_directly("replay", line, cell)

    def _run_directly(self, kind: str, line: str, cell: str) -> None:
        """Reached only when the cell transformer was bypassed (run_cell_magic called by code)."""
        run = self._start(kind, line)
        result = self._shell.run_cell(cell, store_history=False)
        self._close(run, failed=not result.success)

    # -- what a wrapped cell calls ---------------------------------------------------------------

    def begin(self, kind: str, line: str) -> None:
        _show_magic_line(sys._getframe(1).f_code.co_filename, f"%%{kind} {line}".rstrip())
        self._running = self._start(kind, line)

    def hold(self, value: Any) -> None:
        self._held = value

    def release(self) -> Any:
        value, self._held = self._held, None
        return value

    def finish(self) -> None:
        run, self._running = self._running, None
        if run is not None:
            self._close(run, failed=False)

    def after_cell(self, result: Any) -> None:
        """post_run_cell: a wrapped cell that raised never reached finish(); notebook mode ends the cell's part."""
        run, self._running, self._held = self._running, None, None
        if run is not None:
            self._close(run, failed=True)
        stopped, self._stopped = self._stopped, None
        for notebook in (stopped, self.notebook):
            if notebook is not None:
                self._end_notebook_cell(notebook, result)

    # -- notebook mode -----------------------------------------------------------------------------

    def before_cell(self, info: Any) -> None:
        """pre_run_cell: JupyterLab and Notebook 7 send the cell's id; nbclient and nbval send none."""
        if self.notebook is not None:
            self.notebook.begin_cell()

    def check_notebook_cell(self) -> None:
        """What a cell in notebook mode ends with (NotebookCellCheck), also when its code raised."""
        if self.notebook is not None:
            self.notebook.raise_caught(raised=sys.exc_info()[1])

    def start_notebook(self, path: Path, options: locate.NotebookOptions) -> None:
        """Notebook mode on this cassette; again on the same one with the same mode only updates --quiet."""
        running = self.notebook
        if running is not None and _runs_as_asked(running, path, options):
            running.quiet = options.quiet
            return
        if running is not None:
            self.stop_notebook()
        self.notebook = NotebookRun.start(
            path, options.mode, quiet=options.quiet, shown_as=shown_path(path), ignore_fields=options.ignore_fields
        )
        self.notebook.begin_cell()  # calls later in this very cell belong to the notebook too

    def stop_notebook(self) -> None:
        running, self.notebook = self.notebook, None
        if running is not None:
            running.stop()
            self._stopped = running if running.cell is not None else None

    def _end_notebook_cell(self, running: NotebookRun, result: Any) -> None:
        """The cell's key: the front end's cell id, else its execution number (`In [N]`)."""
        cell_id = getattr(result.info, "cell_id", None)
        trace = running.end_cell(cell_id, result.execution_count, failed=not result.success)
        if trace is not None and not running.quiet:
            mixed = running.session.replaying and running.session.recording
            display(_trajectory(trace, f"traceops_nb · {running.shown_as}", marks=mixed))

    def _start(self, kind: str, line: str) -> _CellRun:
        args = parse_argstring(self.record if kind == "record" else self.replay, line)
        return _CellRun.start(kind, args, self.cells)

    def _close(self, run: _CellRun, *, failed: bool) -> None:
        """Save (or, when the cell failed, never replace the cassette), then show the trace."""
        self._last_session = run.session
        try:
            run.session.__exit__(RuntimeError if failed else None, None, None)
        except BaseException:
            run.drop_new_baseline()  # the cassette was not replaced: nothing to compare
            raise
        if failed:
            run.drop_new_baseline()
        elif run.session.recording:
            self.cells.recorded(run.path)
        self._show(run, only_if_steps=failed)

    def _show(self, run: _CellRun, *, only_if_steps: bool = False) -> None:
        trace = run.session.trace
        self.traces[str(run.path)] = self.traces[""] = trace
        if run.name:
            self._shell.user_ns[run.name] = trace
        if run.quiet or (only_if_steps and not trace.events):
            return
        if run.compare and not only_if_steps:
            for view in _comparison(run):
                display(view)
        else:
            display(_trajectory(trace, f"traceops_nb · {run.path}", marks=run.mixed))

    # -- %traceops ---------------------------------------------------------------------------------

    @line_magic
    def traceops(self, line: str) -> Any:
        """%traceops notebook [PATH] [--mode MODE] [--quiet] | off | mode | show [NAME|PATH] | debug [NAME|PATH]
        | df [NAME|PATH ...] | diff OLD NEW | compare PATH | accept PATH | rollback PATH | save PATH

        notebook  notebook mode: from this cell on, every SDK call any cell makes is recorded into (or replayed
                  from) one cassette, by default cassettes/<notebook name>.yaml beside the notebook; each cell
                  with calls shows its trajectory (not with --quiet). Re-running a cell replaces only its calls.
                  Mode as for %%record: default rewrite, TRACEOPS_RECORD_MODE overrides, none under pytest.
        off       end notebook mode
        mode      the record mode %%record would use now, and where it comes from
        show      the trajectory widget of a variable, a cassette file, or (no argument) the notebook's trace
                  in notebook mode, else the last cell's
        debug     the step-through debugger widget (returned: `w = %traceops debug run`; w.step is the step)
        df        the trace(s) as a pandas DataFrame, one row per event (the `cell` column: which cell made it)
        diff      the diff widget of two traces or cassettes: aligned steps, what changed
        compare   the diff widget of a cassette's baseline (<name>.baseline.yaml) vs the cassette
        accept    keep the new recording of a `%%record PATH --compare` cell: the baseline is removed
        rollback  restore the baseline as the cassette: the new recording is dropped
        save      write the last cell's recording to PATH (after its own cassette could not be written)
        """
        command, *rest = shlex.split(line) or ["show"]
        handler = getattr(self, f"_cmd_{command}", None)
        if handler is None:
            raise ValueError(
                f"unknown %traceops command {command!r}; try: notebook, off, mode, show, debug, df, diff, compare, "
                "accept, rollback, save"
            )
        return handler(rest)

    def _cmd_notebook(self, rest: list[str]) -> None:
        options = locate.parse_options(rest)
        self.start_notebook(resolve_cassette(options, self._shell.user_ns), options)

    def _cmd_off(self, rest: list[str]) -> None:
        if self.notebook is None:
            raise ValueError("notebook mode is not on (start it with %traceops notebook)")
        self.stop_notebook()

    def _cmd_mode(self, rest: list[str]) -> _Text:
        resolved = resolve_mode(None, RecordMode.REWRITE)
        text = f"%%record mode: {resolved.mode.value} (from {resolved.source})"
        if self.notebook is not None:
            used = self.notebook.mode
            text += f"\nnotebook mode: {self.notebook.shown_as}, {used.mode.value} (from {used.source})"
        return _Text(text)

    def _cmd_show(self, rest: list[str]) -> None:
        target = rest[0] if rest else ""
        trace = self._trace(target)
        mixed = len({event.replayed for event in trace.events}) == 2  # part replayed, part live: mark which
        display(_trajectory(trace, f"traceops_nb · {target or self._last_name()}", marks=mixed))

    def _cmd_debug(self, rest: list[str]) -> Any:
        from ..views.widgets import DebuggerWidget

        target = rest[0] if rest else ""
        return DebuggerWidget(self._trace(target), title=f"traceops_nb · {target or self._last_name()}")

    def _cmd_df(self, rest: list[str]) -> Any:
        from ..analysis.frame import to_dataframe

        return to_dataframe([self._trace(target) for target in rest or [""]])

    def _cmd_diff(self, rest: list[str]) -> Any:
        from ..views.widgets import DiffWidget

        if len(rest) != 2:
            raise ValueError("usage: %traceops diff OLD NEW  (variables holding traces, or cassette paths)")
        return DiffWidget(self._trace(rest[0]), self._trace(rest[1]))

    def _cmd_compare(self, rest: list[str]) -> Any:
        from ..views.widgets import DiffWidget

        path = _one_path(rest, "compare")
        return DiffWidget(baseline.load(path), load_cassette(path))

    def _cmd_accept(self, rest: list[str]) -> _Text:
        path = _one_path(rest, "accept")
        kept = baseline.accept(path)
        return _Text(f"accepted {path}: the new recording stays; its baseline {kept.name} was removed")

    def _cmd_save(self, rest: list[str]) -> _Text:
        if self._last_session is None:
            raise ValueError("nothing to save: run a %%record cell first")
        written = self._last_session.save(_one_path(rest, "save"))
        return _Text(f"saved the last cell's recording to {written}")

    def _cmd_rollback(self, rest: list[str]) -> _Text:
        path = _one_path(rest, "rollback")
        kept = baseline.rollback(path)
        self.traces.pop(str(Path(path)), None)  # the trace shown for this path is no longer the cassette's
        return _Text(f"rolled back {path} to its baseline {kept.name} (the new recording was dropped)")

    def _last_name(self) -> str:
        return self.notebook.shown_as if self.notebook is not None else "last cell"

    def _trace(self, target: str) -> Trace:
        if not target and self.notebook is not None:
            return self.notebook.trace
        if not target:
            if "" not in self.traces:
                raise ValueError("no trace yet: run a %%record or %%replay cell, or name a variable or a cassette")
            return self.traces[""]
        value = self._shell.user_ns.get(target)
        if isinstance(value, Trace):
            return value
        if isinstance(value, Session):
            return value.trace
        return self.traces.get(str(Path(target))) or load_cassette(target)


class _CellRun:
    def __init__(self, session: Session, path: Path, name: str | None, quiet: bool) -> None:
        self.session, self.path, self.name, self.quiet = session, path, name, quiet
        self.compare = False
        self.existed = path.exists()  # before the cell: with --compare, was there anything to compare with?
        self.new_baseline = False  # kept by this cell (dropped again when the cell fails)

    @classmethod
    def start(cls, kind: str, args: Any, cells: CellRegistry) -> _CellRun:
        path = Path(args.path)
        if kind == "record":
            mode = resolve_mode(args.mode, RecordMode.REWRITE)
            # Rewrite is the one mode that replaces what the cassette holds; --compare keeps it as the baseline.
            if mode.mode is RecordMode.REWRITE and not args.compare:
                cells.check(path)
            session = Session(path, mode, keep_partial=args.keep_partial, ignore_fields=args.ignore_fields)
        else:
            from ..engine.modes import ResolvedMode

            mode = ResolvedMode(RecordMode.NONE, "%%replay")
            session = Session(
                path, mode, allow_repeats=args.allow_repeats, ignore_fields=args.ignore_fields, pace=args.pace
            )
        session.save_hint = "run `%traceops save OTHER_PATH` in the next cell to write it elsewhere"
        run = cls(session, path, args.name, args.quiet)
        session.__enter__()
        if getattr(args, "compare", False):
            run.compare = True
            try:  # only a run that may record changes the cassette; a replay-only one (CI) leaves baselines alone
                run.new_baseline = session.recording and baseline.keep(path)
            except BaseException:
                session.__exit__(RuntimeError, None, None)  # the cell never runs: end its session too
                raise
        return run

    @property
    def mixed(self) -> bool:
        """Replays what the cassette answers and records the rest (new_episodes over an existing file)."""
        return self.session.replaying and self.session.recording

    def drop_new_baseline(self) -> None:
        if self.new_baseline:
            baseline.discard(self.path)
            self.new_baseline = False


class _Text(str):
    """A string shown as itself (no quotes) as a cell's result."""

    def __repr__(self) -> str:
        return str(self)


def _trajectory(trace: Trace, title: str, *, marks: bool = False) -> Any:
    """The trajectory widget; its text/plain and text/html are display.mime_bundle's."""
    from ..views.widgets import TrajectoryWidget

    return TrajectoryWidget(trace, title=title, marks=marks)


def _comparison(run: _CellRun) -> list[Any]:
    """A `--compare` cell's views: the diff of baseline vs this run, or one line when there is none to show."""
    from ..views.widgets import DiffWidget

    trace, kept = run.session.trace, baseline.baseline_path(run.path)
    if not kept.exists():
        why = (
            "this is its first recording (the next --compare run compares with it)"
            if not run.existed
            else f"it has no baseline {kept.name} (kept when --compare records over it)"
        )
        return [_Line(f"nothing to compare: {run.path}: {why}"), _trajectory(trace, f"traceops_nb · {run.path}")]
    widget = DiffWidget(load_cassette(kept), trace)
    if widget.diff.has_changes:
        return [widget]
    steps = plural(len(trace.events), "step")
    return [_Line(f"no changes: {run.path} does what its baseline {kept.name} did ({steps}, same trajectory)")]


def _same_file(one: Path, other: Path) -> bool:
    return one.resolve() == other.resolve()


def _one_path(rest: list[str], command: str) -> str:
    if len(rest) != 1:
        raise ValueError(f"usage: %traceops {command} PATH  (the cassette of a `%%record PATH --compare` cell)")
    return rest[0]


class _Line:
    """One line of text shown below a cell, as text/plain and as escaped HTML."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        return {
            "text/plain": self.text,
            "text/html": f"<div class='traceops-nb-summary'>{html.escape(self.text)}</div>",
        }

    def __repr__(self) -> str:
        return self.text


# -- turning a %%record / %%replay cell into a wrapped normal cell ----------------------------------


def mark_cell(lines: list[str]) -> list[str]:
    """Input transformer: the magic line becomes a marker statement; line numbers stay the same."""
    if not lines:
        return lines
    match = CELL_MAGIC.match(lines[0].rstrip("\n"))
    if match is None or lines[0].rstrip().endswith("?"):
        return lines
    kind, line = match.group(1), (match.group(2) or "").strip()
    return [f"{MARKER}({kind!r}, {line!r})\n", *lines[1:]]


class CellWrapper(ast.NodeTransformer):
    """AST transformer: begin; the cell's statements (holding the last expression); finish; show it.

    No try/except is added, so a traceback points at the cell's own lines; when the cell raises,
    the post-run-cell hook ends the session instead (and never writes the cassette).
    """

    def visit_Module(self, module: ast.Module) -> ast.Module:
        marker = _marker_call(module.body[0]) if module.body else None
        if marker is None:
            return module
        begin = ast.copy_location(ast.Expr(_handle_call("begin", marker.args)), module.body[0])
        module.body = [begin, *_ending_with(module.body[1:], "finish", anchor=begin)]
        return ast.fix_missing_locations(module)


def _show_magic_line(filename: str, magic_line: str) -> None:
    """Tracebacks quote the cell from linecache, where IPython keeps it as transformed: put the cell's own
    magic line back in place of the marker, so no traceback shows the internal call."""
    entry = linecache.cache.get(filename)
    if entry is not None and len(entry) == 4 and entry[2] and entry[2][0].startswith(MARKER):
        size, mtime, lines, fullname = entry
        linecache.cache[filename] = (size, mtime, [magic_line + "\n", *lines[1:]], fullname)


class NotebookCellCheck(ast.NodeTransformer):
    """AST transformer, in notebook mode: each cell ends by raising a miss its code caught (a helper's
    `except Exception: print(e); return e`), so the cell fails with the mismatch, not on the stand-in value:
    also when the cell's next line raised on it (`response.choices` of the returned error)."""

    def __init__(self, magics: TraceopsMagics) -> None:
        self.magics = magics

    def visit_Module(self, module: ast.Module) -> ast.Module:
        if self.magics.notebook is None or not module.body or _marker_call(module.body[0]) is not None:
            return module
        body, end = _split_ending(module.body, "check_notebook_cell", anchor=module.body[-1])
        if not _has_future_import(body):  # `from __future__` must stay first: it cannot sit in a try
            body = [_checked_on_error(body)]
        module.body = [*body, *end]
        return ast.fix_missing_locations(module)


def _checked_on_error(body: list[ast.stmt]) -> ast.Try:
    """`try: BODY` / `except Exception: <check>; raise`: the cell's own error stays its own when it caught
    no miss. The check is placed on the cell's last line, as the check that ends the cell is."""
    check = ast.copy_location(ast.Expr(_handle_call("check_notebook_cell", [])), body[-1])
    handler = ast.ExceptHandler(type=ast.Name("Exception", ast.Load()), name=None, body=[check, ast.Raise()])
    handler = ast.copy_location(handler, body[-1])
    return ast.copy_location(ast.Try(body=body, handlers=[handler], orelse=[], finalbody=[]), body[0])


def _has_future_import(body: list[ast.stmt]) -> bool:
    return any(isinstance(node, ast.ImportFrom) and node.module == "__future__" for node in body)


def _ending_with(body: list[ast.stmt], method: str, *, anchor: ast.stmt) -> list[ast.stmt]:
    """The statements, then a call of the magics' method; a last expression is held and shown after it."""
    body, end = _split_ending(body, method, anchor=anchor)
    return [*body, *end]


def _split_ending(body: list[ast.stmt], method: str, *, anchor: ast.stmt) -> tuple[list[ast.stmt], list[ast.stmt]]:
    """_ending_with's two parts: the statements (a last expression held), and the call, then the release."""
    last = body[-1] if body and isinstance(body[-1], ast.Expr) else None
    if last is not None:
        body[-1] = ast.copy_location(ast.Expr(_handle_call("hold", [last.value])), last)
    end = [ast.Expr(_handle_call(method, []))]
    if last is not None:
        end.append(ast.Expr(_handle_call("release", [])))
    place = body[-1] if body else anchor
    return body, [ast.copy_location(node, place) for node in end]


def _runs_as_asked(running: NotebookRun, path: Path, options: locate.NotebookOptions) -> bool:
    """Notebook mode already on this cassette, in this mode, matching as asked."""
    mode = resolve_mode(options.mode, RecordMode.REWRITE)
    return (
        _same_file(running.path, path)
        and running.mode.mode is mode.mode
        and running.session.ignore_fields == ignored_fields(options.ignore_fields)
    )


def _marker_call(node: ast.stmt) -> ast.Call | None:
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        func = node.value.func
        if isinstance(func, ast.Name) and func.id == MARKER:
            return node.value
    return None


def _handle_call(method: str, args: list[ast.expr]) -> ast.Call:
    return ast.Call(ast.Attribute(ast.Name(HANDLE, ast.Load()), method, ast.Load()), args, [])


# -- plain-text replay errors ---------------------------------------------------------------------


def _cassette_error_traceback(
    shell: Any, etype: type, value: BaseException, tb: TracebackType | None, tb_offset: Any = None
) -> None:
    """A replay miss shows the cell's own line that made the call, then the message: no SDK frames."""
    shell.showtraceback((etype, value, _cell_frames(tb)), tb_offset=tb_offset)


def _cell_frames(tb: TracebackType | None) -> TracebackType | None:
    kept: list[TracebackType] = []
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if "site-packages" not in filename and "traceops_nb" not in filename and not filename.startswith(sys.prefix):
            kept.append(tb)
        tb = tb.tb_next
    head: TracebackType | None = None
    for frame_tb in reversed(kept):
        head = TracebackType(head, frame_tb.tb_frame, frame_tb.tb_lasti, frame_tb.tb_lineno)
    return head


# -- loading ----------------------------------------------------------------------------------------


def load(shell: Any) -> TraceopsMagics:
    """Once per shell: loading again (the startup file of `traceops-nb record` and pytest's notebook option,
    then the notebook's own `%load_ext`) keeps the magics, and notebook mode, as they are."""
    existing = shell.magics_manager.registry.get(TraceopsMagics.__name__)
    if isinstance(existing, TraceopsMagics):
        return existing
    magics = TraceopsMagics(shell)
    shell.register_magics(magics)
    shell.user_ns[HANDLE] = magics
    shell.user_ns_hidden[HANDLE] = magics
    if mark_cell not in shell.input_transformers_cleanup:
        shell.input_transformers_cleanup.append(mark_cell)
    if not any(isinstance(t, CellWrapper) for t in shell.ast_transformers):
        shell.ast_transformers.append(CellWrapper())
    shell.ast_transformers.append(NotebookCellCheck(magics))
    shell.events.register("pre_run_cell", magics.before_cell)
    shell.events.register("post_run_cell", magics.after_cell)
    shell.events.register("pre_run_cell", magics.cells.pre_run_cell)
    shell.set_custom_exc((CassetteError,), _cassette_error_traceback)
    guard.install(shell)
    if resolve_mode(None, RecordMode.REWRITE).mode is RecordMode.NONE:
        # Replay-only (CI, nbval): setup cells that build clients need a key, and none is needed.
        for name, placeholder in placeholders_needed().items():
            os.environ[name] = placeholder
    return magics
