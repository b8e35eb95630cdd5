"""Streaming replies as Markdown on a terminal (rich).

Each finished Markdown block (a paragraph after its blank line, a closed code fence, …) is
committed to the scrollback exactly once; only the open block is live, redrawn at most ~15
times a second from its newest lines and cropped to the screen, so a reply taller than the
screen never leaves duplicated or torn frames and the cost stays linear in its length.
markdown-it and pygments are imported on the first reply (or by ``prepare``), not at start-up.

    >>> renderer = MarkdownRenderer(Console(file=io.StringIO(), width=80))
"""

from __future__ import annotations

import contextlib
import io
import sys
import termios
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from rich.console import Console, ConsoleOptions, RenderResult
from rich.live import Live
from rich.segment import Segment
from rich.text import Text

from ychat.api.stream import Done, Retrying
from ychat.conversation import Message
from ychat.errors import YChatError, describe
from ychat.render.blocks import BlockSplitter
from ychat.render.plain import NOTES, REPLACED

FRAME_INTERVAL = 1 / 15
WARM_UP = "# x\n\n- *x*\n\n| x |\n|---|\n| 1 |\n\n```python\nx = 1\n```\n"  # loads what replies need


class _Block:
    """Markdown without the blank lines rich puts around tables and code; ``fit`` keeps the
    newest lines that fit on the screen (for the live tail), ``gap`` adds one blank line."""

    def __init__(self, text: str, *, fit: bool = False, gap: bool = False) -> None:
        self.text = text
        self.fit = fit
        self.gap = gap  # a blank line after (between committed blocks)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.markdown import Markdown

        lines = console.render_lines(Markdown(self.text), options.update(height=None), pad=False)
        while lines and not "".join(s.text for s in lines[-1]).strip():
            lines.pop()
        while lines and not "".join(s.text for s in lines[0]).strip():
            lines.pop(0)
        if self.fit:
            lines = lines[-_live_height(console) :]
        for line in lines:
            yield from _rstrip(line)
            yield Segment.line()
        if self.gap:
            yield Segment.line()


def _rstrip(line: list[Segment]) -> list[Segment]:
    """The line without the spaces rich pads it with to the full width (copied text then has no
    trailing blanks, and the cursor never waits at the last column, where an echoed key would
    wrap); padding that paints a background (code blocks) stays."""
    line = list(line)
    while line and not (line[-1].style and line[-1].style.bgcolor) and not line[-1].control:
        text = line[-1].text.rstrip(" ")
        if text:
            line[-1] = Segment(text, line[-1].style)
            break
        line.pop()
    return line


def _live_height(console: Console) -> int:
    return max(1, console.size.height - 1)


class _KeysUnechoed:
    """While a reply is live the terminal does not echo keys: a ``^C`` or typed-ahead text
    echoed into the live view would shift it, and its redraw would leave a line behind. Keys
    typed meanwhile are still read by the next prompt."""

    def __init__(self, fd: int | None) -> None:
        self.fd = fd
        self.saved: list[Any] | None = None

    def start(self) -> None:
        if self.fd is None or self.saved is not None:
            return
        try:
            self.saved = termios.tcgetattr(self.fd)
            quiet = list(self.saved)
            quiet[3] = quiet[3] & ~(termios.ECHO | termios.ECHOCTL)
            termios.tcsetattr(self.fd, termios.TCSANOW, quiet)
        except (termios.error, OSError):
            self.saved = None

    def stop(self) -> None:
        if self.fd is not None and self.saved is not None:
            saved, self.saved = self.saved, None
            with contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(self.fd, termios.TCSANOW, saved)


class _Ticker:
    """Calls ``tick`` every ``interval`` seconds on a thread until stopped (the spinner)."""

    def __init__(self, tick: Callable[[], None], interval: float) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(tick, interval), name="ychat-spinner", daemon=True)
        self._thread.start()

    def _run(self, tick: Callable[[], None], interval: float) -> None:
        while not self._stop.wait(interval):
            tick()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join()


class MarkdownRenderer:
    """Streams replies as Markdown into a rich Console; errors and notes go to ``err``. From
    Enter to the first text a spinner shows the seconds waited (``spinner``: its tick, or 0)."""

    def __init__(
        self,
        console: Console,
        err: Console | None = None,
        *,
        frame_interval: float = FRAME_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        keys: int | None = None,
        spinner: float = 0.0,
    ) -> None:
        self.console = console
        self.spinner_interval = spinner
        self._lock = threading.RLock()  # the spinner's thread and the reply share the live view
        self._waiting_since: float | None = None
        self._ticker: _Ticker | None = None
        self._keys = _KeysUnechoed(keys)  # the terminal's fd (stdin), or None
        self.err = err or console
        self.frame_interval = frame_interval
        self.clock = clock
        self.committed = 0  # characters of the reply printed for good
        self.frames = 0  # live redraws, for benchmarks and tests
        self._blocks = BlockSplitter()
        self._finished: list[str] = []  # blocks finished since the last frame, not printed yet
        self._live: Live | None = None
        self._drawn_at = float("-inf")

    def prepare(self) -> None:
        """Import and warm up the Markdown and highlighting machinery (before the first reply)."""
        Console(file=io.StringIO(), width=40, color_system="truecolor", force_terminal=True).print(_Block(WARM_UP))

    def begin_reply(self) -> None:
        self._blocks, self.committed, self._drawn_at = BlockSplitter(), 0, float("-inf")
        self._finished.clear()
        self._live = Live(
            console=self.console,
            auto_refresh=False,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
            vertical_overflow="visible",
        )
        self._keys.start()
        self._live.start()
        self._waiting_since = self.clock()
        self.tick()
        if self.spinner_interval > 0:
            self._ticker = _Ticker(self.tick, self.spinner_interval)

    def tick(self) -> None:
        """Redraw the spinner with the seconds waited so far (until the first text comes)."""
        with self._lock:
            if self._live is None or self._waiting_since is None:
                return
            from rich.spinner import Spinner

            waited = Text(f"{self.clock() - self._waiting_since:.1f} s", style="dim")
            self._live.update(Spinner("dots", text=waited, style="dim"), refresh=True)

    def _stop_spinner(self) -> None:
        self._waiting_since = None
        ticker, self._ticker = self._ticker, None
        if ticker is not None:
            ticker.stop()

    def delta(self, text: str) -> None:
        self._stop_spinner()
        finished = self._blocks.feed(text)
        if finished:
            self._finished.append(finished)
        with self._lock:
            self._draw()

    def replace(self, text: str) -> None:
        self._stop_spinner()
        self._stop_live()
        self._note(REPLACED + "; the new text follows.")
        self.begin_reply()
        self.delta(text)

    def _draw(self) -> None:
        """At most one frame per ``frame_interval``: blocks finished since the last frame are
        printed above the live view (together, so rich renders them once), then the view shows
        the open block. Printing above a Live redraws the Live, so that is the frame."""
        now = self.clock()
        if self._live is None or now - self._drawn_at < self.frame_interval:
            return
        self._drawn_at, self.frames = now, self.frames + 1
        tail = _Block(self._blocks.visible(_live_height(self.console)), fit=True)
        self._live.update(tail, refresh=not self._finished)
        if self._finished:
            self._commit("".join(self._finished), gap=True)

    def _commit(self, blocks: str, *, gap: bool) -> None:
        self._finished.clear()
        self.committed += len(blocks)
        if blocks.strip():
            self.console.print(_Block(blocks, gap=gap))

    def _stop_live(self) -> None:
        self._stop_spinner()
        if self._live is not None:
            self._live.update(Text(""), refresh=False)
            self._live.stop()
            self._live = None
        self._keys.stop()
        self._commit("".join(self._finished) + self._blocks.rest(), gap=False)
        self._blocks = BlockSplitter()

    def end_reply(self, done: Done) -> None:
        self._stop_live()
        if done.status in NOTES:
            self._note(NOTES[done.status])
        self.console.print()

    def abort_reply(self) -> None:
        self._stop_live()

    def retrying(self, event: Retrying) -> None:
        self._note(f"{event.reason}; retrying in {event.delay:.1f} s (attempt {event.attempt + 1})")

    def error(self, error: YChatError) -> None:
        line, hint = describe(error)
        self.err.print(Text(line, style="bold red"))
        if hint:
            self.err.print(Text(hint, style="dim"))

    def info(self, text: str) -> None:
        self.err.print(Text(text, style="dim"))

    def _note(self, text: str) -> None:
        # While the live tail is on screen, only its own console can print above it cleanly.
        with self._lock:
            target = self.console if self._live is not None else self.err
            target.print(Text(f"[{text}]", style="yellow"))

    def show_history(self, messages: Sequence[Message]) -> None:
        for message in messages:
            self.console.print(Text(f"{message.role}:", style="bold cyan"))
            self.console.print(_Block(message.text) if message.role == "assistant" else Text(message.text))
            self.console.print()


def terminal_renderer(stdout: TextIO, stderr: TextIO) -> MarkdownRenderer:
    keys = sys.stdin.fileno() if sys.stdin.isatty() else None
    return MarkdownRenderer(Console(file=stdout), Console(file=stderr), keys=keys, spinner=0.1)
