"""Byte-level framing of the local server's answers: JSON bodies, NDJSON lines, both error shapes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from ychat.api.dialects.v1 import STATUS_OF_FINISH, STATUS_PARTIAL
from ychat.api.dialects.yandex import GRPC_OF_HTTP, reason_phrase
from ychat.server.engine import Generation

StartResponse = Callable[..., Any]


def line(record: dict[str, Any]) -> bytes:
    """One NDJSON record: compact JSON, raw UTF-8, ``\\n``."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def result(generation: Generation, model_version: str) -> dict[str, Any]:
    """A ``CompletionResponse`` (not yet wrapped in ``result``)."""
    message: dict[str, Any] = {"role": "assistant", "text": generation.text}
    if generation.tool_calls and generation.finish is not None:  # the whole list in the final line
        calls = [{"functionCall": {"name": name, "arguments": arguments}} for name, arguments in generation.tool_calls]
        message = {"role": "assistant", "toolCallList": {"toolCalls": calls}}
    return {
        "alternatives": [{"message": message, "status": v1_status(generation)}],
        "usage": generation.usage(),
        "modelVersion": model_version,
    }


def v1_status(generation: Generation) -> str:
    return STATUS_PARTIAL if generation.finish is None else STATUS_OF_FINISH[generation.finish]


def status_line(status: int) -> str:
    return f"{status} {reason_phrase(status, 'Unknown')}"


def unary_error(status: int, message: str) -> dict[str, Any]:
    """The Status shape of unary endpoints (tokenize, operations): ``{code, message, details}``."""
    request_info = {"@type": "type.googleapis.com/google.rpc.RequestInfo", "requestId": str(uuid.uuid4())}
    return {"code": GRPC_OF_HTTP.get(status, 2), "message": message, "details": [request_info]}


def json_response(
    start_response: StartResponse, status: int, record: dict[str, Any], headers: Iterable[tuple[str, str]] = ()
) -> list[bytes]:
    data = line(record)
    base = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    start_response(status_line(status), [*base, ("x-request-id", str(uuid.uuid4())), *headers])
    return [data]


def start_stream(start_response: StartResponse, content_type: str = "application/json") -> None:
    start_response("200 OK", [("Content-Type", content_type), ("x-request-id", str(uuid.uuid4()))])


# Default messages of the documented error bodies (REFERENCE.md §6, vectors/v6-errors.json).
_MESSAGES = {
    400: "invalid model_uri",
    401: "Unknown api key",
    403: "Permission denied",
    429: "ai.textGenerationCompletionSessionsCount.count gauge quota limit exceed",
    500: "Fatal internal error in TextGenerationService.Completion",
    503: "Service is unavailable",
    504: "Deadline exceeded",
}


def error_body(http_status: int, message: str | None = None) -> dict[str, Any]:
    """``{"error": {grpcCode, httpCode, message, httpStatus, details}}`` for an HTTP status."""
    return {
        "error": {
            "grpcCode": GRPC_OF_HTTP.get(http_status, 2),
            "httpCode": http_status,
            "message": message or _MESSAGES.get(http_status, "unknown error"),
            "httpStatus": reason_phrase(http_status, "Unknown"),
            "details": [],
        }
    }
