"""``ychat mcp add|remove|list|import``: the MCP servers in ``mcp.json`` (written 0600 and
atomically, like ``ychat config``). ``list`` starts each server to show its tools."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ychat.cli.common import Json, guarded, say, typer_app
from ychat.errors import UsageError
from ychat.i18n import N_, _

app = typer_app(commands=True, help=N_("MCP servers: add, remove, list, import."))

Pairs = Annotated[list[str], typer.Option(metavar="K=V", help=N_("Repeatable."))]


def _pairs(values: list[str], flag: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, equals, rest = value.partition("=")
        if not equals or not key:
            raise UsageError(_("{flag} takes KEY=VALUE, not {value}").format(flag=flag, value=value))
        pairs[key] = rest
    return pairs


def _file() -> Path:
    from ychat.mcp.servers import mcp_file

    return mcp_file(os.environ)


@app.command("add")
def mcp_add(
    name: str,
    command: Annotated[Optional[list[str]], typer.Argument(help=N_("A local server: -- COMMAND [ARGS...]"))] = None,
    env: Pairs = [],  # noqa: B006 - typer's way for a repeatable option
    url: Annotated[Optional[str], typer.Option(help=N_("A remote server's URL."))] = None,
    header: Pairs = [],  # noqa: B006
    sse: Annotated[
        bool, typer.Option("--sse", help=N_("The older SSE transport (a URL ending in /sse is SSE)."))
    ] = False,
    yandex_auth: Annotated[
        bool,
        typer.Option("--yandex-auth", help=N_("Send ychat's Yandex Cloud Authorization (the MCP Hub).")),
    ] = False,
    trust: Annotated[bool, typer.Option("--trust", help=N_("Its calls need no approval."))] = False,
) -> None:
    """Add a server: NAME -- COMMAND [ARGS...], or NAME --url URL."""

    def action() -> None:
        from ychat.mcp.edit import add

        if bool(command) == bool(url):
            raise UsageError(_("give either -- COMMAND [ARGS...] or --url URL"))
        entry: dict[str, Any] = (
            {"command": command[0], "args": command[1:]}
            if command
            else {"url": url, **({"type": "sse"} if sse else {})}
        )
        entry |= {
            key: value
            for key, value in (("env", _pairs(env, "--env")), ("headers", _pairs(header, "--header")))
            if value
        }
        entry |= {"auth": "yandex"} if yandex_auth else {}
        entry |= {"trust": True} if trust else {}
        say(add(_file(), name, entry))

    raise typer.Exit(guarded(action, debug=False))


@app.command("remove")
def mcp_remove(name: str) -> None:
    """Remove server NAME."""
    raise typer.Exit(guarded(lambda: say(_remove(name)), debug=False))


def _remove(name: str) -> str:
    from ychat.mcp.edit import remove

    return remove(_file(), name)


@app.command("import")
def mcp_import(path: Path) -> None:
    """Add the servers of a Claude Desktop, Cursor or gemini-cli settings file (names that clash are reported)."""

    def action() -> None:
        from ychat.mcp.edit import import_file

        for line in import_file(_file(), path.expanduser()):
            say(line)

    raise typer.Exit(guarded(action, debug=False))


@app.command("list")
def mcp_list(as_json: Json = False) -> None:
    """Each server: its transport, its state, its tools (each server is started to list them)."""

    def action() -> None:
        for row in rows():
            say(json.dumps(row, ensure_ascii=False) if as_json else _text(row))

    raise typer.Exit(guarded(action, debug=False))


def rows() -> list[dict[str, Any]]:
    from ychat.config.settings import default_config_file, load_settings
    from ychat.mcp.servers import load
    from ychat.mcp.tools import McpTools, yandex_auth_for

    servers = load(_file())
    settings = load_settings({}, env=os.environ, config_file=default_config_file(os.environ))
    running = [name for name, server in servers.items() if not server.disabled]
    mcp = McpTools(
        servers, dict.fromkeys(running), env=os.environ, note=lambda text: None, auth=yandex_auth_for(settings)
    )
    try:
        mcp.start()
        return [_row(mcp, name) for name in servers]
    finally:
        mcp.close()


def _row(mcp: Any, name: str) -> dict[str, Any]:
    server = mcp.servers[name]
    row = {"name": name, "transport": server.transport, "where": server.where, "trust": server.trust}
    if server.disabled:
        return row | {"state": "disabled", "tools": []}
    link = mcp.hub.wait(name)
    tools = [{"name": t.name, "description": t.description} for t in link.tools if server.offers(t.name)]
    return row | {"state": link.state, "error": link.why or None, "tools": tools}


def _text(row: dict[str, Any]) -> str:
    from ychat.mcp.tools import summary

    state = row["state"] + (f": {row['error']}" if row.get("error") else "")
    lines = [f"{row['name']}  {row['transport']}  {state}  {row['where']}"]
    lines += [f"  {tool['name']:<24} {summary(tool['description'])}" for tool in row["tools"]]
    return "\n".join(lines)
