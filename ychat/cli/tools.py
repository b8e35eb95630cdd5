"""``ychat tools list [--json] | allow NAME | forget [NAME]``: the tools the model may be given
(``-T NAME``) and the rules that let them run without asking (``allowed_tools`` in the config
file, written 0600 and atomically, as ``ychat config set`` does)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Annotated, Any, Optional

import typer

from ychat.cli.common import Json, Profile, guarded, say, typer_app
from ychat.config.file import default_config_file
from ychat.config.settings import load_settings
from ychat.i18n import N_, _
from ychat.tools.rules import allow, forget

app = typer_app(commands=True, help=N_("The model's tools: list, allow NAME, forget [NAME]."))


def rows(profile: str | None) -> list[dict[str, Any]]:
    """The built-in tools, then each MCP server's (``server.tool``; the servers are started)."""
    from ychat.tools.builtin import BUILTIN

    settings = load_settings({"profile": profile}, env=os.environ, config_file=default_config_file(os.environ))
    built_in = [
        {
            "name": name,
            "source": tool.source,
            "enabled": name in settings.tools,
            "approval": "never asked" if not tool.asks else "allowed" if name in settings.allowed_tools else "asked",
            "description": tool.spec.description,
        }
        for name, tool in BUILTIN.items()
    ]
    return built_in + _mcp_rows(settings.tools, settings.allowed_tools)


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
def tools_list(as_json: Json = False, profile: Profile = None) -> None:
    """Every tool: where it comes from, enabled (-T, config tools) or not, and its approval rule."""

    def action() -> None:
        from ychat.mcp.tools import summary

        for row in rows(profile):
            enabled, about = _("enabled") if row["enabled"] else "-", summary(row["description"])
            say(
                json.dumps(row)
                if as_json
                else f"{row['name']:<14} {row['source']:<9} {enabled:<8} {row['approval']:<12} {about}"
            )

    raise typer.Exit(guarded(action, debug=False))


@app.command("allow")
def tools_allow(name: str) -> None:
    """Let NAME run without asking (kept in the config file)."""
    raise typer.Exit(guarded(lambda: say(allow(name)), debug=False))


@app.command("forget")
def tools_forget(name: Annotated[Optional[str], typer.Argument()] = None) -> None:
    """NAME (or every tool) asks again before it runs."""
    raise typer.Exit(guarded(lambda: say(forget(name)), debug=False))
