"""``POST /llm/v1alpha/chat``, the legacy chat method of the seed document (REFERENCE.md §4).

Answers as the wire showed it (wrapped in ``result``, snake_case ``num_tokens``); with
``partialResults`` one such line per step, cumulative like v1. ``maxTokens`` counts prompt and
reply together and is at most 7 400.
"""

from __future__ import annotations

import math
from typing import Any

from ychat.api.registry import V1ALPHA
from ychat.server.engine import BadRequest, Generation
from ychat.server.routes.base import Frames
from ychat.server.routes.v1 import CompletionArgs
from ychat.server.wire import error_body, line

MAX_TOKENS = 7400
ROLES = {"user": "user", "assistant": "assistant", "пользователь": "user", "ассистент": "assistant"}


def parse_chat(body: Any) -> CompletionArgs:
    if not isinstance(body, dict):
        raise BadRequest(400, "request body must be a JSON object")
    if not isinstance(body.get("model"), str) or not body["model"].strip():
        raise BadRequest(400, "model must be a non-empty string")
    options = body.get("generationOptions", body.get("generation_options")) or {}
    if not isinstance(options, dict):
        raise BadRequest(400, "generationOptions must be an object")
    messages = _messages(body)
    return CompletionArgs(messages, _temperature(options.get("temperature")), _max_tokens(options), _stream(options))


def _messages(body: dict[str, Any]) -> list[dict[str, str]]:
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        raise BadRequest(400, "messages must not be empty")
    messages = []
    instruction = body.get("instructionText", body.get("instruction_text"))
    if isinstance(instruction, str) and instruction:
        messages.append({"role": "system", "text": instruction})
    for message in raw:
        role = ROLES.get(str(message.get("role", "")).lower()) if isinstance(message, dict) else None
        if role is None or not isinstance(message.get("text"), str):
            raise BadRequest(400, f"invalid message: {message!r}"[:200])
        messages.append({"role": role, "text": message["text"]})
    return messages


def _temperature(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise BadRequest(400, f"invalid value for temperature: {value!r}")
    try:
        number = float(value)
    except ValueError:
        raise BadRequest(400, f"invalid value for temperature: {value!r}") from None
    low, high = V1ALPHA.temperature
    if not (math.isfinite(number) and low <= number <= high):
        raise BadRequest(400, f"temperature must be in [{low:g}, {high:g}], got {value}")
    return number


def _max_tokens(options: dict[str, Any]) -> int | None:
    value = options.get("maxTokens", options.get("max_tokens"))
    if value is None:
        return None
    if isinstance(value, bool) or not str(value).isdigit() or int(str(value)) <= 0:
        raise BadRequest(400, f"maxTokens must be a positive integer, got {value}")
    if int(str(value)) > MAX_TOKENS:
        raise BadRequest(400, f"maxTokens must be no more than {MAX_TOKENS}, got {value}")
    return int(str(value))


def _stream(options: dict[str, Any]) -> bool:
    value = options.get("partialResults", options.get("partial_results", False))
    if not isinstance(value, bool):
        raise BadRequest(400, f"invalid value for bool field partialResults: {value!r}")
    return value


def reply(generation: Generation) -> dict[str, Any]:
    message = {"role": "assistant", "text": generation.text}
    return {"result": {"message": message, "num_tokens": str(generation.input_tokens + generation.completion_tokens)}}


class V1AlphaFrames:
    def chunk(self, generation: Generation) -> bytes:
        return line(reply(generation))

    def error(self, status: int, message: str) -> bytes:
        return line(error_body(status, message))

    def end(self, last: Generation) -> bytes:
        return b""


class V1AlphaWire:
    content_type = "application/json"
    counts_prompt = True

    def parse(self, body: Any) -> CompletionArgs:
        return parse_chat(body)

    def whole(self, last: Generation, model_version: str) -> dict[str, Any]:
        return reply(last)

    def frames(self, args: CompletionArgs, model_version: str) -> Frames:
        return V1AlphaFrames()

    def refusal(self, status: int, message: str) -> dict[str, Any]:
        return error_body(status, message)
