"""What goes with the next message: text files (``/file``), and pictures and scanned pages
(``/attach``, ``/paste``, ``-a``) — routed when it is sent (``ychat.attach.route``)."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from ychat.attach.files import Attachment
from ychat.i18n import _, ngettext
from ychat.repl.ports import ReplSession


def with_attachments(text: str, attachments: Sequence[tuple[str, str]]) -> str:
    """The message with each text after it, named and fenced by a fence longer than any run
    of backticks in it (the window check then counts them)."""
    parts = [text]
    for name, body in attachments:
        fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", body)), default=0))
        parts.append(f"File {name}:\n{fence}\n{body.rstrip()}\n{fence}")
    return "\n\n".join(parts)


def add(session: ReplSession, attachment: Attachment) -> None:
    """``attachment`` goes with the next message; a picture that cannot be decoded is refused now."""
    if attachment.picture:
        from ychat.attach.pictures import check

        check(attachment)
    session.pending.append(attachment)
    session.renderer.info(
        _("{name} ({size:,} bytes) goes with your next message.").format(
            name=attachment.name, size=len(attachment.data)
        )
    )


def attach(session: ReplSession, arg: str) -> None:
    from ychat.attach.files import read
    from ychat.errors import UsageError

    if not arg:
        raise UsageError(_("/attach needs a path: /attach PATH (a picture or a PDF)"))
    add(session, read(arg))


def paste(session: ReplSession, arg: str) -> None:
    from ychat.attach.clipboard import paste as from_clipboard

    add(session, from_clipboard(os.environ))


def is_picture(path: str) -> bool:
    """Whether the file at ``path`` begins as a picture or a PDF does (``/file`` hands it on)."""
    from pathlib import Path

    from ychat.attach.files import sniff
    from ychat.privatefile import NotRegularFile, read_regular

    try:  # never waits on a FIFO: /file then refuses it as it always did
        return sniff(read_regular(Path(path).expanduser(), 15)) is not None
    except (NotRegularFile, OSError):
        return False


def ocr_usage(session: ReplSession) -> None:
    """``/usage``'s line for the OCR recognitions of this session (none: no line)."""
    from ychat.models.prices import OCR_RUB

    if not session.ocr_calls:
        return
    line = ngettext(
        "OCR: {n} recognition (≈{rub:.2f} ₽ at {each:.2f} ₽ each, Yandex Vision's price)",
        "OCR: {n} recognitions (≈{rub:.2f} ₽ at {each:.2f} ₽ each, Yandex Vision's price)",
        session.ocr_calls,
    )
    session.renderer.info(line.format(n=session.ocr_calls, rub=session.ocr_calls * OCR_RUB, each=OCR_RUB))
