"""``POST /v1/responses``: the Responses wire (RESPONSES.md), as Yandex's host frames it.

A stream is SSE with ``data:`` first and ``event:`` after it, no space after either colon, and
no ``[DONE]`` (§4.1): ``response.created``, ``.in_progress``, the message item and its part,
incremental ``response.output_text.delta``s, then the ``.done`` events, any ``function_call``
items, and ``response.completed`` with the usage. Ids are bare UUIDs (§3.1).

``previous_response_id`` works within a bounded in-memory table of this process's stored
responses (``store`` is true unless the request says false): an unknown id is a 400 naming it.
"""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from collections import OrderedDict
from typing import Any

from ychat.core import FinishReason
from ychat.server.engine import BadRequest, ChatMessage, Generation
from ychat.server.routes.base import Frames
from ychat.server.routes.openai import refusal, streamed
from ychat.server.routes.v1 import CompletionArgs

KEPT = 1_000  # stored responses remembered (the oldest forgotten first)
_stored: OrderedDict[str, list[ChatMessage]] = OrderedDict()
_lock = threading.Lock()
ROLES = {"user": "user", "assistant": "assistant", "system": "system", "developer": "system"}


def remember(response_id: str, history: list[ChatMessage]) -> None:
    with _lock:
        _stored[response_id] = history
        while len(_stored) > KEPT:
            _stored.popitem(last=False)


def recall(response_id: str) -> list[ChatMessage]:
    with _lock:
        found = _stored.get(response_id)
    if found is None:
        raise BadRequest(400, f"Previous response with id '{response_id}' not found.")
    return list(found)


def _text(content: Any, blind: str | None = None) -> str:
    """A string, or parts of ``input_text`` / ``output_text`` / ``text`` and ``input_image`` (as
    ``[image]``); ``blind``: a model that reads text only, which refuses a picture."""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(isinstance(p, dict) for p in content):
        if blind is not None and any(p.get("type") == "input_image" for p in content):
            raise BadRequest(400, f"the model {blind!r} does not accept images (input_image parts): it reads text only")
        return "".join(
            str(p.get("text", "")) if p.get("type") in ("input_text", "output_text", "text") else "[image]"
            for p in content
            if p.get("type") in ("input_text", "output_text", "text", "input_image")
        )
    raise BadRequest(400, "content must be a string or a list of text parts")


def _item(item: Any, blind: str | None) -> ChatMessage:
    if not isinstance(item, dict):
        raise BadRequest(400, "input items must be objects")
    kind = item.get("type", "message")
    if kind == "function_call":  # the engine reads earlier calls and results as words
        call = {"name": item.get("name"), "arguments": item.get("arguments")}
        return {"role": "assistant", "text": json.dumps(call, ensure_ascii=False)}
    if kind == "function_call_output":
        return {"role": "user", "text": _text(item.get("output", ""))}
    role = ROLES.get(str(item.get("role")))
    if kind != "message" or role is None:
        raise BadRequest(400, f"unsupported input item {kind!r} with role {item.get('role')!r}")
    return {"role": role, "text": _text(item.get("content"), blind)}


def _input(raw: Any, blind: str | None) -> list[ChatMessage]:
    if isinstance(raw, str):
        return [{"role": "user", "text": raw}]
    if not isinstance(raw, list) or not raw:
        raise BadRequest(400, "input must be a string or a non-empty list of items")
    return [_item(item, blind) for item in raw]


def _number(body: dict[str, Any], key: str, low: float, high: float) -> float | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BadRequest(400, f"{key} must be a number, got {value!r}")
    if not low <= value <= high:
        raise BadRequest(400, f"{key} must be between {low:g} and {high:g}, got {value}")
    return float(value)


class ResponsesFrames:
    def __init__(self, wire: ResponsesWire) -> None:
        self.wire, self.sent, self.number = wire, "", 0

    def event(self, kind: str, **fields: Any) -> bytes:
        self.number += 1
        data = json.dumps({"sequence_number": self.number, **fields, "type": kind}, ensure_ascii=False)
        return f"data:{data}\nevent:{kind}\n\n".encode()

    def _opening(self) -> bytes:
        head = self.wire.response("queued", "", None)
        at = {"item_id": self.wire.item_id, "output_index": 0, "content_index": 0}
        item = {"id": self.wire.item_id, "content": [], "role": "assistant", "status": "in_progress", "type": "message"}
        return b"".join(
            [
                self.event("response.created", response=head),
                self.event("response.in_progress", response=head | {"status": "in_progress"}),
                self.event("response.output_item.added", output_index=0, item=item),
                self.event(
                    "response.content_part.added", **at, part={"annotations": [], "text": "", "type": "output_text"}
                ),
            ]
        )

    def chunk(self, generation: Generation) -> bytes:
        opening = self._opening() if self.number == 0 else b""
        text = generation.text
        delta = text[len(self.sent) :] if text.startswith(self.sent) else text
        self.sent = text
        at = {"item_id": self.wire.item_id, "output_index": 0, "content_index": 0}
        return opening + (self.event("response.output_text.delta", **at, delta=delta) if delta else b"")

    def error(self, status: int, message: str) -> bytes:
        return self.event(
            "error", code="server_error" if status >= 500 else "invalid_request", message=message, param=None
        )

    def end(self, last: Generation) -> bytes:
        at = {"item_id": self.wire.item_id, "output_index": 0, "content_index": 0}
        whole = self.wire.whole(last, "")
        message, calls = whole["output"][0], whole["output"][1:]
        events = [
            self.event("response.output_text.done", **at, text=last.text),
            self.event("response.content_part.done", **at, part=message["content"][0]),
            self.event("response.output_item.done", output_index=0, item=message),
        ]
        for index, call in enumerate(calls, 1):
            events.append(
                self.event("response.output_item.added", output_index=index, item=call | {"status": "in_progress"})
            )
            events.append(
                self.event(
                    "response.function_call_arguments.done",
                    item_id=call["id"],
                    output_index=index,
                    arguments=call["arguments"],
                    name=call["name"],
                )
            )
            events.append(self.event("response.output_item.done", output_index=index, item=call))
        events.append(self.event("response.completed", response=whole))
        return b"".join(events)


class ResponsesWire:
    content_type = "text/event-stream"
    counts_prompt = False

    def __init__(self, body: Any = None) -> None:
        body = body if isinstance(body, dict) else {}
        self.model = str(body.get("model") or "")
        self.id, self.item_id = str(uuid.uuid4()), str(uuid.uuid4())
        self.store = body.get("store") is not False
        self.instructions = body.get("instructions") if isinstance(body.get("instructions"), str) else None
        self.previous = body.get("previous_response_id")
        self.history: list[ChatMessage] = []
        self.sees = False  # the engines read text only; the test double lets a model that sees take pictures

    def parse(self, body: Any) -> CompletionArgs:
        stream = streamed(body)
        limit = body.get("max_output_tokens")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0):
            raise BadRequest(400, f"max_output_tokens must be a positive integer, got {limit!r}")
        earlier = recall(str(self.previous)) if self.previous else []
        self.history = earlier + _input(body.get("input"), None if self.sees else self.model)
        system = [{"role": "system", "text": self.instructions}] if self.instructions else []
        offered = tuple(
            {k: t.get(k) for k in ("name", "description", "parameters")}
            for t in body.get("tools") or []
            if isinstance(t, dict) and t.get("type") == "function"
        )
        return CompletionArgs(system + self.history, _number(body, "temperature", 0, 1), limit, stream, offered)

    def response(self, status: str, text: str, last: Generation | None) -> dict[str, Any]:
        usage = None
        if last is not None:
            used = {"input_tokens": last.input_tokens, "output_tokens": last.completion_tokens}
            usage = used | {
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": last.input_tokens + last.completion_tokens,
            }
        return {
            "id": self.id,
            "object": "response",
            "created_at": float(int(time.time())),
            "status": status,
            "model": self.model,
            "output": [],
            "instructions": self.instructions,
            "error": None,
            "incomplete_details": None,
            "previous_response_id": self.previous,
            "usage": usage,
        }

    def whole(self, last: Generation, model_version: str) -> dict[str, Any]:
        part = {"annotations": [], "text": last.text, "type": "output_text"}
        message = {"id": self.item_id, "content": [part], "role": "assistant", "status": "completed", "type": "message"}
        calls = [
            {
                "arguments": json.dumps(arguments, ensure_ascii=False),
                "call_id": name,
                "name": name,
                "type": "function_call",
                "id": str(uuid.uuid4()),
                "status": "completed",
            }
            for name, arguments in last.tool_calls
        ]
        incomplete = last.finish in (FinishReason.LENGTH, FinishReason.CONTENT_FILTER)
        found = self.response("incomplete" if incomplete else "completed", last.text, last)
        if incomplete:
            reason = "max_output_tokens" if last.finish is FinishReason.LENGTH else "content_filter"
            found["incomplete_details"] = {"reason": reason}
        if self.store:
            said = [{"role": "assistant", "text": last.text}] if last.text or not calls else []
            remember(self.id, self.history + said + [_item(call, None) for call in calls])
        return found | {"output": [message, *calls]}

    def frames(self, args: CompletionArgs, model_version: str) -> Frames:
        return ResponsesFrames(self)

    def refusal(self, status: int, message: str) -> dict[str, Any]:
        return refusal(status, message)
