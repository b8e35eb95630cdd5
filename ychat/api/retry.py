"""When and how long to wait before trying a failed request again.

>>> policy = RetryPolicy(attempts=4, base=0.5, jitter=0.0)
>>> [policy.backoff(n) for n in (1, 2, 3)]
[0.5, 1.0, 2.0]
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ychat.errors import (
    ConnectionFailed,
    QuotaExceeded,
    ServiceUnavailable,
    YChatError,
)

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
