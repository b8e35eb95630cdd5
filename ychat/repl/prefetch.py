"""Work the first reply needs, done on a worker thread while the user types its question.

The REPL shows its prompt first and only then starts this (TLS set-up, the Markdown and
highlighting imports, the local model's load), so start-up costs what the prompt costs.

    >>> with Prefetch(renderer.prepare, client.prepare) as prefetch:
    ...     session.run(make_reader(history, on_ready=prefetch.start))
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ychat import interrupts

log = logging.getLogger("ychat")


class Prefetch:
    """Runs its steps once, in order, on one thread. A step that fails is only logged: the
    real path does the same work again when it needs it, and reports the error there.
    Leaving the ``with`` block waits for the thread (so nothing is closed under it)."""

    def __init__(self, *steps: Callable[[], object]) -> None:
        self.steps = steps
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ychat-prefetch")
            interrupts.start(self._thread)

    def _run(self) -> None:
        for step in self.steps:
            try:
                step()
            except Exception as error:
                log.debug("prefetch: %s failed: %s", getattr(step, "__qualname__", step), error)

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Prefetch:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.wait()
