"""A reply's tool round trips as the store keeps them: JSON, in the provider-neutral shape (each
dialect writes its own wire shape from it when ``-c`` sends them again)."""

from __future__ import annotations

import json
import re
from typing import Any

from ychat.core import Message, ToolCall, ToolResult


def dump(steps: tuple[Message, ...]) -> str | None:
    if not steps:
        return None
    return json.dumps([_message(m) for m in steps], ensure_ascii=False)


def _message(message: Message) -> dict[str, Any]:
    return {
        "role": message.role,
        "text": message.text,
        "tool_calls": [
            {"id": c.id, "name": c.name, "arguments": dict(c.arguments), "raw": c.raw, "approval": c.approval}
            for c in message.tool_calls
        ],
        "tool_results": [
            {"call_id": r.call_id, "name": r.name, "content": r.content, "status": r.status}
            for r in message.tool_results
        ],
    }


def markdown(steps: tuple[Message, ...]) -> list[str]:
    """The lines of a reply's tool round trips in an export: each call and each result, fenced."""
    lines: list[str] = []
    for message in steps:
        for call in message.tool_calls:
            lines += [
                f"### Tool call: {call.name}",
                "",
                *_fenced(json.dumps(dict(call.arguments), ensure_ascii=False), "json"),
            ]
        for result in message.tool_results:
            lines += [f"### Result of {result.name} ({result.status})", "", *_fenced(result.content, "")]
    return lines


def _fenced(text: str, language: str) -> list[str]:
    """A code block whose fence is longer than any run of backticks in ``text``."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + language, text, fence, ""]


def load(text: str | None) -> tuple[Message, ...]:
    """The steps saved with a reply (none for a reply without tool calls, or an older store)."""
    if not text:
        return ()
    return tuple(
        Message(
            m["role"],
            m["text"],
            tuple(
                ToolCall(c["id"], c["name"], c["arguments"], c.get("raw", ""), c.get("approval", ""))
                for c in m["tool_calls"]
            ),
            tuple(ToolResult(r["call_id"], r["name"], r["content"], r["status"]) for r in m["tool_results"]),
        )
        for m in json.loads(text)
    )
