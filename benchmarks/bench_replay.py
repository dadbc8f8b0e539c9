"""Replay, recording and cassette-loading benchmark: traceops_nb against the SDK's own cost, VCR.py and TraceOps 0.5.

    python benchmarks/bench_replay.py [--quick] [--json out.json] [--skip-slow]

Everything runs in one process, in this order (the order matters, see README.md):

  1. the floor (a) and the SDK over httpx2.MockTransport (b), before traceops_nb has patched anything;
  2. recording: traceops_nb and VCR.py cassettes of one call each, a TraceOps cassette of one call per
     replayed call (TraceOps replays every recorded response once and cannot repeat one);
  3. (b') the MockTransport run again, now with traceops_nb's class-level patches installed but no session;
  4. (f) recording overhead against the fake server on 127.0.0.1;
  5. the fake server is stopped, then (c) traceops_nb, (d) VCR.py and (e) TraceOps replay (a replay
     that tried the network would fail);
  6. (g) cassette loading, 1,000 and 10,000 calls.

Per-call timings are medians of time.perf_counter_ns() around single calls, after warm-up calls.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import importlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# TraceOps imports LiteLLM when it is installed, and LiteLLM fetches its price map from the network unless told not to.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
sys.path.insert(0, str(ROOT / "tests"))  # the fake LLM server

import fakellm  # noqa: E402
import httpx2  # noqa: E402
import openai  # noqa: E402
import trace_ops  # noqa: E402
import vcr  # noqa: E402
from openai.types.chat import ChatCompletion, ChatCompletionChunk  # noqa: E402
from trace_ops._types import EventType, TraceEvent  # noqa: E402
from trace_ops.streaming import _assemble_openai_chunks  # noqa: E402

import traceops_nb  # noqa: E402
from traceops_nb import intercept as nb_intercept  # noqa: E402
from traceops_nb.intercept import fastpath as nb_fastpath  # noqa: E402
from traceops_nb.intercept import google_fastpath  # noqa: E402

# The cassette loader's module (read_interactions, the in-process cache _parsed): traceops_nb.cassette.file
# since the cassette() function took the name traceops_nb.cassette; the old module name is a fallback.
try:
    nb_cassette = importlib.import_module("traceops_nb.cassette.file")
except ImportError:
    nb_cassette = importlib.import_module("traceops_nb.cassette")

MODEL = "gpt-4o-mini"
API_KEY = "sk-bench-placeholder"  # the fake server accepts anything; never a real key
LOAD_SIZES = (1_000, 10_000)
SLOW_LOAD_S = 10.0  # TraceOps: a load slower than this is measured once, not LOAD_RUNS times
LOAD_RUNS = 3
VOCABULARY = (
    "the harbour crane lifted seven crates of copper timber grain and spices while the night crew checked "
    "manifests against the tide tables before the morning pilots guided three ships past the breakwater"
)


# --------------------------------------------------------------------------- timing helpers


def samples_ns(fn: Callable[[], Any], n: int) -> list[int]:
    """n timings of fn(), one call each."""
    out = []
    for _ in range(n):
        start = time.perf_counter_ns()
        fn()
        out.append(time.perf_counter_ns() - start)
    return out


def warm_up(fn: Callable[[], Any], calls: int, check: Callable[[Any], None] | None = None) -> None:
    """Untimed calls first; the first result is checked, so a row that returns the wrong thing fails loudly."""
    first = fn()
    if check is not None:
        check(first)
    for _ in range(calls - 1):
        fn()


def median_us(fn: Callable[[], Any], n: int, warmup: int, check: Callable[[Any], None] | None = None) -> float:
    """Median µs of n calls of fn, after `warmup` untimed calls (warmup + n calls in all)."""
    warm_up(fn, warmup, check)
    gc.collect()
    return statistics.median(samples_ns(fn, n)) / 1000


def median_seconds(
    load: Callable[[], Any], prepare: Callable[[], None], runs: int = LOAD_RUNS, once_if_over: float | None = None
) -> tuple[float, int]:
    """Median seconds of `runs` loads, prepare() untimed before each; only one if the first takes > once_if_over."""
    times: list[float] = []
    for _ in range(runs):
        prepare()
        gc.collect()
        start = time.perf_counter_ns()
        load()
        times.append((time.perf_counter_ns() - start) / 1e9)
        if once_if_over is not None and times[0] > once_if_over:
            break
    return statistics.median(times), len(times)


# --------------------------------------------------------------------------- the calls being measured


def words(count: int, seed: int) -> str:
    return " ".join(random.Random(seed).choices(VOCABULARY.split(), k=count))


def conversation(i: int) -> list[dict[str, str]]:
    """A few messages; the fake server echoes the last one, so the answer is ~200 words (~200 tokens)."""
    return [
        {
            "role": "system",
            "content": "You are a concise assistant for a harbour logistics team. Answer in plain prose.",
        },
        {"role": "user", "content": f"Shipment {i}: what arrived at the harbour this morning?"},
        {"role": "assistant", "content": words(40, 2 * i)},
        {"role": "user", "content": "Rewrite this delivery note in your own words: " + words(190, 2 * i + 1)},
    ]


MESSAGES = conversation(0)


def chat(client: Any, stream: bool) -> Any:
    """The measured call: a ChatCompletion, or every chunk of the stream (fully consumed)."""
    if stream:
        return list(client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True))
    return client.chat.completions.create(model=MODEL, messages=MESSAGES)


def answer_text(result: Any) -> str:
    """The answer text of a completion or a list of chunks (SDK objects or TraceOps' SimpleNamespaces)."""
    if not isinstance(result, list):
        return str(result.choices[0].message.content)
    return "".join(getattr(chunk.choices[0].delta, "content", None) or "" for chunk in result if chunk.choices)


def make_client(base_url: str, **options: Any) -> openai.OpenAI:
    return openai.OpenAI(api_key=API_KEY, base_url=base_url, max_retries=0, **options)


# --------------------------------------------------------------------------- shared state


@dataclass
class Bench:
    n: int
    warmup: int
    work: Path
    server: fakellm.FakeLLMServer
    base_url: str  # the fake server's OpenAI URL; replay clients keep it after the server has stopped
    bodies: dict[bool, bytes] = field(default_factory=dict)  # stream? -> the bytes the fake server sends
    expected_text: str = ""
    chunks_seen: dict[str, int] = field(default_factory=dict)  # row -> stream chunks the caller iterated
    returned: dict[str, tuple[str, str]] = field(default_factory=dict)  # row -> (class returned, class of a chunk)
    notes: list[str] = field(default_factory=list)

    @property
    def calls_per_row(self) -> int:
        return self.warmup + self.n

    def path(self, name: str) -> Path:
        return self.work / name

    def checker(self, row: str, stream: bool) -> Callable[[Any], None]:
        def check(result: Any) -> None:
            text = answer_text(result)
            if text != self.expected_text:
                raise AssertionError(f"{row} ({'stream' if stream else 'non-stream'}) returned {text[:80]!r}…")
            kinds = self.returned.get(row, ("?", "?"))
            if stream:
                self.chunks_seen[row] = len(result)
                self.returned[row] = (kinds[0], type(result[0]).__name__)
            else:
                self.returned[row] = (type(result).__name__, kinds[1])

        return check


def capture_bodies(bench: Bench) -> None:
    """The exact decoded bytes the fake server sends for the two calls (plain httpx2, no SDK, no patches)."""
    for stream in (False, True):
        body = {"model": MODEL, "messages": MESSAGES, **({"stream": True} if stream else {})}
        response = httpx2.post(f"{bench.base_url}/chat/completions", json=body, timeout=30)
        response.raise_for_status()
        bench.bodies[stream] = response.content
    bench.expected_text = json.loads(bench.bodies[False])["choices"][0]["message"]["content"]


def sse_payloads(body: bytes) -> list[str]:
    return [line[6:] for line in body.decode().splitlines() if line.startswith("data: ") and line != "data: [DONE]"]


# --------------------------------------------------------------------------- replay rows (a)-(e)
# Each row is a context manager: set up, yield the zero-argument call to time, tear down.

Row = Callable[[Bench, bool], contextlib.AbstractContextManager[Callable[[], Any]]]


@contextlib.contextmanager
def floor_row(bench: Bench, stream: bool) -> Iterator[Callable[[], Any]]:
    """(a) JSON parse + pydantic validation of the same body (each chunk's JSON for the stream)."""
    if stream:
        payloads = sse_payloads(bench.bodies[True])
        yield lambda: [ChatCompletionChunk.model_validate(json.loads(p)) for p in payloads]
    else:
        body = bench.bodies[False]
        yield lambda: ChatCompletion.model_validate(json.loads(body))


@contextlib.contextmanager
def mock_transport_row(bench: Bench, stream: bool) -> Iterator[Callable[[], Any]]:
    """(b) the real SDK call over httpx2.MockTransport returning the same bytes: the SDK's own cost, no socket."""
    content_type = "text/event-stream; charset=utf-8" if stream else "application/json"
    body = bench.bodies[stream]

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, headers={"content-type": content_type, "x-request-id": "req_mock"}, content=body)

    client = make_client(bench.base_url, http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))
    yield lambda: chat(client, stream)


@contextlib.contextmanager
def traceops_nb_row(bench: Bench, stream: bool) -> Iterator[Callable[[], Any]]:
    """(c) traceops_nb: one recorded call, served warmup + n times (allow_repeats=True)."""
    client = make_client(bench.base_url)
    with traceops_nb.Replayer(bench.path(f"nb-{stream}.yaml"), allow_repeats=True) as replayer:
        yield lambda: chat(client, stream)
    played = replayer.trace.interactions
    if len(played) != bench.calls_per_row or not all(i.replayed for i in played):
        raise AssertionError(f"traceops_nb served {len(played)} calls, expected {bench.calls_per_row} replayed")


@contextlib.contextmanager
def traceops_nb_first_replay_row(bench: Bench, stream: bool) -> Iterator[Callable[[], Any]]:
    """(c1) row (c) with the decoded-stream cache emptied before every call, so that each call is the first
    replay of its stream, as when a test replays each recorded stream once (the same for non-stream calls)."""
    decoded = getattr(nb_fastpath, "_DECODED", {})
    with traceops_nb_row(bench, stream) as call:

        def first_replay() -> Any:
            decoded.clear()
            return call()

        yield first_replay


def vcr_config(match_body: bool = False) -> vcr.VCR:
    match_on = ("method", "scheme", "host", "port", "path", "query") + (("body",) if match_body else ())
    return vcr.VCR(record_mode="once", filter_headers=["authorization"], match_on=match_on)


@contextlib.contextmanager
def vcr_row(bench: Bench, stream: bool, match_body: bool = False) -> Iterator[Callable[[], Any]]:
    """(d) VCR.py: one recorded call, replayed with allow_playback_repeats=True (default matchers: no body)."""
    client = make_client(bench.base_url)
    with vcr_config(match_body).use_cassette(
        str(bench.path(f"vcr-{stream}.yaml")), allow_playback_repeats=True
    ) as tape:
        yield lambda: chat(client, stream)
    if tape.play_count != bench.calls_per_row:
        raise AssertionError(f"VCR.py played {tape.play_count} responses, expected {bench.calls_per_row}")


@contextlib.contextmanager
def vcr_body_row(bench: Bench, stream: bool) -> Iterator[Callable[[], Any]]:
    """(d') VCR.py with the request body added to its matchers, as traceops_nb matches on the body."""
    with vcr_row(bench, stream, match_body=True) as call:
        yield call


@contextlib.contextmanager
def trace_ops_row(bench: Bench, stream: bool) -> Iterator[Callable[[], Any]]:
    """(e) TraceOps 0.5: warmup + n recorded responses, each served once (its strict mode checks all were used)."""
    client = make_client(bench.base_url)
    with trace_ops.Replayer(str(bench.path(f"traceops-{stream}.yaml"))):
        yield lambda: chat(client, stream)


@dataclass(frozen=True)
class RowSpec:
    key: str
    label: str
    row: Row


BEFORE_PATCHES = (
    RowSpec("a", "floor: model_validate(json.loads(body))", floor_row),
    RowSpec("b", "SDK over httpx2.MockTransport", mock_transport_row),
)
AFTER_RECORDING = (
    RowSpec("b'", "same, traceops_nb patches installed, idle", mock_transport_row),
    RowSpec("c", "traceops_nb Replayer", traceops_nb_row),
    RowSpec("c1", "same, every call a stream's first replay", traceops_nb_first_replay_row),
    RowSpec("d", "VCR.py replay (default matchers)", vcr_row),
    RowSpec("d'", "VCR.py replay, body matched too", vcr_body_row),
    RowSpec("e", "TraceOps 0.5 Replayer", trace_ops_row),
)


def measure_rows(bench: Bench, specs: tuple[RowSpec, ...], results: dict[str, dict[str, Any]]) -> None:
    for spec in specs:
        results[spec.key] = {"label": spec.label}
        for stream in (False, True):
            with spec.row(bench, stream) as call:
                us = median_us(call, bench.n, bench.warmup, check=bench.checker(spec.key, stream))
            results[spec.key]["stream_us" if stream else "nonstream_us"] = us
            print(f"  {spec.key:<3} {spec.label:<44} {'stream' if stream else 'non-stream':<10} {us:10.1f} µs")


# --------------------------------------------------------------------------- recording the cassettes


def record_cassettes(bench: Bench) -> None:
    """traceops_nb and VCR.py: one call each. TraceOps: warmup + n calls, as it replays each response once."""
    client = make_client(bench.base_url)
    for stream in (False, True):
        with traceops_nb.Recorder(bench.path(f"nb-{stream}.yaml"), mode="rewrite"):
            chat(client, stream)
        before = len(bench.server.requests)
        with vcr_config().use_cassette(str(bench.path(f"vcr-{stream}.yaml"))):
            chat(client, stream)
        if len(bench.server.requests) != before + 1:
            raise AssertionError("the VCR.py cassette was not recorded from the fake server")
    record_trace_ops(bench, client, stream=False)
    record_trace_ops(bench, client, stream=True)


def record_trace_ops(bench: Bench, client: Any, stream: bool) -> None:
    path = bench.path(f"traceops-{stream}.yaml")
    try:
        with trace_ops.Recorder(save_to=str(path)) as recorder:
            for _ in range(bench.calls_per_row):
                chat(client, stream)
    except Exception as error:  # TraceOps 0.5's stream recorder fails on openai's chunks; see the note
        bench.notes.append(
            f"TraceOps 0.5's Recorder raised {type(error).__name__}: {error} while recording "
            f"{'a stream' if stream else 'a call'}; the cassette for (e) was built instead with TraceOps' own "
            "data classes and save_cassette, holding what its recorder stores for that call."
        )
        build_trace_ops_stream_cassette(bench, client, path)
        return
    responses = [e for e in recorder.trace.events if e.event_type == EventType.LLM_RESPONSE]
    if len(responses) != bench.calls_per_row:
        raise AssertionError(f"TraceOps recorded {len(responses)} responses, expected {bench.calls_per_row}")


def build_trace_ops_stream_cassette(bench: Bench, client: Any, path: Path) -> None:
    """The cassette TraceOps' recorder would write for warmup + n streamed calls: per call an llm_request and
    an llm_response holding the stream assembled by TraceOps' own _assemble_openai_chunks (null fields dropped,
    which is what trips it)."""
    chunks = [drop_nulls(chunk.model_dump()) for chunk in chat(client, stream=True)]
    assembled = _assemble_openai_chunks(chunks)
    trace = trace_ops.Trace()
    for _ in range(bench.calls_per_row):
        trace.add_event(
            TraceEvent(
                EventType.LLM_REQUEST, provider="openai", model=MODEL, messages=MESSAGES, metadata={"stream": True}
            )
        )
        trace.add_event(
            TraceEvent(
                EventType.LLM_RESPONSE,
                provider="openai",
                model=MODEL,
                response=assembled,
                duration_ms=5.0,
                metadata={"streamed": True},
            )
        )
    trace.finalize()
    trace_ops.save_cassette(trace, path)


def drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: drop_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [drop_nulls(item) for item in value]
    return value


# --------------------------------------------------------------------------- (f) recording overhead


def measure_recording_overhead(bench: Bench, rounds: int = 5) -> dict[str, dict[str, float]]:
    """Calls to the fake server, without recording and inside a traceops_nb Recorder (no path: nothing saved).

    The two alternate in `rounds` blocks of n / rounds calls (one Recorder around each recorded block),
    so drift in the machine or the server affects both alike.
    """
    client = make_client(bench.base_url)
    results: dict[str, dict[str, float]] = {}
    for stream in (False, True):
        call = lambda stream=stream: chat(client, stream)  # noqa: E731
        check = bench.checker("f", stream)
        warm_up(call, bench.warmup, check)
        with traceops_nb.Recorder():
            warm_up(call, bench.warmup, check)
        plain: list[int] = []
        recorded: list[int] = []
        block = max(1, bench.n // rounds)
        for _ in range(rounds):
            gc.collect()
            plain += samples_ns(call, block)
            gc.collect()
            with traceops_nb.Recorder() as recorder:
                recorded += samples_ns(call, block)
            if len(recorder.trace.interactions) != block:
                raise AssertionError(f"the Recorder captured {len(recorder.trace.interactions)} of {block} calls")
        plain_us, recorded_us = statistics.median(plain) / 1000, statistics.median(recorded) / 1000
        results["stream" if stream else "nonstream"] = {
            "plain_us": plain_us,
            "recorded_us": recorded_us,
            "overhead_pct": 100 * (recorded_us - plain_us) / plain_us,
        }
        kind = "stream" if stream else "non-stream"
        print(f"  f   {kind:<10} plain {plain_us:9.1f} µs   recorded {recorded_us:9.1f} µs")
    return results


# --------------------------------------------------------------------------- (g) cassette loading


def generate_calls(count: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """count distinct (request body, response body) pairs, the responses made by the fake server's own code."""
    generator = fakellm.FakeLLMServer()  # not started: only its id counters are used
    calls = []
    for i in range(count):
        request = {"model": MODEL, "messages": conversation(i)}
        calls.append((request, fakellm.chat_completions(generator, request).body))
    return calls


def write_traceops_nb_cassette(path: Path, calls: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """Interaction objects shaped exactly as the Recorder stores a recorded call, written by traceops_nb."""
    interactions = [
        traceops_nb.Interaction(
            provider="openai",
            request=traceops_nb.Request(method="POST", path="/chat/completions", body=request),
            response=traceops_nb.Response(
                status=200, headers={"content-type": "application/json", "x-request-id": f"req_fake_{i}"}, body=response
            ),
            started_at=f"2025-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}.000Z",
            duration_ms=800.0 + i % 400,
        )
        for i, (request, response) in enumerate(calls)
    ]
    traceops_nb.save_cassette(traceops_nb.Trace(interactions), path)


def write_trace_ops_cassette(path: Path, calls: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """The events TraceOps' Recorder adds for a chat call (llm_request, then llm_response holding the SDK
    object's model_dump()), saved by TraceOps' own save_cassette."""
    trace = trace_ops.Trace()
    for i, (request, response) in enumerate(calls):
        completion = ChatCompletion.model_validate(response)
        usage = completion.usage
        assert usage is not None
        trace.add_event(TraceEvent(EventType.LLM_REQUEST, provider="openai", model=MODEL, messages=request["messages"]))
        trace.add_event(
            TraceEvent(
                EventType.LLM_RESPONSE,
                provider="openai",
                model=MODEL,
                response=completion.model_dump(),
                duration_ms=800.0 + i % 400,
                input_tokens=usage.prompt_tokens,
                output_tokens=usage.completion_tokens,
            )
        )
    trace.finalize()
    trace_ops.save_cassette(trace, path)


def clear_memory_cache() -> None:
    nb_cassette._parsed.clear()


def clear_disk_cache() -> None:
    shutil.rmtree(os.environ["TRACEOPS_CACHE_DIR"], ignore_errors=True)


def clear_both_caches() -> None:
    clear_memory_cache()
    clear_disk_cache()


def disk_cache_files() -> list[Path]:
    return list(Path(os.environ["TRACEOPS_CACHE_DIR"]).rglob("*.json"))


def measure_loads(bench: Bench, skip_slow: bool) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for count in LOAD_SIZES:
        started = time.perf_counter()
        calls = generate_calls(count)
        nb_path, to_path = bench.path(f"load-nb-{count}.yaml"), bench.path(f"load-traceops-{count}.yaml")
        write_traceops_nb_cassette(nb_path, calls)
        slow = skip_slow and count == max(LOAD_SIZES)
        if not slow:
            write_trace_ops_cassette(to_path, calls)
        del calls
        print(f"  g   {count:,} calls: cassettes written in {time.perf_counter() - started:.1f} s")

        if count == min(LOAD_SIZES):  # warm up each loader's code once, untimed
            clear_both_caches()
            traceops_nb.load_cassette(nb_path)
            trace_ops.load_cassette(to_path)

        row: dict[str, Any] = {
            "nb_mb": nb_path.stat().st_size / 1e6,
            "traceops_mb": None if slow else to_path.stat().st_size / 1e6,
        }

        def nb_load(path: Path = nb_path, count: int = count) -> None:
            loaded = traceops_nb.load_cassette(path)
            if len(loaded.interactions) != count:
                raise AssertionError(f"traceops_nb loaded {len(loaded.interactions)} of {count} calls")

        def to_load(path: Path = to_path, count: int = count) -> None:
            loaded = trace_ops.load_cassette(path)
            if loaded.total_llm_calls != count:
                raise AssertionError(f"TraceOps loaded {loaded.total_llm_calls} of {count} calls")

        row["nb_cold"] = median_seconds(nb_load, clear_both_caches)
        if not disk_cache_files():
            bench.notes.append(f"traceops_nb wrote no disk cache for the {count:,}-call cassette.")
        row["nb_warm"] = median_seconds(nb_load, clear_memory_cache)
        row["nb_repeat"] = median_seconds(nb_load, lambda: None)
        row["traceops"] = None if slow else median_seconds(to_load, lambda: None, once_if_over=SLOW_LOAD_S)
        clear_both_caches()
        results[str(count)] = row
        for key in ("nb_cold", "nb_warm", "nb_repeat", "traceops"):
            if row[key] is not None:
                print(f"  g   {count:,} calls  {key:<10} {row[key][0]:9.3f} s  ({row[key][1]} runs)")
    return results


# --------------------------------------------------------------------------- Gemini: google-genai replay
# One generate_content call with a ~200-word answer, and the same call streamed (200 chunks, one word each),
# against google-genai's own cost over httpx2.MockTransport. Both rows run after traceops_nb's patches are
# installed (idle for the SDK row: row (b') shows that costs nothing measurable).

GEMINI_MODEL = "gemini-2.5-flash"
GEMINI_PROMPT = "Rewrite this delivery note in your own words."
GEMINI_CHUNKS = 200


def gemini_client(base_url: str, **http_options: Any) -> Any:
    from google import genai

    return genai.Client(api_key="gemini-bench-placeholder", http_options={"base_url": base_url, **http_options})


def gemini_call(client: Any, stream: bool) -> Any:
    if stream:
        return list(client.models.generate_content_stream(model=GEMINI_MODEL, contents=GEMINI_PROMPT))
    return client.models.generate_content(model=GEMINI_MODEL, contents=GEMINI_PROMPT)


def gemini_text(result: Any) -> str:
    return "".join(chunk.text or "" for chunk in result) if isinstance(result, list) else str(result.text)


def record_gemini(bench: Bench) -> dict[bool, bytes]:
    """The two cassettes, and the exact bytes the fake server sends for each call (for the mock transport)."""
    bench.server.replies[GEMINI_PROMPT] = words(GEMINI_CHUNKS, 7)
    client = gemini_client(bench.server.gemini_base_url)
    bodies = {}
    for stream in (False, True):
        with traceops_nb.Recorder(bench.path(f"gemini-{stream}.yaml"), mode="rewrite"):
            recorded = gemini_call(client, stream)
        if stream and len(recorded) != GEMINI_CHUNKS:
            raise AssertionError(f"the Gemini stream has {len(recorded)} chunks, not {GEMINI_CHUNKS}")
        method = "streamGenerateContent?alt=sse" if stream else "generateContent"
        body = {"contents": [{"parts": [{"text": GEMINI_PROMPT}], "role": "user"}]}
        url = f"{bench.server.url}/v1/models/{GEMINI_MODEL}:{method}"
        bodies[stream] = httpx2.post(url, json=body, timeout=30).content
    return bodies


def measure_gemini(bench: Bench, bodies: dict[bool, bytes]) -> dict[str, dict[str, float]]:
    """The three rows in turn, in GEMINI_BLOCKS blocks of N/GEMINI_BLOCKS calls each, so that a change in the
    machine's load falls on all of them alike; each row's median over all its calls."""
    expected = bench.server.replies[GEMINI_PROMPT]

    def check(result: Any) -> None:
        if gemini_text(result) != expected:
            raise AssertionError(f"Gemini row returned {gemini_text(result)[:80]!r}…")

    results: dict[str, dict[str, float]] = {"gb": {}, "gc": {}, "gc1": {}}
    for stream in (False, True):
        content_type = "text/event-stream" if stream else "application/json"

        def handler(request: httpx2.Request, body: bytes = bodies[stream], kind: str = content_type) -> Any:
            return httpx2.Response(200, headers={"content-type": kind}, content=body)

        mocked = gemini_client("http://mock/", httpx_client=httpx2.Client(transport=httpx2.MockTransport(handler)))
        client = gemini_client("http://127.0.0.1:9/")  # the fake server is gone: replay only
        cassette = bench.path(f"gemini-{stream}.yaml")

        def first_replay(c: Any = client, s: bool = stream) -> Any:
            google_fastpath._ANSWERS.clear()  # as if the cassette had just been loaded
            return gemini_call(c, s)

        rows: dict[str, tuple[Path | None, Callable[[], Any]]] = {
            "gb": (None, functools.partial(gemini_call, mocked, stream)),
            "gc": (cassette, functools.partial(gemini_call, client, stream)),
            "gc1": (cassette, first_replay),
        }
        samples: dict[str, list[int]] = {key: [] for key in rows}
        for block in range(GEMINI_BLOCKS):
            for key, (path, fn) in rows.items():
                with gemini_replay(path) as replayer:
                    if block == 0:
                        warm_up(fn, bench.warmup, check)
                    gc.collect()
                    samples[key].extend(samples_ns(fn, bench.n // GEMINI_BLOCKS))
                if replayer is not None and not all(i.replayed for i in replayer.trace.interactions):
                    raise AssertionError("a Gemini replay row made a live call")
        column = "stream_us" if stream else "nonstream_us"
        for key in rows:
            results[key][column] = statistics.median(samples[key]) / 1000
            print(f"  {key:<3} gemini {'stream' if stream else 'non-stream':<10} {results[key][column]:10.1f} µs")
    return results


GEMINI_BLOCKS = 5


@contextlib.contextmanager
def gemini_replay(path: Path | None) -> Iterator[Any]:
    if path is None:
        yield None
        return
    with traceops_nb.Replayer(path, allow_repeats=True) as replayer:
        yield replayer


def gemini_table(gemini: dict[str, dict[str, float]]) -> list[str]:
    base = gemini["gb"]
    lines = [
        f"Gemini: replay of one google-genai generate_content (stream: {GEMINI_CHUNKS} chunks), median µs per call",
        line("", "", "non-stream", "× (gb)", "stream", "× (gb)"),
    ]
    rows = (
        ("gb", "google-genai over httpx2.MockTransport"),
        ("gc", "traceops_nb Replayer"),
        ("gc1", "same, every call an answer's first replay"),
    )
    for key, label in rows:
        ns, st = gemini[key]["nonstream_us"], gemini[key]["stream_us"]
        lines.append(line(key, label, us(ns), times(ns, base["nonstream_us"]), us(st), times(st, base["stream_us"])))
    return lines


# --------------------------------------------------------------------------- report


def line(key: str, label: str, *cells: str) -> str:
    """One table line: a row key, a 46-character label, then right-aligned cells."""
    return f"{key:<3} {label:<46}" + "".join(f"{cell:>12}" for cell in cells)


def us(value: float) -> str:
    return f"{value:.1f}"


def times(value: float, base: float) -> str:
    return f"{value / base:.2f}×"


def replay_table(bench: Bench, replay: dict[str, dict[str, Any]]) -> list[str]:
    base = replay["b"]
    lines = [
        "Replay of one chat.completions.create: median µs per call, and as a multiple of row (b)",
        line("", "", "non-stream", "× (b)", "stream", "× (b)"),
    ]
    for key, row in replay.items():
        ns, st = row["nonstream_us"], row["stream_us"]
        lines.append(
            line(key, row["label"], us(ns), times(ns, base["nonstream_us"]), us(st), times(st, base["stream_us"]))
        )
    for ours in ("c", "c1"):
        c = replay[ours]
        for key in ("d", "d'"):
            d = replay[key]
            label = f"replay speedup vs VCR.py = ({key}) / ({ours})"
            lines.append(
                line("", label, times(d["nonstream_us"], c["nonstream_us"]), "", times(d["stream_us"], c["stream_us"]))
            )
    by_classes: dict[tuple[str, str], list[str]] = {}
    for key, classes in bench.returned.items():
        if key in replay:
            by_classes.setdefault(classes, []).append(f"({key})")
    lines += [
        f"    {', '.join(keys)} return {whole}; stream chunks are {chunk}"
        for (whole, chunk), keys in by_classes.items()
    ]
    lines.append(
        f"    stream chunks the caller iterates: {bench.chunks_seen.get('b', '?')} through the SDK, "
        f"{bench.chunks_seen.get('e', '?')} from TraceOps (it re-splits the stored text in 20-character pieces)"
    )
    return lines


def recording_table(recording: dict[str, dict[str, float]]) -> list[str]:
    ns, st = recording["nonstream"], recording["stream"]
    return [
        "(f) Recording overhead: call to the fake server on 127.0.0.1, median µs per call",
        line("", "", "non-stream", "", "stream"),
        line("", "without recording", us(ns["plain_us"]), "", us(st["plain_us"])),
        line("", "inside a traceops_nb Recorder (not saved)", us(ns["recorded_us"]), "", us(st["recorded_us"])),
        line("", "overhead", f"{ns['overhead_pct']:+.1f}%", "", f"{st['overhead_pct']:+.1f}%"),
    ]


def load_table(loads: dict[str, dict[str, Any]]) -> list[str]:
    def seconds(value: tuple[float, int] | None) -> str:
        return "skipped" if value is None else f"{value[0]:.3f} s ({value[1]})"

    def sizes(row: dict[str, Any]) -> str:
        return f"{row['nb_mb']:.1f} / " + ("skipped" if row["traceops_mb"] is None else f"{row['traceops_mb']:.1f}")

    lines = [
        "(g) Cassette load: median seconds (number of runs)",
        line("", "", *(f"{int(count):,} calls".rjust(16) for count in loads)),
        line("", "file size, MB: traceops_nb / TraceOps", *(sizes(row).rjust(16) for row in loads.values())),
    ]
    for key, label in (
        ("nb_cold", "traceops_nb cold (both caches cleared)"),
        ("nb_warm", "traceops_nb warm (disk cache kept)"),
        ("nb_repeat", "traceops_nb in-process repeat"),
        ("traceops", "TraceOps 0.5 load_cassette"),
    ):
        lines.append(line("", label, *(seconds(row[key]).rjust(16) for row in loads.values())))
    return lines


def report(bench: Bench, env: dict[str, Any], replay: Any, recording: Any, loads: Any, gemini: Any) -> str:
    versions = env["versions"]
    lines = [
        f"traceops_nb replay benchmark: N={bench.n} timed calls per cell after {bench.warmup} warm-up calls",
        f"traceops_nb {versions['traceops_nb']} at git {env['git_head']}"
        f"{' + uncommitted changes' if env['traceops_nb_dirty'] else ''}; openai {versions['openai']}, "
        f"vcrpy {versions['vcrpy']}, traceops {versions['traceops']}, Python {env['python']}",
        "",
        *replay_table(bench, replay),
        "",
        *recording_table(recording),
        "",
        *load_table(loads),
        "",
        *gemini_table(gemini),
    ]
    if bench.notes:
        lines += ["", "Notes:"] + [f"- {note}" for note in bench.notes]
    return "\n".join(lines)


def environment() -> dict[str, Any]:
    def git(*args: str) -> str:
        try:
            # GIT_OPTIONAL_LOCKS=0: never take the index lock another process may need at the same moment
            run = subprocess.run(
                ["git", *args],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
            )
            return run.stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "?"

    return {
        "python": platform.python_version(),
        "machine": platform.platform(),
        "versions": {
            name: metadata.version(name)
            for name in ("traceops_nb", "openai", "google-genai", "httpx2", "vcrpy", "traceops", "pydantic", "PyYAML")
        },
        "git_head": git("rev-parse", "--short", "HEAD"),
        "traceops_nb_dirty": bool(git("status", "--porcelain", "--", "traceops_nb")),
    }


def run_gemini_only(n: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-gemini-") as work:
        os.environ["TRACEOPS_CACHE_DIR"] = str(Path(work) / "cache")
        server = fakellm.FakeLLMServer().start()
        bench = Bench(n=n, warmup=max(20, n // 10), work=Path(work), server=server, base_url=server.openai_base_url)
        try:
            bodies = record_gemini(bench)
        finally:
            server.stop()
        gemini = measure_gemini(bench, bodies)
    print()
    print("\n".join(gemini_table(gemini)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="N=200 calls per cell (a smoke run)")
    parser.add_argument("-n", type=int, default=None, help="timed calls per cell (default 1000, 200 with --quick)")
    parser.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    parser.add_argument(
        "--skip-slow", action="store_true", help="skip TraceOps at 10,000 calls (reported ~39 s a load)"
    )
    parser.add_argument("--gemini-only", action="store_true", help="only the Gemini rows (gb, gc, gc1)")
    args = parser.parse_args()
    n = args.n or (200 if args.quick else 1000)
    env = environment()  # the code under test as imported now (another change may land during the run)
    if args.gemini_only:
        run_gemini_only(n)
        return

    with tempfile.TemporaryDirectory(prefix="bench-replay-") as work:
        os.environ["TRACEOPS_CACHE_DIR"] = str(Path(work) / "cache")  # never the user's cache
        server = fakellm.FakeLLMServer().start()
        bench = Bench(n=n, warmup=max(20, n // 10), work=Path(work), server=server, base_url=server.openai_base_url)
        try:
            capture_bodies(bench)
            replay: dict[str, dict[str, Any]] = {}
            print("replay rows before traceops_nb is installed:")
            if nb_intercept._installed:
                raise AssertionError("traceops_nb's patches were installed before row (b)")
            measure_rows(bench, BEFORE_PATCHES, replay)
            print("recording cassettes against the fake server…")
            record_cassettes(bench)
            print("recording overhead:")
            recording = measure_recording_overhead(bench)
            gemini_bodies = record_gemini(bench)
        finally:
            server.stop()
        print("replay rows (fake server stopped):")
        measure_rows(bench, AFTER_RECORDING, replay)
        print("cassette loading:")
        loads = measure_loads(bench, args.skip_slow)
        print("Gemini replay:")
        gemini = measure_gemini(bench, gemini_bodies)

    if args.skip_slow:
        bench.notes.append(f"--skip-slow: TraceOps at {max(LOAD_SIZES):,} calls was not built or loaded.")
    print()
    print(report(bench, env, replay, recording, loads, gemini))
    if args.json:
        document = {
            "n": n,
            "warmup": bench.warmup,
            "environment": env,
            "replay_us": replay,
            "speedup_vs_vcr": {
                f"{row}/{ours}": {
                    kind: replay[row][f"{kind}_us"] / replay[ours][f"{kind}_us"] for kind in ("nonstream", "stream")
                }
                for ours in ("c", "c1")
                for row in ("d", "d'")
            },
            "stream_chunks_seen": bench.chunks_seen,
            "returned_classes": bench.returned,
            "recording": recording,
            "load_seconds": {
                size: {
                    k: (v if k.endswith("_mb") or v is None else {"median_s": v[0], "runs": v[1]})
                    for k, v in row.items()
                }
                for size, row in loads.items()
            },
            "gemini_us": gemini,
            "notes": bench.notes,
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n")
        print(f"\nJSON written to {args.json}")


if __name__ == "__main__":
    main()
