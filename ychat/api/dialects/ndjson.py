"""Byte streams -> lines, and cumulative texts -> Delta/Replace events.

Yandex's streams (v1 completion, v1alpha chat with ``partialResults``) are one JSON object per
line whose text is **cumulative** (REFERENCE.md §1.3): each line holds the whole reply so far.

    >>> decoder = Cumulative()
    >>> decoder.feed("Hel"), decoder.feed("Hello"), decoder.feed("Hi")
    (Delta(text='Hel'), Delta(text='lo'), Replace(text='Hi'))
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ychat.core import Delta, Replace
from ychat.errors import ProtocolError
from ychat.i18n import _

MAX_LINE_BYTES = 16 * 1024 * 1024


def split_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """Split a byte stream on ``\\n`` only and decode each line as UTF-8.

    httpx's ``iter_lines`` uses ``str.splitlines`` and so also breaks on U+2028, U+0085 and
    friends, which JSON strings may hold raw; NDJSON lines end at ``\\n`` and nowhere else.
    """
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        while (end := buffer.find(b"\n")) >= 0:
            yield decode(bytes(buffer[:end]))
            del buffer[: end + 1]
        if len(buffer) > MAX_LINE_BYTES:
            raise ProtocolError(_("a reply line is longer than 16 MiB"))
    if buffer.strip():
        yield decode(bytes(buffer))


def decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        raise ProtocolError(_("reply line is not valid UTF-8")) from None


def one_line(body: bytes) -> list[str]:
    """A non-streaming body (one JSON object, possibly pretty-printed) as a single line."""
    return [decode(body).replace("\n", " ")]


class Cumulative:
    """Turns cumulative texts into Delta/Replace events and remembers the whole text."""

    def __init__(self) -> None:
        self.text = ""

    def feed(self, text: str) -> Delta | Replace | None:
        previous, self.text = self.text, text
        if text == previous:
            return None
        if text.startswith(previous):
            return Delta(text[len(previous) :])
        return Replace(text)
