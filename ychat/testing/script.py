"""What the test double answers next: scripted replies and faults, in the documented wire shapes.

>>> emulator.enqueue(Reply.of("Hello there", chunks=2), HttpError.documented(429))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ychat.server.wire import error_body

STATUS_FINAL = "ALTERNATIVE_STATUS_FINAL"  # a wire status: the double scripts the v1 wire as is


def cumulative(text: str, chunks: int) -> tuple[str, ...]:
    """``text`` as ``chunks`` growing prefixes, cut at spaces where possible."""
    if chunks <= 1 or len(text) < 2:
        return (text,)
    cuts = sorted({max(1, len(text) * i // chunks) for i in range(1, chunks)})
    cuts = [_word_end(text, cut) for cut in cuts]
    return (*dict.fromkeys(text[:cut] for cut in cuts if cut < len(text)), text)


def _word_end(text: str, cut: int) -> int:
    space = text.find(" ", cut)
    return space if 0 < space < len(text) else cut


@dataclass(frozen=True)
class Reply:
    """A completion reply streamed as cumulative chunks, optionally ending in a fault.

    ``error`` appends an error line (HTTP stays 200), ``drop`` drops the connection,
    ``garbage`` appends a malformed line; any of them leaves the last chunk PARTIAL.
    ``endless`` repeats the last chunk as PARTIAL until the client leaves (a runaway stream).
    """

    texts: tuple[str, ...] = ("Hello!",)
    status: str = STATUS_FINAL
    usages: tuple[dict[str, str], ...] | None = None
    model_version: str = "07.03.2024"
    delay: float = 0.0
    error: dict[str, Any] | None = None
    drop: bool = False
    garbage: bytes | None = None
    endless: bool = False
    wait: float = 0.0  # seconds before the first chunk (a slow model, a long prompt)
    tool_calls: tuple[tuple[str, dict[str, Any]], ...] = ()  # (name, arguments): the reply asks for these
    one_chunk: bool = False  # OpenAI: each call whole in one chunk, id = name (yandexgpt); else deltas (qwen3)

    @classmethod
    def of(cls, text: str, *, chunks: int = 4, **options: Any) -> Reply:
        return cls(texts=cumulative(text, chunks), **options)

    @classmethod
    def calling(cls, *calls: tuple[str, dict[str, Any]], one_chunk: bool = False) -> Reply:
        """A reply that asks for ``calls`` (TOOLS.md §1.3 natively, §2.3 on the OpenAI route)."""
        return cls(texts=("",), status="ALTERNATIVE_STATUS_TOOL_CALLS", tool_calls=calls, one_chunk=one_chunk)

    @property
    def cut(self) -> bool:
        return self.error is not None or self.drop or self.garbage is not None or self.endless


@dataclass(frozen=True)
class HttpError:
    """An HTTP error status with a body (the documented shape unless given)."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def documented(cls, status: int, message: str | None = None, *, retry_after: int | None = None) -> HttpError:
        headers = (("Retry-After", str(retry_after)),) if retry_after is not None else ()
        return cls(status, error_body(status, message), headers)


@dataclass(frozen=True)
class Raw:
    """Exactly these body lines (each gets ``\\n``), for replaying recorded vectors byte for byte."""

    lines: tuple[bytes, ...]
    status: int = 200
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Silent:
    """Accept the request and say nothing for ``seconds`` (a server that never answers)."""

    seconds: float = 30.0


Scripted = Reply | HttpError | Raw | Silent
