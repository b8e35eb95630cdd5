"""A local emulator of the YandexGPT v1 completion API, for tests and offline development."""

from ychat.emulator.app import Emulator, RecordedRequest, validate_completion
from ychat.emulator.script import HttpError, Raw, Reply, Silent, cumulative, error_body

__all__ = [
    "Emulator",
    "HttpError",
    "Raw",
    "RecordedRequest",
    "Reply",
    "Silent",
    "cumulative",
    "error_body",
    "validate_completion",
]
