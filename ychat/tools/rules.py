"""The rules that let a tool run without asking: ``allowed_tools`` in the config file, written
through ``config/edit.py`` (locked, 0600, atomic). ``ychat tools allow|forget`` and the ``a``
answer write them."""

from __future__ import annotations

import os
from typing import Any

from ychat.config.edit import edit
from ychat.config.file import default_config_file
from ychat.i18n import _


def _known(name: str) -> None:
    """A built-in tool, or SERVER.TOOL of an MCP server in mcp.json (not started to check TOOL)."""
    from ychat.tools.builtin import BUILTIN, no_such_tool

    if name in BUILTIN:
        return
    server, dot, tool = name.partition(".")
    if dot and tool:
        from ychat.mcp.servers import load, mcp_file

        if server in load(mcp_file(os.environ)):
            return
    raise no_such_tool(name, BUILTIN)


def allow(name: str) -> str:
    _known(name)

    def add(table: Any) -> None:
        names = list(table.get("allowed_tools", []))
        table["allowed_tools"] = names if name in names else [*names, name]

    return edit(default_config_file(os.environ, must_exist=False), None, add, _("{name} allowed").format(name=name))


def forget(name: str | None) -> str:
    if name is not None:
        _known(name)

    def remove(table: Any) -> None:
        kept = [n for n in table.get("allowed_tools", []) if name is not None and n != name]
        table["allowed_tools"] = kept

    done = _("{name} asks again").format(name=name) if name else _("every tool asks again")
    return edit(default_config_file(os.environ, must_exist=False), None, remove, done)
