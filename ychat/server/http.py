"""Serve the local API (or the test double) over real HTTP (uvicorn + our WSGI bridge).

    >>> with serve(Emulator()) as server:
    ...     server.url          # 'http://127.0.0.1:<port>'

Needs uvicorn (the ``local`` or ``test`` extra). ``asgi.WSGIBridge`` runs the WSGI app, bounds
request bodies and closes the app's iterator when the client disconnects.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from ychat.errors import UsageError
from ychat.i18n import _
from ychat.local import INSTALL
from ychat.server.wire import StartResponse


class Served(Protocol):
    """What can be served: a WSGI app with a body limit and a shutdown signal (``LocalAPI``, or
    what composes it, as the test double does)."""

    @property
    def closing(self) -> threading.Event: ...

    @property
    def max_body(self) -> int: ...

    def close(self) -> None: ...

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]: ...


App = TypeVar("App", bound=Served)


@dataclass
class RunningServer(Generic[App]):
    url: str
    emulator: App  # the app being served: the test double, or the plain LocalAPI


def base_url(host: str, port: int) -> str:
    """``http://127.0.0.1:8787``, ``http://[::1]:8787``."""
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def make_server(
    app: Served,
    *,
    host: str,
    port: int,
    log_level: str = "critical",
    on_started: Callable[[str], None] | None = None,
) -> Any:
    """A uvicorn.Server for the app; ``on_started`` gets its URL once it listens (the real port,
    also for port 0); on shutdown, replies in progress end at once."""
    try:
        import uvicorn
    except ImportError:
        raise UsageError(
            _("serving over HTTP needs uvicorn"), hint=_("Install the local extra: {command}").format(command=INSTALL)
        ) from None

    from ychat.server.asgi import WSGIBridge

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            app.closing.set()
            super().handle_exit(sig, frame)

        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if on_started is not None and self.servers:
                on_started(base_url(host, self.servers[0].sockets[0].getsockname()[1]))

    config = uvicorn.Config(
        WSGIBridge(app, max_body=app.max_body),
        host=host,
        port=port,
        log_level=log_level,
        lifespan="off",
        timeout_graceful_shutdown=3,
    )
    return Server(config)


@contextmanager
def serve(app: App, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[RunningServer[App]]:
    """Run the app on ``host:port`` in a background thread (port 0: any free port)."""
    server = make_server(app, host=host, port=port)
    thread = threading.Thread(target=server.run, name="ychat-server", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(_("the local server could not start on {host}:{port}").format(host=host, port=port))
        thread.join(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield RunningServer(base_url(host, bound), app)
    finally:
        app.close()
        server.should_exit = True
        thread.join(10)
