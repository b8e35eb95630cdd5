"""Search indexes for questions over documents (RESPONSES.md §8.2): the Files API uploads a file
(``POST /v1/files``, multipart, ``purpose=assistants``) and the Vector Store API builds an index
of them (``POST /v1/vector_stores``), which the ``file_search`` tool then searches. Unary JSON
calls through the transport (its retries, credentials and error translation).

    >>> indexes = Indexes(transport, endpoint="https://ai.api.cloud.yandex.net", folder_id="b1g")
    >>> index_id = indexes.create("docs", [indexes.upload(Path("a.pdf"))])
"""

from __future__ import annotations

import json
import mimetypes
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ychat.api.dialects.yandex import YandexWire, load_object
from ychat.api.request import HttpRequest
from ychat.errors import ProtocolError
from ychat.i18n import _

if TYPE_CHECKING:
    from ychat.api.http.transport import Transport

EXPIRES_DAYS = 365  # an index left unused this long is dropped by Yandex (anchor: last_active_at)


@dataclass(frozen=True)
class IndexState:
    status: str  # in_progress, completed, failed, expired
    done: int  # files indexed
    total: int


def multipart(path: Path, data: bytes) -> tuple[bytes, str]:
    """``purpose=assistants`` and the file, as ``multipart/form-data`` (RFC 7578): the body and
    its Content-Type."""
    boundary = uuid.uuid4().hex
    name = path.name.replace('"', "%22").replace("\r", " ").replace("\n", " ")
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: {kind}\r\n\r\n"
    )
    return head.encode() + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _object(chunks: Iterator[bytes], stream: bool) -> Iterator[dict[str, Any]]:
    yield load_object(b"".join(chunks).decode("utf-8", errors="replace") or "{}")


class Indexes:
    def __init__(self, transport: Transport, *, endpoint: str, folder_id: str | None) -> None:
        self.transport, self.base = transport, endpoint.rstrip("/") + "/v1"
        self.headers = {"OpenAI-Project": folder_id} if folder_id else {}

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        request = HttpRequest(method, self.base + path, body, dict(self.headers))
        found: dict[str, Any] = self.transport.fetch(request, YandexWire(), _object, {})
        return found

    def upload(self, path: Path, data: bytes) -> str:
        """The file's id (``fvt…``)."""
        content, kind = multipart(path, data)
        headers = {**self.headers, "Content-Type": kind}
        request = HttpRequest("POST", self.base + "/files", {"file": path.name}, headers, content=content)
        return _id(self.transport.fetch(request, YandexWire(), _object, {}), "file")

    def create(self, name: str, file_ids: list[str]) -> str:
        expires = {"anchor": "last_active_at", "days": EXPIRES_DAYS}
        return _id(
            self._call("POST", "/vector_stores", {"name": name, "file_ids": file_ids, "expires_after": expires}),
            "index",
        )

    def state(self, index_id: str) -> IndexState:
        found = self._call("GET", f"/vector_stores/{index_id}")
        counts = found.get("file_counts") if isinstance(found.get("file_counts"), dict) else {}
        return IndexState(
            str(found.get("status") or "in_progress"), _count(counts, "completed"), _count(counts, "total")
        )

    def add(self, index_id: str, file_id: str) -> None:
        self._call("POST", f"/vector_stores/{index_id}/files", {"file_id": file_id})

    def delete(self, index_id: str) -> None:
        self._call("DELETE", f"/vector_stores/{index_id}")


def _count(counts: Any, key: str) -> int:
    value = counts.get(key) if isinstance(counts, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _id(found: dict[str, Any], what: str) -> str:
    value = found.get("id")
    if not isinstance(value, str) or not value:
        raise ProtocolError(
            _("the server made the {what} but sent no id: {reply}").format(what=what, reply=json.dumps(found)[:120])
        )
    return value
