"""A chat client: one transport and one dialect, behind the session's ``complete`` call.

>>> transport = Transport(lambda: build_http_client(timeout=60), credentials=ApiKey("…"))
>>> client = ApiClient(transport, V1(folder_id="b1g"))
>>> for event in client.complete("yandexgpt", messages, Options()):
...     ...
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

from ychat.api.auth import Credentials
from ychat.api.dialect import Dialect
from ychat.api.transport import Transport
from ychat.api.v1 import V1
from ychat.api.yandex import DEFAULT_ENDPOINT
from ychat.chat import Event, Message, Options


class ApiClient:
    """Sends a conversation in one dialect and yields core reply events."""

    def __init__(self, transport: Transport, dialect: Dialect) -> None:
        self.transport = transport
        self.dialect = dialect

    def prepare(self) -> None:
        self.transport.prepare()

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def complete(self, model: str, messages: Sequence[Message], options: Options) -> Generator[Event, None, None]:
        """Yield Delta/Replace/Retrying events, then Done; raise a YChatError on failure."""
        yield from self.dialect.complete(self.transport, model, messages, options)


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
        V1(endpoint=endpoint, folder_id=folder_id, data_logging=data_logging),
    )
