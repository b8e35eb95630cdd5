"""Ctrl-C (SIGINT) and bursts of it: stdlib only, main thread only.

People press Ctrl-C several times. The first one is a ``KeyboardInterrupt``; the handler then
ignores the rest until ychat is ready again (``armed`` after the next prompt), so a burst can't
break the cleanup of the first one (closing the reply, saying "Cancelled.") or end the chat.

    arm()                       # at start-up: the first Ctrl-C raises, later ones are ignored
    with quiet_then_armed():    # around the prompt (where Ctrl-C is a key, not a signal)
        line = prompt()
    with held():                # a terminal write and its bookkeeping stay together
        out.write(frame)
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


def _first(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def arm() -> None:
    """The next Ctrl-C raises KeyboardInterrupt; the ones after it are ignored until re-armed."""
    if _main_thread():
        signal.signal(signal.SIGINT, _first)


def disarm() -> None:
    """Ignore Ctrl-C until the next ``arm`` (between two turns of the REPL nothing runs that it
    could cancel, and a signal there would land outside any handler)."""
    if _main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def armed() -> Iterator[None]:
    """Ctrl-C interrupts the block (once); after it, Ctrl-C is ignored again."""
    arm()
    try:
        yield
    finally:
        disarm()


@contextmanager
def quiet_then_armed() -> Iterator[None]:
    """Ignore Ctrl-C inside the block (stragglers of a burst), then arm it again."""
    if not _main_thread():
        yield
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        arm()


@contextmanager
def held() -> Iterator[None]:
    """A Ctrl-C inside the block is delivered when the block is done."""
    if not _main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught and callable(previous):
            previous(signal.SIGINT, None)  # raises KeyboardInterrupt (and ignores the rest)
