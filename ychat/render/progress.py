"""The ``--each-line`` progress bar on stderr (a terminal only): done/total, failures, elapsed
time and tokens, with rich's Progress. Total is counted as the input is read (it is streamed)."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ychat import interrupts
from ychat.i18n import _
from ychat.render.safe import for_terminal


class BatchProgress:
    def __init__(self, stream: TextIO) -> None:
        self._progress = Progress(
            TextColumn("[dim]" + _("answering")),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(_("{task.fields[failed]} failed · {task.fields[tokens]:,} tokens")),
            TimeElapsedColumn(),
            console=Console(file=stream, stderr=True),
            transient=True,
        )
        self._task = self._progress.add_task("batch", total=None, failed=0, tokens=0)
        self._failed = self._tokens = self._read = 0

    def __enter__(self) -> BatchProgress:
        interrupts.start(self._progress)  # its refresh thread never takes a Ctrl-C
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._progress.stop()

    def read(self) -> None:
        self._read += 1
        self._progress.update(self._task, total=self._read)

    def answered(self, *, failed: bool, tokens: int) -> None:
        self._failed += failed
        self._tokens += tokens
        self._progress.update(self._task, advance=1, failed=self._failed, tokens=self._tokens)

    def note(self, text: str) -> None:
        self._progress.console.print(text, markup=False, highlight=False)


class StepsProgress:
    """A bar of named steps on stderr (``ychat index create``: each upload, then the indexing)."""

    def __init__(self, stream: TextIO, total: int) -> None:
        self._progress = Progress(
            TextColumn("[dim]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(file=stream, stderr=True),
            transient=True,
        )
        self._task = self._progress.add_task("", total=total)

    def __enter__(self) -> StepsProgress:
        interrupts.start(self._progress)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._progress.stop()

    def step(self, description: str, *, done: int | None = None) -> None:
        """Now doing ``description``; ``done``: the steps finished so far."""
        self._progress.update(self._task, description=for_terminal(description), completed=done)
