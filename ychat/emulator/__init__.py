"""The YandexGPT v1 API served locally: ``LocalAPI`` (``ychat serve``, ``--local``) and the
scripted test double ``Emulator`` (request log, reply queue, faults) built on it."""

from ychat.emulator.app import LocalAPI
from ychat.emulator.double import Emulator, RecordedRequest
from ychat.emulator.engine import BadRequest, EchoEngine, Engine, Generation, Token
from ychat.emulator.script import HttpError, Raw, Reply, Silent, cumulative, error_body
from ychat.emulator.validation import validate_completion

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
