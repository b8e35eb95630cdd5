"""Validators of setting values: each takes what a flag, the environment or the config file
gave and returns the typed value, or raises Invalid saying what it must be (pure)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from ychat.core import WebSearch
from ychat.i18n import _

MAX_SECONDS = 86_400.0  # one day: a wait longer than that is a mistake (and overflows some system calls)
HEADER_SAFE = re.compile(r"[\x21-\x7e]+")  # visible ASCII: what an HTTP header value can carry as is


class Invalid(ValueError):
    """A value that is not what it must be; the message says so, for people."""


def string(value: object) -> str:
    if not isinstance(value, str):
        raise Invalid(_("must be a string"))
    return value


def text(value: object) -> str:
    stripped = string(value).strip()
    if not stripped:
        raise Invalid(_("must not be empty"))
    return stripped


def header_text(value: object) -> str:
    """A value sent in a header (the folder id): visible ASCII, no spaces or control characters."""
    value = text(value)
    if not HEADER_SAFE.fullmatch(value):
        raise Invalid(_("must be visible ASCII characters only (no spaces, control or non-ASCII characters)"))
    return value


def between(low: float, high: float) -> Callable[[object], float]:
    """A number from ``low`` to ``high``, both included."""

    def validate(value: object) -> float:
        number = float(str(value))
        if not low <= number <= high:
            raise Invalid(_("must be between {low} and {high}").format(low=f"{low:g}", high=f"{high:g}"))
        return number

    return validate


def positive_int(value: object) -> int:
    if isinstance(value, bool) or not str(value).strip().isdigit() or int(str(value)) <= 0:
        raise Invalid(_("must be a positive whole number"))
    return int(str(value))


def price(value: object) -> float:
    if isinstance(value, bool):
        raise Invalid(_("must be a price in roubles"))
    number = float(str(value))
    if not (math.isfinite(number) and number >= 0):
        raise Invalid(_("must be a price in roubles, 0 or more"))
    return number


def seconds(value: object) -> float:
    if isinstance(value, bool):
        raise Invalid(_("must be a number of seconds"))
    number = float(str(value))
    if not (number > 0 and math.isfinite(number) and number <= MAX_SECONDS):
        raise Invalid(_("must be a positive number of seconds, at most {limit:.0f}").format(limit=MAX_SECONDS))
    return number


def endpoint(value: object) -> str:
    from urllib.parse import urlsplit

    url = text(value).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise Invalid(_("must start with http:// or https://"))
    if not HEADER_SAFE.fullmatch(url):
        raise Invalid(_("must not contain spaces, control or non-ASCII characters"))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Invalid(_("must be a valid URL ({reason})").format(reason=exc)) from None
    if not parts.hostname or port == 0:
        raise Invalid(_("must name a host (and a port other than 0)"))
    return url


def choice(*allowed: str) -> Callable[[object], str]:
    def validate(value: object) -> str:
        word = text(value).lower()
        if word not in allowed:
            raise Invalid(_("must be one of {names}").format(names=", ".join(allowed)))
        return word

    return validate


def names(value: object) -> tuple[str, ...]:
    """A list of names: a TOML array, a flag given several times, or ``a,b`` in the environment."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(item, str) for item in items):
        raise Invalid(_("must be a list of names"))
    return tuple(item.strip() for item in items if item.strip())


def boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
        raise Invalid(_("must be true or false"))
    return text in {"1", "true", "yes", "on"}


SEARCH_KEYS = frozenset({"enabled", "domains", "region", "context"})


def web_search(value: object) -> WebSearch | None:
    """``--web-search`` / ``YCHAT_WEB_SEARCH`` (on or off), or the config's ``[web_search]`` table:
    ``domains`` (at most 5), ``region``, ``context`` (low, medium, high), and ``enabled`` (the
    table alone configures the search; ``enabled = true`` or the flag turns it on)."""
    if not isinstance(value, dict):
        return WebSearch() if boolean(value) else None
    unknown = sorted(set(value) - SEARCH_KEYS)
    if unknown:
        raise Invalid(_("has an unknown key {key} (known: domains, region, context, enabled)").format(key=unknown[0]))
    domains = names(value.get("domains", []))
    if len(domains) > 5:
        raise Invalid(_("lists more than 5 domains"))
    region = value.get("region")
    context = choice("low", "medium", "high")(value["context"]) if "context" in value else None
    search = WebSearch(domains, str(region) if region is not None else None, context)
    return search if boolean(value.get("enabled", False)) else None


def web_search_table(value: object) -> WebSearch | None:
    """The ``[web_search]`` table's settings whether or not it turns the search on (for ``--web-search``)."""
    return web_search({**value, "enabled": True}) if isinstance(value, dict) else None
