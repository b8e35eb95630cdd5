"""One cheap authenticated request for ``ychat auth status``: ``tokenizeCompletion`` of a
one-word message (free; REFERENCE.md §3), or ``GET /models`` on an OpenAI-compatible server."""

from __future__ import annotations

import json
from collections.abc import Iterator

from ychat.api.dialects.v1 import YandexWire, completion_body, yandex_headers
from ychat.api.dialects.yandex import expand_model_uri
from ychat.api.http.transport import Transport
from ychat.api.registry import record
from ychat.api.request import HttpRequest
from ychat.core import Message, Options, Retrying


def _count(chunks: Iterator[bytes], stream: bool) -> Iterator[int]:
    body = json.loads(b"".join(chunks) or b"{}")
    listed = body.get("tokens", body.get("data", [])) if isinstance(body, dict) else []
    yield len(listed) if isinstance(listed, list) else 0


def check(transport: Transport, *, api: str, endpoint: str, folder_id: str | None, model: str) -> int:
    """Raises the usual YChatError when the credentials do not work; else tokens (or models) seen."""
    if record(api).probe == "models":
        request = HttpRequest("GET", endpoint.rstrip("/") + "/models", headers={"OpenAI-Project": folder_id or ""})
    else:
        body = completion_body(expand_model_uri(model, folder_id=folder_id), [Message("user", "ping")], Options())
        url = endpoint.rstrip("/") + "/foundationModels/v1/tokenizeCompletion"
        request = HttpRequest("POST", url, body, yandex_headers(folder_id, data_logging=False))
    return count(transport, request)


def count(transport: Transport, request: HttpRequest) -> int:
    """How many tokens (or models) the answer to ``request`` lists."""
    found = 0
    for item in transport.exchange(request, YandexWire(), decode=_count):
        if not isinstance(item, Retrying):
            found = item
    return found


def _ids(chunks: Iterator[bytes], stream: bool) -> Iterator[list[str]]:
    body = json.loads(b"".join(chunks) or b"{}")
    data = body.get("data", []) if isinstance(body, dict) else []
    yield [str(item["id"]) for item in data if isinstance(item, dict) and "id" in item]


def models(transport: Transport, *, base_url: str, folder_id: str | None) -> list[str]:
    """``GET {base}/models`` of an OpenAI-compatible API (Yandex's with the folder in OpenAI-Project)."""
    headers = {"OpenAI-Project": folder_id} if folder_id else {}
    found: list[str] = []
    for item in transport.exchange(
        HttpRequest("GET", base_url.rstrip("/") + "/models", headers=headers), YandexWire(), decode=_ids
    ):
        if not isinstance(item, Retrying):
            found = item
    return found
