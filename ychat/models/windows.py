"""The model's context window: how many of the oldest exchanges a request must leave out (pure).

Each model's window is in ``WINDOWS`` (REFERENCE.md §0, §3; config ``context_window`` overrides
it). Before a request ychat estimates its size: the history measured by the previous reply's
usage (input + completion tokens, which is exactly what was sent plus the reply), the new text
by a cheap local estimate, and ``--max-tokens`` (or ``DEFAULT_REPLY``) kept free for the reply.
Whole exchanges are dropped oldest first; the system prompt and the new message never are.

    >>> plan([("hi", "hello")] * 3, "next", system=None, window=30, reply=10).dropped
    2
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ychat.api.registry import REGISTRY
from ychat.errors import MessageTooLong
from ychat.i18n import _

WINDOWS = {  # total tokens, prompt and reply (docs ru/ai-studio/concepts/generation/models.md)
    "yandexgpt": 32_768,
    "yandexgpt-lite": 32_768,
    "yandexgpt-32k": 32_000,
    "aliceai-llm": 32_768,
    "llama-lite": 8_192,
    "llama": 8_192,
    "qwen3-235b-a22b-fp8": 262_144,
    "gpt-oss-120b": 131_072,
    "gpt-oss-20b": 131_072,
    "gemma-3-27b-it": 131_072,
}
DEFAULT_REPLY = 2_000  # the room kept for a reply when --max-tokens is not set
LARGE = 4_000  # estimated tokens above which the new text is counted by tokenizeCompletion (free)
PER_MESSAGE = 4  # the chat template's tokens around each message


def window_of(model: str, *, dialect: str) -> int | None:
    """``gpt://b1g…/yandexgpt-lite/latest@ft`` -> the window of ``yandexgpt-lite``; None: unknown."""
    known = REGISTRY.get(dialect)  # v1alpha: prompt and reply share one limit, whatever the model
    if known is not None and known.token_limit is not None:
        return known.token_limit
    name = model.split("://", 1)[-1]
    parts = name.split("/")
    candidates = [p.split("@")[0] for p in parts]
    return next((WINDOWS[c] for c in candidates if c in WINDOWS), None)


@functools.lru_cache(maxsize=8192)  # the same texts every turn: a conversation's messages
def estimate(text: str) -> int:
    """Tokens, roughly and on the high side: a token per 3 bytes of UTF-8 (Cyrillic is 2 bytes a
    letter, so Russian comes out at ~0.7 tokens a letter; YandexGPT's tokenizer does better)."""
    return math.ceil(len(text.encode("utf-8")) / 3) + PER_MESSAGE


@dataclass(frozen=True)
class Plan:
    dropped: int  # the oldest exchanges left out of this request
    size: int  # the estimated prompt, tokens


def plan(
    exchanges: Sequence[tuple[str, str]],
    new_text: str,
    *,
    system: str | None,
    window: int,
    reply: int,
    measured: int | None = None,
    new_tokens: int | None = None,
    pictures: Sequence[int] = (),
    new_pictures: int = 0,
) -> Plan:
    """``measured``: the previous reply's input + completion tokens for all of ``exchanges``;
    ``new_tokens``: the new text counted by the server's tokenizer (else estimated);
    ``pictures``, ``new_pictures``: the tokens the pictures of each exchange and of the new
    message take (the model's per-picture tokens, TOOLS.md §5)."""
    shown = [*pictures, *[0] * (len(exchanges) - len(pictures))]
    sizes = [estimate(user) + estimate(answer) + extra for (user, answer), extra in zip(exchanges, shown, strict=True)]
    fixed = (estimate(system) if system else 0) + (new_tokens if new_tokens is not None else estimate(new_text))
    fixed += new_pictures
    if measured is not None and sizes:  # the server's count wins: hidden parts (tool results, images) count too
        scale = max(0.0, measured - (estimate(system) if system else 0)) / max(1, sum(sizes))
        sizes = [math.ceil(size * scale) for size in sizes]
    if fixed + reply > window:
        raise MessageTooLong(
            _(
                "this message needs about {fixed:,} tokens, and with {reply:,} kept for the reply it "
                "cannot fit the {window:,}-token window"
            ).format(fixed=fixed, reply=reply, window=window)
        )
    dropped, total = 0, fixed + sum(sizes)
    while total + reply > window:
        total -= sizes[dropped]
        dropped += 1
    return Plan(dropped, total)
