"""Ctrl-C bursts (ychat/interrupts.py): the first interrupts, the rest wait for the next prompt."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ychat import interrupts


@pytest.fixture(autouse=True)
def _restore_sigint() -> Iterator[None]:
    previous = signal.getsignal(signal.SIGINT)
    yield
    signal.signal(signal.SIGINT, previous)


def ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)


def test_the_first_ctrl_c_interrupts_and_the_rest_of_the_burst_is_ignored() -> None:
    interrupts.arm()
    with pytest.raises(KeyboardInterrupt):
        ctrl_c()
    for _ in range(30):
        ctrl_c()  # the clean-up of the first one goes on undisturbed


def test_after_the_prompt_ctrl_c_counts_again() -> None:
    interrupts.arm()
    with pytest.raises(KeyboardInterrupt):
        ctrl_c()
    with interrupts.quiet_then_armed():
        ctrl_c()  # while prompt_toolkit starts: dropped
    with pytest.raises(KeyboardInterrupt):
        ctrl_c()


def test_a_ctrl_c_during_a_held_write_comes_after_it() -> None:
    interrupts.arm()
    done = []
    with pytest.raises(KeyboardInterrupt), interrupts.held():
        ctrl_c()
        done.append("the write finished")
    assert done == ["the write finished"]


def test_a_storm_of_ctrl_c_over_replies_prints_no_traceback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Issue 18: ten replies, thirty Ctrl-C each, a few milliseconds apart (a key held down;
    the sleep paces keystrokes, it synchronises nothing), so they fall across the reply's end and the next prompts' start and end; every reply is
    cancelled and the chat goes on without prompt_toolkit's 'Application is not running'
    traceback."""
    import pexpect

    from tests.conftest import ychat_env
    from tests.helpers import ENTER, PROMPT, Dialogue
    from ychat.server.http import serve
    from ychat.testing import Emulator, Reply

    with serve(Emulator()) as server:
        # A Ctrl-C that lands while prompt_toolkit draws can cut one character of the prompt in
        # two (a terminal shows U+FFFD): read as a terminal would; the chat must go on regardless.
        child = Dialogue.start(ychat_env(tmp_path, server.url), codec_errors="replace")
        for n in range(10):
            server.emulator.enqueue(Reply.of("word " * 200, chunks=100, delay=0.01))
            child.send(f"q{n}" + ENTER)
            child.expect_exact("word")
            for _ in range(30):
                child.sendcontrol("c")
                time.sleep(0.002)
            child.expect_exact(PROMPT)
        child.send("/exit" + ENTER)
        child.expect(pexpect.EOF)
        child.close()
    output = child.logfile_read.getvalue()
    assert "Traceback" not in output and "Application" not in output and "internal error" not in output
    assert output.count("Cancelled.") == 10 and child.exitstatus == 0


def _blocks_sigint() -> bool:
    return signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])


def test_threads_ychat_starts_never_take_a_ctrl_c_from_the_main_thread() -> None:
    """A Ctrl-C taken by a worker thread is only noted by CPython; a main thread asleep in a
    system call (waiting for a tool's command) was then not woken. Every worker blocks SIGINT."""
    from ychat.render.live import Ticker
    from ychat.repl.prefetch import Prefetch

    seen: list[bool] = []
    with Prefetch(lambda: seen.append(_blocks_sigint())) as prefetch:
        prefetch.start()
    ticked = threading.Event()
    ticker = Ticker(lambda: (seen.append(_blocks_sigint()), ticked.set()), 0.001)
    ticked.wait()
    ticker.stop()
    assert seen and all(seen)
    assert not _blocks_sigint()  # the main thread still takes it


def test_no_module_starts_a_thread_but_through_interrupts_start() -> None:
    root = Path(interrupts.__file__).parent
    starts = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.py")
        if path.parts[-2] not in {"server", "testing"} and path.name != "interrupts.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"(_thread|_progress|Thread\(.*\))\.start\(\)", line)
    ]
    assert starts == []


def test_the_repl_keeps_its_output_when_ctrl_c_arrives(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """POSIX terminals discard unshown output on Ctrl-C unless NOFLSH is set: the REPL sets it
    (a burst of Ctrl-C once swallowed a "Cancelled." line, test_a_storm_of_ctrl_c…)."""
    import termios

    from tests.conftest import ychat_env
    from tests.helpers import Dialogue

    chat = Dialogue.start(ychat_env(tmp_path, server.url))
    assert termios.tcgetattr(chat.child.child_fd)[3] & termios.NOFLSH
    chat.ask("hi", "Echo: hi")
    assert termios.tcgetattr(chat.child.child_fd)[3] & termios.NOFLSH
    assert chat.leave() == 0
