"""The live area: the lines under the last committed output that each frame may rewrite.

Unlike rich's ``Live``, which repaints its whole region every frame, a frame here rewrites only
from the first line that changed (a growing paragraph: its last line; a code block: the
current line), so the bytes sent to the terminal stay proportional to what changed. Lines are
written unpadded. When the terminal's width changes, the lines already shown may have been
rewrapped by the terminal (most terminals and tmux do): the area then counts the rows they now
take and erases those, so no copy of them is left behind.

No rich here: lines arrive rendered (ANSI strings) with their width in cells. A line that grows (a paragraph's
last line, a code block's current line) is not written again whole: the cursor moves past what is
unchanged and only the rest is written, with runs of one style joined, so a code block streamed
token by token costs its new tokens and padding per frame, not its whole line with every colour
code; and a finished block that is shown whole already stays as it is rather than being drawn
again.

    >>> area = LiveArea(sys.stdout)
    >>> area.show(["Hello"], [5], width=80)
    >>> area.clear()
"""

from __future__ import annotations

import contextlib
import math
import re
import termios
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any

from ychat.interrupts import held, start

HIDE_CURSOR, SHOW_CURSOR = "\x1b[?25l", "\x1b[?25h"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")  # what a rendered line holds besides text
RESET = "\x1b[0m"  # rich ends every styled segment with it: past one, no style is in force
# a background padded to the right edge (code blocks): one or more runs of spaces in the same colour
SAME_STYLE = re.compile(r"(\x1b\[([0-9;]+)m)([^\x1b]*)\x1b\[0m\x1b\[\2m")  # a run, closed, then reopened


class LiveArea:
    def __init__(self, out: IO[str], *, max_rows: int = 10_000, cells: Callable[[str], int] = len) -> None:
        self.out = out
        self._measure = cells  # the cells a text takes (rich's cell_len: wide characters take two)
        self.max_rows = max_rows  # rows above the cursor that can be reached (the screen's height - 1)
        self.shown: list[str] = []
        self._cells: list[int] = []
        self._width: int | None = None
        self.written = 0  # characters sent to the terminal, for benchmarks

    def open(self) -> None:
        """Hide the cursor while frames are drawn (it would flicker along each rewrite)."""
        self._write(HIDE_CURSOR)

    def close(self, *, width: int) -> None:
        """Erase the area and show the cursor again; the area is done."""
        self.clear(width=width)
        self._write(SHOW_CURSOR)

    @contextmanager
    def paused(self, *, width: int) -> Iterator[None]:
        """Erase the area, let the caller print above it, then draw the same lines again."""
        lines, cells = self.shown, self._cells
        self.clear(width=width)
        yield
        self.show(lines, cells, width=width)

    def show(self, lines: Sequence[str], cells: Sequence[int], *, width: int) -> None:
        """Make the area show ``lines`` (each at most ``width`` cells wide)."""
        lines = [_compact(line) for line in lines]
        first = self._unchanged(lines) if width == self._width else 0
        up = self._rows_from(first, width)
        kept = self._kept(lines, first, width)
        if kept:
            head = _up_to(up) + (f"\x1b[{kept[1]}C" if kept[1] else "")
            erase = "\x1b[K" if cells[first] < self._cells[first] else ""
            rest = "".join(line + "\n" for line in lines[first + 1 :])
            self._write(head + lines[first][kept[0] :] + erase + "\n" + rest + "\x1b[J")
        else:
            self._write(_up(up) + "".join(line + "\n" for line in lines[first:]))
        self.shown, self._cells, self._width = lines, list(cells), width

    def _kept(self, lines: Sequence[str], first: int, width: int) -> tuple[int, int] | None:
        """Where the first changed line can be continued rather than rewritten: (characters of
        it kept, their cells); None when it must be written whole."""
        if width != self._width or first >= min(len(self.shown), len(lines)):
            return None
        if len(self.shown) - first > self.max_rows:
            return None  # the row is out of the cursor's reach
        old, new = self.shown[first], lines[first]
        common = new[: _common_length(old, new)]
        if "\x1b" in common:
            reset = common.rfind(RESET)
            cut = reset + len(RESET) if reset >= 0 else 0
        else:
            cut = len(common)
        return (cut, self._measure(ANSI.sub("", new[:cut]))) if cut else None

    def clear(self, *, width: int | None = None) -> None:
        """Erase the area (``width``: the terminal's now); the cursor goes back to where it began."""
        if self.shown:
            self._write(_up(self._rows_from(0, width or self._width or 1)))
        self.shown, self._cells = [], []

    @property
    def width(self) -> int | None:
        """The width the shown lines were drawn at."""
        return self._width

    def keep(self) -> None:
        """Leave the shown lines as output for good (the cursor is already below them)."""
        self.shown, self._cells = [], []

    def keep_all_but_last(self, *, width: int) -> None:
        """Leave the shown lines as output for good, except the last, which is erased (at the
        terminal's new ``width``: it sits right above the cursor, however the terminal rewrapped
        the rest). For a width change, when what is shown can stay as it is."""
        if self._cells:
            self._write(_up(min(max(1, math.ceil(self._cells[-1] / width)), self.max_rows)))
        self.shown, self._cells = [], []

    def _unchanged(self, lines: Sequence[str]) -> int:
        count = 0
        for old, new in zip(self.shown, lines, strict=False):
            if old != new:
                break
            count += 1
        return count

    def _rows_from(self, first: int, width: int) -> int:
        """Rows taken by the shown lines from ``first`` on, at ``width`` (rewrapped if it changed)."""
        if width == self._width:
            rows = len(self.shown) - first
        else:
            rows = sum(max(1, math.ceil(cells / width)) for cells in self._cells[first:])
        return min(rows, self.max_rows)

    def _write(self, text: str) -> None:
        with held():  # Ctrl-C between the write and the bookkeeping would desynchronise them
            self.out.write(text)
            self.out.flush()
            self.written += len(text)


def _common_length(old: str, new: str) -> int:
    """How many characters the two strings share from their start."""
    for at, (a, b) in enumerate(zip(old, new, strict=False)):
        if a != b:
            return at
    return min(len(old), len(new))


def _compact(line: str) -> str:
    """The same line in fewer bytes: neighbouring runs in one style joined (rich closes and
    reopens the style around every token and every run of padding). Only live frames are
    compacted; committed output is rich's own."""
    while True:
        joined = SAME_STYLE.sub(r"\1\3", line)
        if joined == line:
            return line
        line = joined


def _up_to(rows: int) -> str:
    """To the start of the line ``rows`` above, erasing nothing."""
    return "\r" + (f"\x1b[{rows}A" if rows else "")


def _up(rows: int) -> str:
    """To the start of the line ``rows`` above, and erase from there to the end of the screen."""
    return "\r" + (f"\x1b[{rows}A" if rows else "") + "\x1b[J"


class KeysUnechoed:
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


class Ticker:
    """Calls ``tick`` every ``interval`` seconds on a thread until stopped (the spinner)."""

    def __init__(self, tick: Callable[[], None], interval: float) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(tick, interval), name="ychat-spinner", daemon=True)
        start(self._thread)

    def _run(self, tick: Callable[[], None], interval: float) -> None:
        while not self._stop.wait(interval):
            tick()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join()
