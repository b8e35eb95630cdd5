"""What replies cost, estimated in roubles (pure). An estimate, not an invoice.

Yandex prices each model as a multiple of one base SKU per 1 000 tokens (prompt and reply alike,
reasoning included); deferred mode costs half (REFERENCE.md §2, from the docs' pricing page
``en/_pricing/yandexgpt/usd-generating_new.md``). The base, 0.20 ₽ per 1 000 tokens with VAT,
is from an older rendered Yandex Cloud pricing page (as the issue quotes it); prices as of
2026-12-01. Models ychat has no price for show none. Config ``price_per_1k`` overrides the price
of the chosen model (a profile can set one per model).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ychat.core import Usage
from ychat.i18n import _

BASE_RUB = 0.20  # ₽ per 1 000 tokens, VAT included
PRICES_AS_OF = "2026-12-01"
WEB_SEARCH_RUB = 0.90  # ₽ per hosted web search call, VAT included (900 ₽ per 1 000: RESPONSES.md §8.1)
WEB_SEARCH_FROM = "2025-11-20"  # the date that price applies from
OCR_RUB = 0.12  # ₽ per Yandex Vision OCR recognition (a picture or a page), VAT included (TOOLS.md §6.1)
# model -> (prompt, reply) multiples of the base, synchronous (REFERENCE.md §2)
MULTIPLES = {
    "yandexgpt-lite": (1.0, 1.0),
    "yandexgpt": (6.0, 6.0),  # Pro 5
    "yandexgpt/rc": (2.0, 2.0),  # Pro 5.1: 0.40 ₽
    "aliceai-llm": (2.5, 10.0),
}


@dataclass(frozen=True)
class Price:
    prompt: float  # ₽ per 1 000 tokens
    reply: float


def price_of(model: str, *, override: float | None = None) -> Price | None:
    if override is not None:
        return Price(override, override)
    name = model.split("://", 1)[-1]
    parts = [p.split("@")[0] for p in name.split("/")]
    for candidate in (f"{parts[-2]}/{parts[-1]}" if len(parts) > 1 else "", *parts):
        if candidate in MULTIPLES:
            prompt, reply = MULTIPLES[candidate]
            return Price(prompt * BASE_RUB, reply * BASE_RUB)
    return None


def cost(usage: Usage, price: Price | None, *, deferred: bool = False) -> float | None:
    if price is None:
        return None
    roubles = usage.input_tokens / 1000 * price.prompt + usage.completion_tokens / 1000 * price.reply
    return roubles / 2 if deferred else roubles


def total(usages: Iterable[Usage]) -> Usage:
    found = list(usages)
    return Usage(
        sum(u.input_tokens for u in found),
        sum(u.completion_tokens for u in found),
        sum(u.reasoning_tokens for u in found),
        sum(u.total_tokens for u in found),
        sum(u.cached_tokens for u in found),
    )


def describe(usage: Usage, roubles: float | None) -> str:
    reasoning = (
        _(" ({reasoning_tokens:,} reasoning)").format(reasoning_tokens=usage.reasoning_tokens)
        if usage.reasoning_tokens
        else ""
    )
    if usage.cached_tokens:  # the input the server had cached (billed as input all the same)
        reasoning += _(" ({cached:,} of the input cached)").format(cached=usage.cached_tokens)
    money = (
        _(" · ≈{roubles:.4f} ₽").format(roubles=roubles)
        if roubles is not None
        else _(" · no price known for this model")
    )
    return _("{input_tokens:,} in, {completion_tokens:,} out{reasoning}, {total_tokens:,} total{money}").format(
        input_tokens=usage.input_tokens,
        completion_tokens=usage.completion_tokens,
        reasoning=reasoning,
        total_tokens=usage.total_tokens,
        money=money,
    )
