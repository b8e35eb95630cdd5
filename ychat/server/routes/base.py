"""How each chat route of the local server reads a request and frames its answers.

One ``ChatWire`` per wire protocol: ``parse`` turns a request body into ``CompletionArgs``,
``whole`` frames a finished reply, ``frames`` a stream, ``refusal`` an error body. The app
(``app.py``) runs the engine; these modules only translate. v1 is here; v1alpha and the
OpenAI-compatible wire have modules of their own.
"""

from __future__ import annotations

from typing import Any, Protocol

from ychat.server.engine import Generation
from ychat.server.routes.v1 import CompletionArgs, completion_args, validate_completion
from ychat.server.wire import error_body, line, result


class Frames(Protocol):
    """One reply stream's framing (it may keep state, e.g. the text already sent)."""

    def chunk(self, generation: Generation) -> bytes: ...
    def error(self, status: int, message: str) -> bytes: ...
    def end(self, last: Generation) -> bytes: ...


class ChatWire(Protocol):
    content_type: str
    counts_prompt: bool  # max tokens bound prompt and reply together (v1alpha)

    def parse(self, body: Any) -> CompletionArgs: ...
    def whole(self, last: Generation, model_version: str) -> dict[str, Any]: ...
    def frames(self, args: CompletionArgs, model_version: str) -> Frames: ...
    def refusal(self, status: int, message: str) -> dict[str, Any]: ...


class V1Frames:
    def __init__(self, model_version: str) -> None:
        self.model_version = model_version

    def chunk(self, generation: Generation) -> bytes:
        return line({"result": result(generation, self.model_version)})

    def error(self, status: int, message: str) -> bytes:
        return line(error_body(status, message))

    def end(self, last: Generation) -> bytes:
        return b""


class V1Wire:
    """``POST /foundationModels/v1/completion``: NDJSON ``{"result": …}`` lines, cumulative."""

    content_type = "application/json"
    counts_prompt = False

    def parse(self, body: Any) -> CompletionArgs:
        return completion_args(validate_completion(body))

    def whole(self, last: Generation, model_version: str) -> dict[str, Any]:
        return {"result": result(last, model_version)}

    def frames(self, args: CompletionArgs, model_version: str) -> Frames:
        return V1Frames(model_version)

    def refusal(self, status: int, message: str) -> dict[str, Any]:
        return error_body(status, message)
