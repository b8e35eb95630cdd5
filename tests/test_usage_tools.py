"""Usage and cost (ychat/cost.py, /usage, --json, the --status toolbar) and the editor, clipboard
and file commands (ychat/editor.py: /edit, /copy over OSC 52, /file)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pexpect
import pytest

from tests.conftest import in_process_client, ychat_env
from tests.helpers import ENTER, Dialogue, Recorder, assert_one_error_line, sent, spawn, ychat
from ychat.conversation import Conversation
from ychat.core import Usage
from ychat.models.prices import BASE_RUB, Price, cost, describe, price_of
from ychat.repl.editor import last_code_block
from ychat.repl.session import ChatOptions, Session
from ychat.server.http import RunningServer
from ychat.testing import Emulator, Reply


def test_prices_by_model_and_half_for_deferred() -> None:
    assert price_of("yandexgpt-lite") == Price(BASE_RUB, BASE_RUB)
    assert price_of("gpt://b1g/yandexgpt/latest") == Price(6 * BASE_RUB, 6 * BASE_RUB)
    assert price_of("gpt://b1g/yandexgpt/rc") == Price(2 * BASE_RUB, 2 * BASE_RUB)
    assert price_of("aliceai-llm") == Price(2.5 * BASE_RUB, 10 * BASE_RUB)
    assert price_of("qwen3-235b-a22b-fp8") is None and price_of("anything", override=1.5) == Price(1.5, 1.5)
    usage = Usage(input_tokens=2_000, completion_tokens=1_000, total_tokens=3_000)
    assert cost(usage, price_of("yandexgpt")) == pytest.approx(3.6)  # 3 000 tokens at 1.20 ₽ per 1 000
    assert cost(usage, price_of("yandexgpt"), deferred=True) == pytest.approx(1.8)
    assert cost(usage, price_of("aliceai-llm")) == pytest.approx(2 * 0.5 + 1 * 2.0)
    assert describe(usage, 3.6) == "2,000 in, 1,000 out, 3,000 total · ≈3.6000 ₽"


def test_usage_command_sums_the_session(emulator: Emulator) -> None:
    usages = ({"inputTextTokens": "1000", "completionTokens": "500", "totalTokens": "1500"},)
    emulator.enqueue(Reply(texts=("one",), usages=usages), Reply(texts=("two",), usages=usages))
    renderer = Recorder()
    session = Session(in_process_client(emulator), renderer, Conversation(), ChatOptions("yandexgpt-lite"))
    session.run(iter(["a", "b", "/usage", "/exit"]).__next__)
    shown = renderer.infos()
    assert "Last reply: 1,000 in, 500 out, 1,500 total · ≈0.3000 ₽" in shown
    assert "Session, 2 replies: 2,000 in, 1,000 out, 3,000 total · ≈0.6000 ₽" in shown
    assert "estimate" in shown


def test_json_one_off(server: RunningServer, tmp_path: Path) -> None:
    result = ychat(server.url, tmp_path, "--json", "hello there", YCHAT_DATA_DIR=str(tmp_path / "data"))
    assert result.returncode == 0
    record = json.loads(result.stdout.decode())
    assert record["text"] == "Echo: hello there" and record["finish_reason"] == "stop"
    assert record["usage"]["completion_tokens"] == 3 and record["request_id"]
    listed = ychat(None, tmp_path, "history", "list", "--json", YCHAT_DATA_DIR=str(tmp_path / "data"))
    assert json.loads(listed.stdout.decode())["id"] == record["conversation_id"]


def test_json_needs_a_one_off(tmp_path: Path) -> None:
    child = spawn(ychat_env(tmp_path, None), "--json")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2 and "--json is for a one-off" in child.logfile_read.getvalue()


def repl(server: RunningServer, tmp_path: Path, *args: str, **env: str):  # type: ignore[no-untyped-def]
    child = Dialogue.start(ychat_env(tmp_path, server.url, YCHAT_DATA_DIR=str(tmp_path / "data"), **env), *args)
    return child


def finish(child) -> None:  # type: ignore[no-untyped-def]
    child.send("/exit" + ENTER)
    child.expect(pexpect.EOF)


def test_edit_sends_what_the_editor_saved(server: RunningServer, tmp_path: Path) -> None:
    script = tmp_path / "editor.sh"
    script.write_text('#!/bin/sh\nprintf "written in the editor\\nsecond line\\n" > "$1"\n')
    script.chmod(0o755)
    child = repl(server, tmp_path, EDITOR=str(script))
    child.send("/edit" + ENTER)
    child.expect_exact("Echo: written in the editor")
    finish(child)
    assert sent(server.emulator) == [("user", "written in the editor\nsecond line")]


def test_edit_without_an_editor_says_so(server: RunningServer, tmp_path: Path) -> None:
    child = repl(server, tmp_path, EDITOR="", VISUAL="")
    child.send("/edit" + ENTER)
    child.expect_exact("no editor: set VISUAL or EDITOR")
    finish(child)


def test_copy_goes_to_the_terminal_as_osc52(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(Reply.of("Run this:\n\n```bash\nls -la\n```\n\nDone."))
    child = repl(server, tmp_path, PATH="/usr/bin:/bin")
    child.ask("show me", "Done.")
    child.send("/copy code" + ENTER)
    child.expect_exact("Copied 6 characters: OSC 52")
    child.send("/copy" + ENTER)
    child.expect_exact("Copied")
    finish(child)
    output = child.logfile_read.getvalue()
    assert f"\x1b]52;c;{base64.b64encode(b'ls -la').decode()}\x07" in output
    whole = "Run this:\n\n```bash\nls -la\n```\n\nDone."
    assert f"\x1b]52;c;{base64.b64encode(whole.encode()).decode()}\x07" in output


def test_last_code_block() -> None:
    assert last_code_block("a\n```\nfirst\n```\nb\n~~~py\nsecond\nthird\n~~~\n") == "second\nthird"
    assert last_code_block("no code") is None


@pytest.fixture
def short_dir():  # type: ignore[no-untyped-def]
    """Files with short paths, so that error lines naming them fit the 80-column screen."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="yf"))
    yield folder
    shutil.rmtree(folder)


def test_file_attaches_text_and_refuses_binary(server: RunningServer, tmp_path: Path, short_dir: Path) -> None:
    (short_dir / "notes.txt").write_text("line one\nline two\n")
    (short_dir / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")  # a picture's start, cut short
    (short_dir / "data.bin").write_bytes(b"\x00\x01binary")
    (short_dir / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    child = repl(server, tmp_path)
    child.ask(f"/file {short_dir / 'data.bin'}", "looks binary")
    child.ask(
        f"/file {short_dir / 'image.png'}", "cannot be read as a picture"
    )  # issue 23: /file hands pictures to /attach
    child.ask(f"/file {short_dir / 'latin1.txt'}", "is not UTF-8 text")
    child.send(f"/file {short_dir / 'notes.txt'}" + ENTER)
    child.expect_exact("notes.txt (18 characters) goes with your next message")
    child.send("summarize" + ENTER)
    child.expect_exact("Echo: summarize")
    finish(child)
    assert sent(server.emulator) == [("user", "summarize\n\nFile notes.txt:\n```\nline one\nline two\n```")]


def test_the_status_toolbar(server: RunningServer, tmp_path: Path) -> None:
    """prompt_toolkit draws a bottom toolbar only once it knows where the cursor is: this terminal
    answers its cursor-position requests (the other tests turn them off)."""
    env = ychat_env(tmp_path, server.url, YCHAT_DATA_DIR=str(tmp_path / "data"), PROMPT_TOOLKIT_NO_CPR="")
    child = spawn(env, "--status")

    def until(pattern: str) -> None:
        while child.expect([r"\x1b\[6n", pattern]) == 0:
            child.send("\x1b[1;1R")  # the cursor is at row 1, column 1

    until(r"yandexgpt · v1 · context 0/32,768")
    child.send("hi" + ENTER)
    until(r"yandexgpt · v1 · context [1-9]\d*/32,768")  # the last reply's tokens of the window
    child.send("/exit" + ENTER)
    child.expect(pexpect.EOF)


def test_a_one_off_that_is_too_long_for_the_window_fails_before_the_request(
    server: RunningServer, tmp_path: Path
) -> None:
    result = ychat(server.url, tmp_path, "--api", "v1alpha", stdin=("word " * 30_000).encode())
    assert result.returncode == 2  # refused here, like any usage error (issue 18)
    assert_one_error_line(result.stderr, "7,400-token window")
    assert server.emulator.requests == []


def test_an_attachment_stays_for_retry_when_the_reply_fails(emulator: Emulator, tmp_path: Path) -> None:
    from ychat.testing import HttpError

    (tmp_path / "notes.txt").write_text("the notes\n")
    emulator.enqueue(HttpError.documented(500))
    renderer = Recorder()
    session = Session(in_process_client(emulator), renderer, Conversation(), ChatOptions("yandexgpt"))
    session.run(iter([f"/file {tmp_path / 'notes.txt'}", "summarize", "/retry", "/exit"]).__next__)
    bodies = [r.body["messages"][-1]["text"] for r in emulator.requests]
    assert bodies == ["summarize\n\nFile notes.txt:\n```\nthe notes\n```"] * 2  # the retry carried the file too
    assert session.attachments == [] and session.conversation.exchanges[-1].user == bodies[-1]


def test_copy_without_a_terminal_or_a_tool_says_so(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    renderer = Recorder()  # its control() returns None: not a terminal
    session = Session(in_process_client(emulator), renderer, Conversation(), ChatOptions("yandexgpt"))
    session.run(iter(["hi", "/copy", "/exit"]).__next__)
    (error,) = renderer.named("error")
    assert "cannot copy: not a terminal and no clipboard tool" in str(error)
