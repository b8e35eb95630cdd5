"""Serve the emulator over real HTTP on 127.0.0.1 (uvicorn + a2wsgi), in a background thread.

    >>> with serve(Emulator()) as server:
    ...     server.url          # 'http://127.0.0.1:<port>'

Needs the ``test`` extra (uvicorn, a2wsgi). uvicorn's own WSGI adapter is deprecated, so
a2wsgi, its recommended replacement, bridges the WSGI app to ASGI.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ychat.emulator.app import Emulator


@dataclass
class RunningServer:
    url: str
    emulator: Emulator


@contextmanager
def serve(emulator: Emulator, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[RunningServer]:
    import uvicorn
    from a2wsgi import WSGIMiddleware

    config = uvicorn.Config(
        WSGIMiddleware(emulator, workers=8),  # type: ignore[arg-type]
        host=host,
        port=port,
        log_level="critical",
        lifespan="off",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="ychat-emulator", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"the emulator could not start on {host}:{port}")
        thread.join(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield RunningServer(f"http://{host}:{bound}", emulator)
    finally:
        emulator.closing.set()
        server.should_exit = True
        thread.join(10)
