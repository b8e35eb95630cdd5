"""Serve a WSGI app from an ASGI server (uvicorn), streaming, and noticing when the client leaves.

Generic WSGI adapters (uvicorn's deprecated one, a2wsgi) keep iterating the app after the
client disconnects, because WSGI has no way to say so and uvicorn drops the sends silently:
for ``ychat serve`` that means the model generates for nobody while other requests wait.
Here the ASGI side watches ``receive()`` for ``http.disconnect`` and the worker thread then
closes the app's iterator, which closes the engine's generator and frees the model.

    >>> uvicorn.run(WSGIBridge(Emulator()), host="127.0.0.1", port=8787)
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
import threading
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class WSGIBridge:
    """An ASGI app running ``app`` (WSGI) in worker threads."""

    def __init__(self, app: WSGIApp, *, workers: int = 8, max_body: int = 8 * 1024 * 1024) -> None:
        self.app = app
        self.executor = ThreadPoolExecutor(workers, thread_name_prefix="ychat-wsgi")
        self.max_body = max_body

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        read = await _read_body(receive, self.max_body)
        if read is None:
            return  # the client left before sending its request
        body, size = read
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        gone = threading.Event()

        def put(kind: str, value: Any = None) -> None:
            with contextlib.suppress(RuntimeError):  # the loop is gone: the server is shutting down
                loop.call_soon_threadsafe(queue.put_nowait, (kind, value))

        worker = loop.run_in_executor(self.executor, _run, self.app, _environ(scope, body, size), put, gone)
        watcher = asyncio.ensure_future(_watch_disconnect(receive, gone))
        try:
            await _relay(queue, send)
        finally:
            gone.set()
            watcher.cancel()
            await worker


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, int] | None:
    """The body and its size. Past ``limit`` bytes the rest is read and dropped (memory stays
    bounded, and the client gets its 413 instead of a reset) and the body given is empty."""
    chunks: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        else:
            chunks.clear()
        more = bool(message.get("more_body", False))
    return b"".join(chunks), size


async def _watch_disconnect(receive: Receive, gone: threading.Event) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    gone.set()


async def _relay(queue: asyncio.Queue[tuple[str, Any]], send: Send) -> None:
    """Worker thread -> ASGI messages; an app error after the start drops the connection."""
    started = False
    while True:
        kind, value = await queue.get()
        if kind == "start":
            started = True
            status, headers = value
            encoded = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
            await send({"type": "http.response.start", "status": int(status.split(" ", 1)[0]), "headers": encoded})
        elif kind == "body":
            await send({"type": "http.response.body", "body": value, "more_body": True})
        elif kind == "end":
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        elif started:
            raise value  # the server closes the connection mid-body: the client sees a drop
        else:
            await send({"type": "http.response.start", "status": 500, "headers": []})
            await send({"type": "http.response.body", "body": b"internal error"})
            return


def _run(app: WSGIApp, environ: dict[str, Any], put: Callable[..., None], gone: threading.Event) -> None:
    """In a worker thread: call the app, forward its output, stop when the client is gone."""
    pending: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        pending.append((status, headers))
        return lambda data: put("body", data)

    try:
        result = app(environ, start_response)
        if pending:
            put("start", pending.pop())  # headers go out before the first (maybe slow) chunk
        try:
            for chunk in result:
                if pending:
                    put("start", pending.pop())
                if gone.is_set():
                    break  # closing the iterator below stops the generation
                if chunk:
                    put("body", chunk)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if pending:
            put("start", pending.pop())
        put("end")
    except BaseException as error:
        if pending:
            put("start", pending.pop())
        put("error", error)


def _environ(scope: dict[str, Any], body: bytes, size: int) -> dict[str, Any]:
    host, port = scope.get("server") or ("127.0.0.1", 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": "",
        "PATH_INFO": scope["path"],
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": host,
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "CONTENT_LENGTH": str(size),  # above the app's limit the body is empty: the app answers 413
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if scope.get("client"):
        environ["REMOTE_ADDR"], environ["REMOTE_PORT"] = scope["client"][0], str(scope["client"][1])
    for raw_name, raw_value in scope.get("headers", []):
        name, value = raw_name.decode("latin-1").upper().replace("-", "_"), raw_value.decode("latin-1")
        if name == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif name != "CONTENT_LENGTH":
            key = f"HTTP_{name}"
            environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ
