"""Issue 18 (5): nothing from a server, a model or a file reaches a terminal raw; pipes and files
get exact bytes. A real terminal emulator (pyte) reads what ychat wrote."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pexpect
import pyte
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import ychat_env
from tests.helpers import ENTER, PROMPT, Dialogue, spawn, ychat
from ychat.render.safe import UNSAFE, for_stream, for_terminal
from ychat.server.http import RunningServer
from ychat.testing import HttpError, Reply

HOSTILE = {
    "title": "\x1b]0;owned title\x07",
    "title2": "\x1b]2;second title\x1b\\",
    "clipboard": "\x1b]52;c;cm0gLXJmIH4=\x07",
    "link": "\x1b]8;;http://evil.example/\x07click me\x1b]8;;\x07",
    "clear": "\x1b[2J\x1b[H",
    "cursor": "\x1b[5A\x1b[10Cmoved",
    "csi8": "\x9b2J",
    "bidi": "abc\u202edcba\u2066x\u2069",
    "bell": "\x07\x08\x0c",
}
REPLY = "Safe start. " + " ".join(HOSTILE.values()) + " Safe end."


def terminal(output: str) -> pyte.Screen:
    screen = pyte.HistoryScreen(100, 40, history=1000)
    pyte.Stream(screen).feed(output)
    return screen


def test_every_escape_family_is_made_visible() -> None:
    shown = for_terminal(REPLY)
    assert UNSAFE.search(shown) is None
    assert "␛]0;owned title␇" in shown and "␛]52;c;" in shown and "⟨U+202E⟩" in shown and "⟨U+009B⟩" in shown
    assert (
        for_terminal("plain\ttext\nwith newlines, ünïcode and emoji 🙂")
        == "plain\ttext\nwith newlines, ünïcode and emoji 🙂"
    )
    assert for_terminal("a\r\nb") == "a\nb" and for_terminal("a\rb") == "a␍b"


@given(st.text())
def test_nothing_unsafe_survives(text: str) -> None:
    assert UNSAFE.search(for_terminal(text)) is None


def test_pipes_and_files_get_exact_text() -> None:
    pipe = io.StringIO()
    assert for_stream(REPLY, pipe) == REPLY


def test_a_hostile_reply_changes_neither_title_clipboard_nor_screen(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(Reply.of(REPLY, chunks=6))
    child = Dialogue.start(ychat_env(tmp_path, server.url, YCHAT_DATA_DIR=str(tmp_path / "data")), dimensions=(40, 100))
    child.ask("hi", "Safe end.")
    child.send("/history" + ENTER)
    child.expect_exact(PROMPT)
    child.send("/exit" + ENTER)
    child.expect(pexpect.EOF)
    raw = child.logfile_read.getvalue()
    for sequence in ("\x1b]0;owned", "\x1b]2;second", "\x1b]52;", "\x1b]8;;http://evil", "\x1b[5A", "\u202e", "\x9b"):
        assert sequence not in raw, sequence
    screen = terminal(raw)
    assert screen.title == "" and screen.icon_name == ""
    text = "\n".join(line.rstrip() for line in screen.display)
    assert "Safe start." in text and "␛]0;owned title␇" in text and "␛]52;c;cm0gLXJmIH4=␇" in text
    assert text.count("Safe start.") == 2  # the reply and /history, each whole, nothing erased above them


def test_a_hostile_reply_to_a_pipe_is_byte_exact(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(Reply.of(REPLY))
    result = ychat(server.url, tmp_path, "hi", YCHAT_DATA_DIR=str(tmp_path / "data"))
    assert result.stdout.decode() == REPLY + "\n"
    server.emulator.enqueue(Reply.of(REPLY))
    as_json = ychat(server.url, tmp_path, "--json", "hi", YCHAT_DATA_DIR=str(tmp_path / "data"))
    assert json.loads(as_json.stdout)["text"] == REPLY
    listed = json.loads(
        ychat(None, tmp_path, "history", "list", "--json", YCHAT_DATA_DIR=str(tmp_path / "data")).stdout.splitlines()[0]
    )
    shown = ychat(None, tmp_path, "history", "show", listed["id"], YCHAT_DATA_DIR=str(tmp_path / "data"))
    assert REPLY in shown.stdout.decode()


def test_history_show_on_a_terminal_is_made_safe(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(Reply.of(REPLY))
    env = ychat_env(tmp_path, server.url, YCHAT_DATA_DIR=str(tmp_path / "data"))
    assert ychat(server.url, tmp_path, "hi", YCHAT_DATA_DIR=str(tmp_path / "data")).returncode == 0
    for args in (["history", "show", "--all"], ["history", "search", "Safe"], ["history", "list"]):
        listed = json.loads(
            ychat(None, tmp_path, "history", "list", "--json", YCHAT_DATA_DIR=str(tmp_path / "data")).stdout
        )
        argv = [*args, listed["id"]] if args[1] == "show" else args
        child = spawn(env, *argv, dimensions=(40, 100))
        child.expect(pexpect.EOF)
        raw = child.logfile_read.getvalue()
        assert "\x1b]0;owned" not in raw and "\x1b]52" not in raw and "\u202e" not in raw, args


def test_a_hostile_server_error_and_model_ids_are_made_safe(server: RunningServer, tmp_path: Path) -> None:
    env = ychat_env(tmp_path, server.url, YCHAT_DATA_DIR=str(tmp_path / "data"))
    server.emulator.enqueue(HttpError.documented(400, "bad \x1b]0;owned title\x07 request \x1b[2J"))
    child = spawn(env, "hi")
    child.expect(pexpect.EOF)
    raw = child.logfile_read.getvalue()
    assert "\x1b]0;owned" not in raw and "\x1b[2J" not in raw and "bad ␛]0;owned title␇ request" in raw
    server.emulator.models = ["yandexgpt/latest", "evil\x1b]0;owned title\x07model"]
    child = spawn(env, "models")
    child.expect(pexpect.EOF)
    raw = child.logfile_read.getvalue()
    assert "\x1b]0;owned" not in raw and "evil␛]0;owned title␇model" in raw
    listed = ychat(server.url, tmp_path, "models")
    assert "evil\x1b]0;owned title\x07model" in listed.stdout.decode()  # a pipe: exact


def test_a_hostile_batch_answer_is_made_safe_on_a_terminal(server: RunningServer, tmp_path: Path) -> None:
    questions = tmp_path / "q.txt"
    questions.write_text("one\ntwo\n")
    server.emulator.enqueue(Reply.of(REPLY), HttpError.documented(400, "nope \x1b]52;c;aGk=\x07"))
    child = spawn(
        ychat_env(tmp_path, server.url, YCHAT_DATA_DIR=str(tmp_path / "data")), "--each-line", "--input", str(questions)
    )
    child.expect(pexpect.EOF)
    raw = child.logfile_read.getvalue()
    assert "\x1b]52" not in raw and "\x1b]0;owned" not in raw and "Safe end." in raw
