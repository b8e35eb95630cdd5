"""``ychat --each-line``: one question per non-empty input line, answered independently with at
most N requests in flight, printed in input order (no UI library here; the caller renders).

The input is streamed: at most ``4 * N`` questions are read ahead of the first unprinted
answer, so a million-line file takes as much memory as a short one. Ctrl-C stops reading,
cancels what is in flight (each reply's generator is closed: its HTTP response too), and the
answers already complete are still printed.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass

from ychat.chat import Done, Message, Options
from ychat.errors import ExitCode, YChatError
from ychat.i18n import _
from ychat.ports import ChatClient

READ_AHEAD = 4  # questions read per request slot ahead of the first answer not yet printed
QUOTA = 10  # the documented number of concurrent generations


@dataclass(frozen=True)
class Answer:
    index: int
    question: str
    done: Done | None
    error: YChatError | None = None


class Cancelled(YChatError):
    exit_code = ExitCode.INTERRUPTED


def questions(lines: Iterable[str], prompt: str | None) -> Iterator[tuple[int, str]]:
    """(index, question) for every non-empty line; PROMPT goes first as in a one-off."""
    index = 0
    for line in lines:
        text = line.rstrip("\n").rstrip("\r")
        if text.strip():
            index += 1
            yield index, f"{prompt}\n\n{text}" if prompt else text


class Batch:
    def __init__(
        self, client: ChatClient, model: str, options: Options, *, system: str | None, concurrency: int
    ) -> None:
        self.client, self.model, self.options, self.system = client, model, options, system
        self.concurrency = concurrency
        self.cancelled = threading.Event()

    def run(self, items: Iterable[tuple[int, str]], emit: Callable[[Answer], None]) -> None:
        """Answer every item, calling ``emit`` in input order; KeyboardInterrupt cancels the rest
        (queued ones are dropped, running ones stop at their next chunk) after emitting those done."""
        pending: deque[Future[Answer]] = deque()
        work: queue.Queue[tuple[Future[Answer], int, str] | None] = queue.Queue()
        for _worker in range(self.concurrency):  # daemon threads: a request stuck in a read never holds up exit
            threading.Thread(target=self._work, args=(work,), name="ychat-batch", daemon=True).start()
        try:
            for index, question in items:
                future: Future[Answer] = Future()
                work.put((future, index, question))
                pending.append(future)
                while len(pending) >= self.concurrency * READ_AHEAD or (pending and pending[0].done()):
                    emit(pending.popleft().result())
            while pending:
                emit(pending.popleft().result())
        except KeyboardInterrupt:
            self.cancelled.set()
            for future in pending:
                if future.done() and future.result().error is None:
                    emit(future.result())
            raise
        finally:
            for _ in range(self.concurrency):
                work.put(None)

    def _work(self, work: queue.Queue[tuple[Future[Answer], int, str] | None]) -> None:
        while (item := work.get()) is not None:
            future, index, question = item
            if self.cancelled.is_set():
                future.set_result(Answer(index, question, None, Cancelled(_("cancelled"))))
                continue
            try:
                future.set_result(self._answer(index, question))
            except Exception as error:  # a bug: raised again in the main thread, never a hang
                future.set_exception(error)

    def _answer(self, index: int, question: str) -> Answer:
        messages = ([Message("system", self.system)] if self.system else []) + [Message("user", question)]
        events = self.client.complete(self.model, messages, self.options)
        try:
            for event in events:
                if self.cancelled.is_set():
                    return Answer(index, question, None, Cancelled(_("cancelled")))
                if isinstance(event, Done):
                    return Answer(index, question, event)
        except YChatError as error:
            return Answer(index, question, None, error)
        finally:
            events.close()
        return Answer(index, question, None, YChatError(_("the reply ended without a final status")))


def exit_code(failures: list[YChatError], total: int) -> int:
    """0; or the failure's code when every question failed the same way; else 1."""
    if not failures:
        return int(ExitCode.OK)
    codes = {int(error.exit_code) for error in failures}
    if len(failures) == total and len(codes) == 1:
        return codes.pop()
    return int(ExitCode.ERROR)
