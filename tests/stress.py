"""Many callers at once: threads and asyncio tasks making mixed SDK calls (chat, streams, Responses, Anthropic
messages and streams), each with a prompt of its own, recorded and replayed. Used by tests/test_stress.py
and benchmarks/bench_stress.py."""

from __future__ import annotations

import asyncio
import bisect
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import anthropic
import openai
from clients import ANTHROPIC_TEST_KEY, OPENAI_TEST_KEY
from fakellm import FakeLLMServer

KINDS = ("chat", "chat_stream", "responses", "messages", "messages_stream")
GPT, CLAUDE = "gpt-5.4-mini", "claude-sonnet-4-6"


@dataclass
class Done:
    """One call as its caller saw it: what it asked, what it got, and when it started and finished."""

    index: int
    answer: str
    started: float
    finished: float

    @property
    def prompt(self) -> str:
        return prompt_of(self.index)


def prompt_of(index: int) -> str:
    return f"call {index} of kind {KINDS[index % len(KINDS)]}"


@dataclass
class Clients:
    openai: Any
    anthropic: Any
    async_openai: Any
    async_anthropic: Any

    @classmethod
    def for_server(cls, openai_url: str, anthropic_url: str) -> Clients:
        common: dict[str, Any] = {"max_retries": 0}
        return cls(
            openai.OpenAI(api_key=OPENAI_TEST_KEY, base_url=openai_url, **common),
            anthropic.Anthropic(api_key=ANTHROPIC_TEST_KEY, base_url=anthropic_url, **common),
            openai.AsyncOpenAI(api_key=OPENAI_TEST_KEY, base_url=openai_url, **common),
            anthropic.AsyncAnthropic(api_key=ANTHROPIC_TEST_KEY, base_url=anthropic_url, **common),
        )


def clients_for(server: FakeLLMServer) -> Clients:
    return Clients.for_server(server.openai_base_url, server.anthropic_base_url)


def call(clients: Clients, index: int) -> str:
    kind, messages = KINDS[index % len(KINDS)], [{"role": "user", "content": prompt_of(index)}]
    if kind == "chat":
        return clients.openai.chat.completions.create(model=GPT, messages=messages).choices[0].message.content
    if kind == "chat_stream":
        chunks = clients.openai.chat.completions.create(model=GPT, messages=messages, stream=True)
        return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    if kind == "responses":
        return clients.openai.responses.create(model=GPT, input=prompt_of(index)).output_text
    if kind == "messages":
        return clients.anthropic.messages.create(model=CLAUDE, max_tokens=64, messages=messages).content[0].text
    with clients.anthropic.messages.stream(model=CLAUDE, max_tokens=64, messages=messages) as stream:
        return "".join(stream.text_stream)


async def acall(clients: Clients, index: int) -> str:
    kind, messages = KINDS[index % len(KINDS)], [{"role": "user", "content": prompt_of(index)}]
    if kind == "chat":
        reply = await clients.async_openai.chat.completions.create(model=GPT, messages=messages)
        return reply.choices[0].message.content
    if kind == "chat_stream":
        chunks = await clients.async_openai.chat.completions.create(model=GPT, messages=messages, stream=True)
        return "".join([chunk.choices[0].delta.content or "" async for chunk in chunks if chunk.choices])
    if kind == "responses":
        return (await clients.async_openai.responses.create(model=GPT, input=prompt_of(index))).output_text
    if kind == "messages":
        reply = await clients.async_anthropic.messages.create(model=CLAUDE, max_tokens=64, messages=messages)
        return reply.content[0].text
    async with clients.async_anthropic.messages.stream(model=CLAUDE, max_tokens=64, messages=messages) as stream:
        return "".join([text async for text in stream.text_stream])


def run_all(
    clients: Clients, sync_order: Sequence[int], async_order: Sequence[int], threads: int, tasks: int
) -> list[Done]:
    """The sync calls spread over `threads` threads, the async ones over `tasks` tasks of one event loop,
    all at once. Every caller's own view of its calls is returned."""
    done: list[Done] = []
    lock = threading.Lock()

    def keep(index: int, answer: str, started: float) -> None:
        with lock:
            done.append(Done(index, answer, started, time.perf_counter()))

    def thread_worker(share: Sequence[int]) -> None:
        for index in share:
            started = time.perf_counter()
            keep(index, call(clients, index), started)

    async def task_worker(share: Sequence[int]) -> None:
        for index in share:
            started = time.perf_counter()
            keep(index, await acall(clients, index), started)

    async def all_tasks() -> None:
        await asyncio.gather(*(task_worker(async_order[n::tasks]) for n in range(tasks)))

    workers = [threading.Thread(target=thread_worker, args=(sync_order[n::threads],)) for n in range(threads)]
    for worker in workers:
        worker.start()
    asyncio.run(all_tasks())
    for worker in workers:
        worker.join()
    return done


def split(calls: int, seed: int | None = None) -> tuple[list[int], list[int]]:
    """Even indexes to the threads, odd ones to the tasks; shuffled when a seed is given."""
    sync_order, async_order = list(range(0, calls, 2)), list(range(1, calls, 2))
    if seed is not None:
        random.Random(seed).shuffle(sync_order)
        random.Random(seed + 1).shuffle(async_order)
    return sync_order, async_order


def order_violations(done: Sequence[Done], position: dict[str, int]) -> list[tuple[str, str]]:
    """Pairs (A, B) where A's caller had finished before B's started, yet the trace puts B first."""
    by_end = sorted(done, key=lambda item: item.finished)
    ends = [item.finished for item in by_end]
    latest = []  # latest[k]: the call with the highest trace position among the first k+1 to finish
    for item in by_end:
        if not latest or position[item.prompt] > position[latest[-1].prompt]:
            latest.append(item)
        else:
            latest.append(latest[-1])
    found = []
    for item in done:
        before = bisect.bisect_left(ends, item.started)  # calls that finished before this one started
        if before and position[latest[before - 1].prompt] > position[item.prompt]:
            found.append((latest[before - 1].prompt, item.prompt))
    return found


def positions(trace: Any) -> dict[str, int]:
    """Each prompt's place in the trace's interactions."""
    return {prompt_in(interaction.request.body): i for i, interaction in enumerate(trace.interactions)}


def prompt_in(body: dict[str, Any]) -> str:
    if "input" in body:
        return str(body["input"])
    return str(body["messages"][0]["content"])
