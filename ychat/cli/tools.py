"""``ychat tools list [--json] | allow NAME | forget [NAME]``: the tools the model may be given
(``-T NAME``) and the rules that let them run without asking (``allowed_tools`` in the config
file, written 0600 and atomically, as ``ychat config set`` does)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ychat.cli.common import Json, Profile, guarded, say, typer_app
from ychat.config.file import default_config_file
from ychat.config.settings import load_settings
from ychat.i18n import N_, _
from ychat.tools.rules import allow, forget

if TYPE_CHECKING:
    from ychat.tools.builtin import Tool

app = typer_app(commands=True, help=N_("The model's tools: list, allow NAME, forget [NAME]."))


Functions = Annotated[
    Optional[list[str]],
    typer.Option("--functions", metavar="FILE.py", help=N_("Also list the functions of this file (repeatable).")),
]


def rows(profile: str | None, functions: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The built-in tools, the functions of ``--functions`` files, then each MCP server's
    (``server.tool``; the servers are started)."""
    from ychat.tools.builtin import BUILTIN
    from ychat.tools.functions import load

    settings = load_settings({"profile": profile}, env=os.environ, config_file=default_config_file(os.environ))
    allowed = set(settings.allowed_tools)
    found = [
        _row(name, tool, enabled=name in settings.tools, allowed=name in allowed) for name, tool in BUILTIN.items()
    ]
    for path in functions:  # enabled for the run that names the file, asked for like the built-ins
        found += [_row(name, tool, enabled=True, allowed=name in allowed) for name, tool in load(path).items()]
    return found + _mcp_rows(settings.tools, settings.allowed_tools)


def _row(name: str, tool: Tool, *, enabled: bool, allowed: bool) -> dict[str, Any]:
    approval = "never asked" if not tool.asks else "allowed" if allowed else "asked"
    row = {"name": name, "source": tool.source, "enabled": enabled, "approval": approval}
    return row | {"description": tool.spec.description}


def _mcp_rows(enabled: Sequence[str], allowed: Sequence[str]) -> list[dict[str, Any]]:
    from ychat.mcp.servers import mcp_file

    if not mcp_file(os.environ).exists():
        return []
    from ychat.cli.mcp import rows as servers

    found = []
    for server in servers():
        source, on = f"mcp:{server['name']}", server["name"] in enabled
        if server.get("error"):
            found.append({"name": server["name"], "source": source, "enabled": on, "approval": "-"})
            found[-1]["description"] = _("failed: {why}").format(why=server["error"])
        for tool in server["tools"]:
            name = f"{server['name']}.{tool['name']}"
            approval = "never asked" if server["trust"] else "allowed" if name in allowed else "asked"
            row = {"name": name, "source": source, "enabled": on or name in enabled, "approval": approval}
            found.append(row | {"description": tool["description"]})
    return found


@app.command("list")
def tools_list(as_json: Json = False, profile: Profile = None, functions: Functions = None) -> None:
    """Every tool: where it comes from, enabled (-T, config tools) or not, and its approval rule."""

    def action() -> None:
        found = rows(profile, functions or ())
        if as_json:
            for row in found:
                say(json.dumps(row))
        else:
            for line in table(found):
                say(line)

    raise typer.Exit(guarded(action, debug=False))


def table(found: Sequence[dict[str, Any]]) -> list[str]:
    """One line a tool, its columns as wide as their longest value (MCP's ``server.tool`` names)."""
    from ychat.mcp.tools import summary

    cells = [
        (
            row["name"],
            row["source"],
            _("enabled") if row["enabled"] else "-",
            row["approval"],
            summary(row["description"]),
        )
        for row in found
    ]
    widths = [max((len(cell[i]) for cell in cells), default=0) for i in range(4)]
    return [
        "  ".join(value.ljust(width) for value, width in zip(cell[:4], widths, strict=True)) + "  " + cell[4]
        for cell in cells
    ]


@app.command("allow")
def tools_allow(name: str, functions: Functions = None) -> None:
    """Let NAME run without asking (kept in the config file)."""
    raise typer.Exit(guarded(lambda: say(allow(name, functions or ())), debug=False))


@app.command("forget")
def tools_forget(name: Annotated[Optional[str], typer.Argument()] = None) -> None:
    """NAME (or every tool) asks again before it runs."""
    raise typer.Exit(guarded(lambda: say(forget(name)), debug=False))
