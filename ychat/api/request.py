"""What a dialect hands the transport: the request to send (``HttpRequest``) and how its replies
and error bodies read (``Wire``). A dialect never touches httpx: the transport sends what it builds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ychat.core import Event
from ychat.errors import APIError


@dataclass(frozen=True)
class HttpRequest:
    """One request to send: ``url`` is absolute; ``body`` is JSON (None for a GET)."""

    method: str
    url: str
    body: dict[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    stream: bool = False  # the reply is a stream, decoded as it arrives
    content: bytes | None = None  # ``body`` already encoded (then ``body`` is only for --debug)
    secrets: tuple[str, ...] = ()  # in the body (a hosted MCP tool's Authorization): masked in --debug


class Wire(Protocol):
    """How the replies of one request are read."""

    def decode(self, chunks: Iterator[bytes], *, stream: bool) -> Iterator[Event]: ...

    def error(
        self, body: bytes, *, http_status: int, request_id: str | None, retry_after: float | None
    ) -> APIError: ...
