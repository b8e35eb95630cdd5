"""What every dialect shares: one policy for when a reply is one ychat can show (``finished``),
one error for a stream that ends before its reply does (``cut_short``), and a tool's function
as every wire spells it (``function_json``: name, description, JSON Schema parameters)."""

from __future__ import annotations

from typing import Any

from ychat.core import Done, FinishReason, ToolSpec
from ychat.errors import StreamInterrupted, UnsupportedReply
from ychat.i18n import _


def cut_short() -> StreamInterrupted:
    """The stream ended (cleanly, as far as HTTP goes) before its reply's last event."""
    return StreamInterrupted(_("the reply stream ended before the reply was complete"))


def finished(reply: Done, status: str | None = None) -> Done:
    """A complete reply ychat can show, or the UnsupportedReply it is (``status``: the dialect's
    word for how it ended, named in the message where the wire has one)."""
    if reply.finish is FinishReason.TOOL_CALLS:
        if reply.tool_calls:
            return reply  # the text (often empty) goes with the calls
        raise UnsupportedReply(_("the model asked for a tool call but named no function"))
    if not reply.text:
        what = _("withheld by the content filter") if reply.finish is FinishReason.CONTENT_FILTER else _("empty")
        if status is None:
            raise UnsupportedReply(_("the model's reply is {what}").format(what=what))
        raise UnsupportedReply(_("the model's reply is {what} ({status})").format(what=what, status=status))
    return reply


def function_json(spec: ToolSpec) -> dict[str, Any]:
    return {"name": spec.name, "description": spec.description, "parameters": dict(spec.parameters)}
