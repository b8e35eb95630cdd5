"""The test double's Files and Vector Store routes (RESPONSES.md §8.2): uploads kept in memory,
indexes that are ready at once (the client's wait is tested with ``state`` scripted)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from ychat.server.engine import BadRequest
from ychat.server.request import Request
from ychat.server.wire import StartResponse, json_response


class FilesDouble:
    def __init__(self) -> None:
        self.files: dict[str, dict[str, Any]] = {}  # id -> {filename, bytes, purpose, data}
        self.indexes: dict[str, dict[str, Any]] = {}  # id -> {name, file_ids, status}
        self.states: list[str] = []  # statuses a GET of an index answers first (then "completed")
        self._lock = threading.Lock()

    def answer(self, request: Request, respond: StartResponse) -> Iterable[bytes] | None:
        parts = request.path.strip("/").split("/")[1:]  # after "v1"
        method = request.method
        with self._lock:
            if parts == ["files"] and method == "POST":
                return json_response(respond, 200, self._upload(request))
            if len(parts) == 3 and parts[0] == "files" and parts[2] == "content" and parts[1] in self.files:
                respond("200 OK", [("Content-Type", "application/octet-stream")])
                return [self.files[parts[1]]["data"]]
            if parts == ["vector_stores"] and method == "POST":
                return json_response(respond, 200, self._create(request.body))
            if len(parts) >= 2 and parts[0] == "vector_stores":
                return json_response(respond, 200, self._index(method, parts[1], parts[2:], request.body))
        return None

    def _upload(self, request: Request) -> dict[str, Any]:
        kind = request.headers.get("content-type", "")
        if not kind.startswith("multipart/form-data") or not isinstance(request.body, bytes):
            raise BadRequest(400, "the upload must be multipart/form-data")
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {kind}\r\n\r\n".encode() + request.body)
        fields = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
        if "file" not in fields or fields.get("purpose") is None:
            raise BadRequest(400, "file and purpose are required")
        data = _payload(fields["file"])
        file_id = "fvt" + uuid.uuid4().hex[:16]
        purpose = _payload(fields["purpose"]).decode()
        self.files[file_id] = {
            "filename": fields["file"].get_filename(),
            "bytes": len(data),
            "purpose": purpose,
            "data": data,
        }
        return {
            "id": file_id,
            "object": "file",
            "bytes": len(data),
            "filename": fields["file"].get_filename(),
            "purpose": purpose,
        }

    def _create(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not all(f in self.files for f in body.get("file_ids", [])):
            raise BadRequest(400, "file_ids must name uploaded files")
        index_id = "vs" + uuid.uuid4().hex[:16]
        self.indexes[index_id] = {"name": body.get("name"), "file_ids": list(body["file_ids"])}
        return self._state(index_id, "in_progress")

    def _index(self, method: str, index_id: str, rest: list[str], body: Any) -> dict[str, Any]:
        if index_id not in self.indexes:
            raise BadRequest(404, f"vector store {index_id} not found")
        if method == "DELETE" and not rest:
            del self.indexes[index_id]
            return {"id": index_id, "deleted": True, "object": "vector_store.deleted"}
        if method == "POST" and rest == ["files"] and isinstance(body, dict) and body.get("file_id") in self.files:
            self.indexes[index_id]["file_ids"].append(body["file_id"])
            return {"id": body["file_id"], "object": "vector_store.file", "status": "completed"}
        if method == "GET" and not rest:
            return self._state(index_id, self.states.pop(0) if self.states else "completed")
        raise BadRequest(400, "unsupported vector store request")

    def _state(self, index_id: str, status: str) -> dict[str, Any]:
        total = len(self.indexes[index_id]["file_ids"])
        done = total if status == "completed" else 0
        counts = {"in_progress": total - done, "completed": done, "failed": 0, "cancelled": 0, "total": total}
        return {
            "id": index_id,
            "object": "vector_store",
            "name": self.indexes[index_id]["name"],
            "status": status,
            "file_counts": counts,
        }


def _payload(part: Any) -> bytes:
    found = part.get_payload(decode=True)
    return found if isinstance(found, bytes) else b""
