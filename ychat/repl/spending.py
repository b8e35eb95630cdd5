"""What a session has spent: each reply's tokens and estimated ₽ (``count``), the hosted web
searches and OCR recognitions priced per call, and the bottom toolbar that shows it (``--status``)."""

from __future__ import annotations

from ychat.core import Usage
from ychat.i18n import _
from ychat.repl import fitting
from ychat.repl.ports import ReplSession


def count(session: ReplSession, usage: Usage, searches: int = 0) -> None:
    """A reply's usage and cost (its web searches too, billed per call on top of the tokens)."""
    from ychat.models.prices import WEB_SEARCH_RUB, cost, price_of

    options = session.options
    price = None if options.local else price_of(options.model, override=options.price_per_1k)
    roubles = 0.0 if options.local else cost(usage, price, deferred=options.deferred)
    session.searches += searches
    session.spent.append((usage, roubles + searches * WEB_SEARCH_RUB if roubles is not None else None))


def roubles(session: ReplSession) -> float | None:
    """The session's estimated cost so far, OCR included (None: nothing priced yet)."""
    from ychat.models.prices import OCR_RUB

    known = [r for _, r in session.spent if r is not None]
    if not known and not session.ocr_calls:
        return None
    return sum(known) + session.ocr_calls * OCR_RUB


def status_line(session: ReplSession) -> str:
    """The bottom toolbar (--status): model, dialect, context used of the window, cost so far."""
    window = fitting.window(session.options)
    used = session.spent[-1][0].total_tokens if session.spent else 0
    context = (
        _("context {used:,}/{window:,}").format(used=used, window=window)
        if window
        else _("context {used:,}").format(used=used)
    )
    spent = roubles(session)
    money = f" · ≈{spent:.2f} ₽" if spent is not None else ""
    return f" {session.options.model} · {session.options.dialect} · {context}{money} "
