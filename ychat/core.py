"""The provider-neutral chat core: what every layer above ``api/`` speaks.

Messages, the options a reply is generated with, token usage, why a reply ended, and the
events a reply arrives as. No wire status string or JSON field name appears here: each API
dialect (``ychat/api/``) translates its own wire format to and from these types.

    Delta(text)      new text appended to the reply
    Replace(text)    the server rewrote the reply; ``text`` is the whole new reply
    Retrying(...)    a failed attempt will be retried (nothing was shown yet)
    Pending(...)     a deferred reply is still being generated (its operation id, time waited)
    Done(...)        the reply is complete: text, finish reason, usage, model version

    >>> Done("Hi", FinishReason.STOP, Usage(3, 1, total_tokens=4), "23.10.2024").finish.value
    'stop'
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Literal

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    role: Role
    text: str


class Reasoning(enum.Enum):
    """Whether the model reasons before answering (``--reasoning``); unset is the model's default."""

    HIDDEN = "hidden"
    OFF = "off"


@dataclass(frozen=True)
class Options:
    """Generation settings for one request; None means "the server's default"."""

    temperature: float | None = None
    max_tokens: int | None = None
    stream: bool = True
    reasoning: Reasoning | None = None
    deferred: bool = False  # ask for the reply as a deferred operation (half price, polled)


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    total_tokens: int = 0


class FinishReason(enum.Enum):
    STOP = "stop"
    LENGTH = "length"  # cut at the token limit
    CONTENT_FILTER = "content_filter"
    TOOL_CALLS = "tool_calls"
    ERROR = "error"


@dataclass(frozen=True)
class Delta:
    text: str


@dataclass(frozen=True)
class Replace:
    text: str


@dataclass(frozen=True)
class Retrying:
    attempt: int
    delay: float
    reason: str


@dataclass(frozen=True)
class Pending:
    operation_id: str
    waited: float  # seconds since ychat submitted it


@dataclass(frozen=True)
class Done:
    text: str
    finish: FinishReason
    usage: Usage | None  # None: the server reported none (not "zero tokens")
    model_version: str = ""
    request_id: str = ""  # the server's x-request-id (or ychat's x-client-request-id)


Event = Delta | Replace | Retrying | Pending | Done


def drain(events: Generator[Event, None, None], *, stop: Callable[[], bool] = lambda: False) -> Done | None:
    """The reply's Done, the events before it read and dropped, and the generator closed whatever
    happens (so is its HTTP response); None when ``stop()`` turns true first, or no Done came."""
    try:
        for event in events:
            if stop():
                return None
            if isinstance(event, Done):
                return event
        return None
    finally:
        events.close()
