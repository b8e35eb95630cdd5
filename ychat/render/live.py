"""The live area: the lines under the last committed output that each frame may rewrite.

Unlike rich's ``Live``, which repaints its whole region every frame, a frame here rewrites only
from the first line that changed (a growing paragraph: its last line; a code block: the
current line), so the bytes sent to the terminal stay proportional to what changed. Lines are
written unpadded. When the terminal's width changes, the lines already shown may have been
rewrapped by the terminal (most terminals and tmux do): the area then counts the rows they now
take and erases those, so no copy of them is left behind.

No rich here: lines arrive rendered (ANSI strings) with their width in cells.

    >>> area = LiveArea(sys.stdout)
    >>> area.show(["Hello"], [5], width=80)
    >>> area.clear()
"""

from __future__ import annotations

import contextlib
import math
import termios
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any

from ychat.interrupts import held

HIDE_CURSOR, SHOW_CURSOR = "\x1b[?25l", "\x1b[?25h"


class LiveArea:
    def __init__(self, out: IO[str], *, max_rows: int = 10_000) -> None:
        self.out = out
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
        first = self._unchanged(lines) if width == self._width else 0
        up = self._rows_from(first, width)
        self._write(_up(up) + "".join(line + "\n" for line in lines[first:]))
        self.shown, self._cells, self._width = list(lines), list(cells), width

    def clear(self, *, width: int | None = None) -> None:
        """Erase the area (``width``: the terminal's now); the cursor goes back to where it began."""
        if self.shown:
            self._write(_up(self._rows_from(0, width or self._width or 1)))
        self.shown, self._cells = [], []

    @property
    def width(self) -> int | None:
        """The width the shown lines were drawn at."""
        return self._width

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
        self._thread.start()

    def _run(self, tick: Callable[[], None], interval: float) -> None:
        while not self._stop.wait(interval):
            tick()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join()
