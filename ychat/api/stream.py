"""NDJSON reply stream -> small typed events.

The completion stream is one ``{"result": …}`` JSON object per line whose text is
**cumulative** (REFERENCE.md §1.3). The session only ever sees these events:

    Delta(text)      new text appended to the reply
    Replace(text)    the server rewrote the reply; ``text`` is the whole new reply
    Retrying(...)    a failed attempt will be retried (nothing was shown yet)
    Done(...)        the reply is complete: final status, usage, model version

    >>> list(events_from_lines(['{"result":{"alternatives":[{"message":{"text":"Hi"},'
    ...     '"status":"ALTERNATIVE_STATUS_FINAL"}]}}']))[0]
    Delta(text='Hi')
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ychat.api.protocol import (
    STATUS_CONTENT_FILTER,
    STATUS_TOOL_CALLS,
    TERMINAL_STATUSES,
    Chunk,
    Usage,
    parse_line,
)
from ychat.errors import ProtocolError, StreamInterrupted, UnsupportedReply

MAX_LINE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class Delta:
    text: str


@dataclass(frozen=True)
class Replace:
    text: str


@dataclass(frozen=True)
class Retrying:
    attempt: int
    delay: float
    reason: str


@dataclass(frozen=True)
class Done:
    text: str
    status: str
    usage: Usage
    model_version: str


Event = Delta | Replace | Retrying | Done


def split_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """Split a byte stream on ``\\n`` only and decode each line as UTF-8.

    httpx's ``iter_lines`` uses ``str.splitlines`` and so also breaks on U+2028, U+0085 and
    friends, which JSON strings may hold raw; NDJSON lines end at ``\\n`` and nowhere else.
    """
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        while (end := buffer.find(b"\n")) >= 0:
            yield _decode(bytes(buffer[:end]))
            del buffer[: end + 1]
        if len(buffer) > MAX_LINE_BYTES:
            raise ProtocolError("a reply line is longer than 16 MiB")
    if buffer.strip():
        yield _decode(bytes(buffer))


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        raise ProtocolError("reply line is not valid UTF-8") from None


class CumulativeDecoder:
    """Turns cumulative chunks into Delta/Replace events and remembers the final state."""

    def __init__(self) -> None:
        self.text = ""
        self.last: Chunk | None = None

    def feed(self, chunk: Chunk) -> Delta | Replace | None:
        previous, self.text, self.last = self.text, chunk.text, chunk
        if chunk.text == previous:
            return None
        if chunk.text.startswith(previous):
            return Delta(chunk.text[len(previous) :])
        return Replace(chunk.text)

    def done(self) -> Done:
        """The closing event; raises if the stream ended before a terminal status."""
        last = self.last
        if last is None or last.status not in TERMINAL_STATUSES:
            raise StreamInterrupted("the reply stream ended before the reply was complete")
        if last.status == STATUS_TOOL_CALLS:
            raise UnsupportedReply("the model answered with a tool call, which ychat does not support")
        if not self.text:
            what = "withheld by the content filter" if last.status == STATUS_CONTENT_FILTER else "empty"
            raise UnsupportedReply(f"the model's reply is {what} ({last.status})")
        return Done(self.text, last.status, last.usage, last.model_version)


def events_from_lines(lines: Iterable[str]) -> Iterator[Event]:
    """Parse every non-empty line; raise a YChatError for error lines and malformed input."""
    decoder = CumulativeDecoder()
    for line in lines:
        if not line.strip():
            continue
        event = decoder.feed(parse_line(line))
        if event is not None:
            yield event
    yield decoder.done()


def events_from_body(body: bytes) -> Iterator[Event]:
    """A non-streaming reply: one ``{"result": …}`` object, possibly pretty-printed."""
    return events_from_lines([_decode(body).replace("\n", " ")])
