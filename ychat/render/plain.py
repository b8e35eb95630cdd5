"""Replies for pipes and scripts: the text exactly as received, no rich, no colour.

>>> renderer = PlainRenderer(sys.stdout, sys.stderr)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from ychat.core import Done, FinishReason, Message, Pending, Retrying
from ychat.errors import YChatError, describe
from ychat.i18n import N_, _
from ychat.render.safe import shown_on

NOTES = {
    FinishReason.LENGTH: N_("The reply was cut at the token limit (raise it with --max-tokens)."),
    FinishReason.CONTENT_FILTER: N_("The reply was stopped by the content filter."),
}
REPLACED = N_("The server replaced the reply text while it streamed")


def footnotes(done: Done) -> str:
    """The pages a reply cites (web search), numbered in the order cited: ``[1] Title — URL``."""
    lines = [f"[{n}] " + " — ".join(filter(None, [s.title, s.url])) for n, s in enumerate(done.sources, 1)]
    return "\n".join(lines)


def pending_note(event: Pending, *, terminal: bool) -> str:
    if terminal:  # short enough for one line; the spinner then shows the id and the time
        return _("Deferred operation {operation_id} · Ctrl-C cancels it").format(operation_id=event.operation_id)
    return _("Deferred operation {operation_id}: `ychat operation {operation_id}` fetches its reply").format(
        operation_id=event.operation_id
    )


class PlainRenderer:
    """For pipes: the reply text exactly as received on ``out``; everything else on ``err``
    (either one made safe when it is a terminal)."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err
        self._out_safe, self._err_safe = shown_on(out), shown_on(err)  # asked once, not per chunk
        self._last = "\n"

    def _write(self, text: str) -> None:
        if text:
            self.out.write(self._out_safe(text))
            self.out.flush()
            self._last = text[-1]

    def prepare(self) -> None:
        """Nothing to warm up."""

    def begin_reply(self) -> None:
        self._last = "\n"

    def delta(self, text: str) -> None:
        self._write(text)

    def replace(self, text: str) -> None:
        self._say(
            _("ychat: note: {what}; the new text follows on stdout after a newline").format(what=_(REPLACED).lower())
        )
        self._write("\n" if self._last != "\n" else "")
        self._write(text)

    def end_reply(self, done: Done) -> None:
        self.abort_reply()
        if done.sources:  # part of the answer: on stdout, after a blank line
            self._write("\n" + footnotes(done) + "\n")
        if done.finish in NOTES:
            self._say(_("ychat: note: {text}").format(text=_(NOTES[done.finish])))

    def abort_reply(self) -> None:
        if self._last != "\n":
            self._write("\n")

    def note(self, text: str) -> None:
        self._say(text)

    def retrying(self, event: Retrying) -> None:
        self._say(
            _("ychat: {reason}; retrying in {delay:.1f} s (attempt {attempt})").format(
                reason=event.reason, delay=event.delay, attempt=event.attempt + 1
            )
        )

    def pending(self, event: Pending) -> None:
        """The operation id once, on stderr (a script can fetch the answer later)."""
        if event.waited == 0.0:
            self._say(_("ychat: note: {text}").format(text=pending_note(event, terminal=False)))

    def error(self, error: YChatError) -> None:
        line, hint = describe(error)
        self._say(line + (f"\n{hint}" if hint else ""))

    def info(self, text: str) -> None:
        self._say(text)

    def _say(self, text: str) -> None:
        self.err.write(self._err_safe(text) + "\n")
        self.err.flush()

    def control(self, sequence: str) -> bool:
        """An escape sequence for the terminal (OSC 52); False when stdout is not one."""
        if not self.out.isatty():
            return False
        self.out.write(sequence)
        self.out.flush()
        return True

    def show_history(self, messages: Sequence[Message]) -> None:
        self._write("".join(f"{m.role}: {m.text}\n\n" for m in messages))
