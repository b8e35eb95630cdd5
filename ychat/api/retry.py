"""When and how long to wait before trying a failed request again.

>>> policy = RetryPolicy(attempts=4, base=0.5, jitter=0.0)
>>> [policy.backoff(n) for n in (1, 2, 3)]
[0.5, 1.0, 2.0]
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ychat.errors import (
    ConnectionFailed,
    QuotaExceeded,
    ReplyTimeLimit,
    ServiceUnavailable,
    YChatError,
)
from ychat.i18n import _

RETRIABLE = (QuotaExceeded, ServiceUnavailable, ConnectionFailed)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, bounded in attempts and in total waiting time."""

    attempts: int = 4
    base: float = 0.5
    cap: float = 8.0
    jitter: float = 0.5
    budget: float = 20.0

    def backoff(self, attempt: int) -> float:
        """Seconds to sleep after failed attempt number ``attempt`` (1-based)."""
        delay = self.base * 2.0 ** (attempt - 1) + random.uniform(0, self.jitter)  # noqa: S311
        return min(delay, self.cap)

    def delay_for(self, error: YChatError, attempt: int, waited: float) -> float | None:
        """How long to wait before the next attempt, or None when it must not be retried."""
        if not isinstance(error, RETRIABLE) or attempt >= self.attempts:
            return None
        retry_after: float | None = getattr(error, "retry_after", None)
        delay = retry_after if retry_after is not None else self.backoff(attempt)
        if waited + delay > self.budget:
            return None
        return delay

    def refusal(self, error: YChatError, attempt: int, waited: float) -> str | None:
        """Why a retriable error was not retried when the server's ``Retry-After`` is the reason."""
        retry_after: float | None = getattr(error, "retry_after", None)
        if not isinstance(error, RETRIABLE) or retry_after is None or attempt >= self.attempts:
            return None
        if waited + retry_after <= self.budget:
            return None
        wait = duration(retry_after)
        return _("The server asks to wait {wait} before the next request (Retry-After); ychat did not retry.").format(
            wait=wait
        )


def duration(seconds: float) -> str:
    """``45 s``, ``27 min``, ``27 h 46 min``: a wait as a person reads it."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return (
        _("{minutes} min").format(minutes=minutes)
        if minutes < 120
        else _("{hours} h {minutes} min").format(hours=minutes // 60, minutes=minutes % 60)
    )


@dataclass
class Deadline:
    """The end of the time one reply may take (``--max-time``); None: no limit."""

    seconds: float | None
    clock: Callable[[], float] = time.monotonic
    start: float = field(init=False)

    def __post_init__(self) -> None:
        self.start = self.clock()

    def remaining(self) -> float | None:
        return None if self.seconds is None else self.seconds - (self.clock() - self.start)

    def expired(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0

    def allows(self, delay: float) -> bool:
        left = self.remaining()
        return left is None or delay < left

    def check(self) -> None:
        if self.expired():
            raise self.error()

    def error(self) -> ReplyTimeLimit:
        return ReplyTimeLimit(
            _("the reply did not finish within --max-time {seconds:g} s; stopped").format(seconds=self.seconds)
        )
