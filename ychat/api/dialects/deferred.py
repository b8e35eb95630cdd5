"""Deferred mode (``--async``): ``POST /foundationModels/v1/completionAsync``, then the operation
is polled at ``GET {operations}/operations/{id}`` until done (REFERENCE.md §2).

Half the price of a synchronous call. Polls back off from 0.5 s to a 5 s cap; each poll is a
``Pending`` event (the renderer shows the id and the time waited). Ctrl-C, or leaving the reply
any other way before it is done, cancels the operation (``/operations/{id}:cancel``); reaching
``--max-time`` does not: the answer can still be fetched with ``ychat operation ID``.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ychat.api.dialects.ndjson import decode
from ychat.api.dialects.reply import finished
from ychat.api.dialects.v1 import V1Wire, completion_body, parse_result
from ychat.api.dialects.yandex import error_from_record, expand_model_uri, load_object, yandex_headers
from ychat.api.request import HttpRequest
from ychat.api.retry import Deadline
from ychat.core import Delta, Done, Event, Message, Options, Pending, Retrying
from ychat.errors import ProtocolError, ReplyTimeLimit, YChatError
from ychat.i18n import _

if TYPE_CHECKING:
    from ychat.api.http.transport import Transport

log = logging.getLogger("ychat.api")
ASYNC_PATH = "/foundationModels/v1/completionAsync"
DEFAULT_OPERATIONS = "https://operation.api.cloud.yandex.net"
FIRST_POLL, POLL_GROWTH, POLL_CAP = 0.5, 1.5, 5.0


def _operation(chunks: Iterator[bytes], stream: bool) -> Iterator[dict[str, Any]]:
    record = load_object(decode(b"".join(chunks)))
    if not isinstance(record.get("id"), str) and "done" not in record:
        raise ProtocolError(_("the server's answer is not an operation"))
    yield record


class Deferred:
    """The v1 request as a deferred operation; ``follow`` waits for one by id."""

    def __init__(
        self,
        *,
        endpoint: str,
        operations_endpoint: str = DEFAULT_OPERATIONS,
        folder_id: str | None,
        data_logging: bool = False,
    ) -> None:
        self.url = endpoint.rstrip("/") + ASYNC_PATH
        self.operations = operations_endpoint.rstrip("/") + "/operations/"
        self.folder_id = folder_id
        self.data_logging = data_logging
        self.wire = V1Wire()

    def check_model(self, model: str) -> None:
        expand_model_uri(model, folder_id=self.folder_id)

    def complete(
        self, transport: Transport, model: str, messages: Sequence[Message], options: Options
    ) -> Iterator[Event]:
        uri = expand_model_uri(model, folder_id=self.folder_id)
        body = completion_body(uri, messages, replace(options, stream=False))
        headers = yandex_headers(self.folder_id, data_logging=self.data_logging)
        deadline = transport.deadline()
        started = yield from self._call(transport, HttpRequest("POST", self.url, body, headers), deadline)
        yield from self.follow(transport, str(started.get("id", "")), deadline=deadline, first=started)

    def follow(
        self, transport: Transport, operation_id: str, *, deadline: Deadline | None = None, first: Any = None
    ) -> Iterator[Event]:
        """Poll until done: Pending events, then the reply; leaving early cancels the operation."""
        deadline = deadline or transport.deadline()
        begun, delay, operation = transport.clock(), FIRST_POLL, first
        yield Pending(operation_id, 0.0)
        try:
            while operation is None or not operation.get("done"):
                if operation is not None:
                    if not deadline.allows(delay):
                        raise self._late(operation_id, deadline)
                    transport.sleep(delay)
                    delay = min(delay * POLL_GROWTH, POLL_CAP)
                    yield Pending(operation_id, transport.clock() - begun)
                operation = yield from self._call(transport, self._poll(operation_id), deadline)
        except (GeneratorExit, KeyboardInterrupt):
            self.cancel(transport, operation_id)
            raise
        yield from self._outcome(operation)

    def _poll(self, operation_id: str) -> HttpRequest:
        return HttpRequest("GET", self.operations + operation_id, headers=yandex_headers(None, data_logging=False))

    def _call(
        self, transport: Transport, request: HttpRequest, deadline: Deadline
    ) -> Generator[Retrying, None, dict[str, Any]]:
        """One unary request (retried like any other); its JSON object is the generator's value."""
        found: dict[str, Any] = {}
        for item in transport.exchange(request, self.wire, deadline=deadline, decode=_operation):
            if isinstance(item, Retrying):
                yield item
            else:
                found = item
        return found

    def _outcome(self, operation: Mapping[str, Any]) -> Iterator[Event]:
        if isinstance(operation.get("error"), dict):
            raise error_from_record({"error": operation["error"]}, http_status=200)
        response = operation.get("response")
        if not isinstance(response, dict):
            raise ProtocolError(_("the finished operation has neither a response nor an error"))
        chunk = parse_result(response)  # not wrapped in "result" (REFERENCE.md §2)
        if chunk.finish is None:
            raise ProtocolError(_("the finished operation's reply is not final"))
        reply = Done(chunk.text, chunk.finish, chunk.usage, chunk.model_version, tool_calls=chunk.tool_calls)
        reply = finished(reply, "deferred")
        yield Delta(reply.text)
        yield reply

    def cancel(self, transport: Transport, operation_id: str) -> None:
        """Best effort, a few seconds at most: the user is leaving."""
        request = HttpRequest(
            "GET", self.operations + operation_id + ":cancel", headers=yandex_headers(None, data_logging=False)
        )
        try:
            for _ in transport.exchange(request, self.wire, deadline=Deadline(5.0, transport.clock), decode=_operation):
                pass
        except (YChatError, KeyboardInterrupt) as error:
            log.debug("cancelling operation %s failed: %s", operation_id, error)

    @staticmethod
    def _late(operation_id: str, deadline: Deadline) -> ReplyTimeLimit:
        error = deadline.error()
        error.hint = _("The operation goes on: ychat operation {operation_id} fetches its answer later.").format(
            operation_id=operation_id
        )
        return error
