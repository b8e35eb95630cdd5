"""The test double: ``Emulator``, the local server (``ychat.server``) plus a reply queue, a
request log and fault injection, for ychat's tests and benchmarks. Never shipped behind a CLI.

``python -m ychat.testing [PORT]`` serves it on 127.0.0.1."""

from ychat.server import BadRequest, EchoEngine, Engine, Generation, LocalAPI, Token
from ychat.server.routes.v1 import validate_completion
from ychat.server.wire import error_body
from ychat.testing.double import Emulator, RecordedRequest
from ychat.testing.script import HttpError, Raw, Reply, Silent, cumulative

__all__ = [
    "BadRequest",
    "EchoEngine",
    "Emulator",
    "Engine",
    "Generation",
    "HttpError",
    "LocalAPI",
    "Raw",
    "RecordedRequest",
    "Reply",
    "Silent",
    "Token",
    "cumulative",
    "error_body",
    "validate_completion",
]
