"""What the store gives back: a saved conversation and its messages (plain records)."""

from __future__ import annotations

import json
from dataclasses import dataclass
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


def loaded(text: str | None) -> Any:
    """A JSON column (None when empty)."""
    return json.loads(text) if text else None


def saved(row: tuple[Any, ...]) -> Saved:
    return Saved(row[0], row[1], row[2], row[3], row[4], json.loads(row[5] or "{}"), row[6], row[7])
