"""``/tools``: what the model may call in this session, and ``/tools on|off NAME``; ``/mcp``:
the MCP servers in use (state, tools) and ``/mcp restart NAME``."""

from __future__ import annotations

from ychat.errors import UsageError
from ychat.i18n import _
from ychat.repl.ports import ReplSession


def tools(session: ReplSession, arg: str) -> None:
    """``/tools``: what the model may call now; ``/tools on|off NAME`` changes it for this session."""
    words = arg.split()
    if words and (len(words) != 2 or words[0] not in ("on", "off")):
        raise UsageError(_("/tools takes on NAME or off NAME, not {arg!r}").format(arg=arg))
    if session.tools is None and words and words[0] == "on" and session.make_tools is not None:
        session.tools = session.make_tools()
    box = session.tools
    if box is None:
        session.renderer.info(_("No tools are enabled (ychat -T NAME)."))
        return
    box.settle()  # MCP servers still starting: their tools are listed too
    shown = {tool.shown_as: name for name, tool in box.tools.items()}  # server.tool for MCP tools
    if words:
        action, name = words
        if name not in shown:
            from ychat.tools.builtin import no_such_tool  # a tool module, loaded only when tools are in use

            raise no_such_tool(name, shown)
        (box.enabled.add if action == "on" else box.enabled.discard)(shown[name])
    width = max(14, *(len(label) for label in shown))  # MCP tools' server.tool names are longer
    for label, name in shown.items():
        state = _("on") if name in box.enabled else _("off")
        session.renderer.info(f"{label:<{width}} {state}")


def mcp(session: ReplSession, arg: str) -> None:
    """``/mcp``: each MCP server of this session, its state and tools (it does not wait for one
    that is starting); ``/mcp restart NAME`` stops and starts it again."""
    from ychat.mcp.tools import McpTools

    words = arg.split()
    found = [s for s in (session.tools.sources() if session.tools else []) if isinstance(s, McpTools)]
    if not found:
        session.renderer.info(_("No MCP server is in use (ychat -T NAME; ychat mcp list shows them all)."))
        return
    if words and (words[0] != "restart" or len(words) != 2 or not any(words[1] in m.wanted for m in found)):
        raise UsageError(_("/mcp takes restart NAME (a server in use), not {arg!r}").format(arg=arg))
    for servers in found:
        if words:
            servers.restart(words[1])
        for line in servers.report():
            session.renderer.info(line)


def index(session: ReplSession, arg: str) -> None:
    """``/index NAME``: the model may search that index (``file_search``) from the next message;
    ``/index off`` stops it; alone: which one it searches."""
    import os

    from ychat.hosted.indexes import index_id

    name = arg.strip()
    from ychat.api.registry import record

    if not record(session.options.dialect).hosted and name and name != "off":
        raise UsageError(_("/index needs the Responses API: start ychat with --api responses"))
    if name:
        session.options.file_search = None if name == "off" else index_id(os.environ, name)
    shown = session.options.file_search or _("none")
    session.renderer.info(_("Search index for the next messages: {index}").format(index=shown))
