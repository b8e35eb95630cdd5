"""``ychat index create|list|add|delete``: search indexes over your files (the Responses API's
vector stores), known by the names you give them; ``--index NAME`` lets the model search one."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from ychat.cli.common import Json, Profile, guarded, say, typer_app
from ychat.errors import UsageError
from ychat.i18n import N_, _

app = typer_app(commands=True, help=N_("Search indexes over your files: create, list, add, delete."))
Files = Annotated[list[Path], typer.Argument(metavar="FILE...", help=N_("Files to index (PDF, text, Office…)."))]


def _indexes(profile: str | None) -> tuple[Any, Any]:
    """The Files and Vector Store client, on the Responses API's endpoint, and its transport."""
    from ychat.api.http.transport import Transport, build_http_client
    from ychat.api.indexes import Indexes
    from ychat.backend import credentials_for
    from ychat.config.settings import default_config_file, load_settings

    flags = {"api": "responses", "profile": profile}
    settings = load_settings(flags, env=os.environ, config_file=default_config_file(os.environ))
    transport = Transport(build_http_client(timeout=settings.timeout), credentials=credentials_for(settings))
    return Indexes(transport, endpoint=settings.endpoint, folder_id=settings.folder_id), transport


def _build(name: str, files: list[Path], profile: str | None, index: str | None) -> str:
    from ychat.hosted.indexes import build, read_files
    from ychat.render.progress import StepsProgress

    read = read_files([str(f) for f in files])
    indexes, transport = _indexes(profile)
    try:
        with StepsProgress(sys.stderr, len(read) + 1) as bar:
            return build(indexes, name, read, lambda what, done: bar.step(what, done=done), index=index)
    finally:
        transport.close()


@app.command("create")
def index_create(name: str, files: Files, profile: Profile = None) -> None:
    """Upload FILE... and build a search index called NAME (waits until it is ready)."""

    def action() -> None:
        from ychat.hosted.indexes import known, remember

        if name in known():
            raise UsageError(_("there is already a search index named {name}").format(name=name))
        index_id = _build(name, files, profile, None)
        remember(os.environ, name, {"id": index_id, "files": [f.name for f in files], "created": time.time()})
        say(_('Search index {name} is ready ({n} files): ychat --index {name} "…"').format(name=name, n=len(files)))

    raise typer.Exit(guarded(action, debug=False))


@app.command("add")
def index_add(name: str, files: Files, profile: Profile = None) -> None:
    """Upload FILE... into the search index NAME."""

    def action() -> None:
        from ychat.hosted.indexes import index_id, known, remember

        entry = known()[name] if name in known() else {"id": index_id(os.environ, name)}
        _build(name, files, profile, str(entry["id"]))
        remember(os.environ, name, {**entry, "files": [*entry.get("files", []), *(f.name for f in files)]})
        say(_("{n} files added to the search index {name}").format(n=len(files), name=name))

    raise typer.Exit(guarded(action, debug=False))


@app.command("list")
def index_list(as_json: Json = False) -> None:
    """The search indexes ychat knows: name, id, files."""

    def action() -> None:
        from ychat.hosted.indexes import known

        for name, entry in known().items():
            row = {"name": name, "id": entry.get("id"), "files": entry.get("files", [])}
            say(json.dumps(row, ensure_ascii=False) if as_json else f"{name}  {row['id']}  {', '.join(row['files'])}")

    raise typer.Exit(guarded(action, debug=False))


@app.command("delete")
def index_delete(name: str, profile: Profile = None) -> None:
    """Delete the search index NAME (on Yandex's side too; the uploaded files stay there)."""

    def action() -> None:
        from ychat.hosted.indexes import forget, index_id

        found = index_id(os.environ, name)
        indexes, transport = _indexes(profile)
        try:
            indexes.delete(found)
        finally:
            transport.close()
        forget(os.environ, name)
        say(_("Search index {name} deleted").format(name=name))

    raise typer.Exit(guarded(action, debug=False))
