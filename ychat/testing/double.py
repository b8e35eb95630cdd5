"""The scripted test double: the shipped local API, composed, plus a request log, a reply queue
and faults.

For tests and benchmarks only; ``ychat serve`` and ``--local`` run ``LocalAPI``, which keeps
none of this. The double wraps a ``LocalAPI`` through its public seams: its engine, its
``observer`` (the request log) and its ``intercept`` (queued items, ``script.py``, answer the
next requests of their kind in order; when the queue is empty the engine answers, as in
``ychat serve``). It also answers the IAM routes when given an ``IamDouble``.

    >>> emulator = Emulator()
    >>> emulator.enqueue(Reply.of("Hi!"))
    >>> emulator.requests[-1].body["messages"]          # after a request
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from ychat.api.dialects.v1 import FINISH_OF_STATUS, STATUS_PARTIAL
from ychat.api.registry import VISION
from ychat.core import FinishReason
from ychat.models.catalog import short_name
from ychat.server.app import LocalAPI
from ychat.server.engine import BadRequest, Generation
from ychat.server.request import API, OPENAI, Request, chat_wire, read_request
from ychat.server.routes import openai
from ychat.server.routes.base import ChatWire, Frames, V1Wire
from ychat.server.routes.responses import ResponsesWire
from ychat.server.routes.v1 import CompletionArgs, completion_args, validate_completion
from ychat.server.wire import StartResponse, error_body, json_response, line, start_stream, status_line, unary_error
from ychat.testing.files import FilesDouble
from ychat.testing.iam import METADATA_PATH, TOKENS_PATH, IamDouble
from ychat.testing.ocr import OcrDouble
from ychat.testing.script import HttpError, Raw, Reply, Scripted, Silent

RecordedRequest = Request
TOKENIZE_COMPLETION = API + "tokenizeCompletion"


class Emulator:
    """A LocalAPI that logs every request and answers from a queue of scripted replies first."""

    def __init__(self, *, iam: IamDouble | None = None, **options: Any) -> None:
        claimed = (OPENAI + "files", OPENAI + "vector_stores", "/ocr/v1/")
        self.api = LocalAPI(
            observer=self._log, intercept=self._intercept, claims=lambda m, p: p.startswith(claimed), **options
        )
        self.iam = iam  # when set: /iam/v1/tokens, the metadata endpoint, and Bearer tokens checked
        self.requests: list[Request] = []
        self._queue: deque[Scripted] = deque()
        self._lock = threading.Lock()
        self.client_left = threading.Event()  # set when a client closed a reply before its end
        self.models: list[str] | None = None  # GET /v1/models lists these (default: the engine's model)
        self.files = FilesDouble()  # /v1/files and /v1/vector_stores (search indexes)
        self.ocr = OcrDouble()  # Yandex Vision OCR's recognizeText
        self.vision = set(VISION)  # models whose requests may carry pictures (scripted replies)
        self._operations: dict[str, dict[str, Any]] = {}  # scripted deferred replies, by operation id

    @property
    def closing(self) -> threading.Event:
        return self.api.closing

    @property
    def max_body(self) -> int:
        return self.api.max_body

    def close(self) -> None:
        self.api.close()

    def enqueue(self, *items: Scripted) -> None:
        with self._lock:
            self._queue.extend(items)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if self.iam is not None and path in (TOKENS_PATH, METADATA_PATH):
            return self._iam(self.iam, environ, start_response)
        return self._watched(self.api(environ, start_response))

    def _iam(self, iam: IamDouble, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = read_request(environ, self.max_body)
        self._log(request)
        try:
            answer = iam.exchange(request.body) if request.path == TOKENS_PATH else iam.metadata(request.headers)
        except BadRequest as error:
            return json_response(start_response, error.status, unary_error(error.status, str(error)))
        return json_response(start_response, 200, answer)

    def _watched(self, body: Iterable[bytes]) -> Iterator[bytes]:
        """Pass a reply through, noting when the client closes it early (Ctrl-C)."""
        try:
            yield from body
        except GeneratorExit:
            self.client_left.set()
            raise

    def _log(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def _intercept(self, request: Request, start_response: StartResponse) -> Iterable[bytes] | None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if self.iam is not None and scheme == "Bearer" and not self.iam.valid(token.strip()):
            raise BadRequest(401, "The token is invalid or has expired")
        if (request.method, request.path) == ("GET", OPENAI + "models") and self.models is not None:
            return json_response(start_response, 200, openai.models(self.models))
        if request.path.startswith((OPENAI + "files", OPENAI + "vector_stores")):
            return self.files.answer(request, start_response)
        if request.path.startswith("/ocr/v1/"):
            return self.ocr.answer(request, start_response)
        wire = chat_wire(request.method, request.path, request.body)
        if wire is not None:
            return self._chat(wire, request.body, start_response)
        if request.path == TOKENIZE_COMPLETION:
            return self._tokenize_completion(request.body, start_response)
        if request.path == API + "completionAsync" or request.path.startswith("/operations/"):
            return self._deferred(request, start_response)
        return None

    def _deferred(self, request: Request, respond: StartResponse) -> Iterable[bytes] | None:
        """A queued Reply answers a completionAsync as an operation that is already done; polls
        of it get that (the engine's operations answer the rest)."""
        if request.path.startswith("/operations/"):
            found = self._operations.get(request.path.removeprefix("/operations/"))
            return None if found is None else json_response(respond, 200, found)
        with self._lock:
            item = self._queue.popleft() if self._queue and isinstance(self._queue[0], Reply) else None
        if not isinstance(item, Reply):
            return None
        body = validate_completion(request.body)
        result = _scripted_chunk(item, body, len(item.texts) - 1, final=True)["result"]
        operation = {"id": f"scripted{len(self._operations)}", "done": True, "response": result}
        self._operations[operation["id"]] = operation
        return json_response(respond, 200, {**operation, "done": False, "response": None})

    def _chat(self, wire: ChatWire, body: Any, start_response: StartResponse) -> Iterable[bytes] | None:
        with self._lock:
            item = self._queue.popleft() if self._queue else None
        if item is None:
            return None
        if isinstance(wire, (openai.OpenAIWire, ResponsesWire)):
            wire.sees = short_name(str(body.get("model", ""))) in self.vision
        if isinstance(item, Reply) and item.tool_calls and isinstance(wire, openai.OpenAIWire):
            return _openai_calls(item, wire.parse(body).stream, start_response)
        if isinstance(wire, V1Wire) or not isinstance(item, Reply):
            return self._scripted(item, validate_completion(body) if isinstance(wire, V1Wire) else body, start_response)
        return self._scripted_in(wire, item, wire.parse(body), start_response)

    def _tokenize_completion(self, body: Any, start_response: StartResponse) -> Iterable[bytes] | None:
        """A queued HttpError or Raw answers a tokenizeCompletion too (``ychat auth status``)."""
        with self._lock:
            item = self._queue.popleft() if self._queue and isinstance(self._queue[0], (HttpError, Raw)) else None
        return None if item is None else self._scripted(item, body, start_response)

    def _scripted_in(
        self, wire: ChatWire, reply: Reply, args: CompletionArgs, respond: StartResponse
    ) -> Iterable[bytes]:
        """A scripted Reply in another dialect's framing: its texts as the engine's generations."""
        generations = _generations(reply, args)
        if not args.stream:
            return json_response(respond, 200, wire.whole(generations[-1], reply.model_version))
        start_stream(respond, wire.content_type)
        return self._frames(wire.frames(args, reply.model_version), reply, generations)

    def _frames(self, frames: Frames, reply: Reply, generations: list[Generation]) -> Iterator[bytes]:
        if reply.wait and self.closing.wait(reply.wait):
            return
        for index, generation in enumerate(generations):
            if index and reply.delay and self.closing.wait(reply.delay):
                return
            yield frames.chunk(generation)
        if reply.garbage is not None:
            yield reply.garbage + b"\n"
        if reply.drop:
            raise ConnectionAbortedError("emulated connection drop")
        if not reply.cut:
            yield frames.end(generations[-1])

    def _scripted(self, item: Scripted, body: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if isinstance(item, HttpError):
            return json_response(start_response, item.status, item.body, item.headers)
        if isinstance(item, Raw):
            start_response(status_line(item.status), [("Content-Type", item.content_type), *item.headers])
            return (raw + b"\n" for raw in item.lines)
        if isinstance(item, Silent):
            self.closing.wait(item.seconds)
            return json_response(start_response, 504, error_body(504))
        if not completion_args(body).stream:
            final = _scripted_chunk(item, body, len(item.texts) - 1, final=not item.cut)
            return json_response(start_response, 200, final)
        start_stream(start_response)
        return self._stream_scripted(item, body)

    def _stream_scripted(self, reply: Reply, body: dict[str, Any]) -> Iterator[bytes]:
        if reply.wait and self.closing.wait(reply.wait):
            return
        for index in range(len(reply.texts)):
            if index and reply.delay and self.closing.wait(reply.delay):
                return  # shutting down: end the stream (cut, as a dropped server would)
            last = index == len(reply.texts) - 1
            yield line(_scripted_chunk(reply, body, index, final=last and not reply.cut))
        if reply.endless:
            yield from self._endless(reply, body)
        if reply.error is not None:
            yield line(reply.error)
        if reply.garbage is not None:
            yield reply.garbage + b"\n"
        if reply.drop:
            raise ConnectionAbortedError("emulated connection drop")

    def _endless(self, reply: Reply, body: dict[str, Any]) -> Iterator[bytes]:
        """PARTIAL lines repeating the last text until the client leaves or the server stops."""
        chunk = line(_scripted_chunk(reply, body, len(reply.texts) - 1, final=False))
        while not self.closing.wait(reply.delay):
            yield chunk


def _generations(reply: Reply, args: CompletionArgs) -> list[Generation]:
    prompt = sum(len(m["text"].split()) for m in args.messages)
    finish = FINISH_OF_STATUS.get(reply.status, FinishReason.STOP)
    last = len(reply.texts) - 1
    return [
        Generation(
            text,
            finish if i == last and not reply.cut else None,
            prompt,
            len(text.split()),
            reply.tool_calls if i == last else (),  # framed by the route's wire (the Responses one)
        )
        for i, text in enumerate(reply.texts)
    ]


def _scripted_chunk(reply: Reply, body: dict[str, Any], index: int, *, final: bool) -> dict[str, Any]:
    text = reply.texts[index] if reply.texts else ""
    usage = reply.usages[index] if reply.usages else _word_usage(body, text)
    message: dict[str, Any] = {"role": "assistant", "text": text}
    if reply.tool_calls and final:  # the whole list in the final line (TOOLS.md §1.3)
        listed = [{"functionCall": {"name": name, "arguments": arguments}} for name, arguments in reply.tool_calls]
        message = {"role": "assistant", "toolCallList": {"toolCalls": listed}}
    alternative = {"message": message, "status": reply.status if final else STATUS_PARTIAL}
    return {"result": {"alternatives": [alternative], "usage": usage, "modelVersion": reply.model_version}}


def _word_usage(body: dict[str, Any], text: str) -> dict[str, Any]:
    prompt = sum(len(str(m.get("text", "")).split()) for m in body.get("messages", []))
    return Generation(text, None, prompt, len(text.split())).usage()


def _openai_calls(reply: Reply, stream: bool, respond: StartResponse) -> Iterable[bytes]:
    """Tool calls as Yandex's OpenAI endpoint sends them (TOOLS.md §2.3, §2.4): yandexgpt's one
    chunk with the function's name as id, or qwen3's id first and then argument fragments."""
    calls = [(index, name, json.dumps(arguments)) for index, (name, arguments) in enumerate(reply.tool_calls)]
    if not stream:
        listed = [
            {"index": i, "id": name, "type": "function", "function": {"name": name, "arguments": a}}
            for i, name, a in calls
        ]
        message = {"role": "assistant", "content": "", "tool_calls": listed}
        choice = {"index": 0, "message": message, "finish_reason": "tool_calls"}
        return json_response(
            respond, 200, {"id": "scripted", "object": "chat.completion", "model": "scripted", "choices": [choice]}
        )
    start_stream(respond, "text/event-stream")
    frames = [json.dumps(chunk) for chunk in _call_chunks(calls, reply.one_chunk)]
    return (f"data: {frame}\n\n".encode() for frame in [*frames, "[DONE]"])


def _call_chunks(calls: list[tuple[int, str, str]], one_chunk: bool) -> list[Any]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, **({"finish_reason": finish} if finish else {})}
        return {"id": "scripted", "object": "chat.completion.chunk", "model": "scripted", "choices": [choice]}

    if one_chunk:
        listed = [
            {"index": i, "id": name, "type": "function", "function": {"name": name, "arguments": a}}
            for i, name, a in calls
        ]
        return [chunk({"role": "assistant", "tool_calls": listed}, "tool_calls")]
    chunks = [chunk({"role": "assistant"})]
    for i, name, arguments in calls:
        first = {
            "index": i,
            "id": f"chatcmpl-tool-{i}",
            "type": "function",
            "function": {"name": name, "arguments": ""},
        }
        chunks.append(chunk({"tool_calls": [first]}))
        for piece in (arguments[: len(arguments) // 2], arguments[len(arguments) // 2 :]):
            part = {"index": i, "id": "", "type": "", "function": {"name": "", "arguments": piece}}
            chunks.append(chunk({"tool_calls": [part]}))
    return [*chunks, chunk({}, "tool_calls")]
