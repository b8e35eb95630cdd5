"""``/tools``: what the model may call in this session, and ``/tools on|off NAME``."""

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
    if words:
        action, name = words
        if name not in box.tools:
            from ychat.tools.builtin import no_such_tool  # a tool module, loaded only when tools are in use

            raise no_such_tool(name, box.tools)
        (box.enabled.add if action == "on" else box.enabled.discard)(name)
    for name in box.tools:
        state = _("on") if name in box.enabled else _("off")
        session.renderer.info(f"{name:<14} {state}")
