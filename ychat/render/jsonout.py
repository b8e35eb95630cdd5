"""``ychat --json "question"``: nothing while the reply streams, then one JSON object on stdout:
text, finish reason, usage, model version, request id and the saved conversation's id."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from typing import TextIO

from ychat.core import Done
from ychat.render.plain import PlainRenderer


class JsonRenderer(PlainRenderer):
    def __init__(self, out: TextIO, err: TextIO, conversation_id: Callable[[], str | None]) -> None:
        super().__init__(out, err)
        self._conversation_id = conversation_id

    def delta(self, text: str) -> None:
        """The text goes in the object at the end."""

    def replace(self, text: str) -> None:
        """Likewise."""

    def end_reply(self, done: Done) -> None:
        record = {
            "text": done.text,
            "finish_reason": done.finish.value,
            "usage": asdict(done.usage) if done.usage else None,
            "model_version": done.model_version,
            "request_id": done.request_id,
            "conversation_id": self._conversation_id(),
        }
        self._write(json.dumps(record, ensure_ascii=False) + "\n")
