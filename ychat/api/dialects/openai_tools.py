"""Function calling on the OpenAI-compatible endpoint (TOOLS.md §2): the ``tools`` of a request,
messages that carry calls and results, and calls assembled from a stream's deltas.

Yandex's endpoint sends a whole call in one chunk with the function's name as its id; qwen3 and
gemma send an id, then the arguments in fragments, by ``index``. ychat gives a call whose id is
empty or the function's name an id of its own (``core.call_id``), unique in the conversation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ychat.core import Message, Options, ToolCall, call_id
from ychat.errors import ProtocolError
from ychat.i18n import _


def tools_json(options: Options) -> dict[str, Any]:
    """``tools``, ``tool_choice`` and ``parallel_tool_calls``; nothing at all without tools."""
    if not options.tools:
        return {}
    functions = [
        {
            "type": "function",
            "function": {"name": s.name, "description": s.description, "parameters": dict(s.parameters)},
        }
        for s in options.tools
    ]
    found: dict[str, Any] = {"tools": functions}
    if options.tool_choice in ("auto", "required"):
        found["tool_choice"] = options.tool_choice
    elif options.tool_choice:
        found["tool_choice"] = {"type": "function", "function": {"name": options.tool_choice}}
    if options.parallel_tools is not None:
        found["parallel_tool_calls"] = options.parallel_tools
    return found


def format_json(options: Options) -> dict[str, Any]:
    """``response_format``, always with a name (TOOLS.md §3.2)."""
    if options.schema is not None:
        return {
            "response_format": {"type": "json_schema", "json_schema": {"name": "reply", "schema": dict(options.schema)}}
        }
    return {"response_format": {"type": "json_object"}} if options.json_object else {}


def content_json(message: Message) -> str | list[dict[str, Any]]:
    """The text, or with pictures a list of parts: the text, then each picture as a data URL (TOOLS.md §5)."""
    if not message.images:
        return message.text
    pictures = [{"type": "image_url", "image_url": {"url": image.data_url}} for image in message.images]
    return [{"type": "text", "text": message.text}, *pictures]


def messages_json(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """Each message as the endpoint takes it; results become one ``tool`` message per call."""
    found: list[dict[str, Any]] = []
    for message in messages:
        if message.tool_calls:
            calls = [_call_json(index, call) for index, call in enumerate(message.tool_calls)]
            found.append({"role": "assistant", "content": message.text, "tool_calls": calls})
        elif message.tool_results:
            found += [{"role": "tool", "tool_call_id": r.call_id, "content": r.content} for r in message.tool_results]
        else:
            found.append({"role": message.role, "content": content_json(message)})
    return found


def _call_json(index: int, call: ToolCall) -> dict[str, Any]:
    arguments = call.raw or json.dumps(dict(call.arguments), ensure_ascii=False)
    return {"index": index, "id": call.id, "type": "function", "function": {"name": call.name, "arguments": arguments}}


class CallsBuffer:
    """Tool calls streamed as deltas, keyed by ``index``: the first non-empty id and name are
    kept, argument fragments joined (the one-chunk form is one delta of each)."""

    def __init__(self) -> None:
        self._calls: dict[int, dict[str, str]] = {}

    def feed(self, delta: Mapping[str, Any]) -> None:
        for part in delta.get("tool_calls") or []:
            if not isinstance(part, Mapping):
                raise ProtocolError(_("a streamed tool call is not an object"))
            index = part.get("index", len(self._calls))
            slot = self._calls.setdefault(index if isinstance(index, int) else 0, {"id": "", "name": "", "args": ""})
            function = part.get("function")
            function = function if isinstance(function, Mapping) else {}
            slot["id"] = slot["id"] or str(part.get("id") or "")
            slot["name"] = slot["name"] or str(function.get("name") or "")
            slot["args"] += str(function.get("arguments") or "")

    def calls(self) -> tuple[ToolCall, ...]:
        return tuple(made(slot["id"], slot["name"], slot["args"]) for _, slot in sorted(self._calls.items()))


def calls_of(message: Mapping[str, Any]) -> tuple[ToolCall, ...]:
    """The calls of a whole (non-streamed) assistant message."""
    buffer = CallsBuffer()
    buffer.feed(message)
    return buffer.calls()


def made(wire_id: str, name: str, arguments: str) -> ToolCall:
    """A call from what the wire sent: its arguments parsed (a JSON object, or a ProtocolError)."""
    if not name:
        raise ProtocolError(_("a tool call names no function"))
    try:
        parsed = json.loads(arguments) if arguments.strip() else {}
    except ValueError:
        raise ProtocolError(_("the arguments of tool call {name} are not JSON").format(name=name)) from None
    if not isinstance(parsed, dict):
        raise ProtocolError(_("the arguments of tool call {name} are not a JSON object").format(name=name))
    usable = wire_id and wire_id != name
    return ToolCall(wire_id if usable else call_id(), name, parsed, arguments)
