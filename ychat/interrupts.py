"""Ctrl-C (SIGINT) and bursts of it: stdlib only, main thread only.

People press Ctrl-C several times. The first one is a ``KeyboardInterrupt``; the handler then
ignores the rest until ychat is ready again (``armed`` after the next prompt), so a burst can't
break the cleanup of the first one (closing the reply, saying "Cancelled.") or end the chat.

    arm()                       # at start-up: the first Ctrl-C raises, later ones are ignored
    with quiet_then_armed():    # around the prompt (where Ctrl-C is a key, not a signal)
        line = prompt()
    with held():                # a terminal write and its bookkeeping stay together
        out.write(frame)
    start(Thread(target=work))  # a worker never takes a Ctrl-C: the main thread always does
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Protocol


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


class Startable(Protocol):
    def start(self) -> None: ...


def start(thread: Startable) -> None:
    """Start ``thread`` (or what starts one: rich's Progress) with SIGINT blocked in the new
    thread, which inherits the mask of the one that starts it. The kernel gives a process's
    signal to any thread that does not block it; taken by a worker, CPython only notes it, and
    a main thread asleep in a system call (a ``select`` waiting for a tool's command, say) is
    not woken: the Ctrl-C would wait for the command."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not on POSIX
        thread.start()
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        thread.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


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
