"""Writing ``mcp.json``: ``ychat mcp add|remove|import``. Under the config folder's lock, kept
0600 and written atomically (a new file renamed over it), like ``ychat config set``; every
entry is checked before anything is written."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ychat.config.edit import locked
from ychat.errors import ConfigError, UsageError
from ychat.i18n import _
from ychat.mcp.servers import KEYS, parse, read_document

Servers = dict[str, Any]


def change(path: Path, action: Callable[[Servers], str]) -> str:
    from ychat.privatefile import write_private

    with locked(path):
        document = read_document(path)
        said = action(document["mcpServers"])
        for name, entry in document["mcpServers"].items():
            parse(name, entry, path)
        write_private(
            path, json.dumps(document, indent=2, ensure_ascii=False) + "\n", follow_link=True, make_folder=True
        )
    return said


def add(path: Path, name: str, entry: Mapping[str, Any]) -> str:
    def put(servers: Servers) -> str:
        if name in servers:
            raise UsageError(
                _("there is already an MCP server named {name} in {path}").format(name=name, path=path),
                hint=_("Remove it first: ychat mcp remove {name}").format(name=name),
            )
        servers[name] = dict(entry)
        return _("MCP server {name} added to {path}").format(name=name, path=path)

    return change(path, put)


def remove(path: Path, name: str) -> str:
    def drop(servers: Servers) -> str:
        if name not in servers:
            raise UsageError(_("there is no MCP server named {name} in {path}").format(name=name, path=path))
        del servers[name]
        return _("MCP server {name} removed from {path}").format(name=name, path=path)

    return change(path, drop)


def import_file(path: Path, source: Path) -> list[str]:
    """The servers of another client's file (Claude Desktop, Cursor, gemini-cli: ``mcpServers``),
    added unless the name is taken; one line per server says what became of it."""
    try:
        theirs = read_document(source)["mcpServers"]
    except ConfigError as error:
        raise UsageError(str(error)) from None
    said: list[str] = []

    def merge(servers: Servers) -> str:
        for name, entry in theirs.items():
            if name in servers:
                said.append(_("{name}: not imported, a server of that name exists").format(name=name))
                continue
            servers[name], dropped = converted(entry)
            parse(name, servers[name], source)  # a bad entry is an error naming the file and key
            line = _("{name}: imported").format(name=name)
            said.append(line + (" " + _("(left out: {keys})").format(keys=", ".join(dropped)) if dropped else ""))
        return ""

    change(path, merge)
    return said


def converted(entry: object) -> tuple[Any, list[str]]:
    """Another client's entry in ychat's terms: keys ychat does not know are left out (and
    named); gemini-cli's ``timeout`` is in milliseconds, ychat's in seconds."""
    if not isinstance(entry, dict):
        return entry, []
    kept = {key: value for key, value in entry.items() if key in KEYS}
    if isinstance(kept.get("timeout"), (int, float)) and not isinstance(kept["timeout"], bool):
        kept["timeout"] = min(max(kept["timeout"] / 1000, 1), 3600)
    return kept, sorted(set(entry) - KEYS)
