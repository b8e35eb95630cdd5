"""Streaming replies as Markdown on a terminal (rich).

Each finished Markdown block (a paragraph after its blank line, a closed code fence, …) is committed
to the scrollback exactly once; only the open block is live (``live.LiveArea``), redrawn at most ~15
times a second from its newest lines, cropped to the screen, rewriting only the lines that changed
(``--debug`` logs how many frames a reply took), so a reply taller than the screen never leaves
duplicated or torn frames and costs linear time. markdown-it and pygments load on the first reply.

    >>> renderer = MarkdownRenderer(Console(file=io.StringIO(), width=80))
"""

from __future__ import annotations

import io
import logging
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.text import Text

from ychat.core import Done, Message, Pending, Retrying
from ychat.errors import YChatError, describe
from ychat.i18n import _
from ychat.render.blocks import BlockSplitter, kept_code, kept_paragraph
from ychat.render.live import ANSI, KeysUnechoed, LiveArea, Ticker
from ychat.render.plain import NOTES, REPLACED, footnotes, pending_note
from ychat.render.safe import for_terminal

FRAME_INTERVAL = 1 / 15
log = logging.getLogger("ychat.render")
WARM_UP = "# x\n\n- *x*\n\n| x |\n|---|\n| 1 |\n\n```python\nx = 1\n```\n"  # loads what replies need


class _Block:
    """Markdown without the blank lines rich puts around tables and code; ``fit`` keeps the
    newest lines that fit on the screen (for the live tail), ``gap`` adds one blank line."""

    def __init__(self, text: str, *, fit: bool = False, gap: bool = False) -> None:
        self.text, self.fit, self.gap = text, fit, gap  # gap: a blank line after (between committed blocks)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.markdown import Markdown

        # hyperlinks=False: a link shows its address (an OSC 8 link could hide where it leads)
        markdown = Markdown(self.text, hyperlinks=False)
        lines = console.render_lines(markdown, options.update(height=None), pad=False)
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
    """The line without rich's padding to the full width (copied text has no trailing blanks, the
    cursor never waits at the last column, where an echoed key would wrap); backgrounds stay."""
    line = list(line)
    while line and not (line[-1].style and line[-1].style.bgcolor) and not line[-1].control:
        text = line[-1].text.rstrip(" ")
        if text:
            line[-1] = Segment(text, line[-1].style)
            break
        line.pop()
    return line


def _live_height(console: Console) -> int:  # the live area leaves the cursor's line free
    return max(1, console.size.height - 1)


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
        self.err = err or console
        self.frame_interval = frame_interval
        self.clock = clock
        self.spinner_interval = spinner
        self.committed = 0  # characters of the reply printed for good
        self.frames = 0  # live redraws of the current reply (--debug logs them; benchmarks print them)
        self._lock = threading.RLock()  # the spinner's thread and the reply share the live area
        self._keys = KeysUnechoed(keys)  # the terminal's fd (stdin), or None
        self._blocks = BlockSplitter()
        self._finished: list[str] = []  # blocks finished since the last frame, not printed yet
        self._area: LiveArea | None = None
        self._drawn_at = float("-inf")
        self._waiting_since: float | None = None
        self._operation: str | None = None  # a deferred reply's operation id, shown by the spinner
        self._ticker: Ticker | None = None

    def prepare(self) -> None:
        """Import and warm up the Markdown and highlighting machinery (before the first reply)."""
        Console(file=io.StringIO(), width=40, color_system="truecolor", force_terminal=True).print(_Block(WARM_UP))

    def begin_reply(self) -> None:
        self._blocks, self.committed, self._drawn_at, self.frames = BlockSplitter(), 0, float("-inf"), 0
        self._finished.clear()
        self._keys.start()
        self._area = LiveArea(self.console.file, max_rows=_live_height(self.console), cells=cell_len)
        self._area.open()
        self._waiting_since, self._operation = self.clock(), None
        self.tick()
        if self.spinner_interval > 0:
            self._ticker = Ticker(self.tick, self.spinner_interval)

    def tick(self) -> None:
        """Redraw the spinner with the seconds waited so far (until the first text comes)."""
        with self._lock:
            if self._area is None or self._waiting_since is None:
                return
            from rich.spinner import Spinner

            label = _("operation {operation} · ").format(operation=self._operation) if self._operation else ""
            waited = Text(f"{label}{self.clock() - self._waiting_since:.1f} s", style="dim")
            self._show(Spinner("dots", text=waited, style="dim"))

    def _stop_spinner(self) -> None:
        self._waiting_since = None
        ticker, self._ticker = self._ticker, None
        if ticker is not None:
            ticker.stop()

    def delta(self, text: str) -> None:
        text = for_terminal(text)
        self._stop_spinner()
        with self._lock:
            area = self._area
            if area is not None and area.shown and area.width not in (None, self.console.width):
                self._keep_shown_lines()  # before the new text: what is shown is what was fed
        finished = self._blocks.feed(text)
        if finished:
            self._finished.append(finished)
        with self._lock:
            self._draw()

    def replace(self, text: str) -> None:
        self._stop_live()
        self._note(_(REPLACED) + _("; the new text follows."))
        self.begin_reply()
        self.delta(text)  # made safe there

    def _draw(self) -> None:
        """At most one frame per ``frame_interval``: blocks finished since the last frame are
        committed above the live area (together, so rich renders them once), then the area
        shows the open block's newest lines, rewriting only the lines that changed."""
        now = self.clock()
        if self._area is None or now - self._drawn_at < self.frame_interval:
            return
        self._drawn_at, self.frames = now, self.frames + 1
        if self._finished and not self._shown_already("".join(self._finished)):
            self._area.clear(width=self.console.width)
            self._commit("".join(self._finished), gap=True)
        self._show(_Block(self._blocks.visible(_live_height(self.console)), fit=True))

    def _keep_shown_lines(self) -> None:
        """The terminal's width changed, and it may have rewrapped the live lines (tmux moves
        the rows that no longer fit into the scrollback, out of an erase's reach). When the
        open block is shown whole and is a plain paragraph or a code block, its finished lines
        stay as they are and the block restarts at its unfinished line, so nothing is shown
        twice. Anything else is redrawn whole."""
        assert self._area is not None
        text, shown = self._blocks.rest(), [ANSI.sub("", line).strip() for line in self._area.shown]
        if len(shown) >= _live_height(self.console):
            return
        restart = kept_paragraph(text, shown) or kept_code(text, shown)
        if restart is None:
            return
        self._area.keep_all_but_last(width=self.console.width)
        self.committed += len(text) - len(restart)  # for a code block, less its opener, drawn again
        self._blocks = BlockSplitter()
        self._blocks.feed(restart)

    def _show(self, renderable: Any) -> None:
        """Render into the live area: lines as ANSI strings and their widths in cells."""
        assert self._area is not None
        self._area.show(*self._lines(renderable), width=self.console.width)

    def _lines(self, renderable: Any) -> tuple[list[str], list[int]]:
        with self.console.capture() as capture:
            self.console.print(renderable, end="")
        text = capture.get().removesuffix("\n")
        lines = text.split("\n") if text else []
        return lines, [cell_len(ANSI.sub("", line)) for line in lines]

    def _shown_already(self, blocks: str) -> bool:
        """Finished blocks that fit the screen are finished in the live area (which writes only
        what differs) and stay there, rather than being erased and drawn again whole."""
        area = self._area
        assert area is not None
        lines, cells = self._lines(_Block(blocks))
        if len(lines) >= _live_height(self.console):
            return False
        area.show(lines, cells, width=self.console.width)
        area.keep()
        self._finished.clear()
        self.committed += len(blocks)
        self.console.print()  # the blank line between blocks
        return True

    def _commit(self, blocks: str, *, gap: bool) -> None:
        self._finished.clear()
        self.committed += len(blocks)
        if blocks.strip():
            self.console.print(_Block(blocks, gap=gap))

    def _stop_live(self) -> None:
        self._stop_spinner()
        with self._lock:
            if self._area is not None:
                self._area.close(width=self.console.width)
                self._area = None
            self._commit("".join(self._finished) + self._blocks.rest(), gap=False)
        self._blocks = BlockSplitter()
        self._keys.stop()

    def end_reply(self, done: Done) -> None:
        self._stop_live()
        log.debug("the reply was drawn in %d frames", self.frames)
        if done.sources:  # the pages it cites, dim under it
            self.console.print(Text("\n" + for_terminal(footnotes(done)), style="dim"))
        if done.finish in NOTES:
            self._note(_(NOTES[done.finish]))
        self.console.print()

    def abort_reply(self) -> None:
        self._stop_live()

    def retrying(self, event: Retrying) -> None:
        again = _("{reason}; retrying in {delay:.1f} s (attempt {attempt})")
        self._note(again.format(reason=event.reason, delay=event.delay, attempt=event.attempt + 1))

    def pending(self, event: Pending) -> None:
        if self._operation is None:
            self._note(pending_note(event, terminal=True))
        self._operation = event.operation_id
        self.tick()

    def error(self, error: YChatError) -> None:
        line, hint = describe(error)
        self.err.print(Text(for_terminal(line), style="bold red"))
        if hint:
            self.err.print(Text(for_terminal(hint), style="dim"))

    def info(self, text: str) -> None:
        self._note(text, Text(for_terminal(text), style="dim"))  # above a live reply, else on err

    note = info  # dim, during a reply: the code interpreter's logs

    def _note(self, text: str, shown: Text | None = None) -> None:
        """Above the live area while a reply is live (on its console), else on ``err``."""
        note = shown or Text(f"[{for_terminal(text)}]", style="yellow")
        with self._lock:
            if self._area is None:
                self.err.print(note)
                return
            with self._area.paused(width=self.console.width):
                self.console.print(note)

    def control(self, sequence: str) -> bool:
        """An escape sequence for the terminal (OSC 52), as is; False when it is no terminal."""
        if self.console.is_terminal:
            self.console.file.write(sequence)
            self.console.file.flush()
        return self.console.is_terminal

    def show_history(self, messages: Sequence[Message]) -> None:
        for message in messages:
            self.console.print(Text(f"{message.role}:", style="bold cyan"))
            text = for_terminal(message.text)
            self.console.print(_Block(text) if message.role == "assistant" else Text(text))
            self.console.print()


def terminal_renderer(stdout: TextIO, stderr: TextIO) -> MarkdownRenderer:
    keys = sys.stdin.fileno() if sys.stdin.isatty() else None
    return MarkdownRenderer(Console(file=stdout), Console(file=stderr), keys=keys, spinner=0.1)
