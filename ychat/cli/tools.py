"""The subcommands: ``ychat serve``, ``ychat operation ID``."""

from __future__ import annotations

import os
from typing import Annotated, Optional

import typer

from ychat.cli.common import guarded, typer_app

serve_app = typer_app()
operation_app = typer_app()


@serve_app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on; non-loopback prints a warning.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port", min=0, max=65535)] = 8787,
    local_model: Annotated[Optional[str], typer.Option("--local-model", metavar="PATH.gguf")] = None,
    threads: Annotated[
        Optional[int], typer.Option("--threads", min=1, help="llama.cpp threads [default: half the cores].")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug")] = False,
) -> None:
    """Serve the local model over the YandexGPT v1 API (completion, tokenize, completionAsync, operations)."""

    def action() -> None:
        from ychat import local
        from ychat.config import default_config_file, load_settings

        local.require()
        from ychat.local.serve import run

        flags = {"local_model": local_model, "local_threads": threads}
        settings = load_settings(flags, env=os.environ, config_file=default_config_file(os.environ))
        run(host, port, local.model_path(settings.local_model), threads=settings.local_threads)

    raise typer.Exit(guarded(action, debug=debug))


@operation_app.command()
def operation(
    operation_id: Annotated[str, typer.Argument(metavar="ID", help="The id --async printed.")],
    debug: Annotated[bool, typer.Option("--debug")] = False,
) -> None:
    """Print a deferred operation's reply, waiting while it runs (credentials and endpoints as for the chat)."""
    from ychat.run import fetch_operation

    raise typer.Exit(guarded(lambda: fetch_operation(operation_id), debug=debug))
