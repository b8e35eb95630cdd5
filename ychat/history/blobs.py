"""A message's attachments in the store (schema 5): each file once in ``blobs`` by its SHA-256,
tied to its messages in ``attachments``. Helpers of ``store.py``, on its connection and inside
its transactions."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from ychat.core import Image
from ychat.history.records import SavedAttachment

Kept = tuple[Image, str]  # a file and how it went: "image" (the model saw it) or "ocr" (read into the text)


def put(db: sqlite3.Connection, message_id: int, attachments: Sequence[Kept]) -> None:
    for position, (image, via) in enumerate(attachments):
        digest = image.digest
        db.execute("INSERT OR IGNORE INTO blobs VALUES (?, ?, ?)", (digest, image.mime, image.data))
        db.execute("INSERT INTO attachments VALUES (?, ?, ?, ?, ?)", (message_id, position, image.name, digest, via))


def of(db: sqlite3.Connection, message_ids: Iterable[int]) -> dict[int, tuple[SavedAttachment, ...]]:
    """The attachments of these messages, in order, by message id."""
    wanted = list(message_ids)
    found: dict[int, list[SavedAttachment]] = {}
    for start in range(0, len(wanted), 500):  # SQLite's limit on bound variables
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        columns = "a.message_id, a.name, b.mime, a.digest, a.via, b.data"
        join = "attachments a JOIN blobs b ON b.digest = a.digest"
        query = f"SELECT {columns} FROM {join} WHERE a.message_id IN ({marks}) ORDER BY a.message_id, a.position"  # noqa: S608 - ? marks only
        rows = db.execute(query, chunk)
        for row in rows:
            found.setdefault(row[0], []).append(SavedAttachment(row[1], row[2], row[3], row[4], bytes(row[5])))
    return {key: tuple(value) for key, value in found.items()}


def forget_unused(db: sqlite3.Connection) -> None:
    """Files no message carries any more (their conversation was deleted)."""
    db.execute("DELETE FROM blobs WHERE digest NOT IN (SELECT digest FROM attachments)")
