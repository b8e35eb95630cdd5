"""The request checks of the real API that a client can trip over, with its 400 texts.

Requests are parsed like protobuf JSON: camelCase or snake_case names, int64 as a string or
a number (REFERENCE.md §0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ychat.emulator.engine import BadRequest, ChatMessage

ROLES = frozenset({"system", "user", "assistant"})


@dataclass(frozen=True)
class CompletionArgs:
    messages: list[ChatMessage]
    temperature: float | None
    max_tokens: int | None
    stream: bool


def validate_completion(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadRequest(400, "request body must be a JSON object")
    uri = body.get("modelUri", body.get("model_uri"))
    if not isinstance(uri, str) or "://" not in uri:
        raise BadRequest(400, f"invalid model_uri {uri!r}")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest(400, "messages must not be empty")
    for message in messages:
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ROLES:
            raise BadRequest(400, f"invalid message role '{role}'")
        if not isinstance(message.get("text"), str):
            raise BadRequest(400, "message text must be a string")
    completion_args(body)  # option checks
    return body


def completion_args(body: dict[str, Any]) -> CompletionArgs:
    options = _options(body)
    temperature = options.get("temperature")
    if temperature is not None and (
        isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 <= temperature <= 1
    ):
        raise BadRequest(400, f"temperature must be in [0, 1], got {temperature}")
    max_tokens = options.get("maxTokens", options.get("max_tokens"))
    if max_tokens is not None and not (str(max_tokens).isdigit() and int(str(max_tokens)) > 0):
        raise BadRequest(400, f"maxTokens must be a positive integer, got {max_tokens}")
    messages = [{"role": str(m["role"]), "text": str(m["text"])} for m in body.get("messages", [])]
    return CompletionArgs(
        messages,
        float(temperature) if temperature is not None else None,
        int(str(max_tokens)) if max_tokens is not None else None,
        options.get("stream") is True,
    )


def _options(body: dict[str, Any]) -> dict[str, Any]:
    options = body.get("completionOptions", body.get("completion_options")) or {}
    return options if isinstance(options, dict) else {}
