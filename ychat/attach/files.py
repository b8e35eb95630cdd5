"""An attachment read from a file, stdin or the clipboard, and recognised by its first bytes
(never by its name: a ``.png`` that holds a JPEG is a JPEG, and a text file is not a picture).

    >>> sniff(b"%PDF-1.7 ...")
    'application/pdf'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ychat.errors import UsageError
from ychat.i18n import _
from ychat.privatefile import NotRegularFile, read_regular

STDIN = "stdin"  # the name of a file read from stdin (-a -)
MAX_BYTES = 20 * 1024 * 1024  # Yandex OCR's limit (TOOLS.md §6.1); a picture for a model is scaled down anyway
PICTURES = ("image/png", "image/jpeg", "image/webp", "image/gif")
KINDS = (*PICTURES, "application/pdf")
EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
    "application/pdf": "pdf",
}


@dataclass(frozen=True)
class Attachment:
    """A file to send with the next message, as it was read (``mime``: one of ``KINDS``)."""

    name: str
    mime: str
    data: bytes = field(repr=False)

    @property
    def picture(self) -> bool:
        return self.mime in PICTURES


def sniff(data: bytes) -> str | None:
    """The MIME type of ``data`` by its signature; None: not a kind ychat attaches."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def recognised(name: str, data: bytes) -> Attachment:
    """``data`` as an attachment named ``name``, or a clear error naming it."""
    if not data:
        raise UsageError(_("{name} is empty: nothing to attach").format(name=name))
    if len(data) > MAX_BYTES:
        raise UsageError(
            _("{name} is {size:,} bytes; an attachment may be {limit:,} at most").format(
                name=name, size=len(data), limit=MAX_BYTES
            )
        )
    mime = sniff(data)
    if mime is None:
        raise UsageError(
            _("{name} is not a picture or a PDF ychat can attach (PNG, JPEG, WebP, GIF, PDF)").format(name=name),
            hint=_("/file attaches a text file"),
        )
    return Attachment(name, mime, data)


def read(path: str, stdin: BinaryIO | None = None) -> Attachment:
    """The file at ``path`` (``-``: the bytes of ``stdin``), checked before any request."""
    if path == "-":
        if stdin is None:
            raise UsageError(_("-a - reads stdin, which is not available here"))
        return recognised(STDIN, stdin.read(MAX_BYTES + 1))
    target = Path(path).expanduser()
    try:
        data = read_regular(target, MAX_BYTES)
    except NotRegularFile:
        raise UsageError(_("cannot attach {path}: it is not a regular file").format(path=path)) from None
    except OSError as exc:
        raise UsageError(_("cannot attach {path}: {reason}").format(path=path, reason=exc.strerror or exc)) from None
    return recognised(target.name, data)
