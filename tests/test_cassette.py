"""Cassette files: readable YAML, safe loading, versions, atomic writes, and failures that lose nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from clients import make_client
from fakellm import FakeLLMServer
from scenarios import GPT, user

from traceops_nb import CassetteFormatError, Recorder, Replayer, cassette, load_cassette, save_cassette
from traceops_nb.cassette import file as cassette_module


def record_one(server: FakeLLMServer, path: Path, text: str = "hello\nworld") -> None:
    with Recorder(path, mode="rewrite"):
        make_client("openai", server).chat.completions.create(model=GPT, messages=user(text))


def test_json_is_stored_as_structured_yaml(server: FakeLLMServer, cassette_path: Path) -> None:
    record_one(server, cassette_path)
    doc = yaml.safe_load(cassette_path.read_text())
    assert doc["version"] == 1
    request = doc["interactions"][0]["request"]
    assert request["body"]["messages"][0]["content"] == "hello\nworld"
    assert "content: |-\n" in cassette_path.read_text()  # multi-line text as a readable block
    assert isinstance(doc["interactions"][0]["response"]["body"]["usage"], dict)


def test_streams_are_stored_as_their_events(server: FakeLLMServer, cassette_path: Path) -> None:
    with Recorder(cassette_path, mode="rewrite"):
        list(make_client("openai", server).chat.completions.create(model=GPT, messages=user("a b"), stream=True))
    stored = yaml.safe_load(cassette_path.read_text())["interactions"][0]
    events = stored["response"]["events"]
    assert stored["stream"] is True and stored["first_byte_ms"] >= 0
    assert events[-1] == {"text": "[DONE]"}
    assert "".join(e["data"]["choices"][0]["delta"].get("content") or "" for e in events[:-1]) == "echo: a b"


def test_a_yaml_tag_that_would_run_code_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    hostile = tmp_path / "hostile.yaml"
    hostile.write_text(f"version: 1\ninteractions: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(CassetteFormatError, match="not allowed"):
        load_cassette(hostile)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("version: 1\ninteractions: [\n", "not valid YAML"),
        ("- just\n- a list\n", "not a traceops_nb cassette"),
        ("version: 99\ninteractions: []\n", "has version 99"),
        ("version: 1\ninteractions:\n- provider: openai\n", "wrong shape"),
    ],
)
def test_unreadable_cassettes_give_a_clear_error(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(CassetteFormatError, match=expected):
        Replayer(path).__enter__()


def test_a_failing_block_never_replaces_a_good_cassette(server: FakeLLMServer, cassette_path: Path) -> None:
    record_one(server, cassette_path, "good")
    before = cassette_path.read_bytes()
    client = make_client("openai", server)
    with pytest.raises(KeyError), Recorder(cassette_path, mode="rewrite", keep_partial=True) as recorder:
        client.chat.completions.create(model=GPT, messages=user("partial"))
        raise KeyError("the agent crashed")
    assert cassette_path.read_bytes() == before
    assert recorder.trace.interactions[0].request.body["messages"][0]["content"] == "partial"
    assert recorder.partial_path == cassette_path.with_name(cassette_path.stem + ".partial.yaml")
    assert load_cassette(recorder.partial_path).trajectory == [f"llm:{GPT}"]


def test_an_interrupted_write_leaves_the_old_file(
    server: FakeLLMServer, cassette_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record_one(server, cassette_path, "old")
    before = cassette_path.read_bytes()

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        record_one(server, cassette_path, "new")
    assert cassette_path.read_bytes() == before
    assert [p.name for p in cassette_path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_save_and_load_round_trip(server: FakeLLMServer, cassette_path: Path, tmp_path: Path) -> None:
    record_one(server, cassette_path)
    trace = load_cassette(cassette_path)
    copy = tmp_path / "nested" / "copy.yaml"
    save_cassette(trace, copy)
    assert [i.to_dict() for i in load_cassette(copy).interactions] == [i.to_dict() for i in trace.interactions]


def test_large_cassettes_are_parsed_once(
    server: FakeLLMServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACEOPS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cassette_module, "DISK_CACHE_MIN_BYTES", 0)
    path = tmp_path / "big.yaml"
    with cassette(path, mode="rewrite"):
        client = make_client("openai", server)
        for n in range(3):
            client.chat.completions.create(model=GPT, messages=user(f"q{n}"))
    cassette_module._parsed.clear()
    first = load_cassette(path)
    cached = list((tmp_path / "cache" / "traceops_nb").glob("*.json"))
    assert len(cached) == 1
    cassette_module._parsed.clear()
    parses: list[object] = []
    real_parse = cassette_module._parse
    monkeypatch.setattr(cassette_module, "_parse", lambda *a: parses.append(a) or real_parse(*a))
    assert load_cassette(path).trajectory == first.trajectory  # served from the disk cache
    assert parses == []
    path.write_text(path.read_text().replace("q0", "q9"))  # a changed file is parsed afresh
    changed = load_cassette(path)
    assert len(parses) == 1
    assert changed.interactions[0].request.body["messages"][0]["content"] == "q9"


TRICKY = (
    'multi\nline "quoted" text: yes',
    "yes",
    "1e3",
    "-2.5E+3",
    "~",
    "2026-01-01",
    "1_000",
    "0x1F",
    "  padded ",
    "tab\there",
    "nbsp\u00a0é ✓ \u2028",
    "# not a comment",
    "",
    "null",
    "@at",
    "- dash",
    "{brace}",
)


def test_the_fast_loader_reads_exactly_what_the_safe_loader_reads(server: FakeLLMServer, cassette_path: Path) -> None:
    from traceops_nb.cassette import fastyaml

    with Recorder(cassette_path, mode="rewrite"):
        client = make_client("openai", server)
        for text in TRICKY:
            client.chat.completions.create(model=GPT, messages=user(text), temperature=0.5, max_tokens=10**6)
        list(client.chat.completions.create(model=GPT, messages=user("stream ✓ é"), stream=True))
    raw = cassette_path.read_bytes()
    fast = fastyaml.load(raw)
    assert fast is not None  # the fast route was taken
    assert fast == yaml.safe_load(raw)
    assert [i.request.body["messages"][0]["content"] for i in load_cassette(cassette_path).interactions][:-1] == list(
        TRICKY
    )


def test_an_edited_cassette_goes_to_the_safe_loader(server: FakeLLMServer, cassette_path: Path) -> None:
    from traceops_nb.cassette import fastyaml

    record_one(server, cassette_path, "original")
    edited = cassette_path.read_bytes().replace(b"content: original", b"content: yes")
    assert fastyaml.load(edited) is None
    cassette_path.write_bytes(edited)
    assert load_cassette(cassette_path).interactions[0].request.body["messages"][0]["content"] is True  # YAML 1.1


@pytest.mark.parametrize(
    "document",
    [b"a: !!python/object/apply:os.system ['true']\n", b"a: .nan\n", b"a: [\n"],
)
def test_only_sealed_untouched_documents_take_the_fast_route(document: bytes) -> None:
    from traceops_nb.cassette import fastyaml

    assert fastyaml.load(document) is None
    assert fastyaml.load(fastyaml.SEAL + b"0" * 64 + b"\n" + document) is None  # a seal that does not match
    if b"!!" not in document and b"[" not in document:
        assert fastyaml.load(fastyaml.seal(document)) is None  # sealed, but .nan is not JSON
