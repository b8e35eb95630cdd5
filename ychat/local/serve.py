"""``ychat serve``: the local engine as a YandexGPT-compatible HTTP server (uvicorn).

Requests are served by worker threads; the engine's lock makes them wait their turn (one
generation at a time per model). Ctrl-C stops the server and cuts any reply in progress.
uvicorn's access log shows method, path and status, never headers, so no secrets.
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

from ychat.i18n import _
from ychat.local.engine import LlamaEngine
from ychat.server.app import LocalAPI
from ychat.server.http import make_server

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
    return _(
        "ychat serve: warning: listening on {host}: anyone who can reach this machine can use "
        "the model (the server accepts any API key)."
    ).format(host=host)


def run(host: str, port: int, model: Path, *, threads: int | None = None) -> None:
    engine = LlamaEngine(model, threads=threads)
    engine.load()  # fail now, not on the first request
    warning = exposure_warning(host)
    if warning:
        sys.stderr.write(warning + "\n")

    def started(url: str) -> None:
        sys.stderr.write(
            _("ychat serve: {name} on {url}/foundationModels/v1/completion (Ctrl-C stops)\n").format(
                name=model.name, url=url
            )
        )
        sys.stderr.flush()

    app = LocalAPI(engine=engine)
    try:
        make_server(app, host=host, port=port, log_level="info", on_started=started).run()
    finally:
        app.close()  # queued operations are dropped, a running one stops at its next token
        engine.close()
