"""``ychat serve``: the local engine as a YandexGPT-compatible HTTP server (uvicorn).

Requests are served by worker threads; the engine's lock makes them wait their turn (one
generation at a time per model). Ctrl-C stops the server and cuts any reply in progress.
uvicorn's access log shows method, path and status, never headers, so no secrets.
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import Any

from ychat.emulator.app import Emulator
from ychat.local.engine import LlamaEngine

LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str) -> str | None:
    if is_loopback(host):
        return None
    return (
        f"ychat serve: warning: listening on {host}: anyone who can reach this machine can use the model "
        "(the server accepts any API key)."
    )


def run(host: str, port: int, model: Path) -> None:
    import uvicorn
    from a2wsgi import WSGIMiddleware

    engine = LlamaEngine(model)
    engine.load()  # fail now, not on the first request
    emulator = Emulator(engine=engine)

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: Any) -> None:
            emulator.closing.set()  # streams in progress end at their next token
            super().handle_exit(sig, frame)

    warning = exposure_warning(host)
    if warning:
        sys.stderr.write(warning + "\n")
    sys.stderr.write(
        f"ychat serve: {model.name} on http://{host}:{port}/foundationModels/v1/completion (Ctrl-C stops)\n"
    )
    config = uvicorn.Config(
        WSGIMiddleware(emulator, workers=8),  # type: ignore[arg-type]
        host=host,
        port=port,
        lifespan="off",
        log_level="info",
        timeout_graceful_shutdown=3,
    )
    Server(config).run()
