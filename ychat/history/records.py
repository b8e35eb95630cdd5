"""What the store gives back: a saved conversation and its messages (plain records)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Saved:
    id: str
    title: str
    dialect: str
    model: str
    system: str | None
    options: dict[str, Any]
    created: float
    updated: float


@dataclass(frozen=True)
class SavedAttachment:
    """A picture or page a user message carried: ``via`` ``image`` (the model saw it) or ``ocr``
    (its text is in the message); ``digest``: its SHA-256, the name it is kept under."""

    name: str
    mime: str
    digest: str
    via: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class SavedMessage:
    role: str
    text: str
    status: str  # ok, cancelled, failed
    usage: dict[str, int] | None
    model_version: str
    finish: str | None
    created: float
    steps: str | None = None  # a reply's tool round trips, as JSON (history/keeper.py)
    meta: dict[str, Any] | None = None  # a reply's response_id (--server-state), sources and searches
    attachments: tuple[SavedAttachment, ...] = ()


def loaded(text: str | None) -> Any:
    """A JSON column (None when empty)."""
    return json.loads(text) if text else None


def saved(row: tuple[Any, ...]) -> Saved:
    return Saved(row[0], row[1], row[2], row[3], row[4], json.loads(row[5] or "{}"), row[6], row[7])
