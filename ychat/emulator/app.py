"""A local emulator of ``POST /foundationModels/v1/completion`` as a WSGI app (stdlib only).

Serve it on 127.0.0.1 (``ychat.emulator.server``) or mount it in-process with
``httpx.WSGITransport(app=emulator)``. It validates requests like the real API, answers
from a reply queue (echoing the last user message when the queue is empty), logs every
request, and can inject faults (see ``script.py``).

    >>> emulator = Emulator()
    >>> emulator.enqueue(Reply.of("Hi!"))
    >>> emulator.requests[-1].body["messages"]          # after a request
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ychat.api.protocol import COMPLETION_PATH, STATUS_PARTIAL
from ychat.emulator.script import HttpError, Raw, Reply, Scripted, Silent, error_body

StartResponse = Callable[..., Any]
ROLES = frozenset({"system", "user", "assistant"})


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: Any


class BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Emulator:
    """The WSGI app. Thread-safe: a real server calls it from worker threads."""

    def __init__(self, *, api_keys: Iterable[str] | None = None) -> None:
        self.requests: list[RecordedRequest] = []
        self._queue: deque[Scripted] = deque()
        self._lock = threading.Lock()
        self._api_keys = set(api_keys) if api_keys is not None else None
        self.closing = threading.Event()

    def enqueue(self, *items: Scripted) -> None:
        with self._lock:
            self._queue.extend(items)

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = self._record(environ)
        try:
            body = self._validate(request)
        except BadRequest as error:
            return _json_response(start_response, error.status, error_body(error.status, str(error)))
        with self._lock:
            item = self._queue.popleft() if self._queue else Reply.of("Echo: " + _last_user_text(body))
        return self._answer(item, body, start_response)

    def _record(self, environ: dict[str, Any]) -> RecordedRequest:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        request = RecordedRequest(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), headers, body)
        with self._lock:
            self.requests.append(request)
        return request

    def _validate(self, request: RecordedRequest) -> dict[str, Any]:
        if request.path != COMPLETION_PATH:
            raise BadRequest(404, f"no such method: {request.path}")
        if request.method != "POST":
            raise BadRequest(405, "method not allowed")
        self._check_auth(request.headers.get("authorization", ""))
        return validate_completion(request.body)

    def _check_auth(self, header: str) -> None:
        scheme, _, secret = header.partition(" ")
        if scheme not in ("Api-Key", "Bearer") or not secret.strip():
            raise BadRequest(401, "IAM token or API key has to be passed in request")
        if self._api_keys is not None and secret not in self._api_keys:
            raise BadRequest(401, "Unknown api key '***'")

    def _answer(self, item: Scripted, body: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if isinstance(item, HttpError):
            return _json_response(start_response, item.status, item.body, item.headers)
        if isinstance(item, Raw):
            start_response(_status_line(item.status), [("Content-Type", item.content_type)])
            return (line + b"\n" for line in item.lines)
        if isinstance(item, Silent):
            self.closing.wait(item.seconds)
            return _json_response(start_response, 504, error_body(504))
        if not _options(body).get("stream", False):
            return _json_response(start_response, 200, _chunk(item, body, len(item.texts) - 1, final=not item.cut))
        start_response("200 OK", [("Content-Type", "application/json"), ("x-request-id", str(uuid.uuid4()))])
        return self._stream(item, body)

    def _stream(self, reply: Reply, body: dict[str, Any]) -> Iterator[bytes]:
        for index in range(len(reply.texts)):
            if index and reply.delay and self.closing.wait(reply.delay):
                return  # shutting down: end the stream (cut, as a dropped server would)
            last = index == len(reply.texts) - 1
            yield _line(_chunk(reply, body, index, final=last and not reply.cut))
        if reply.error is not None:
            yield _line(reply.error)
        if reply.garbage is not None:
            yield reply.garbage + b"\n"
        if reply.drop:
            raise ConnectionAbortedError("emulated connection drop")


def validate_completion(body: Any) -> dict[str, Any]:
    """The request checks of the real API that a client can trip over, with its 400 texts."""
    if not isinstance(body, dict):
        raise BadRequest(400, "request body must be a JSON object")
    uri = body.get("modelUri", body.get("model_uri"))
    if not isinstance(uri, str) or "://" not in uri:
        raise BadRequest(400, f"invalid model_uri {uri!r}")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest(400, "messages must not be empty")
    for message in messages:
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ROLES:
            raise BadRequest(400, f"invalid message role '{role}'")
        if not isinstance(message.get("text"), str):
            raise BadRequest(400, "message text must be a string")
    _check_options(_options(body))
    return body


def _check_options(options: dict[str, Any]) -> None:
    temperature = options.get("temperature")
    if temperature is not None and (not isinstance(temperature, (int, float)) or not 0 <= temperature <= 1):
        raise BadRequest(400, f"temperature must be in [0, 1], got {temperature}")
    max_tokens = options.get("maxTokens", options.get("max_tokens"))
    if max_tokens is not None and not (str(max_tokens).isdigit() and int(str(max_tokens)) > 0):
        raise BadRequest(400, f"maxTokens must be a positive integer, got {max_tokens}")


def _options(body: dict[str, Any]) -> dict[str, Any]:
    options = body.get("completionOptions", body.get("completion_options")) or {}
    return options if isinstance(options, dict) else {}


def _chunk(reply: Reply, body: dict[str, Any], index: int, *, final: bool) -> dict[str, Any]:
    text = reply.texts[index] if reply.texts else ""
    usage = reply.usages[index] if reply.usages else _usage(body, text)
    alternative = {"message": {"role": "assistant", "text": text}, "status": reply.status if final else STATUS_PARTIAL}
    return {"result": {"alternatives": [alternative], "usage": usage, "modelVersion": reply.model_version}}


def _usage(body: dict[str, Any], text: str) -> dict[str, str]:
    prompt = sum(len(str(m.get("text", "")).split()) for m in body.get("messages", []))
    completion = len(text.split())
    total = prompt + completion
    return {"inputTextTokens": str(prompt), "completionTokens": str(completion), "totalTokens": str(total)}


def _last_user_text(body: dict[str, Any]) -> str:
    users = [m.get("text", "") for m in body.get("messages", []) if m.get("role") == "user"]
    return users[-1] if users else ""


def _line(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def _status_line(status: int) -> str:
    reason = error_body(status)["error"]["httpStatus"] if status != 200 else "OK"
    return f"{status} {reason}"


def _json_response(
    start_response: StartResponse, status: int, record: dict[str, Any], headers: Iterable[tuple[str, str]] = ()
) -> list[bytes]:
    data = _line(record)
    base = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    start_response(_status_line(status), [*base, ("x-request-id", str(uuid.uuid4())), *headers])
    return [data]
