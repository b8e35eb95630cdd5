"""Yandex Vision OCR's ``recognizeText`` for the test double (TOOLS.md §6): checks a request as
the docs write it and answers with a queued reply, framed as the REST gateway writes a streamed
message (one line ``{"result": {…}}``), or bare, or in snake_case (§6.2 lists all three).

    >>> ocr = OcrDouble(); ocr.enqueue(OcrReply(markdown="# Invoice"))
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ychat.server.engine import BadRequest
from ychat.server.request import Request
from ychat.server.wire import StartResponse, start_stream

PATH = "/ocr/v1/recognizeText"
MIME_TYPES = frozenset({"JPEG", "PNG", "PDF", "image/jpeg", "image/png", "application/pdf"})


@dataclass(frozen=True)
class OcrReply:
    """``markdown`` (filled by the markdown models), ``full_text``, how it is framed, and the
    number of pages (lines) it spans; ``error``: a failure line instead."""

    markdown: str = ""
    full_text: str = ""
    framing: str = "result"  # result | bare | snake
    pages: int = 1
    error: str = ""


class OcrDouble:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self._queue: deque[OcrReply] = deque()
        self._lock = threading.Lock()

    def enqueue(self, *replies: OcrReply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def answer(self, request: Request, respond: StartResponse) -> Iterable[bytes]:
        body = _checked(request)
        with self._lock:
            self.requests.append(body)
            reply = self._queue.popleft() if self._queue else OcrReply(markdown="recognised text")
        start_stream(respond, "application/json")
        if reply.error:
            return [json.dumps({"error": {"grpcCode": 3, "httpCode": 400, "message": reply.error}}).encode() + b"\n"]
        return [json.dumps(_page(reply, page), ensure_ascii=False).encode() + b"\n" for page in range(reply.pages)]


def _checked(request: Request) -> dict[str, Any]:
    body = request.body
    if request.method != "POST" or request.path != PATH:
        raise BadRequest(404, f"no such method: {request.method} {request.path}")
    if not isinstance(body, dict) or body.get("mimeType") not in MIME_TYPES:
        raise BadRequest(400, "mimeType must be JPEG, PNG or application/pdf")
    if not isinstance(body.get("languageCodes"), list) or not isinstance(body.get("model"), str):
        raise BadRequest(400, "languageCodes (a list) and model (a string) are required")
    try:
        base64.b64decode(str(body.get("content")), validate=True)
    except binascii.Error:
        raise BadRequest(400, "content must be Base64") from None
    return body


def _page(reply: OcrReply, page: int) -> dict[str, Any]:
    if reply.framing == "snake":
        annotation: dict[str, Any] = {"full_text": reply.full_text, "markdown": reply.markdown, "width": "896"}
        return {"result": {"text_annotation": annotation, "page": str(page)}}
    annotation = {"fullText": reply.full_text, "markdown": reply.markdown, "width": "896", "blocks": []}
    record = {"textAnnotation": annotation, "page": str(page)}
    return record if reply.framing == "bare" else {"result": record}
