"""Faults while saving: a full disk, a folder that cannot be written, an interrupt. The old cassette is
untouched, no temporary file is left, the error is one line, and the recording can still be written."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from clients import make_client
from fakellm import FakeLLMServer
from IPython.core.interactiveshell import InteractiveShell
from scenarios import GPT, user

from traceops_nb import Recorder, load_cassette
from traceops_nb.errors import CassetteSaveError

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
LONG = "x" * 20_000  # three of these answers do not fit in the 48 KiB file system


@contextlib.contextmanager
def own_folder(folder: Path, size: str) -> Iterator[Path]:
    """A folder on a real file system of its own (a tmpfs of this size) when the tests run as root, as in
    CI; elsewhere a plain folder."""
    folder.mkdir(parents=True, exist_ok=True)
    if not IS_ROOT:
        yield folder
        return
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@pytest.fixture
def full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A small real file system that fills up; where none can be mounted, a folder whose writes fail with
    ENOSPC at the sync, as a full disk's do."""

    def no_space(fd: int) -> None:
        if str(tmp_path / "small") in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if not IS_ROOT:
        monkeypatch.setattr(os, "fsync", no_space)
    with own_folder(tmp_path / "small", "48k") as folder:
        yield folder


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    """A folder make_read_only() makes unwritable: a remount as root (root ignores permissions), else mode 555."""
    with own_folder(tmp_path / "read-only", "1m") as folder:
        yield folder
        if not IS_ROOT:
            folder.chmod(0o755)  # so that pytest can remove it


def make_read_only(folder: Path) -> None:
    if IS_ROOT:
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    else:
        folder.chmod(0o555)


def record_long_answers(server: FakeLLMServer, path: Path) -> Recorder:
    client = make_client("openai", server)
    recorder = Recorder(path, mode="rewrite")
    with recorder:
        for n in range(3):
            client.chat.completions.create(model=GPT, messages=user(f"{n} {LONG}"))
    return recorder


def test_a_full_disk_leaves_the_old_cassette_and_no_temporary_file(
    full_disk: Path, server: FakeLLMServer, tmp_path: Path
) -> None:
    cassette = full_disk / "agent.yaml"
    with Recorder(cassette, mode="rewrite"):
        make_client("openai", server).chat.completions.create(model=GPT, messages=user("the good one"))
    before = cassette.read_bytes()

    with pytest.raises(CassetteSaveError) as caught:
        record_long_answers(server, cassette)
    message = str(caught.value)
    assert "\n" not in message
    assert f"cannot save cassette {cassette}: No space left on device (ENOSPC)" in message
    assert ".save(OTHER_PATH)" in message
    assert cassette.read_bytes() == before
    assert sorted(path.name for path in full_disk.iterdir()) == ["agent.yaml"]


def test_after_a_failed_save_the_recording_is_written_elsewhere(
    full_disk: Path, server: FakeLLMServer, tmp_path: Path
) -> None:
    recorder = Recorder(full_disk / "agent.yaml", mode="rewrite")
    client = make_client("openai", server)
    with pytest.raises(CassetteSaveError), recorder:
        for n in range(3):
            client.chat.completions.create(model=GPT, messages=user(f"{n} {LONG}"))
    written = recorder.save(tmp_path / "elsewhere" / "agent.yaml")
    assert [event.output_text[:8] for event in load_cassette(written).events] == ["echo: 0 ", "echo: 1 ", "echo: 2 "]
    assert len(server.requests) == 3  # nothing was asked twice


def test_a_folder_that_cannot_be_written(read_only: Path, server: FakeLLMServer, tmp_path: Path) -> None:
    cassette = read_only / "agent.yaml"
    with Recorder(cassette, mode="rewrite"):
        make_client("openai", server).chat.completions.create(model=GPT, messages=user("the good one"))
    before = cassette.read_bytes()
    make_read_only(read_only)

    recorder = Recorder(cassette, mode="rewrite")
    with pytest.raises(CassetteSaveError) as caught, recorder:
        make_client("openai", server).chat.completions.create(model=GPT, messages=user("new"))
    message = str(caught.value)
    assert "\n" not in message and f"cannot save cassette {cassette}: " in message
    assert ("Read-only file system (EROFS)" if IS_ROOT else "Permission denied (EACCES)") in message
    assert cassette.read_bytes() == before
    assert sorted(path.name for path in read_only.iterdir()) == ["agent.yaml"]
    assert load_cassette(recorder.save(tmp_path / "agent.yaml")).events[0].output_text == "echo: new"


def test_an_interrupt_keeps_what_was_recorded_and_the_old_cassette(server: FakeLLMServer, cassette_path: Path) -> None:
    client = make_client("openai", server)
    with Recorder(cassette_path, mode="rewrite"):
        client.chat.completions.create(model=GPT, messages=user("old"))
    before = cassette_path.read_bytes()

    recorder = Recorder(cassette_path, mode="rewrite", keep_partial=True)
    with pytest.raises(KeyboardInterrupt), recorder:
        client.chat.completions.create(model=GPT, messages=user("first"))
        raise KeyboardInterrupt  # Ctrl-C between two calls
    assert cassette_path.read_bytes() == before
    assert [event.output_text for event in recorder.trace.events] == ["echo: first"]
    assert recorder.partial_path is not None
    assert [event.output_text for event in load_cassette(recorder.partial_path).events] == ["echo: first"]
    assert not [path for path in cassette_path.parent.iterdir() if path.name.endswith(".tmp")]


def test_a_notebook_cell_says_how_to_save_elsewhere(shell: InteractiveShell, full_disk: Path, tmp_path: Path) -> None:
    cassette = full_disk / "agent.yaml"
    ask = "client.chat.completions.create(model={model!r}, messages=[{{'role': 'user', 'content': {text!r}}}])"
    cell = "\n".join(ask.format(model=GPT, text=f"{n} {LONG}") for n in range(3))
    result = shell.run_cell(f"%%record {cassette}\n{cell}")
    assert isinstance(result.error_in_exec, CassetteSaveError)
    assert "%traceops save OTHER_PATH" in str(result.error_in_exec)
    saved = shell.run_line_magic("traceops", f"save {tmp_path / 'kept.yaml'}")
    assert str(tmp_path / "kept.yaml") in str(saved)
    assert len(load_cassette(tmp_path / "kept.yaml").events) == 3
