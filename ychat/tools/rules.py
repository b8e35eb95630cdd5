"""The rules that let a tool run without asking: ``allowed_tools`` in the config file, written
through ``config/edit.py`` (locked, 0600, atomic). ``ychat tools allow|forget`` and the ``a``
answer write them."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from ychat.config.edit import edit
from ychat.config.file import default_config_file
from ychat.i18n import _


def _known(name: str, functions: Sequence[str]) -> None:
    """A built-in tool, a function of a ``--functions`` file named, or SERVER.TOOL of an MCP
    server in mcp.json (not started to check TOOL)."""
    from ychat.tools.builtin import BUILTIN, no_such_tool
    from ychat.tools.functions import load as functions_of

    if name in BUILTIN or any(name in functions_of(path) for path in functions):
        return
    server, dot, tool = name.partition(".")
    if dot and tool:
        from ychat.mcp.servers import load, mcp_file

        if server in load(mcp_file(os.environ)):
            return
    raise no_such_tool(name, BUILTIN)


def allow(name: str, functions: Sequence[str] = ()) -> str:
    """``ychat tools allow NAME``: NAME must name a tool (a typo would be a rule nothing matches)."""
    _known(name, functions)
    return keep(name)


def keep(name: str) -> str:
    """The rule for NAME written, unchecked: the ``a`` answer, given for a tool that just ran."""

    def add(table: Any) -> None:
        names = list(table.get("allowed_tools", []))
        table["allowed_tools"] = names if name in names else [*names, name]

    return edit(default_config_file(os.environ, must_exist=False), None, add, _("{name} allowed").format(name=name))


def forget(name: str | None) -> str:
    def remove(table: Any) -> None:
        if name is not None and name not in table.get("allowed_tools", []):
            _known(name, ())  # a rule of a --functions function is forgotten by its name alone
        kept = [n for n in table.get("allowed_tools", []) if name is not None and n != name]
        table["allowed_tools"] = kept

    done = _("{name} asks again").format(name=name) if name else _("every tool asks again")
    return edit(default_config_file(os.environ, must_exist=False), None, remove, done)
