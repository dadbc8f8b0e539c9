"""Load benchmark: the run of tests/test_stress.py, timed. 32 threads and 200 asyncio tasks make 2,000 mixed
calls at once (chat, chat streams, Responses, Anthropic messages and message streams) against the fake
LLM server, recorded; then the same calls replayed in a shuffled order with the server stopped.

    python benchmarks/bench_stress.py [--calls 2000] [--threads 32] [--tasks 200]

Prints the wall time of the recording and of the replay (time.perf_counter around each session), and the
process's peak resident memory (ru_maxrss) after each, with the memory it held before the first call.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the fake LLM server and the load scenario

import fakellm  # noqa: E402
import stress  # noqa: E402

from traceops_nb import Recorder, Replayer  # noqa: E402


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--tasks", type=int, default=200)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp()) / "stress.yaml"
    print(f"{args.calls} calls, {args.threads} threads, {args.tasks} asyncio tasks; before: {peak_mib():.0f} MiB")
    with fakellm.FakeLLMServer() as server:
        clients = stress.clients_for(server)
        started = time.perf_counter()
        with Recorder(path, mode="rewrite"):
            stress.run_all(clients, *stress.split(args.calls), args.threads, args.tasks)
        recorded = time.perf_counter() - started
        print(f"record (cassette written): {recorded:.1f} s, peak {peak_mib():.0f} MiB")
    started = time.perf_counter()
    with Replayer(path):
        stress.run_all(clients, *stress.split(args.calls, seed=14), args.threads, args.tasks)
    replayed = time.perf_counter() - started
    print(f"replay, shuffled: {replayed:.1f} s, peak {peak_mib():.0f} MiB; cassette {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
