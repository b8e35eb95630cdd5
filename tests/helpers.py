"""What many tests share: starting the real command (pipes or a pty), what a request sent,
and what a terminal shows."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pexpect
import pyte

from tests.conftest import ychat_argv, ychat_env

PROMPT = "›"  # prompt_toolkit draws the trailing space as a cursor move
ENTER = "\r"


def ychat(url: str | None, tmp_path: Path, *args: str, stdin: bytes = b"", **env: str) -> subprocess.CompletedProcess:
    """Run ``ychat ARGS`` with pipes (a one-off) against ``url``."""
    return subprocess.run(
        [*ychat_argv(), *args], input=stdin, capture_output=True, env=ychat_env(tmp_path, url, **env), timeout=60
    )


def spawn(
    env: Mapping[str, str],
    *args: str,
    dimensions: tuple[int, int] = (24, 80),
    timeout: float = 15,
    codec_errors: str = "strict",
) -> Any:
    """The real ``ychat ARGS`` in a pseudo-terminal; everything it printed is in ``logfile_read``.
    ``codec_errors="replace"``: read bytes that are not UTF-8 as a terminal shows them (U+FFFD)."""
    argv = ychat_argv()
    child = pexpect.spawn(
        argv[0],
        [*argv[1:], *args],
        env=dict(env),
        encoding="utf-8",
        codec_errors=codec_errors,
        dimensions=dimensions,
        timeout=timeout,
    )
    child.logfile_read = io.StringIO()
    return child


class Recorder:
    """A Renderer that writes down what it was asked to show."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def __getattr__(self, name: str):
        return lambda *args: self.calls.append((name, args[0] if args else None))

    def named(self, name: str) -> list[object]:
        return [arg for call, arg in self.calls if call == name]

    def infos(self) -> str:
        return "\n".join(str(x) for x in self.named("info"))


def sent(emulator: Any, index: int = -1) -> list[tuple[str, str]]:
    """(role, text) of every message in a request the emulator received."""
    return [(m["role"], m["text"]) for m in emulator.requests[index].body["messages"]]


def screen_lines(output: str, columns: int, lines: int, *, cooked: bool = False) -> list[str]:
    """Every line that ended up on a ``columns`` x ``lines`` terminal, scrollback first, blank
    lines dropped. ``cooked``: the output came from a file, so ``\\n`` also returns the cursor."""
    screen = pyte.HistoryScreen(columns, lines, history=10_000)
    pyte.Stream(screen).feed(output.replace("\n", "\r\n") if cooked else output)
    top = ["".join(char.data for char in row.values()).rstrip() for row in screen.history.top]
    return top + [row.rstrip() for row in screen.display]


def assert_one_error_line(stderr: bytes, fragment: str) -> None:
    text = stderr.decode()
    assert "Traceback" not in text
    errors = [line for line in text.splitlines() if line.startswith("ychat: error:")]
    assert len(errors) == 1 and fragment in errors[0], text


class Dialogue:
    """A person at the real REPL in a pty. ``ask`` types a line and Enter, waits for each
    expected text, then for the next prompt; ``leave`` types /exit and waits for the end.

    >>> chat = Dialogue.start(env)
    >>> chat.ask("hi", "Echo: hi")
    >>> assert chat.leave() == 0
    """

    def __init__(self, child: Any) -> None:
        self.child = child
        child.expect_exact(PROMPT)

    @classmethod
    def start(cls, env: Mapping[str, str], *args: str, **options: Any) -> Dialogue:
        return cls(spawn(env, *args, **options))

    def ask(self, line: str, *expected: str) -> None:
        self.child.send(line + ENTER)
        for text in expected:
            self.child.expect_exact(text)
        self.child.expect_exact(PROMPT)

    def type(self, line: str, *expected: str) -> None:
        """Type ``line`` and Enter and wait for each expected text, not for the next prompt."""
        self.child.send(line + ENTER)
        for text in expected:
            self.child.expect_exact(text)

    def leave(self, *, eof: bool = False) -> int:
        """/exit (or Ctrl-D, ``eof``), then the end of the process; its exit status."""
        if eof:
            self.child.sendeof()
        else:
            self.child.send("/exit" + ENTER)
        self.child.expect(pexpect.EOF)
        self.child.close()
        return int(self.child.exitstatus)

    def __getattr__(self, name: str) -> Any:
        """Anything else a test does by hand (``send``, ``expect_exact``, ``kill``) is the pty's."""
        return getattr(self.child, name)

    @property
    def shown(self) -> str:
        """Everything the terminal received so far."""
        return str(self.child.logfile_read.getvalue())
