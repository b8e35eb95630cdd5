"""A local YandexGPT v1 API as a WSGI app (stdlib only): the emulator, and ``ychat serve``.

Routes: ``POST /foundationModels/v1/{completion,tokenizeCompletion,completionAsync}`` and
``GET /operations/{id}``. Requests are validated as the real API does; completions come from
the reply queue (scripted replies and faults, see ``script.py``) or, when it is empty, from
the engine (``EchoEngine`` by default, a real model in ``ychat.local``). Every request is logged.

Serve it on 127.0.0.1 (``ychat.emulator.server``) or mount it in-process with
``httpx.WSGITransport(app=emulator)``.

    >>> emulator = Emulator()
    >>> emulator.enqueue(Reply.of("Hi!"))
    >>> emulator.requests[-1].body["messages"]          # after a request
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ychat.api.protocol import STATUS_PARTIAL
from ychat.emulator.engine import BadRequest, EchoEngine, Engine, Generation, last_of
from ychat.emulator.operations import Operations
from ychat.emulator.script import HttpError, Raw, Reply, Scripted, Silent, error_body
from ychat.emulator.validation import completion_args, validate_completion
from ychat.emulator.wire import StartResponse, json_response, line, result, start_stream, status_line, unary_error

API = "/foundationModels/v1/"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: Any
    peer: str = ""  # the client's address:port, when served over HTTP (one per connection)


class Emulator:
    """The WSGI app. Thread-safe: a real server calls it from worker threads."""

    def __init__(self, *, engine: Engine | None = None, api_keys: Iterable[str] | None = None) -> None:
        self.engine: Engine = engine or EchoEngine()
        self.requests: list[RecordedRequest] = []
        self.operations = Operations(self.engine)
        self._queue: deque[Scripted] = deque()
        self._lock = threading.Lock()
        self._api_keys = set(api_keys) if api_keys is not None else None
        self.closing = threading.Event()
        self.client_left = threading.Event()  # set when a client closed a reply before its end

    def enqueue(self, *items: Scripted) -> None:
        with self._lock:
            self._queue.extend(items)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = self._record(environ)
        unary = request.path != API + "completion"
        try:
            self._check_auth(request.headers.get("authorization", ""))
            return self._route(request, start_response)
        except BadRequest as error:
            body = unary_error(error.status, str(error)) if unary else error_body(error.status, str(error))
            return json_response(start_response, error.status, body)

    def _route(self, request: RecordedRequest, start_response: StartResponse) -> Iterable[bytes]:
        if request.method == "GET" and request.path.startswith("/operations/"):
            found = self.operations.get(request.path.removeprefix("/operations/"))
            if found is None:
                raise BadRequest(404, "Operation not found")
            return json_response(start_response, 200, found)
        if request.method != "POST" or not request.path.startswith(API):
            raise BadRequest(404, f"no such method: {request.method} {request.path}")
        body = validate_completion(request.body)
        method = request.path.removeprefix(API)
        if method == "completion":
            return self._completion(body, start_response)
        if method == "tokenizeCompletion":
            tokens = self.engine.tokenize(completion_args(body).messages)
            listed = [{"id": str(t.id), "text": t.text, "special": t.special} for t in tokens]
            return json_response(start_response, 200, {"tokens": listed, "modelVersion": self.engine.model_version})
        if method == "completionAsync":
            return json_response(start_response, 200, self.operations.start(completion_args(body)))
        raise BadRequest(404, f"no such method: {request.path}")

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
        peer = f"{environ.get('REMOTE_ADDR', '')}:{environ.get('REMOTE_PORT', '')}"
        request = RecordedRequest(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), headers, body, peer)
        with self._lock:
            self.requests.append(request)
        return request

    def _check_auth(self, header: str) -> None:
        scheme, _, secret = header.partition(" ")
        if scheme not in ("Api-Key", "Bearer") or not secret.strip():
            raise BadRequest(401, "IAM token or API key has to be passed in request")
        if self._api_keys is not None and secret not in self._api_keys:
            raise BadRequest(401, "Unknown api key '***'")

    def _completion(self, body: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        with self._lock:
            item = self._queue.popleft() if self._queue else None
        if item is not None:
            return self._scripted(item, body, start_response)
        args = completion_args(body)
        generations = self.engine.generate(args.messages, temperature=args.temperature, max_tokens=args.max_tokens)
        first = next(generations)  # a refused request (BadRequest) fails here, before any byte is sent
        if not args.stream:
            last = last_of(generations) or first
            return json_response(start_response, 200, {"result": result(last, self.engine.model_version)})
        start_stream(start_response)
        return self._watched(self._stream_generations(first, generations))

    def _watched(self, stream: Iterator[bytes]) -> Iterator[bytes]:
        """Pass a streamed reply through, noting when the client closes it early (Ctrl-C)."""
        try:
            yield from stream
        except GeneratorExit:
            self.client_left.set()
            raise

    def _stream_generations(self, first: Generation, rest: Iterator[Generation]) -> Iterator[bytes]:
        try:
            yield line({"result": result(first, self.engine.model_version)})
            for generation in rest:
                if self.closing.is_set():
                    return  # shutting down: cut the stream
                yield line({"result": result(generation, self.engine.model_version)})
        finally:
            close = getattr(rest, "close", None)
            if close is not None:
                close()  # the client went away (Ctrl-C): stop generating now

    def _scripted(self, item: Scripted, body: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if isinstance(item, HttpError):
            return json_response(start_response, item.status, item.body, item.headers)
        if isinstance(item, Raw):
            start_response(status_line(item.status), [("Content-Type", item.content_type)])
            return (raw + b"\n" for raw in item.lines)
        if isinstance(item, Silent):
            self.closing.wait(item.seconds)
            return json_response(start_response, 504, error_body(504))
        if not completion_args(body).stream:
            final = _scripted_chunk(item, body, len(item.texts) - 1, final=not item.cut)
            return json_response(start_response, 200, final)
        start_stream(start_response)
        return self._watched(self._stream_scripted(item, body))

    def _stream_scripted(self, reply: Reply, body: dict[str, Any]) -> Iterator[bytes]:
        for index in range(len(reply.texts)):
            if index and reply.delay and self.closing.wait(reply.delay):
                return  # shutting down: end the stream (cut, as a dropped server would)
            last = index == len(reply.texts) - 1
            yield line(_scripted_chunk(reply, body, index, final=last and not reply.cut))
        if reply.error is not None:
            yield line(reply.error)
        if reply.garbage is not None:
            yield reply.garbage + b"\n"
        if reply.drop:
            raise ConnectionAbortedError("emulated connection drop")


def _scripted_chunk(reply: Reply, body: dict[str, Any], index: int, *, final: bool) -> dict[str, Any]:
    text = reply.texts[index] if reply.texts else ""
    usage = reply.usages[index] if reply.usages else _word_usage(body, text)
    alternative = {"message": {"role": "assistant", "text": text}, "status": reply.status if final else STATUS_PARTIAL}
    return {"result": {"alternatives": [alternative], "usage": usage, "modelVersion": reply.model_version}}


def _word_usage(body: dict[str, Any], text: str) -> dict[str, str]:
    prompt = sum(len(str(m.get("text", "")).split()) for m in body.get("messages", []))
    return Generation(text, STATUS_PARTIAL, prompt, len(text.split())).usage()
