"""What a ``tools/call`` result becomes for the model (TOOLS.md §4.6): text parts as text;
images, audio and resources described by type and size (no model ychat talks to takes them
back as a tool result); ``structuredContent`` as JSON when there is no text. ``isError`` makes
it a failed call, which the model is told of."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ychat.i18n import _


@dataclass(frozen=True)
class Outcome:
    text: str
    error: bool = False


def outcome(result: Mapping[str, Any]) -> Outcome:
    """From a CallToolResult as JSON (``model_dump(by_alias=True)``)."""
    content = result.get("content")
    parts = [described(part) for part in content if isinstance(part, Mapping)] if isinstance(content, list) else []
    structured = result.get("structuredContent")
    if not any(parts) and structured is not None:
        parts = [json.dumps(structured, ensure_ascii=False)]
    return Outcome("\n".join(p for p in parts if p), bool(result.get("isError")))


def described(part: Mapping[str, Any]) -> str:
    kind = part.get("type")
    if kind == "text":
        return str(part.get("text", ""))
    if kind in ("image", "audio"):
        return _("[{kind}: {mime}, {size:,} bytes]").format(
            kind=kind, mime=part.get("mimeType", "?"), size=_decoded_size(part.get("data"))
        )
    if kind == "resource_link":
        return _("[resource link: {uri}]").format(uri=part.get("uri", "?"))
    if kind == "resource":
        found = part.get("resource")
        resource: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        body = resource.get("text") if isinstance(resource.get("text"), str) else None
        size = len(body.encode()) if body is not None else _decoded_size(resource.get("blob"))
        return _("[resource: {uri}, {mime}, {size:,} bytes]").format(
            uri=resource.get("uri", "?"), mime=resource.get("mimeType") or "?", size=size
        )
    return _("[{kind} content]").format(kind=kind)


def _decoded_size(data: object) -> int:
    if not isinstance(data, str):
        return 0
    try:
        return len(base64.b64decode(data, validate=False))
    except (binascii.Error, ValueError):
        return len(data)
