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

from ychat import interrupts
from ychat.core import Done, Message, Options, drain
from ychat.errors import ConnectionFailed, ExitCode, NetworkError, YChatError
from ychat.i18n import _
from ychat.repl.ports import ChatClient

READ_AHEAD = 4  # questions read per request slot ahead of the first answer not yet printed
QUOTA = 10  # the documented number of concurrent generations
REFUSED_IN_A_ROW = 3  # connections refused one after another: the server is not there, stop sending


@dataclass(frozen=True)
class Answer:
    index: int
    question: str
    done: Done | None
    error: YChatError | None = None


class Cancelled(YChatError):
    """Not sent, or stopped: Ctrl-C came first."""

    exit_code = ExitCode.INTERRUPTED


class NotSent(NetworkError):
    """Not sent: the server refused the connections before it, one after another."""


class BadLine(str):
    """An input line that cannot be a question (not UTF-8): its own error, the others go on."""


def status(answer: Answer) -> str:
    """What became of a question: answered, failed, or not sent."""
    if answer.error is None:
        return "answered"
    return "not sent" if isinstance(answer.error, (Cancelled, NotSent)) else "failed"


def questions(lines: Iterable[str], prompt: str | None) -> Iterator[tuple[int, str]]:
    """(index, question) for every non-empty line; PROMPT goes first as in a one-off."""
    index = 0
    for line in lines:
        if isinstance(line, BadLine):
            index += 1
            yield index, line
            continue
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
        self.refused = threading.Event()  # REFUSED_IN_A_ROW connections failed: the rest are not sent
        self._in_a_row = 0
        self._lock = threading.Lock()

    def run(self, items: Iterable[tuple[int, str]], emit: Callable[[Answer], None]) -> None:
        """Answer every item, calling ``emit`` in input order; KeyboardInterrupt cancels the rest
        (queued ones are not sent, running ones stop at their next chunk), every question read so
        far emitted in order with its fate, then raised again."""
        pending: deque[Future[Answer]] = deque()
        work: queue.Queue[tuple[Future[Answer], int, str] | None] = queue.Queue()
        for _worker in range(self.concurrency):  # daemon threads: a request stuck in a read never holds up exit
            interrupts.start(threading.Thread(target=self._work, args=(work,), name="ychat-batch", daemon=True))
        try:
            for index, question in items:
                future: Future[Answer] = Future()
                future.question = (index, question)  # type: ignore[attr-defined]  # for its fate on Ctrl-C
                work.put((future, index, question))
                pending.append(future)
                while len(pending) >= self.concurrency * READ_AHEAD or (pending and pending[0].done()):
                    emit(_next(pending))
                if self.refused.is_set():
                    break  # the server is not there: what is queued is reported not sent, nothing more is read
            while pending:
                emit(_next(pending))
        except KeyboardInterrupt:
            self.cancelled.set()
            for future in pending:
                emit(self._fate(future))
            raise
        finally:
            for _ in range(self.concurrency):
                work.put(None)

    def _fate(self, future: Future[Answer]) -> Answer:
        """A question's answer when it has one; else it is reported as not sent (Ctrl-C)."""
        if future.done() and future.exception() is None:
            return future.result()
        index, question = getattr(future, "question", (0, ""))
        return Answer(index, question, None, Cancelled(_("not sent: interrupted")))

    def _work(self, work: queue.Queue[tuple[Future[Answer], int, str] | None]) -> None:
        while (item := work.get()) is not None:
            future, index, question = item
            try:
                future.set_result(self._attempt(index, question))
            except Exception as error:  # a bug: raised again in the main thread, never a hang
                future.set_exception(error)

    def _attempt(self, index: int, question: str) -> Answer:
        if isinstance(question, BadLine):
            return Answer(index, "", None, YChatError(str(question)))
        if self.cancelled.is_set():
            return Answer(index, question, None, Cancelled(_("not sent: interrupted")))
        if self.refused.is_set():
            return Answer(index, question, None, NotSent(_("not sent: the server refused the connections before it")))
        answer = self._answer(index, question)
        with self._lock:
            self._in_a_row = self._in_a_row + 1 if isinstance(answer.error, ConnectionFailed) else 0
            if self._in_a_row >= REFUSED_IN_A_ROW:
                self.refused.set()
        return answer

    def _answer(self, index: int, question: str) -> Answer:
        messages = ([Message("system", self.system)] if self.system else []) + [Message("user", question)]
        try:
            done = drain(self.client.complete(self.model, messages, self.options), stop=self.cancelled.is_set)
        except YChatError as error:
            return Answer(index, question, None, error)
        if done is not None:
            return Answer(index, question, done)
        if self.cancelled.is_set():
            return Answer(index, question, None, Cancelled(_("cancelled")))
        return Answer(index, question, None, YChatError(_("the reply ended without a final status")))


def _next(pending: deque[Future[Answer]]) -> Answer:
    """The first answer, taken off only once it is there (a Ctrl-C while waiting keeps it pending)."""
    answer = pending[0].result()
    pending.popleft()
    return answer


def exit_code(failures: list[YChatError], total: int) -> int:
    """0; or the failure's code when every question failed the same way; else 1."""
    if not failures:
        return int(ExitCode.OK)
    codes = {int(error.exit_code) for error in failures}
    if len(failures) == total and len(codes) == 1:
        return codes.pop()
    return int(ExitCode.ERROR)
