"""Showing replies: live Markdown on a terminal (rich), plain text for pipes.

The terminal renderer commits each finished Markdown block (a paragraph after its blank
line, a closed code fence, …) to the scrollback exactly once; only the open tail block is
live, redrawn at most ~15 times a second and cropped to its newest lines, so a reply taller
than the screen never leaves duplicated or torn frames and the cost stays linear.

    >>> renderer = MarkdownRenderer(Console(file=io.StringIO(), width=80))
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TextIO

from rich.console import Console, ConsoleOptions, RenderResult
from rich.live import Live
from rich.markdown import Markdown
from rich.segment import Segment
from rich.text import Text

from ychat.api.protocol import STATUS_CONTENT_FILTER, STATUS_TRUNCATED
from ychat.api.stream import Done, Retrying
from ychat.conversation import Message
from ychat.errors import YChatError, describe

NOTES = {
    STATUS_TRUNCATED: "The reply was cut at the token limit (raise it with --max-tokens).",
    STATUS_CONTENT_FILTER: "The reply was stopped by the content filter.",
}
REPLACED = "The server replaced the reply text while it streamed"
FRAME_INTERVAL = 1 / 15


def block_boundary(text: str, start: int = 0) -> int:
    """End of the last finished Markdown block in ``text[start:]`` (``start`` if none).

    A block is finished by a blank line outside a code fence, or by its closing fence.
    ``start`` must itself be a boundary (outside any fence).
    """
    boundary, fence, pos = start, "", start
    while (end := text.find("\n", pos)) >= 0:
        line = text[pos:end].strip()
        if fence:
            if line.startswith(fence) and not line.strip(fence[0]):
                fence, boundary = "", end + 1
        elif line.startswith(("```", "~~~")):
            marker = line[0]
            fence = marker * (len(line) - len(line.lstrip(marker)))
        elif not line and text[boundary:pos].strip():
            boundary = end + 1
        pos = end + 1
    return boundary


class _Block:
    """Markdown without the blank lines rich puts around tables and code; ``fit`` keeps the
    newest lines that fit on the screen (for the live tail)."""

    def __init__(self, text: str, *, fit: bool = False) -> None:
        self.text = text
        self.fit = fit

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = console.render_lines(Markdown(self.text), options.update(height=None), pad=False)
        while lines and not "".join(s.text for s in lines[-1]).strip():
            lines.pop()
        while lines and not "".join(s.text for s in lines[0]).strip():
            lines.pop(0)
        if self.fit:
            lines = lines[-max(1, console.size.height - 1) :]
        for line in lines:
            yield from line
            yield Segment.line()


class MarkdownRenderer:
    """Streams replies as Markdown into a rich Console; errors and notes go to ``err``."""

    def __init__(self, console: Console, err: Console | None = None, *, frame_interval: float = FRAME_INTERVAL) -> None:
        self.console = console
        self.frame_interval = frame_interval
        self.err = err or console
        self.text = ""
        self.committed = 0
        self._live: Live | None = None
        self._drawn_at = 0.0

    def begin_reply(self) -> None:
        self.text, self.committed = "", 0
        self._live = Live(
            console=self.console,
            auto_refresh=False,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
            vertical_overflow="visible",
        )
        self._live.start()

    def delta(self, text: str) -> None:
        self.text += text
        boundary = block_boundary(self.text, self.committed)
        if boundary > self.committed:
            self._commit(self.text[self.committed : boundary])
            self.committed = boundary
        self._draw()

    def replace(self, text: str) -> None:
        self._stop_live()
        self._note(REPLACED + "; the new text follows.")
        self.begin_reply()
        self.delta(text)

    def _commit(self, block: str) -> None:
        if block.strip():
            self.console.print(_Block(block))
            self.console.print()

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if self._live is not None and (force or now - self._drawn_at >= self.frame_interval):
            self._live.update(_Block(self.text[self.committed :], fit=True), refresh=True)
            self._drawn_at = now

    def _stop_live(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
        tail = self.text[self.committed :]
        if tail.strip():
            self.console.print(_Block(tail))
        self.committed = len(self.text)

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
        target = self.console if self._live is not None else self.err
        target.print(Text(f"[{text}]", style="yellow"))

    def show_history(self, messages: Sequence[Message]) -> None:
        for message in messages:
            self.console.print(Text(f"{message.role}:", style="bold cyan"))
            self.console.print(Markdown(message.text) if message.role == "assistant" else Text(message.text))
            self.console.print()


class PlainRenderer:
    """For pipes: the reply text exactly as received on ``out``; everything else on ``err``."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err
        self._last = "\n"

    def _write(self, text: str) -> None:
        if text:
            self.out.write(text)
            self.out.flush()
            self._last = text[-1]

    def begin_reply(self) -> None:
        self._last = "\n"

    def delta(self, text: str) -> None:
        self._write(text)

    def replace(self, text: str) -> None:
        self._say(f"ychat: note: {REPLACED.lower()}; the new text follows on stdout after a newline")
        self._write("\n" if self._last != "\n" else "")
        self._write(text)

    def end_reply(self, done: Done) -> None:
        self.abort_reply()
        if done.status in NOTES:
            self._say("ychat: note: " + NOTES[done.status])

    def abort_reply(self) -> None:
        if self._last != "\n":
            self._write("\n")

    def retrying(self, event: Retrying) -> None:
        self._say(f"ychat: {event.reason}; retrying in {event.delay:.1f} s (attempt {event.attempt + 1})")

    def error(self, error: YChatError) -> None:
        line, hint = describe(error)
        self._say(line + (f"\n{hint}" if hint else ""))

    def info(self, text: str) -> None:
        self._say(text)

    def _say(self, text: str) -> None:
        self.err.write(text + "\n")
        self.err.flush()

    def show_history(self, messages: Sequence[Message]) -> None:
        self._write("".join(f"{m.role}: {m.text}\n\n" for m in messages))


def make_renderer(stdout: TextIO, stderr: TextIO, *, markdown: bool) -> MarkdownRenderer | PlainRenderer:
    """Markdown on a terminal, plain text otherwise. rich honours NO_COLOR by itself."""
    if not markdown:
        return PlainRenderer(stdout, stderr)
    return MarkdownRenderer(Console(file=stdout), Console(file=stderr))
