"""The real PromptSession driven through a pipe input (terminal.py)."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from ychat.repl.terminal import make_reader


@pytest.fixture
def typed() -> Iterator:
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        yield pipe


def test_enter_sends(typed, tmp_path: Path) -> None:
    typed.send_text("hello\r")
    assert make_reader(tmp_path / "h", input=typed, output=DummyOutput())() == "hello"


def test_escape_enter_inserts_a_newline(typed, tmp_path: Path) -> None:
    typed.send_text("line one\x1b\rline two\r")
    assert make_reader(tmp_path / "h", input=typed, output=DummyOutput())() == "line one\nline two"


def test_pasted_multiline_text_stays_one_message(typed, tmp_path: Path) -> None:
    typed.send_text("\x1b[200~first\rsecond\nthird\x1b[201~\r")
    assert make_reader(tmp_path / "h", input=typed, output=DummyOutput())() == "first\nsecond\nthird"


def test_ctrl_c_and_ctrl_d(typed, tmp_path: Path) -> None:
    read = make_reader(tmp_path / "h", input=typed, output=DummyOutput())
    typed.send_text("discard me\x03")
    with pytest.raises(KeyboardInterrupt):
        read()
    typed.send_text("\x04")
    with pytest.raises(EOFError):
        read()


def test_history_persists_in_a_private_file(typed, tmp_path: Path) -> None:
    path = tmp_path / "data" / "ychat" / "history"
    typed.send_text("remember me\r")
    make_reader(path, input=typed, output=DummyOutput())()
    assert "remember me" in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    typed.send_text("\x1b[A\r")  # Up recalls it in a new session
    assert make_reader(path, input=typed, output=DummyOutput())() == "remember me"


def test_an_existing_history_readable_by_others_is_made_private(typed, tmp_path: Path) -> None:
    path = tmp_path / "history"
    path.write_text("\n# 2024-01-01\n+old entry\n")
    path.chmod(0o644)
    typed.send_text("secret plans\r")
    make_reader(path, input=typed, output=DummyOutput())()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "old entry" in path.read_text() and "secret plans" in path.read_text()


def test_unwritable_history_still_works_in_the_session(typed, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    read = make_reader(blocker / "sub" / "history", input=typed, output=DummyOutput())
    typed.send_text("kept in memory\r")
    assert read() == "kept in memory"
    typed.send_text("\x1b[A\r")
    assert read() == "kept in memory"


def test_nothing_is_written_before_the_first_entry(typed, tmp_path: Path) -> None:
    path = tmp_path / "data" / "ychat" / "history"
    typed.send_text("\x04")
    with pytest.raises(EOFError):
        make_reader(path, input=typed, output=DummyOutput())()
    assert not (tmp_path / "data").exists()


def test_on_ready_runs_once_when_the_prompt_is_shown(typed, tmp_path: Path) -> None:
    calls: list[int] = []
    read = make_reader(tmp_path / "h", input=typed, output=DummyOutput(), on_ready=lambda: calls.append(1))
    assert calls == []
    typed.send_text("one\rtwo\r")
    assert (read(), read()) == ("one", "two")
    assert calls == [1]


def test_ctrl_r_then_enter_sends_the_match(typed, tmp_path: Path) -> None:
    path = tmp_path / "history"
    for entry in ("remember me", "something else"):
        typed.send_text(entry + "\r")
        make_reader(path, input=typed, output=DummyOutput())()
    typed.send_text("\x12remem\r")  # Ctrl-R, a few letters, Enter
    assert make_reader(path, input=typed, output=DummyOutput())() == "remember me"


@pytest.mark.parametrize(
    ("keys", "line"),
    [
        ("/he\t\r", "/help"),
        ("/tem\t 0.5\r", "/temperature 0.5"),
        ("/model yandexgpt-l\t\r", "/model yandexgpt-lite"),
        ("hello /he\t\r", "hello /he\t"),  # only at the start of the line
    ],
)
def test_tab_completes_commands_and_model_names(typed, tmp_path: Path, keys: str, line: str) -> None:
    from ychat.repl import commands
    from ychat.repl.terminal import CommandCompleter

    completer = CommandCompleter(commands.names(), commands.MODEL_NAMES)
    typed.send_text(keys)
    assert make_reader(tmp_path / "h", input=typed, output=DummyOutput(), completer=completer)() == line


@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_history_path_that_is_no_file_gives_a_memory_history_and_one_note(typed, tmp_path: Path, kind: str) -> None:
    import os

    path = tmp_path / "history"
    path.mkdir() if kind == "folder" else os.mkfifo(path)
    notes: list[str] = []
    read = make_reader(path, input=typed, output=DummyOutput(), note=notes.append)
    typed.send_text("first\r")
    assert read() == "first"
    typed.send_text("\x1b[A\r")  # Up still recalls it, from memory
    assert read() == "first"
    typed.send_text("\x04")
    with pytest.raises(EOFError):
        read()
    assert len(notes) == 1 and "not a regular file" in notes[0]
