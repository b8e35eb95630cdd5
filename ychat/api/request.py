"""What a wire protocol (a *dialect*) is to the rest of ``api/``.

A dialect builds the HTTP request for a conversation from core types, decodes the reply body
or stream into core events, and maps its error bodies to the ``errors`` tree. It never touches
httpx: the transport sends what it builds. Adding a dialect is adding one module here and a
name in ``DIALECTS`` (``ychat/api/client.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ychat.core import Event, Message, Options
from ychat.errors import APIError

if TYPE_CHECKING:
    from ychat.api.http.transport import Transport


@dataclass(frozen=True)
class HttpRequest:
    """One request to send: ``url`` is absolute; ``body`` is JSON (None for a GET)."""

    method: str
    url: str
    body: dict[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    stream: bool = False  # the reply is a stream, decoded as it arrives
    content: bytes | None = None  # ``body`` already encoded (then ``body`` is only for --debug)


class Wire(Protocol):
    """How the replies of one request are read."""

    def decode(self, chunks: Iterator[bytes], *, stream: bool) -> Iterator[Event]: ...

    def error(
        self, body: bytes, *, http_status: int, request_id: str | None, retry_after: float | None
    ) -> APIError: ...


class Dialect(Protocol):
    """One wire protocol: turns a conversation into events, through the transport."""

    def check_model(self, model: str) -> None:
        """Raise ConfigError now for a model name this dialect cannot send."""
        ...

    def complete(
        self, transport: Transport, model: str, messages: Sequence[Message], options: Options
    ) -> Iterator[Event]: ...
