"""The one place requests leave ychat: keep-alive, credentials, retries and errors.

A dialect hands the transport an ``HttpRequest`` and a ``Wire`` that reads the reply; the
transport asks the credentials hook for ``Authorization`` before each attempt (so a token can
be refreshed between two), sends, retries what is worth retrying while nothing has been shown,
and turns every httpx failure into a YChatError (``ychat/api/edge.py``).

>>> transport = Transport(lambda: build_http_client(timeout=60), credentials=ApiKey("…"))
>>> for event in transport.exchange(HttpRequest("POST", url, body, stream=True), wire): ...
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from collections.abc import Callable, Generator, Iterator
from typing import Any, TypeVar

import httpx

from ychat import __version__
from ychat.api.auth import Credentials, mask, redact_headers
from ychat.api.http.edge import bounded, redirect_error, retry_after, send, translate_errors, until
from ychat.api.request import HttpRequest, Wire
from ychat.api.retry import Deadline, RetryPolicy
from ychat.core import Delta, Done, Replace, Retrying
from ychat.errors import APIError, AuthError, NetworkError, TimedOut, YChatError
from ychat.i18n import _

log = logging.getLogger("ychat.api")
T = TypeVar("T")


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


class Transport:
    """Sends requests over one keep-alive client, with retries and a per-reply time limit."""

    def __init__(
        self,
        http: httpx.Client | Callable[[], httpx.Client],
        *,
        credentials: Credentials | None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_time: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http  # or how to build it: the REPL's prompt need not wait for TLS set-up
        self._http_lock = threading.Lock()
        self.credentials = credentials  # asked for Authorization before every attempt
        self._retry = retry or RetryPolicy()
        self.sleep = sleep
        self.max_time = max_time  # one reply, retries included (--max-time)
        self.clock = clock

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
                    raise NetworkError(_("cannot set up HTTPS: {exc}").format(exc=exc)) from exc
            return self._http

    def close(self) -> None:
        with self._http_lock:
            if isinstance(self._http, httpx.Client):
                self._http.close()

    def deadline(self) -> Deadline:
        return Deadline(self.max_time, self.clock)

    def fetch(
        self, request: HttpRequest, wire: Wire, decode: Callable[[Iterator[bytes], bool], Iterator[T]], default: T
    ) -> T:
        """The last thing ``decode`` read from a (retried) unary exchange, or ``default``."""
        found = default
        for item in self.exchange(request, wire, decode=decode):
            if not isinstance(item, Retrying):
                found = item
        return found

    def exchange(
        self,
        request: HttpRequest,
        wire: Wire,
        *,
        deadline: Deadline | None = None,
        decode: Callable[[Iterator[bytes], bool], Iterator[T]] | None = None,
    ) -> Generator[T | Retrying, None, None]:
        """Yield the reply's events (``wire.decode``'s, or ``decode``'s); raise a YChatError.

        Failures are retried only while no reply text has been yielded, and never past the deadline.
        """
        if log.isEnabledFor(logging.DEBUG) and request.body is not None:  # not every turn: it serialises it all
            hidden = [*self._secrets(), *request.secrets, *(s.split(" ", 1)[-1] for s in request.secrets)]
            log.debug("request body: %s", mask(clip_body(request.body), hidden))
        reader: Callable[[Iterator[bytes], bool], Iterator[Any]] = decode or (
            lambda chunks, stream: wire.decode(chunks, stream=stream)
        )
        deadline = deadline or self.deadline()
        attempt, waited, reauthorized = 0, 0.0, False
        while True:
            attempt += 1
            shown = False
            try:
                for event in self._attempt(request, wire, reader, deadline):
                    shown = shown or isinstance(event, (Delta, Replace))
                    if isinstance(event, Done):
                        log.debug("%s, usage %s, model version %s", event.finish, event.usage, event.model_version)
                    yield event
                return
            except YChatError as failure:
                self._masked(failure)
                if not shown and not reauthorized and self._reauthorize(failure):
                    reauthorized = True  # a refreshed token, tried once at once
                    continue
                error = deadline.error() if isinstance(failure, TimedOut) and deadline.expired() else failure
                delay = None if shown else self._retry.delay_for(error, attempt, waited)
                if delay is None or not deadline.allows(delay):
                    error.hint = self._retry.refusal(error, attempt, waited) or error.hint
                    if error is failure:
                        raise
                    raise error from failure
                yield Retrying(attempt, delay, error.message)
                self.sleep(delay)
                waited += delay

    def _reauthorize(self, error: YChatError) -> bool:
        """After a 401, a refreshable token is fetched anew and the request tried once more."""
        if not isinstance(error, AuthError) or error.http_status != 401 or self.credentials is None:
            return False
        if not self.credentials.refreshable:
            error.hint = _(self.credentials.hint_on_401) if self.credentials.hint_on_401 else error.hint
            return False
        log.debug("HTTP 401: fetching a new token from %s", self.credentials.source)
        self.credentials.invalidate()
        return True

    def _masked(self, error: YChatError) -> None:
        """No secret ychat holds appears in a message, not even quoted back by the server."""
        if self.credentials is not None:
            secrets = self.credentials.secrets()
            error.message = mask(error.message, secrets)
            error.args = (mask(str(error.args[0]), secrets), *error.args[1:]) if error.args else error.args

    def _secrets(self) -> list[str]:
        return self.credentials.secrets() if self.credentials is not None else []

    def _headers(self, request: HttpRequest) -> dict[str, str]:
        headers = dict(request.headers)
        if self.credentials is not None:
            headers["Authorization"] = self.credentials.authorization()
        return headers

    def _attempt(
        self,
        request: HttpRequest,
        wire: Wire,
        reader: Callable[[Iterator[bytes], bool], Iterator[Any]],
        deadline: Deadline,
    ) -> Iterator[Any]:
        headers = self._headers(request)
        log.debug("%s %s headers=%s", request.method, request.url, redact_headers(headers, self._secrets()))
        deadline.check()
        http = self._client()
        with translate_errors(request.url):
            if request.content is not None:
                headers.setdefault("Content-Type", "application/json")
            built = http.build_request(
                request.method,
                request.url,
                json=request.body if request.content is None else None,
                content=request.content,
                headers=headers,
                timeout=bounded(http.timeout, deadline),
            )
            reply = send(http, built)
            try:
                request_id = reply.headers.get("x-request-id") or headers.get("x-client-request-id")
                chunks = self._checked(reply, wire, request_id, deadline)
                try:
                    for event in reader(chunks, request.stream):
                        if isinstance(event, Done) and not event.request_id:
                            event = dataclasses.replace(event, request_id=request_id or "")
                        yield event
                except APIError as error:
                    error.request_id = error.request_id or request_id
                    raise
            finally:
                reply.close()

    def _checked(
        self, reply: httpx.Response, wire: Wire, request_id: str | None, deadline: Deadline
    ) -> Iterator[bytes]:
        """The body's bytes of a 200 reply; any other status raises the error its body says."""
        log.debug("HTTP %s headers=%s", reply.status_code, redact_headers(reply.headers.multi_items(), self._secrets()))
        chunks = until(reply.iter_bytes(), deadline)
        if 300 <= reply.status_code < 400:
            raise redirect_error(reply, request_id or "")
        if reply.status_code != 200:
            wait = retry_after(reply.headers.get("Retry-After"))
            raise wire.error(b"".join(chunks), http_status=reply.status_code, request_id=request_id, retry_after=wait)
        return chunks


def clip_body(body: dict[str, Any]) -> str:
    """The request for --debug: everything but long texts in full — message texts, pictures' data
    URLs, an OCR request's content (secrets masked by the caller: a hosted MCP tool carries
    ychat's Authorization)."""
    return json.dumps(_clipped(body), ensure_ascii=False)


def _clipped(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _clipped(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_clipped(item, key) for item in value]
    return _clip(value) if key in CLIPPED else value


CLIPPED = frozenset({"text", "content", "url", "image_url", "input"})


def _clip(text: object, limit: int = 200) -> object:
    if not isinstance(text, str):
        return text
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"
