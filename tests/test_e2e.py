"""The interactive REPL in a pseudo-terminal (pexpect), typed into as a person would."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import pexpect
import pytest

from tests.conftest import ychat_env
from tests.helpers import ENTER, PROMPT, Dialogue, screen_lines, sent, spawn, ychat
from ychat.server.http import RunningServer
from ychat.testing import HttpError, Reply


@pytest.fixture
def repl(server: RunningServer, tmp_path: Path):
    child = Dialogue.start(ychat_env(tmp_path, server.url))
    yield child
    if child.isalive():
        child.terminate(force=True)


def screen(child: pexpect.spawn) -> list[str]:
    """What a person sees: all output so far replayed on an 80x24 terminal, scrollback included."""
    return [line for line in screen_lines(child.logfile_read.getvalue(), 80, 24) if line]


def say(child: pexpect.spawn, text: str) -> None:
    child.send(text + ENTER)


def quit_with(child: pexpect.spawn, keys: str) -> int:
    child.send(keys)
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def test_three_turns_carry_the_history(repl, server: RunningServer) -> None:
    server.emulator.enqueue(Reply.of("First answer."), Reply.of("Second **answer**."), Reply.of("Third answer."))
    for question, answer in [("one", "First answer."), ("two", "answer"), ("three", "Third answer.")]:
        repl.ask(question, answer)
    shown = screen(repl)
    assert "Second answer." in shown and "**" not in "".join(shown)  # Markdown rendered, not raw
    assert sent(server.emulator) == [
        ("user", "one"),
        ("assistant", "First answer."),
        ("user", "two"),
        ("assistant", "Second **answer**."),
        ("user", "three"),
    ]
    peers = {request.peer for request in server.emulator.requests}
    assert len(peers) == 1 and peers != {":"}  # one keep-alive connection for the whole session
    assert quit_with(repl, "\x04") == 0  # Ctrl-D


def test_ctrl_c_mid_stream_cancels_and_returns_to_the_prompt(repl, server: RunningServer) -> None:
    words = " ".join(f"word{n}" for n in range(200))
    server.emulator.enqueue(Reply.of(words, chunks=200, delay=0.05))
    say(repl, "long story")
    repl.expect_exact("word1")
    repl.send("\x03")
    repl.expect_exact("Cancelled.")
    repl.expect_exact(PROMPT)
    assert "word199" not in repl.logfile_read.getvalue()  # the reply was cut, not waited out
    assert server.emulator.client_left.wait(5), "the request was not closed"
    say(repl, "next")
    repl.expect_exact("Echo: next")
    assert sent(server.emulator) == [("user", "next")]  # the cancelled reply was not recorded
    say(repl, "/exit")
    repl.expect(pexpect.EOF)


def test_retry_and_undo(repl, server: RunningServer) -> None:
    server.emulator.enqueue(Reply.of("Meh."), Reply.of("Better."))
    say(repl, "question")
    repl.expect_exact("Meh.")
    say(repl, "/retry")
    repl.expect_exact("Better.")
    assert sent(server.emulator) == [("user", "question")]
    say(repl, "/undo")
    repl.expect_exact("Dropped: question")
    say(repl, "fresh")
    repl.expect_exact("Echo: fresh")
    assert sent(server.emulator) == [("user", "fresh")]


def test_errors_end_the_turn_not_the_session(repl, server: RunningServer) -> None:
    server.emulator.enqueue(
        Reply.of("Fine."),
        HttpError.documented(401),
        Reply.of("partial", chunks=1, drop=True),
        Reply.of("x", garbage=b"not json"),
    )
    say(repl, "q1")
    repl.expect_exact("Fine.")
    for message in ["HTTP 401", "dropped", "malformed JSON"]:
        say(repl, "q2")
        repl.expect_exact("ychat: error:")
        repl.expect_exact(message)
        repl.expect_exact(PROMPT)
    say(repl, "/retry")
    repl.expect_exact("Echo: q2")
    assert sent(server.emulator) == [("user", "q1"), ("assistant", "Fine."), ("user", "q2")]
    assert "Traceback" not in repl.before


def test_multiline_input_and_russian_layout_exit(repl, server: RunningServer) -> None:
    repl.send("line one\x1b" + ENTER + "line two" + ENTER)
    repl.expect_exact("Echo: line one")  # the reply, not the echo of what was typed
    repl.expect_exact(PROMPT)
    assert sent(server.emulator) == [("user", "line one\nline two")]
    say(repl, ".рудз")
    repl.expect_exact("/temperature")
    assert quit_with(repl, ".учше" + ENTER) == 0


def test_system_prompt_and_commands(server: RunningServer, tmp_path: Path) -> None:
    child = Dialogue.start(ychat_env(tmp_path, server.url), "-s", "Be brief")
    say(child, "/model yandexgpt-lite")
    child.expect_exact("Model: yandexgpt-lite")
    say(child, "hi")
    child.expect_exact("Echo: hi")
    say(child, "/clear")
    child.expect_exact("New conversation")
    say(child, "again")
    child.expect_exact("Echo: again")
    assert sent(server.emulator) == [("system", "Be brief"), ("user", "again")]
    assert server.emulator.requests[-1].body["modelUri"].endswith("/yandexgpt-lite/latest")
    say(child, "/nonsense")
    child.expect_exact("Unknown command /nonsense")
    assert quit_with(child, "/exit" + ENTER) == 0
    assert len(server.emulator.requests) == 2


def test_one_off_ctrl_c_exits_130(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(Reply.of(" ".join(f"w{n}" for n in range(100)), chunks=100, delay=0.05))
    child = spawn(ychat_env(tmp_path, server.url), "tell me")
    child.expect_exact("w1")
    child.send("\x03")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in (child.before or "")


def test_ctrl_c_at_the_prompt_clears_the_line(repl, server: RunningServer) -> None:
    repl.send("draft text")
    repl.send("\x03")
    repl.expect_exact(PROMPT)
    say(repl, "real")
    repl.expect_exact("Echo: real")
    assert sent(server.emulator) == [("user", "real")]


def story(words: int) -> str:
    return "".join(f"Line number {n} of the story goes on a bit. " for n in range(words))


@pytest.mark.parametrize("mode", ["repl", "one-off"])
def test_ctrl_c_mid_reply_leaves_every_line_once(server: RunningServer, tmp_path: Path, mode: str) -> None:
    """A wrapped paragraph is live when Ctrl-C lands: its lines must be on screen once each (the
    echoed ^C used to wrap a full-width padded line, and the live view's erase missed its top)."""
    server.emulator.enqueue(Reply.of(story(300), chunks=400, delay=0.01))
    child = spawn(ychat_env(tmp_path, server.url), *(["tell"] if mode == "one-off" else []))
    if mode == "repl":
        child.expect_exact(PROMPT)
        say(child, "tell")
    child.expect_exact("Line number 12 ")
    child.send("\x03")
    if mode == "repl":
        child.expect_exact("Cancelled.")
        child.expect_exact(PROMPT)
        child.sendcontrol("d")
    child.expect(pexpect.EOF)
    lines = [line for line in screen(child) if "story" in line or "Line" in line]
    assert len(lines) >= 3 and len(lines) == len(set(lines)), lines
    assert lines[0].startswith("Line number 0 ")
    written = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", child.logfile_read.getvalue())
    assert not re.search(r"  +\r?\n", written), "lines are padded to the full width"


def terminal_restored(output: str) -> bool:
    """After the last time bracketed paste was turned on or the cursor hidden, it was undone."""
    paste_on, paste_off = output.rfind("\x1b[?2004h"), output.rfind("\x1b[?2004l")
    hidden, shown = output.rfind("\x1b[?25l"), output.rfind("\x1b[?25h")
    return paste_off > paste_on and (hidden == -1 or shown > hidden)


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
@pytest.mark.parametrize("when", ["at the prompt", "mid-reply"])
def test_signals_restore_the_terminal(server: RunningServer, tmp_path: Path, sig: int, status: int, when: str) -> None:
    child = Dialogue.start(ychat_env(tmp_path, server.url))
    if when == "mid-reply":
        server.emulator.enqueue(Reply.of(story(300), chunks=400, delay=0.01))
        say(child, "tell")
        child.expect_exact("Line number 5 ")
    child.kill(sig)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == status and child.signalstatus is None
    output = child.logfile_read.getvalue()
    assert terminal_restored(output) and "Traceback" not in output


def test_thirty_ctrl_c_during_a_reply_cancel_once_and_print_nothing_else(repl, server: RunningServer) -> None:
    server.emulator.enqueue(Reply.of("word " * 2000, chunks=500, delay=0.01))
    repl.delaybeforesend = None
    say(repl, "tell")
    repl.expect_exact("word word")
    for _ in range(30):
        repl.send("\x03")
    repl.expect_exact("Cancelled.")
    repl.expect_exact(PROMPT)
    repl.ask("next", "Echo: next")
    assert quit_with(repl, "\x04") == 0
    output = repl.logfile_read.getvalue()
    assert output.count("Cancelled.") == 1
    for noise in ("Traceback", "Task exception", "RuntimeWarning", "KeyboardInterrupt"):
        assert noise not in output


def test_a_spinner_counts_the_seconds_until_the_first_text(repl, server: RunningServer) -> None:
    server.emulator.enqueue(Reply.of("Here it comes.", wait=1.0))
    say(repl, "slow one")
    repl.expect(r"⠋|⠙|⠹|⠸|⠼|⠴|⠦|⠧|⠇|⠏")  # the dots spinner
    repl.expect(r"\d+\.\d s")
    repl.expect_exact("Here it comes.")
    repl.expect_exact(PROMPT)
    shown = screen(repl)
    assert not any(re.search(r"\d+\.\d s$", line) for line in shown), shown  # replaced by the reply
    assert quit_with(repl, "\x04") == 0


def test_no_spinner_on_a_pipe(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(Reply.of("Here it comes.", wait=0.5))
    result = ychat(server.url, tmp_path, "slow one")
    assert result.stdout == b"Here it comes.\n" and result.stderr == b""
