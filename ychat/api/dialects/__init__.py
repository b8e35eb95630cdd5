"""What a wire protocol (a *dialect*) is: ``Dialect``, below. One module per wire protocol
(``v1``, ``deferred``, ``v1alpha``, ``openai``), what the Yandex ones share (``yandex.py``:
headers, model URIs, both error body shapes), what every dialect's reply shares (``reply.py``)
and the stream framings (``ndjson.py``, ``sse.py``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ychat.api.http.transport import Transport
    from ychat.core import Event, Message, Options

__all__ = ["Dialect"]


class Dialect(Protocol):
    """One wire protocol: turns a conversation into events, through the transport."""

    def check_model(self, model: str) -> None:
        """Raise ConfigError now for a model name this dialect cannot send."""
        ...

    def complete(
        self, transport: Transport, model: str, messages: Sequence[Message], options: Options
    ) -> Iterator[Event]: ...
