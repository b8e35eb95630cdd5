"""The request checks of the real API that a client can trip over, with its 400 texts.

Requests are parsed like protobuf JSON: camelCase or snake_case names, int64 as a string or
a number (REFERENCE.md §0).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from ychat.api.registry import V1
from ychat.server.engine import BadRequest, ChatMessage

ROLES = frozenset({"system", "user", "assistant"})
MODEL_URI = re.compile(r"[a-z]+://[^/\s]+/[^/\s]+(/[^/\s]+)?")  # gpt://<folder>/<model>[/<version>]


@dataclass(frozen=True)
class CompletionArgs:
    messages: list[ChatMessage]
    temperature: float | None
    max_tokens: int | None
    stream: bool
    tools: tuple[dict[str, Any], ...] = ()  # the functions offered: {name, description, parameters}


def validate_completion(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadRequest(400, "request body must be a JSON object")
    _model_uri(body)
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest(400, "messages must not be empty")
    for message in messages:
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ROLES:
            raise BadRequest(400, f"invalid message role '{role}'")
        if not isinstance(message.get("text"), str) and _tool_text(message) is None:
            raise BadRequest(400, "message text must be a string")
    tools = body.get("tools", [])
    if not isinstance(tools, list) or not all(
        isinstance(t, dict) and isinstance(t.get("function"), dict) for t in tools
    ):
        raise BadRequest(400, "tools must be a list of {function: {name, description, parameters}}")
    completion_args(body)  # option checks
    return body


def _tool_text(message: dict[str, Any]) -> str | None:
    """A tool call or tool results message (TOOLS.md §1.4), as text the engine reads (None: neither)."""
    calls = message.get("toolCallList", message.get("tool_call_list"))
    if isinstance(calls, dict) and isinstance(calls.get("toolCalls", calls.get("tool_calls")), list):
        return json.dumps(calls, ensure_ascii=False)
    results = message.get("toolResultList", message.get("tool_result_list"))
    listed = results.get("toolResults", results.get("tool_results")) if isinstance(results, dict) else None
    if isinstance(listed, list):
        contents = [r.get("functionResult", {}).get("content", "") for r in listed if isinstance(r, dict)]
        return "\n".join(str(c) for c in contents)
    return None


def validate_tokenize(body: Any) -> str:
    """``POST /foundationModels/v1/tokenize``: ``{modelUri, text}`` -> the text."""
    if not isinstance(body, dict):
        raise BadRequest(400, "request body must be a JSON object")
    _model_uri(body)
    text = body.get("text")
    if not isinstance(text, str):
        raise BadRequest(400, "text must be a string")
    return text


def _model_uri(body: dict[str, Any]) -> str:
    uri = body.get("modelUri", body.get("model_uri"))
    if not isinstance(uri, str) or not MODEL_URI.fullmatch(uri):
        raise BadRequest(400, f"invalid model_uri {uri!r}")
    return uri


def _double(value: Any) -> float | None:
    """A protobuf JSON double: a number, or a string holding one (``"0.5"``, as some clients send)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(value)
    number = float(value)
    if isinstance(value, str) and not math.isfinite(number) and value not in ("NaN", "Infinity", "-Infinity"):
        raise ValueError(value)
    return number


def completion_args(body: dict[str, Any]) -> CompletionArgs:
    options = _options(body)
    raw_temperature = options.get("temperature")
    try:
        temperature = _double(raw_temperature)
    except ValueError:
        raise BadRequest(400, f"invalid value for temperature: {raw_temperature!r}") from None
    low, high = V1.temperature
    if temperature is not None and not low <= temperature <= high:
        raise BadRequest(400, f"temperature must be in [{low:g}, {high:g}], got {raw_temperature}")
    stream = options.get("stream")
    if stream is not None and not isinstance(stream, bool):
        raise BadRequest(400, f"invalid value for bool field stream: {stream!r}")
    max_tokens = options.get("maxTokens", options.get("max_tokens"))
    if max_tokens is not None and not (str(max_tokens).isdigit() and int(str(max_tokens)) > 0):
        raise BadRequest(400, f"maxTokens must be a positive integer, got {max_tokens}")
    messages = [
        {"role": str(m["role"]), "text": str(m["text"]) if "text" in m else _tool_text(m) or ""}
        for m in body.get("messages", [])
    ]
    limit = int(str(max_tokens)) if max_tokens is not None else None
    offered = tuple(
        t["function"] for t in body.get("tools", []) if isinstance(t, dict) and isinstance(t.get("function"), dict)
    )
    return CompletionArgs(messages, temperature, limit, stream is True, offered)


def _options(body: dict[str, Any]) -> dict[str, Any]:
    options = body.get("completionOptions", body.get("completion_options")) or {}
    return options if isinstance(options, dict) else {}
