"""What a one-off sends: the prompt and the text piped to stdin (``one_off_message``), and the
files ``-a`` attaches (``attachments``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO

from ychat.errors import UsageError
from ychat.i18n import _

if TYPE_CHECKING:
    from ychat.attach.files import Attachment

__all__ = ["attachments", "one_off_message", "read_stdin", "reads_stdin"]


def one_off_message(prompt: str | None, stdin_text: str | None) -> str | None:
    """PROMPT; or the stdin text; or both, PROMPT first, a blank line between. None: the REPL."""
    if stdin_text is not None and stdin_text.strip():
        return f"{prompt}\n\n{stdin_text}" if prompt else stdin_text
    if prompt is not None:
        if not prompt.strip():
            raise UsageError(_("the prompt is empty"))
        return prompt
    if stdin_text is not None:
        raise UsageError(_("nothing to send: standard input was empty"), hint=_('Pass a prompt: ychat "question".'))
    return None


def read_stdin(stream: BinaryIO) -> str:
    try:
        return stream.read().decode("utf-8").rstrip("\n")
    except UnicodeDecodeError:
        raise UsageError(_("standard input is not valid UTF-8 text")) from None


def _listed(paths: object) -> list[str]:
    return [str(path) for path in paths] if isinstance(paths, tuple) else []


def reads_stdin(paths: object) -> bool:
    """``-a -``: stdin holds a picture, not the message's text."""
    return "-" in _listed(paths)


def attachments(paths: object, stdin: BinaryIO, *, piped: bool) -> list[Attachment]:
    """``-a PATH`` each read and recognised now, before any request (``-``: stdin's bytes)."""
    from ychat.attach.files import read

    listed = _listed(paths)
    if "-" in listed and not piped:
        raise UsageError(_("-a - reads a picture from stdin, but stdin is a terminal"))
    return [read(path, stdin) for path in listed]
