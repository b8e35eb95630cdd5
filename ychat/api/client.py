"""The httpx side of the completion API: headers, retries, and httpx errors -> ychat errors.

>>> client = CompletionClient(build_http_client(timeout=60), credentials=ApiKey("…"), folder_id="b1g")
>>> client = CompletionClient(lambda: build_http_client(timeout=60), …)  # built on first use
>>> for event in client.complete("yandexgpt", messages, CompletionOptions()):
...     ...
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Generator, Iterator, Sequence
from typing import Any

import httpx

from ychat import __version__
from ychat.api.auth import Credentials, redact_headers
from ychat.api.protocol import (
    COMPLETION_PATH,
    DEFAULT_ENDPOINT,
    CompletionOptions,
    completion_body,
    error_from_body,
    expand_model_uri,
)
from ychat.api.retry import Deadline, RetryPolicy
from ychat.api.stream import Delta, Done, Event, Replace, Retrying, events_from_body, events_from_lines, split_lines
from ychat.api.transport import bounded, redirect_error, retry_after, send, translate_errors, until
from ychat.conversation import Message
from ychat.errors import (
    APIError,
    NetworkError,
    TimedOut,
    YChatError,
)

log = logging.getLogger("ychat.api")


def build_http_client(
    *, timeout: float, transport: httpx.BaseTransport | None = None, wsgi_app: Any = None
) -> httpx.Client:
    """One persistent client (keep-alive) for the whole session; ``timeout`` bounds each wait.

    ``wsgi_app`` serves the requests in-process, no socket (``--local``); closing a response
    closes the app's generator, which stops generation.
    """
    if wsgi_app is not None:
        transport = httpx.WSGITransport(app=wsgi_app)
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        transport=transport,
        headers={"User-Agent": f"ychat/{__version__}"},
        trust_env=True,
    )


class CompletionClient:
    """Sends a conversation to ``/foundationModels/v1/completion`` and yields reply events."""

    def __init__(
        self,
        http: httpx.Client | Callable[[], httpx.Client],
        *,
        credentials: Credentials,
        folder_id: str | None,
        endpoint: str = DEFAULT_ENDPOINT,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        data_logging: bool = False,
        max_time: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http  # or how to build it: the REPL's prompt need not wait for TLS set-up
        self._http_lock = threading.Lock()
        self._credentials = credentials
        self.folder_id = folder_id
        self._url = endpoint.rstrip("/") + COMPLETION_PATH
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._data_logging = data_logging
        self._max_time = max_time  # one reply, retries included (--max-time)
        self._clock = clock

    def prepare(self) -> None:
        """Build the HTTP client now (TLS set-up takes ~40 ms); the REPL calls this on a worker
        thread once the prompt is up. A failure is raised again, as a YChatError, on first use."""
        self._client()

    def _client(self) -> httpx.Client:
        with self._http_lock:
            if not isinstance(self._http, httpx.Client):
                try:
                    self._http = self._http()
                except (OSError, ValueError) as exc:  # e.g. SSL_CERT_FILE names a missing or bad file
                    raise NetworkError(f"cannot set up HTTPS: {exc}") from exc
            return self._http

    def close(self) -> None:
        with self._http_lock:
            if isinstance(self._http, httpx.Client):
                self._http.close()

    def __enter__(self) -> CompletionClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def complete(
        self, model: str, messages: Sequence[Message], options: CompletionOptions
    ) -> Generator[Event, None, None]:
        """Yield Delta/Replace/Retrying events, then Done; raise a YChatError on failure.

        Failures are retried only while no reply text has been yielded, and never past ``max_time``.
        """
        body = completion_body(expand_model_uri(model, folder_id=self.folder_id), messages, options)
        if log.isEnabledFor(logging.DEBUG):  # not on every turn: it serialises the whole history again
            log.debug("request body: %s", _clip_body(body))
        headers = self._headers()
        deadline = Deadline(self._max_time, self._clock)
        attempt, waited = 0, 0.0
        while True:
            attempt += 1
            shown = False
            try:
                for event in self._attempt(body, headers, stream=options.stream, deadline=deadline):
                    shown = shown or isinstance(event, (Delta, Replace))
                    if isinstance(event, Done):
                        log.debug("%s, usage %s, model version %s", event.status, event.usage, event.model_version)
                    yield event
                return
            except YChatError as failure:
                error = deadline.error() if isinstance(failure, TimedOut) and deadline.expired() else failure
                delay = None if shown else self._retry.delay_for(error, attempt, waited)
                if delay is None or not deadline.allows(delay):
                    error.hint = self._retry.refusal(error, attempt, waited) or error.hint
                    if error is failure:
                        raise
                    raise error from failure
                yield Retrying(attempt, delay, error.message)
                self._sleep(delay)
                waited += delay

    def _headers(self) -> dict[str, str]:
        headers = {
            "Authorization": self._credentials.authorization(),
            "x-client-request-id": str(uuid.uuid4()),
            "x-data-logging-enabled": "true" if self._data_logging else "false",
        }
        if self.folder_id:
            headers["x-folder-id"] = self.folder_id
        return headers

    def _attempt(
        self, body: dict[str, Any], headers: dict[str, str], *, stream: bool, deadline: Deadline
    ) -> Iterator[Event]:
        log.debug("POST %s headers=%s", self._url, redact_headers(headers))
        deadline.check()
        http = self._client()
        with translate_errors(self._url):
            request = http.build_request(
                "POST", self._url, json=body, headers=headers, timeout=bounded(http.timeout, deadline)
            )
            reply = send(http, request)
            try:
                yield from self._events(reply, headers, stream=stream, deadline=deadline)
            finally:
                reply.close()

    def _events(
        self, reply: httpx.Response, headers: dict[str, str], *, stream: bool, deadline: Deadline
    ) -> Iterator[Event]:
        request_id = reply.headers.get("x-request-id") or headers["x-client-request-id"]
        log.debug("HTTP %s headers=%s", reply.status_code, redact_headers(reply.headers.multi_items()))
        chunks = until(reply.iter_bytes(), deadline)
        if 300 <= reply.status_code < 400:
            raise redirect_error(reply, request_id)
        if reply.status_code != 200:
            wait = retry_after(reply.headers.get("Retry-After"))
            raise error_from_body(
                b"".join(chunks), http_status=reply.status_code, request_id=request_id, retry_after=wait
            )
        try:
            yield from events_from_lines(split_lines(chunks)) if stream else events_from_body(b"".join(chunks))
        except APIError as error:
            error.request_id = error.request_id or request_id
            raise


def _clip_body(body: dict[str, Any]) -> str:
    """The request for --debug: everything but long message texts in full (no secrets are in it)."""
    messages = [{**m, "text": _clip(m["text"])} for m in body.get("messages", [])]
    return json.dumps({**body, "messages": messages}, ensure_ascii=False)


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"
