"""``ychat --json "question"``: nothing while the reply streams, then one JSON object on stdout:
text, finish reason, usage, model version, request id, the saved conversation's id and, after
tool calls, each call with its result."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TextIO

from ychat.conversation import Conversation
from ychat.core import Done, Message
from ychat.render.plain import PlainRenderer


class JsonRenderer(PlainRenderer):
    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        conversation_id: Callable[[], str | None],
        conversation: Conversation | None = None,
    ) -> None:
        super().__init__(out, err)
        self._conversation_id = conversation_id
        self._conversation = conversation  # its last exchange: the reply's tool round trips

    def delta(self, text: str) -> None:
        """The text goes in the object at the end."""

    def replace(self, text: str) -> None:
        """Likewise."""

    def end_reply(self, done: Done) -> None:
        record: dict[str, Any] = {
            "text": done.text,
            "finish_reason": done.finish.value,
            "usage": asdict(done.usage) if done.usage else None,
            "model_version": done.model_version,
            "request_id": done.request_id,
            "conversation_id": self._conversation_id(),
        }
        if done.sources:
            record["sources"] = [{"url": s.url, "title": s.title} for s in done.sources]
        exchanges = self._conversation.exchanges if self._conversation is not None else []
        calls = tool_calls(exchanges[-1].steps) if exchanges else []
        if calls:
            record["tool_calls"] = calls
        self._write(json.dumps(record, ensure_ascii=False) + "\n")


class Quiet(PlainRenderer):
    """Nothing of the reply while it streams (``--schema``: the checked JSON is printed at the
    end); notes and errors go to stderr as usual."""

    def delta(self, text: str) -> None:
        """Kept for the end."""

    def replace(self, text: str) -> None:
        """Likewise."""

    def end_reply(self, done: Done) -> None:
        """Printed by the caller, once checked."""


def tool_calls(steps: tuple[Message, ...]) -> list[dict[str, Any]]:
    """Each call of the reply's round trips with what it gave: name, arguments, result, status."""
    results = {r.call_id: r for message in steps for r in message.tool_results}
    return [
        {
            "name": call.name,
            "arguments": dict(call.arguments),
            "result": results[call.id].content if call.id in results else None,
            "status": results[call.id].status if call.id in results else None,
        }
        for message in steps
        for call in message.tool_calls
    ]
