"""``ychat models [--json]``: the models this account (or server) offers, with their short names
and context windows where ychat knows them; offline, the local GGUF."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ychat.cli.common import Debug, Json, Profile, guarded, say, typer_app
from ychat.config.settings import default_config_file, load_settings
from ychat.i18n import N_
from ychat.models.catalog import Listed, short_name

if TYPE_CHECKING:
    pass

__all__ = ["listed", "show"]


def listed(flags: Mapping[str, object], *, local: bool) -> Listed:
    """(model id, context window if known) of each model."""
    from ychat.backend import choose

    settings = load_settings(flags, env=os.environ, config_file=default_config_file(os.environ))
    if local:
        with choose(settings, local_requested=True, interactive=False, model_flag=None) as backend:
            return [(backend.model, backend.window)]
    from ychat.api.http.transport import Transport, build_http_client
    from ychat.backend import credentials_for, server_models

    transport = Transport(build_http_client(timeout=settings.timeout), credentials=credentials_for(settings))
    try:
        return server_models(settings, transport)
    finally:
        transport.close()


def show(say: Callable[[str], None], found: Listed, *, as_json: bool) -> None:
    rows = [{"id": name, "name": short_name(name), "context_window": window} for name, window in found]
    if as_json:
        for row in rows:
            say(json.dumps(row, ensure_ascii=False))
        return
    for row in rows:
        window = f"{row['context_window']:,}" if row["context_window"] else "?"
        say(f"{row['name']:<28} {window:>9}  {row['id']}")


app = typer_app()


@app.command()
def models(
    as_json: Json = False,
    local: Annotated[bool, typer.Option("--local", help=N_("The local model (the local extra)."))] = False,
    api: Annotated[
        Optional[str],
        typer.Option("--api", metavar="v1|v1alpha|openai|responses", help=N_("Wire protocol [default: v1].")),
    ] = None,
    endpoint: Annotated[Optional[str], typer.Option("--endpoint", help=N_("Base URL of the chosen API."))] = None,
    profile: Profile = None,
    debug: Debug = False,
) -> None:
    """The models the account (or the OpenAI-compatible server) offers: name, context window, id."""

    def action() -> None:
        names = listed({"profile": profile, "api": api, "endpoint": endpoint}, local=local)
        show(say, names, as_json=as_json)

    raise typer.Exit(guarded(action, debug=debug))
