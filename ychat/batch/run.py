"""The ``--each-line`` run: questions from stdin or ``--input FILE``, answers on stdout in input
order (plain, a blank line between; or JSON lines), errors and progress on stderr."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import TYPE_CHECKING, BinaryIO, TextIO

from ychat.batch.pool import QUOTA, REFUSED_IN_A_ROW, Answer, BadLine, Batch, exit_code, questions, status
from ychat.core import Options
from ychat.errors import ExitCode, UsageError, YChatError
from ychat.i18n import _, ngettext
from ychat.render.safe import for_terminal, shown_on
from ychat.repl.ports import ChatClient

if TYPE_CHECKING:
    from ychat.render.progress import BatchProgress


class BatchFailed(YChatError):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.exit_code = ExitCode(code)


def answer_record(answer: Answer) -> dict[str, object]:
    done = answer.done
    return {
        "index": answer.index,
        "question": answer.question,
        "answer": done.text if done else None,
        "finish_reason": done.finish.value if done else None,
        "usage": asdict(done.usage) if done and done.usage else None,
        "status": status(answer),
        "error": str(answer.error) if answer.error else None,
    }


class Printer:
    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        *,
        as_json: bool,
        progress: BatchProgress | None,
        structured: Options | None = None,
    ) -> None:
        self.out, self.err, self.as_json, self.progress = out, err, as_json, progress
        self.structured = structured  # --schema/--json-object: each answer checked, one JSON line
        self._out_safe, self._err_safe = shown_on(out), shown_on(err)
        self.failures: list[YChatError] = []
        self.total = self.printed = 0

    def emit(self, answer: Answer) -> None:
        self.total += 1
        if self.structured is not None and answer.done is not None and answer.error is None:
            answer = self._checked(answer, self.structured)
        if answer.error is not None:
            self.failures.append(answer.error)
            self._say(_("ychat: error: question {index}: {error}").format(index=answer.index, error=answer.error))
        if self.as_json:
            self._write(json.dumps(answer_record(answer), ensure_ascii=False) + "\n")
        elif answer.done is not None and self.structured is not None:
            self._write(json.dumps(json.loads(answer.done.text), ensure_ascii=False) + "\n")  # one line each
        elif answer.done is not None:
            self._write(("\n" if self.printed else "") + answer.done.text.rstrip("\n") + "\n")
            self.printed += 1
        self.out.flush()
        tokens = answer.done.usage.total_tokens if answer.done and answer.done.usage else 0
        if self.progress is not None:
            self.progress.answered(failed=answer.error is not None, tokens=tokens)

    @staticmethod
    def _checked(answer: Answer, options: Options) -> Answer:
        from ychat.structured import SchemaMismatch, check

        try:
            check(answer.done.text if answer.done else "", dict(options.schema) if options.schema else None)
        except SchemaMismatch as error:
            return dataclasses.replace(answer, done=None, error=error)
        return answer

    def stopped(self, why: str) -> None:
        """The batch ended early: say after which question, so no line is silently missing."""
        self._say(
            _("ychat: stopped after question {n} ({why}); the lines after it were not sent").format(
                n=self.total, why=why
            )
        )

    def _write(self, text: str) -> None:
        self.out.write(self._out_safe(text))  # exact to a pipe or a file

    def _say(self, text: str) -> None:
        if self.progress is not None:
            self.progress.note(for_terminal(text))  # the progress bar is shown on a terminal only
        else:
            self.err.write(self._err_safe(text) + "\n")
            self.err.flush()


def run_each_line(
    client: ChatClient,
    model: str,
    options: Options,
    *,
    system: str | None,
    prompt: str | None,
    source: str | None,
    concurrency: int,
    as_json: bool,
) -> None:
    if concurrency > QUOTA:
        sys.stderr.write(
            _("ychat: warning: --concurrency {n} is above the documented quota of {quota}").format(
                n=concurrency, quota=QUOTA
            )
            + "\n"
        )
    lines = _lines(source)
    progress = _progress() if sys.stderr.isatty() else None
    structured = options if options.schema is not None or options.json_object else None
    printer = Printer(sys.stdout, sys.stderr, as_json=as_json, progress=progress, structured=structured)
    batch = Batch(client, model, dataclasses.replace(options, stream=False), system=system, concurrency=concurrency)
    items = _counted(questions(lines, prompt), progress)
    try:
        if progress is not None:
            with progress:
                batch.run(items, printer.emit)
        else:
            batch.run(items, printer.emit)
    except KeyboardInterrupt:
        printer.stopped(_("interrupted"))
        raise
    if batch.refused.is_set():
        printer.stopped(_("the server refused {n} connections in a row").format(n=REFUSED_IN_A_ROW))
    code = exit_code(printer.failures, printer.total)
    if code:
        failed = len(printer.failures)
        text = ngettext("{failed} of {total} question failed", "{failed} of {total} questions failed", printer.total)
        raise BatchFailed(text.format(failed=failed, total=printer.total), code)


def _lines(source: str | None) -> Iterable[str]:
    if source is None:
        if sys.stdin.isatty():
            raise UsageError(_("--each-line reads questions from standard input or --input FILE"))
        return _utf8(sys.stdin.buffer, _("standard input"))
    try:
        return _utf8(open(source, "rb"), source)
    except OSError as exc:
        raise UsageError(_("cannot read {path}: {reason}").format(path=source, reason=exc.strerror)) from None


def _utf8(stream: BinaryIO, name: str) -> Iterator[str]:
    """Each line as text; a line that is not UTF-8 is that line's error, not the batch's."""
    with stream:
        for number, raw in enumerate(stream, start=1):
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                yield BadLine(_("{name}, line {number}: not valid UTF-8 text").format(name=name, number=number))


def _progress() -> BatchProgress:
    from ychat.render.progress import BatchProgress

    return BatchProgress(sys.stderr)


def _counted(items: Iterator[tuple[int, str]], progress: BatchProgress | None) -> Iterator[tuple[int, str]]:
    for item in items:
        if progress is not None:
            progress.read()
        yield item
