"""``ychat serve``: the local engine as a YandexGPT-compatible HTTP server (uvicorn).

Requests are served by worker threads; the engine's lock makes them wait their turn (one
generation at a time per model). Ctrl-C stops the server and cuts any reply in progress.
uvicorn's access log shows method, path and status, never headers, so no secrets.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ychat.cli.common import Debug, Profile, guarded, typer_app
from ychat.errors import UsageError
from ychat.i18n import N_, _

LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def served_hosts(host: str) -> frozenset[str] | None:
    """The Host names a request may carry: the listening address and localhost (DNS rebinding
    protection); None, any, for an unspecified address (0.0.0.0, ::), which the user exposed."""
    bare = host.strip("[]").lower()
    try:
        if ipaddress.ip_address(bare).is_unspecified:
            return None
    except ValueError:
        pass
    return frozenset({bare, "localhost", "127.0.0.1", "::1"} if is_loopback(bare) else {bare, "localhost"})


def exposure_warning(host: str) -> str | None:
    if is_loopback(host):
        return None
    return _(
        "ychat serve: warning: listening on {host}: anyone who can reach this machine can use "
        "the model (the server accepts any API key)."
    ).format(host=host)


def check_port(host: str, port: int) -> None:
    """Tried before the model loads: a busy port is one line and exit 2, at once (uvicorn then
    binds it itself, and says where it listens)."""
    try:
        socket.create_server((host.strip("[]"), port), family=_family(host)).close()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(
                _("port {port} on {host} is in use").format(port=port, host=host),
                hint=_("Choose another with --port (0: any free one)."),
            ) from None
        raise UsageError(
            _("cannot listen on {host}:{port}: {reason}").format(host=host, port=port, reason=exc.strerror)
        ) from None


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def run(host: str, port: int, model: Path, *, threads: int | None = None) -> None:
    from ychat.local.engine import LlamaEngine
    from ychat.server.app import LocalAPI
    from ychat.server.http import make_server

    check_port(host, port)
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

    api = LocalAPI(engine=engine, hosts=served_hosts(host))
    try:
        make_server(api, host=host, port=port, log_level="info", on_started=started).run()
    finally:
        api.close()  # queued operations are dropped, a running one stops at its next token
        engine.close()


app = typer_app()


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help=N_("Address to listen on; non-loopback prints a warning."))] = (
        "127.0.0.1"
    ),
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help=N_("Port to listen on (0: any free one)."))
    ] = 8787,
    local_model: Annotated[
        Optional[str], typer.Option("--local-model", metavar="PATH.gguf", help=N_("The GGUF model to serve."))
    ] = None,
    threads: Annotated[
        Optional[int], typer.Option("--threads", min=1, help=N_("llama.cpp threads [default: half the cores]."))
    ] = None,
    debug: Debug = False,
    profile: Profile = None,
) -> None:
    """Serve the local model over the YandexGPT v1 API (completion, tokenize, completionAsync, operations)."""

    def action() -> None:
        from ychat import local
        from ychat.config.settings import default_config_file, load_settings

        local.require()

        flags = {"local_model": local_model, "local_threads": threads, "profile": profile}
        settings = load_settings(flags, env=os.environ, config_file=default_config_file(os.environ))
        run(host, port, local.model_path(settings.local_model), threads=settings.local_threads)

    raise typer.Exit(guarded(action, debug=debug))
