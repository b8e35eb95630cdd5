"""A local emulator of the YandexGPT v1 completion API, for tests and offline development."""

from ychat.emulator.app import Emulator, RecordedRequest
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
    "Raw",
    "RecordedRequest",
    "Reply",
    "Silent",
    "Token",
    "cumulative",
    "error_body",
    "validate_completion",
]
