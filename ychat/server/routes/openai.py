"""``POST /v1/chat/completions`` and ``GET /v1/models``: the OpenAI-compatible wire (REFERENCE.md §5).

Streams are SSE, ``data: {chunk}`` with **delta** text, then ``data: [DONE]``. Shaped as
Yandex's own endpoint sends them: ``finish_reason`` appears only in the last chunk (the
official SDK's stream parser fails on ``"finish_reason": null``), and a usage chunk
(``"choices": []``) only when the client asks with ``stream_options.include_usage``.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from typing import Any

from ychat.api.registry import OPENAI
from ychat.core import FinishReason
from ychat.server.engine import BadRequest, Generation
from ychat.server.routes.base import Frames
from ychat.server.routes.v1 import CompletionArgs

ROLES = frozenset({"system", "user", "assistant", "developer"})
PARTS = frozenset({"text", "image_url"})
FINISH = {
    FinishReason.STOP: "stop",
    FinishReason.LENGTH: "length",
    FinishReason.CONTENT_FILTER: "content_filter",
    FinishReason.TOOL_CALLS: "tool_calls",
}
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    429: "rate_limit_error",
}


def streamed(body: Any) -> bool:
    """A JSON object with a model; whether it asks for a stream (the OpenAI and Responses routes)."""
    if not isinstance(body, dict):
        raise BadRequest(400, "request body must be a JSON object")
    if not isinstance(body.get("model"), str) or not body["model"].strip():
        raise BadRequest(400, "model must be a non-empty string")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise BadRequest(400, f"stream must be a boolean, got {stream!r}")
    return stream


def parse_chat(body: Any, *, sees: bool = False) -> CompletionArgs:
    """``sees``: the model takes pictures (``image_url`` parts); a text-only one answers 400."""
    stream = streamed(body)
    limit = body.get("max_completion_tokens", body.get("max_tokens"))
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0):
        raise BadRequest(400, f"max_tokens must be a positive integer, got {limit!r}")
    offered = tuple(
        t["function"] for t in body.get("tools") or [] if isinstance(t, dict) and isinstance(t.get("function"), dict)
    )
    messages = _messages(body.get("messages"), body["model"] if not sees else None)
    return CompletionArgs(messages, _temperature(body.get("temperature")), limit, stream, offered)


def include_usage(body: Any) -> bool:
    options = body.get("stream_options") if isinstance(body, dict) else None
    return isinstance(options, dict) and options.get("include_usage") is True


def _messages(raw: Any, blind: str | None) -> list[dict[str, str]]:
    """``blind``: the name of a model that reads text only (its messages may carry no picture)."""
    if not isinstance(raw, list) or not raw:
        raise BadRequest(400, "messages must be a non-empty array")
    messages = []
    for message in raw:
        role = message.get("role") if isinstance(message, dict) else None
        if role == "tool":  # a tool's result (TOOLS.md §2.5): the engine reads it as the user's words
            messages.append({"role": "user", "text": _content(message.get("content"), blind)})
            continue
        if role not in ROLES:
            raise BadRequest(400, f"invalid message role {role!r}")
        calls = message.get("tool_calls")
        if role == "assistant" and isinstance(calls, list) and calls:
            messages.append({"role": "assistant", "text": json.dumps(calls, ensure_ascii=False)})
            continue
        text = _content(message.get("content"), blind)
        messages.append({"role": "system" if role == "developer" else role, "text": text})
    return messages


def _content(content: Any, blind: str | None) -> str:
    """A string, or a list of ``{"type": "text", "text": …}`` and ``image_url`` parts (TOOLS.md
    §5); a picture reaches the engine as ``[image]``, and a model that reads text only refuses it."""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(isinstance(p, dict) and p.get("type") in PARTS for p in content):
        pictures = [_picture(p) for p in content if p.get("type") == "image_url"]
        if pictures and blind is not None:
            raise BadRequest(400, f"the model {blind!r} does not accept images (image_url parts): it reads text only")
        return "".join(str(p.get("text", "")) if p["type"] == "text" else "[image]" for p in content)
    raise BadRequest(400, "message content must be a string or a list of text and image_url parts")


def _picture(part: dict[str, Any]) -> str:
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, dict) else None
    if not isinstance(url, str) or not url.startswith(("data:image/", "https://", "http://")):
        raise BadRequest(400, "image_url.url must be a data:image/… URL or an http(s) URL")
    return url


def _temperature(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BadRequest(400, f"temperature must be a number, got {value!r}")
    low, high = OPENAI.temperature
    if not low <= value <= high:
        raise BadRequest(400, f"temperature must be between {low:g} and {high:g}, got {value}")
    return min(float(value), 1.0)  # the engines take 0..1, as YandexGPT does


def usage(generation: Generation) -> dict[str, int]:
    prompt, completion = generation.input_tokens, generation.completion_tokens
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def refusal(status: int, message: str) -> dict[str, Any]:
    kind = ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


def models(ids: list[str]) -> dict[str, Any]:
    data = [{"id": model, "object": "model", "created": 0, "owned_by": "ychat"} for model in ids]
    return {"object": "list", "data": data}


def sse(record: dict[str, Any] | str) -> bytes:
    data = record if isinstance(record, str) else json.dumps(record, ensure_ascii=False, separators=(",", ":"))
    return f"data: {data}\n\n".encode()


def tool_calls(generation: Generation) -> list[dict[str, Any]]:
    """The engine's calls, each whole with an id of its own (as OpenAI sends them)."""
    return [
        {
            "index": i,
            "id": f"call_{uuid.uuid4().hex[:24]}",
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)},
        }
        for i, (name, arguments) in enumerate(generation.tool_calls)
    ]


class OpenAIFrames:
    def __init__(self, model: str, *, with_usage: bool) -> None:
        self.id, self.created, self.model = f"chatcmpl-{uuid.uuid4().hex}", int(time.time()), model
        self.with_usage = with_usage
        self.sent = ""

    def _chunk(self, choices: list[dict[str, Any]], **extra: Any) -> bytes:
        head = {"id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model}
        return sse({**head, "choices": choices, **extra})

    def chunk(self, generation: Generation) -> bytes:
        text = generation.text
        delta: dict[str, Any] = {"content": text[len(self.sent) :] if text.startswith(self.sent) else text}
        if not self.sent:
            delta = {"role": "assistant", **delta}
        self.sent = text
        if generation.tool_calls and generation.finish is not None:
            delta["tool_calls"] = tool_calls(generation)
        choice: dict[str, Any] = {"index": 0, "delta": delta}
        if generation.finish is not None:
            choice["finish_reason"] = FINISH.get(generation.finish, "stop")
        return self._chunk([choice])

    def error(self, status: int, message: str) -> bytes:
        return sse(refusal(status, message))

    def end(self, last: Generation) -> bytes:
        tail = self._chunk([], usage=usage(last)) if self.with_usage else b""
        return tail + sse("[DONE]")


class OpenAIWire:
    content_type = "text/event-stream"
    counts_prompt = False

    def __init__(self, body: Any = None) -> None:
        self.with_usage = include_usage(body)
        self.model = str(body.get("model")) if isinstance(body, dict) else ""
        self.sees = False  # the engines read text only; the test double lets a model that sees take pictures

    def parse(self, body: Any) -> CompletionArgs:
        return parse_chat(body, sees=self.sees)

    def whole(self, last: Generation, model_version: str) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": last.text}
        if last.tool_calls:
            message["tool_calls"] = tool_calls(last)
        choice = {"index": 0, "message": message, "finish_reason": FINISH.get(last.finish or FinishReason.STOP)}
        head = {"id": f"chatcmpl-{uuid.uuid4().hex}", "object": "chat.completion", "created": int(time.time())}
        return {**head, "model": self.model or model_version, "choices": [choice], "usage": usage(last)}

    def frames(self, args: CompletionArgs, model_version: str) -> Frames:
        return OpenAIFrames(self.model or model_version, with_usage=self.with_usage)

    def refusal(self, status: int, message: str) -> dict[str, Any]:
        return refusal(status, message)
