"""A request to the local server, read once (``read_request``), and which chat wire serves a
route (``chat_wire``): the routing table's chat half, shared by the server and what composes it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ychat.server.engine import BadRequest
from ychat.server.routes import openai, responses
from ychat.server.routes.base import ChatWire, V1Wire
from ychat.server.routes.v1alpha import V1AlphaWire

API = "/foundationModels/v1/"
V1ALPHA_CHAT = "/llm/v1alpha/chat"
OPENAI = "/v1/"
MAX_BODY = 8 * 1024 * 1024  # bytes; a larger request gets 413 (docs/user-guide.md, "ychat serve")

CHAT_ROUTES: dict[tuple[str, str], Callable[[Any], ChatWire]] = {
    ("POST", API + "completion"): lambda body: V1Wire(),
    ("POST", V1ALPHA_CHAT): lambda body: V1AlphaWire(),
    ("POST", OPENAI + "chat/completions"): openai.OpenAIWire,
    ("POST", OPENAI + "responses"): responses.ResponsesWire,  # RESPONSES.md
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: Any
    peer: str = ""  # the client's address:port, when served over HTTP (one per connection)


def chat_wire(method: str, path: str, body: Any) -> ChatWire | None:
    """The wire format of a chat route (None: not a chat route)."""
    make = CHAT_ROUTES.get((method, path))
    return make(body) if make is not None else None


def read_request(environ: dict[str, Any], max_body: int) -> Request:
    """The request of a WSGI environ, its body read once as JSON; larger than ``max_body``: 413."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length > max_body:
        raise BadRequest(413, f"request body is larger than {max_body} bytes")
    raw = environ["wsgi.input"].read(length) if length else b""
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    peer = f"{environ.get('REMOTE_ADDR', '')}:{environ.get('REMOTE_PORT', '')}"
    return Request(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), headers, _json(raw), peer)


def _json(raw: bytes) -> Any:
    """The body as JSON (or the raw bytes, which validation refuses); deep nesting is a 400."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except RecursionError:
        raise BadRequest(400, "request body is nested too deeply") from None
    except ValueError:
        return raw
