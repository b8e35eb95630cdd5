"""Asking before a tool runs, on the terminal: ``y`` once, ``s`` for the session, ``a`` always
(kept in the config file's ``allowed_tools``), ``e`` edit the arguments in $EDITOR, ``n`` no.

The question is asked on the controlling terminal (``/dev/tty``) when standard error is one, so
``cat notes | ychat -T read_file "…"`` still asks; with no terminal a call runs only when a rule
or ``--yes`` allows it. No UI library: the terminal is in its ordinary line mode between replies.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

from ychat.api.registry import record
from ychat.core import HostedMcp, ToolCall
from ychat.errors import UsageError, YChatError
from ychat.i18n import _
from ychat.tools.runner import Answer, Ask, Later, Toolbox, shown

if TYPE_CHECKING:
    from ychat.config.settings import Settings

KEYS = {"y": Answer.ONCE, "s": Answer.SESSION, "a": Answer.ALWAYS, "n": Answer.DENY}


def toolbox_for(
    settings: Settings, *, yes: bool, note: Callable[[str], None], functions: Sequence[str] = ()
) -> Toolbox:
    """The tools ``-T`` enabled and every function of ``--functions`` files, asked for on this
    terminal (if there is one)."""
    from ychat.tools.builtin import BUILTIN, no_such_tool
    from ychat.tools.functions import load

    available, offered = dict(BUILTIN), set(settings.tools)
    for path in functions:
        found = load(path)
        available |= found
        offered |= set(found)
    unknown = [name for name in settings.tools if name not in available]
    later: list[Later] = []
    servers: list[str] = []
    hosted: tuple[HostedMcp, ...] = ()
    if unknown:  # MCP servers (NAME) and their tools (NAME.TOOL): mcp.json is read only now
        mcp, unknown, servers, hosted = _mcp_tools(settings, unknown, note)
        if hosted and not record(settings.api).hosted:
            hint = _('MCP server {name} is called by Yandex ("via": "responses"): use --api responses')
            raise UsageError(hint.format(name=hosted[0].label))
        later = [mcp] if mcp is not None else []
        offered -= {name for name in settings.tools if name not in available}
    if unknown:
        raise no_such_tool(unknown[0], [*available, *servers])
    return Toolbox(
        available,
        offered,
        ask=terminal_ask(),
        yes=yes,
        allowed=set(settings.allowed_tools),
        remember=remember,
        timeout=settings.tool_timeout,
        note=note,
        chain_limit=settings.chain_limit,
        choice=settings.tool_choice,
        parallel=settings.parallel_tools,
        later=later,
        hosted=hosted,
    )


def _mcp_tools(
    settings: Settings, names: list[str], note: Callable[[str], None]
) -> tuple[Later | None, list[str], list[str], tuple[HostedMcp, ...]]:
    from ychat.mcp.tools import for_names, own_authorization, yandex_auth_for

    auth, own = yandex_auth_for(settings), own_authorization(settings)
    return for_names(names, env=os.environ, note=note, auth=auth, own=own)  # started on first use


def terminal_ask() -> Ask | None:
    if not sys.stderr.isatty():
        return None
    try:  # a terminal is not seekable: one stream each way
        tty_in = open("/dev/tty", encoding="utf-8", errors="replace")  # noqa: SIM115 - kept for the run
        tty_out = open("/dev/tty", "w", encoding="utf-8")  # noqa: SIM115
    except OSError:
        return None
    return lambda call: ask(call, tty_in, tty_out)


def ask(call: ToolCall, tty_in: IO[str], tty: IO[str]) -> tuple[Answer, Mapping[str, Any]]:
    """The user's answer for ``call`` (anything but y, s, a, e is no), and the arguments to use."""
    while True:
        tty.write(_("Run {call}? [y]es once, [s]ession, [a]lways, [e]dit, [n]o: ").format(call=shown(call)))
        tty.flush()
        key = tty_in.readline().strip().lower()[:1]
        if key != "e":
            return KEYS.get(key, Answer.DENY), call.arguments
        edited = _edited(call, tty)
        if edited is not None:
            return Answer.ONCE, edited


def _edited(call: ToolCall, tty: IO[str]) -> Mapping[str, Any] | None:
    from ychat.repl.editor import edit

    try:
        text = edit(json.dumps(dict(call.arguments), ensure_ascii=False, indent=2), os.environ)
        value = json.loads(text)
    except (YChatError, ValueError) as error:
        tty.write(_("The arguments were not changed: {error}").format(error=error) + "\n")
        return None
    if not isinstance(value, dict):
        tty.write(_("The arguments must be a JSON object.") + "\n")
        return None
    return value


def remember(name: str) -> None:
    """``a``: the tool runs without asking from now on (``allowed_tools`` in the config file)."""
    from ychat.tools.rules import keep

    keep(name)
