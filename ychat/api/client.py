"""A chat client: one transport and one dialect, behind the session's ``complete`` call.

>>> transport = Transport(lambda: build_http_client(timeout=60), credentials=ApiKey("…"))
>>> client = ApiClient(transport, dialect_for("v1", endpoint=url, folder_id="b1g"))
>>> for event in client.complete("yandexgpt", messages, Options()):
...     ...

A dialect's module is imported only when it is chosen (``dialect_for``).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any

from ychat.api.auth import Credentials
from ychat.api.dialects import Dialect
from ychat.api.http.transport import Transport
from ychat.api.registry import DEFAULT_ENDPOINT, record
from ychat.core import Event, Message, Options
from ychat.errors import UsageError, YChatError
from ychat.i18n import _

if TYPE_CHECKING:
    from ychat.api.dialects.deferred import Deferred


def dialect_for(api: str, *, endpoint: str, folder_id: str | None, data_logging: bool = False) -> Dialect:
    """``--api NAME`` -> its dialect (``api/registry.py``); ``endpoint`` is that dialect's base URL."""
    return record(api).build(endpoint=endpoint, folder_id=folder_id, data_logging=data_logging)


class ApiClient:
    """Sends a conversation in one dialect and yields core reply events; deferred mode (v1 only)
    goes through ``deferred`` when the options ask for it."""

    def __init__(
        self, transport: Transport, dialect: Dialect, *, deferred: Deferred | Callable[[], Deferred] | None = None
    ) -> None:
        self.transport = transport
        self.dialect = dialect
        self.deferred = deferred

    def prepare(self) -> None:
        self.transport.prepare()

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def complete(self, model: str, messages: Sequence[Message], options: Options) -> Generator[Event, None, None]:
        """Yield Delta/Replace/Retrying/Pending events, then Done; raise a YChatError on failure."""
        dialect = self._deferred() if options.deferred else self.dialect
        yield from dialect.complete(self.transport, model, messages, options)

    def download(self, file_id: str, container_id: str = "") -> bytes:
        """A file a hosted tool wrote (the Responses API's code interpreter)."""
        fetch = getattr(self.dialect, "download", None)
        if fetch is None:
            raise YChatError(_("this dialect has no files to download"))
        found: bytes = fetch(self.transport, file_id, container_id)
        return found

    def count_tokens(self, model: str, messages: Sequence[Message]) -> int | None:
        """The prompt's tokens by the server's tokenizer (v1 tokenizeCompletion, free); None when
        the dialect has none or the count fails (the caller then estimates)."""
        count = getattr(self.dialect, "count_tokens", None)
        if count is None:
            return None
        try:
            result: int = count(self.transport, model, messages)
            return result
        except YChatError:
            return None

    def follow(self, operation_id: str) -> Generator[Event, None, None]:
        """A deferred operation's reply, waiting for it if it is still running."""
        yield from self._deferred().follow(self.transport, operation_id)

    def _deferred(self) -> Deferred:
        if self.deferred is None:
            raise UsageError(_("deferred mode (--async) is part of the v1 API: use it with --api v1"))
        if callable(self.deferred):  # built on first use: most chats never defer
            self.deferred = self.deferred()
        return self.deferred


def v1_client(
    http: Any,
    *,
    credentials: Credentials | None,
    folder_id: str | None,
    endpoint: str = DEFAULT_ENDPOINT,
    data_logging: bool = False,
    **transport: Any,
) -> ApiClient:
    """A v1 ``completion`` client in one call; ``transport`` takes Transport's keywords."""
    return ApiClient(
        Transport(http, credentials=credentials, **transport),
        dialect_for("v1", endpoint=endpoint, folder_id=folder_id, data_logging=data_logging),
    )
