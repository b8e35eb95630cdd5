"""Yandex Vision OCR (TOOLS.md §6): a picture or a one-page PDF in, its text out, as Markdown
(the ``markdown`` recognition model) or, when a reply has none, its plain ``fullText``.

The REST reply's framing is not settled (§6.2): each streamed message may be one line
``{"result": {…}}`` or a bare object, keys camelCase or snake_case. ``text_of`` reads all of
them; a line with ``error`` is a failure.

    >>> Ocr(transport, endpoint="https://ocr.api.cloud.yandex.net", folder_id="b1g").recognize(data, "image/png")
    '# Invoice\\n\\n…'
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ychat.api.dialects.yandex import YandexWire, error_from_body
from ychat.api.request import HttpRequest
from ychat.errors import ProtocolError
from ychat.i18n import _

if TYPE_CHECKING:
    from ychat.api.http.transport import Transport

DEFAULT_OCR_ENDPOINT = "https://ocr.api.cloud.yandex.net"
PATH = "/ocr/v1/recognizeText"
MODEL = "markdown"  # fills textAnnotation.markdown (TOOLS.md §6.1)
MIME_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "application/pdf": "application/pdf"}  # as the docs send them


def request_body(data: bytes, mime: str) -> dict[str, Any]:
    return {
        "mimeType": MIME_TYPES.get(mime, mime),
        "languageCodes": ["*"],
        "model": MODEL,
        "content": base64.b64encode(data).decode("ascii"),
    }


def text_of(body: str) -> str:
    """The text of every page in a reply body (pages apart by a blank line)."""
    pages: list[str] = []
    for line in body.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise ProtocolError(_("malformed OCR reply line: {line}").format(line=line[:120])) from None
        pages.append(_page(record, line))
    return "\n\n".join(page for page in pages if page)


def _page(record: Any, line: str) -> str:
    if not isinstance(record, dict):
        raise ProtocolError(_("malformed OCR reply line: {line}").format(line=line[:120]))
    if isinstance(record.get("error"), dict):
        raise error_from_body(line.encode(), http_status=200, request_id=None, retry_after=None)
    result = record.get("result", record)
    annotation = _key(result, "textAnnotation", "text_annotation") if isinstance(result, dict) else None
    if not isinstance(annotation, dict):
        raise ProtocolError(_("the OCR reply has no text annotation: {line}").format(line=line[:120]))
    for found in (annotation.get("markdown"), _key(annotation, "fullText", "full_text")):
        if isinstance(found, str) and found.strip():
            return found.strip()
    return ""


def _key(record: dict[str, Any], camel: str, snake: str) -> Any:
    return record.get(camel, record.get(snake))


def _body(chunks: Iterator[bytes], stream: bool) -> Iterator[str]:
    yield b"".join(chunks).decode("utf-8", errors="replace")


class Ocr:
    """``recognizeText`` through the transport (its credentials, retries and error translation)."""

    def __init__(
        self, transport: Transport, *, endpoint: str, folder_id: str | None, data_logging: bool = False
    ) -> None:
        self.transport, self.url = transport, endpoint.rstrip("/") + PATH
        self.headers = {"x-folder-id": folder_id} if folder_id else {}
        if data_logging:
            self.headers["x-data-logging-enabled"] = "true"

    def recognize(self, data: bytes, mime: str) -> str:
        """The text on the picture or page; "" when it holds none."""
        request = HttpRequest("POST", self.url, request_body(data, mime), dict(self.headers))
        return text_of(self.transport.fetch(request, YandexWire(), _body, ""))
