"""``ychat history list | show ID | export ID [-o FILE] | delete ID | search TEXT``."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from ychat.cli.common import Json, Limit, guarded, say, typer_app
from ychat.errors import UsageError
from ychat.history.export import files_beside
from ychat.history.keeper import existing_store, export_json, export_markdown, held, store_path
from ychat.history.store import Saved, Store
from ychat.i18n import N_, _
from ychat.privatefile import write_private

Say = Callable[[str], None]


def _store() -> Store:
    """The store; none yet (nothing was ever saved) is no conversation, and creates no file."""
    store = existing_store(store_path(os.environ))
    if store is None:
        raise UsageError(_("no saved conversations yet"), hint=_("Each chat is saved as it goes; ychat -c resumes it."))
    return store


def _when(moment: float) -> str:
    return datetime.fromtimestamp(moment).strftime("%Y-%m-%d %H:%M")


def _row(saved: Saved) -> str:
    return f"{saved.id[:8]}  {_when(saved.updated)}  {saved.model:<16} {saved.title}"


def list_(say: Say, *, limit: int, as_json: bool) -> None:
    store = existing_store(store_path(os.environ))
    if store is None:
        if not as_json:
            say(_("No saved conversations yet."))
        return
    try:
        found = store.recent(limit)
        for saved in found:
            say(json.dumps(asdict(saved), ensure_ascii=False) if as_json else _row(saved))
        if not found and not as_json:
            say(_("No saved conversations yet."))
    finally:
        store.close()


def show(say: Say, prefix: str, *, as_json: bool, every: bool = False) -> None:
    """What the conversation holds (as /history shows it); ``every``: failed, cancelled, undone
    and replaced messages too, marked."""
    store = _store()
    try:
        cid = store.resolve(prefix)
        saved, messages = store.get(cid), store.messages(cid)
        messages = messages if every else held(messages)
        say((export_json(saved, messages) if as_json else export_markdown(saved, messages)).rstrip("\n"))
    finally:
        store.close()


def export(say: Say, prefix: str, output: str | None) -> None:
    store = _store()
    try:
        cid = store.resolve(prefix)
        saved, messages = store.get(cid), store.messages(cid)
        as_json = output is not None and output.endswith(".json")
        if output is None:
            say(export_markdown(saved, messages).rstrip("\n"))
            return
        path = Path(output).expanduser()
        link = files_beside(path, messages)  # the pictures, in a folder beside it
        write_private(path, export_json(saved, messages) if as_json else export_markdown(saved, messages, link))
        say(_("Exported {cid} to {output}").format(cid=cid[:8], output=output))
    finally:
        store.close()


def delete(say: Say, prefix: str) -> None:
    store = _store()
    try:
        cid = store.resolve(prefix)
        title = store.get(cid).title
        store.delete(cid)
        say(_("Deleted {cid} “{title}”").format(cid=cid[:8], title=title))
    finally:
        store.close()


def search(say: Say, text: str, *, limit: int) -> None:
    store = _store()
    try:
        found = store.search(text, limit)
        for saved, line in found:
            matched = " ".join(next((x for x in line.splitlines() if text.lower() in x.lower()), line).split())
            say(f"{_row(saved)}\n          {matched[:100]}")
        if not found:
            say(_("Nothing saved matches {text!r}.").format(text=text))
    finally:
        store.close()


app = typer_app(commands=True, help=N_("Saved conversations: list, show, export, delete, search."))


@app.command("list")
def history_list(limit: Limit = 20, as_json: Json = False) -> None:
    """The most recent saved conversations: id, date, model, title."""

    raise typer.Exit(guarded(lambda: list_(say, limit=limit, as_json=as_json), debug=False))


@app.command("show")
def history_show(
    conversation: Annotated[str, typer.Argument(metavar="ID")],
    as_json: Json = False,
    every: Annotated[
        bool, typer.Option("--all", help=N_("Also failed, cancelled, undone and replaced messages, marked."))
    ] = False,
) -> None:
    """A saved conversation as it stands (what /history shows and -c sends)."""

    raise typer.Exit(guarded(lambda: show(say, conversation, as_json=as_json, every=every), debug=False))


@app.command("export")
def history_export(
    conversation: Annotated[str, typer.Argument(metavar="ID")],
    output: Annotated[Optional[str], typer.Option("--output", "-o", help=N_("FILE.md or FILE.json"))] = None,
) -> None:
    """Markdown on stdout, or to FILE (JSON when it ends in .json)."""

    raise typer.Exit(guarded(lambda: export(say, conversation, output), debug=False))


@app.command("delete")
def history_delete(conversation: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Delete a saved conversation."""

    raise typer.Exit(guarded(lambda: delete(say, conversation), debug=False))


@app.command("search")
def history_search(text: str, limit: Limit = 20) -> None:
    """Saved conversations with a message containing TEXT: id, title, date and the matching line."""

    raise typer.Exit(guarded(lambda: search(say, text, limit=limit), debug=False))
