"""What every Yandex Cloud dialect shares: the endpoint, model URIs and both error body shapes.

Pure functions over JSON-shaped data (see ../shared/api/REFERENCE.md §6); no I/O.

    >>> expand_model_uri("yandexgpt-lite", folder_id="b1g")
    'gpt://b1g/yandexgpt-lite/latest'
"""

from __future__ import annotations

import http
import json
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from ychat.core import Event
from ychat.errors import (
    APIError,
    AuthError,
    ConfigError,
    ContextTooLong,
    ProtocolError,
    QuotaExceeded,
    ServiceUnavailable,
)
from ychat.i18n import _

YANDEX_HOSTS = ".api.cloud.yandex.net"  # llm., ai., operation., iam.
CONTEXT_OVERFLOW = "number of input tokens must be no more than"  # the API's 400 text (REFERENCE.md §6)

# The documented code table (REFERENCE.md §6): HTTP status -> gRPC code, and back.
GRPC_OF_HTTP = {400: 3, 401: 16, 403: 7, 404: 5, 429: 8, 500: 13, 501: 12, 503: 14, 504: 4}
_HTTP_OF_GRPC = {grpc: status for status, grpc in GRPC_OF_HTTP.items()}


def is_yandex(base_url: str) -> bool:
    """Whether a base URL is Yandex Cloud's (then model names expand and a folder is needed)."""
    from urllib.parse import urlsplit

    return (urlsplit(base_url).hostname or "").endswith(YANDEX_HOSTS)


def expand_model_uri(name: str, *, folder_id: str | None) -> str:
    """A short model name becomes ``gpt://<folder>/<name>/latest``; a URI is kept as is."""
    name = name.strip()
    if not name or any(ch.isspace() for ch in name):
        raise ConfigError(_("invalid model name {name!r}").format(name=name))
    if "://" in name:
        return name
    if not folder_id:
        raise ConfigError(
            _("model {name!r} needs a folder id to build its URI").format(name=name),
            hint=_("Set YC_FOLDER_ID or pass --folder-id, or give a full gpt://<folder>/<model> URI."),
        )
    version = "" if "/" in name else "/latest"
    return f"gpt://{folder_id}/{name}{version}"


def error_from_body(
    body: bytes, *, http_status: int, request_id: str | None = None, retry_after: float | None = None
) -> APIError:
    """Map an HTTP error reply (either documented body shape, or anything else) to an APIError."""
    try:
        record = load_object(body.decode("utf-8", errors="replace"))
    except ProtocolError:
        text = body.decode("utf-8", errors="replace").strip()
        record = {"error": {"message": clip(text) or reason_phrase(http_status)}}
    return error_from_record(record, http_status=http_status, request_id=request_id, retry_after=retry_after)


def error_from_record(
    record: Mapping[str, Any],
    *,
    http_status: int,
    request_id: str | None = None,
    retry_after: float | None = None,
) -> APIError:
    """Both shapes: ``{"error": {grpcCode, httpCode, message, …}}`` and ``{code, message, details}``."""
    inner = record.get("error")
    fields: Mapping[str, Any] = inner if isinstance(inner, dict) else record
    grpc = fields.get("grpcCode", fields.get("code"))
    grpc_code = grpc if isinstance(grpc, int) and not isinstance(grpc, bool) else None
    status = _status_of(fields, http_status, grpc_code)
    message = fields.get("message")
    if not isinstance(message, str) or not message:
        message = inner if isinstance(inner, str) and inner else reason_phrase(status)
    request_id = request_id or _detail_request_id(fields.get("details"))
    cls = ContextTooLong if status == 400 and CONTEXT_OVERFLOW in message else _error_class(status)
    return cls(message, http_status=status, grpc_code=grpc_code, request_id=request_id, retry_after=retry_after)


def _status_of(fields: Mapping[str, Any], http_status: int, grpc_code: int | None) -> int:
    """The HTTP status an error stands for; inside a 200 stream it comes from the error line."""
    if http_status != 200:
        return http_status
    code = fields.get("httpCode")
    if isinstance(code, int) and not isinstance(code, bool) and code >= 400:
        return code
    return _HTTP_OF_GRPC.get(grpc_code or 0, 500)


def _error_class(http_status: int) -> type[APIError]:
    if http_status in (401, 403):
        return AuthError
    if http_status == 429:
        return QuotaExceeded
    if http_status == 503:
        return ServiceUnavailable
    return APIError


def _detail_request_id(details: object) -> str | None:
    if isinstance(details, list):
        for item in details:
            if isinstance(item, dict) and isinstance(item.get("requestId"), str):
                return str(item["requestId"])
    return None


def int64(value: object) -> int:
    """A token count: int64 travels as a JSON string, older replies send a number."""
    if isinstance(value, bool):
        raise ProtocolError(_("bad token count {value!r}").format(value=value))
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise ProtocolError(_("bad token count {value!r}").format(value=value))


def load_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        raise ProtocolError(_("malformed JSON from the server: {text}").format(text=clip(text))) from None
    if not isinstance(value, dict):
        raise ProtocolError(_("expected a JSON object from the server, got: {text}").format(text=clip(text)))
    return value


def reason_phrase(status: int, default: str = "error") -> str:
    """``Too Many Requests`` for 429, from the standard library's table."""
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return default


def clip(text: str, limit: int = 120) -> str:
    text = text.strip().replace("\n", "\\n")
    return text if len(text) <= limit else text[:limit] + "…"


def yandex_headers(folder_id: str | None, *, data_logging: bool) -> dict[str, str]:
    headers = {
        "x-client-request-id": str(uuid.uuid4()),
        "x-data-logging-enabled": "true" if data_logging else "false",
    }
    if folder_id:
        headers["x-folder-id"] = folder_id
    return headers


class YandexWire:
    """What every reply of Yandex's APIs shares: both error body shapes (REFERENCE.md §6). A
    dialect's wire adds how its replies read; a unary call hands ``Transport.fetch`` its own."""

    def decode(self, chunks: Iterator[bytes], *, stream: bool) -> Iterator[Event]:
        raise NotImplementedError  # a unary exchange reads its reply with its own decode

    def error(self, body: bytes, *, http_status: int, request_id: str | None, retry_after: float | None) -> APIError:
        return error_from_body(body, http_status=http_status, request_id=request_id, retry_after=retry_after)


def count_listed(chunks: Iterator[bytes], stream: bool) -> Iterator[int]:
    """How many tokens (``tokenizeCompletion``) or models (``GET /models``) a JSON body lists."""
    body = json.loads(b"".join(chunks) or b"{}")
    listed = body.get("tokens", body.get("data", [])) if isinstance(body, dict) else []
    yield len(listed) if isinstance(listed, list) else 0


class ModelNames:
    """Short model names on Yandex's host become ``gpt://<folder>/<name>/latest``; elsewhere
    (llama.cpp, ``ychat serve``) a name goes as given (the OpenAI and Responses dialects)."""

    yandex: bool
    folder_id: str | None

    def model_name(self, model: str) -> str:
        return expand_model_uri(model, folder_id=self.folder_id) if self.yandex else model

    def check_model(self, model: str) -> None:
        self.model_name(model)
