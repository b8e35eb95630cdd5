"""Engines generate the answers the local server gives (the test double: when no scripted reply is queued).

``EchoEngine`` is deterministic (tokens are words) for tests and offline development; the
llama.cpp engine in ``ychat.local`` implements the same protocol with a real model.

    >>> [g.text for g in EchoEngine().generate([{"role": "user", "text": "hi"}])]
    ['Echo:', 'Echo: hi']
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ychat.core import FinishReason

ChatMessage = dict[str, str]  # {"role": …, "text": …}, already validated


class BadRequest(Exception):
    """A request the API refuses; becomes the documented error body with this HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def internal_error(error: Exception) -> BadRequest:
    """An engine failure (llama.cpp, a broken model) as the API's 500, naming what went wrong."""
    return BadRequest(500, f"internal error: {type(error).__name__}: {error}")


def context_overflow(limit: int, got: int) -> BadRequest:
    """The real API's wording (REFERENCE.md §6) for a prompt longer than the context."""
    return BadRequest(400, f"number of input tokens must be no more than {limit}, got {got}")


@dataclass(frozen=True)
class Generation:
    """The reply so far (cumulative text), why it ended (None while partial) and token counts."""

    text: str
    finish: FinishReason | None
    input_tokens: int
    completion_tokens: int
    tool_calls: tuple[tuple[str, dict[str, Any]], ...] = ()  # finish TOOL_CALLS: (name, arguments) asked for

    def usage(self) -> dict[str, Any]:
        """As the current API reports it, int64 as strings (REFERENCE.md §1.2)."""
        total = self.input_tokens + self.completion_tokens
        return {
            "inputTextTokens": str(self.input_tokens),
            "completionTokens": str(self.completion_tokens),
            "totalTokens": str(total),
            "completionTokensDetails": {"reasoningTokens": "0"},
        }


@dataclass(frozen=True)
class Token:
    id: int
    text: str
    special: bool = False


class Stop(Protocol):
    def is_set(self) -> bool: ...


def run_to_end(generations: Iterator[Generation], stop: Stop, *, last: Generation | None = None) -> Generation:
    """Run a generation to its end and keep only the final state (``last``: one already taken);
    ``stop`` (shutdown) cuts it."""
    try:
        for generation in generations:
            if stop.is_set():
                raise BadRequest(503, "the server is shutting down")
            last = generation
    finally:
        close = getattr(generations, "close", None)
        if close is not None:
            close()  # stops the model at once
    if last is None:
        raise BadRequest(500, "the engine produced nothing")
    return last


class Engine(Protocol):
    model_version: str

    def generate(
        self,
        messages: Sequence[ChatMessage],
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        tools: Sequence[dict[str, Any]] = (),
    ) -> Iterator[Generation]:
        """Yield growing replies, the last one with its finish reason; raise BadRequest first.
        ``tools``: the functions the client offered (only when it offered some); an engine that
        can call asks in its last Generation's ``tool_calls``."""
        ...

    def tokenize(self, messages: Sequence[ChatMessage]) -> list[Token]:
        """The conversation as the model sees it, chat template included (tokenizeCompletion)."""
        ...

    def tokenize_text(self, text: str) -> list[Token]:
        """Plain text, no template (tokenize)."""
        ...


class EchoEngine:
    """Answers ``Echo: <last user message>``, one word per token; a word-counted context."""

    model_version = "echo"

    def __init__(self, context: int = 8192) -> None:
        self.context = context

    def tokenize(self, messages: Sequence[ChatMessage]) -> list[Token]:
        tokens = [Token(1, "<s>", special=True)]
        for message in messages:
            words = [f"{message['role']}:", *message["text"].split()]
            tokens += [Token(100 + len(word), word) for word in words]
            tokens.append(Token(3, "[NL]", special=True))
        return tokens

    def tokenize_text(self, text: str) -> list[Token]:
        return [Token(1, "<s>", special=True), *(Token(100 + len(word), word) for word in text.split())]

    def generate(
        self,
        messages: Sequence[ChatMessage],
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        tools: Sequence[dict[str, Any]] = (),
    ) -> Iterator[Generation]:
        prompt = len(self.tokenize(messages))
        if prompt > self.context:
            raise context_overflow(self.context, prompt)
        users = [m["text"] for m in messages if m["role"] == "user"]
        pieces = re.findall(r"\S+\s*|\s+", "Echo: " + (users[-1] if users else ""))
        limit = len(pieces) if max_tokens is None else min(max_tokens, len(pieces))
        return self._grow(pieces, limit, prompt)

    @staticmethod
    def _grow(pieces: list[str], limit: int, prompt: int) -> Iterator[Generation]:
        """A word (with the white space after it) per token; the reply text is exact."""
        for count in range(1, limit + 1):
            finish = None
            if count == limit:
                finish = FinishReason.STOP if limit == len(pieces) else FinishReason.LENGTH
            text = "".join(pieces[:count])
            if count < len(pieces):
                text = text.rstrip()  # a partial reply does not end in the next word's space
            yield Generation(text, finish, prompt, count)
