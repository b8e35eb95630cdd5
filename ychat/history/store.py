"""Saved conversations: one SQLite file (stdlib ``sqlite3``, WAL), schema-versioned with
migrations. The only importer of sqlite3.

Every write is its own transaction, committed with ``synchronous=FULL``: a crash, ``kill -9``
or power loss loses at most the reply in flight, and two ychat processes may write at once
(WAL; a writer waits up to 5 s for the other). The file is 0600 in a 0700 folder.

    >>> store = Store(path)
    >>> cid = store.create(title="hi", dialect="v1", model="yandexgpt", system=None, options={})
    >>> store.add(cid, "user", "hi"); store.add(cid, "assistant", "Hello!", usage=…, finish="stop")
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ychat.errors import ConfigError, StoreDamaged, StoreError, UsageError
from ychat.history import blobs
from ychat.history.blobs import Kept
from ychat.history.records import Saved, SavedMessage, loaded, saved
from ychat.history.schema import FTS, MIGRATIONS, SCHEMA_VERSION
from ychat.i18n import _

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Saved", "SavedMessage", "Store"]

OPEN_ATTEMPTS = 5  # "locked" while opening is tried again this often (Store._open)
OPEN_WAIT_MS = 30_000  # opening (WAL, a migration) waits for other openers: a few fsyncs each, slow on a busy disk


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.RLock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # 0600 before any byte is written
            self._db = sqlite3.connect(path, timeout=5.0, isolation_level=None, check_same_thread=False)
        except OSError as exc:
            raise StoreError(
                _("the conversation store {path} cannot be created: {reason}").format(
                    path=path, reason=exc.strerror or exc
                )
            ) from None
        try:
            self._open()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise _unusable(path, exc) from None
        self.fts = self._fts()

    def _open(self) -> None:
        """WAL, then the schema. Several processes opening a store at once wait for each other
        (busy_timeout); SQLite answers "locked" without waiting in a few of those races (a WAL
        switch or recovery under way in another process), so that answer is tried again."""
        self._db.execute(f"PRAGMA busy_timeout = {OPEN_WAIT_MS}")  # other processes may be opening it too
        for attempt in range(OPEN_ATTEMPTS):
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
                self._db.execute("PRAGMA foreign_keys=ON")
                self._migrate()
                break
            except (sqlite3.OperationalError, StoreError) as exc:
                if "locked" not in str(exc) or attempt == OPEN_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))  # pragma: no cover - a race of other processes
        self._db.execute("PRAGMA busy_timeout = 5000")  # as connect's timeout: a write waits 5 s

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction (one at a time per connection); SQLite's failures (disk full, a lock held
        too long) become StoreError."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.DatabaseError as exc:
                raise StoreError(
                    _("the conversation store {path} is busy or unwritable: {exc}").format(path=self.path, exc=exc)
                ) from None
            try:
                yield self._db
            except sqlite3.DatabaseError as exc:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise StoreError(_("could not save to {path}: {exc}").format(path=self.path, exc=exc)) from None
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.DatabaseError as exc:  # the disk filled up while committing
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise StoreError(_("could not save to {path}: {exc}").format(path=self.path, exc=exc)) from None

    def _migrate(self) -> None:
        """Create or upgrade the schema in one write transaction: processes opening a new or an
        older store at once wait for each other, and each sees the version the last one left."""
        with self._write() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise ConfigError(
                    _("{path} was written by a newer ychat (schema {version}); upgrade ychat").format(
                        path=self.path, version=version
                    )
                )
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in filter(str.strip, MIGRATIONS[step].split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {step}")

    def _fts(self) -> bool:
        try:
            with self._write() as db:
                db.execute(FTS)
            return True
        except sqlite3.OperationalError:  # SQLite built without FTS5: LIKE instead
            return False

    def create(self, *, title: str, dialect: str, model: str, system: str | None, options: dict[str, Any]) -> str:
        cid, now = uuid.uuid4().hex, time.time()
        with self._write() as db:
            db.execute(
                "INSERT INTO conversations VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (cid, title, dialect, model, system, json.dumps(options), now, now),
            )
        return cid

    def add(
        self,
        cid: str,
        role: str,
        text: str,
        *,
        status: str = "ok",
        usage: dict[str, int] | None = None,
        model_version: str = "",
        finish: str | None = None,
        system: str | None = None,
        model: str | None = None,
        steps: str | None = None,
        meta: dict[str, Any] | None = None,
        attachments: Sequence[Kept] = (),
    ) -> None:
        """One message, in one transaction (one fsync) with the conversation's ``system``/``model``
        when given (a message sent with a changed system prompt or model), and its attachments."""
        now, extra = time.time(), (steps, json.dumps(meta, ensure_ascii=False) if meta else None)
        with self._write() as db:
            if model is not None:
                db.execute("UPDATE conversations SET system = ?, model = ? WHERE id = ?", (system, model, cid))
            cursor = db.execute(
                "INSERT INTO messages (conversation_id, role, text, created, status, usage, model_version, finish,"
                " steps, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (cid, role, text, now, status, json.dumps(usage) if usage else None, model_version, finish, *extra),
            )
            if self.fts:
                db.execute("INSERT INTO messages_fts(rowid, text) VALUES (?, ?)", (cursor.lastrowid, text))
            blobs.put(db, cursor.lastrowid or 0, attachments)
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, cid))

    def retract(self, cid: str, status: str, *, skip: int = 0) -> bool:
        """Mark the last answered exchange (but the ``skip`` last ones) ``status`` (undone,
        replaced): kept, never sent again. False when there is none."""
        with self._write() as db:
            rows = db.execute(
                "SELECT id, role, status FROM messages WHERE conversation_id = ? AND role IN ('user', 'assistant')"
                " ORDER BY id DESC",
                (cid,),
            ).fetchall()
            pairs = [
                (q[0], a[0]) for a, q in itertools.pairwise(rows) if a[1:] == ("assistant", "ok") and q[1] == "user"
            ]
            if len(pairs) <= skip:
                return False
            db.execute("UPDATE messages SET status = ? WHERE id IN (?, ?)", (status, *pairs[skip]))
        return True

    def update(self, cid: str, **fields: Any) -> None:
        allowed = {"title", "model", "system", "options", "dialect"}
        sets = {k: json.dumps(v) if k == "options" else v for k, v in fields.items() if k in allowed}
        with self._write() as db:
            for key, value in sets.items():
                db.execute(f"UPDATE conversations SET {key} = ? WHERE id = ?", (value, cid))  # noqa: S608 - key is allowed

    def resolve(self, prefix: str) -> str:
        """A conversation id from a unique prefix of it."""
        key = prefix.lower()  # literal: % and _ are no wildcards
        rows = self._db.execute("SELECT id FROM conversations WHERE substr(id, 1, ?) = ? LIMIT 2", (len(key), key))
        found = [row[0] for row in rows]
        if not prefix or not found:
            raise UsageError(
                _("no saved conversation {prefix!r}").format(prefix=prefix), hint=_("ychat history list shows them")
            )
        if len(found) > 1:
            raise UsageError(
                _("{prefix!r} names more than one conversation; give more of its id").format(prefix=prefix)
            )
        return str(found[0])

    def latest(self) -> str | None:
        row = self._db.execute("SELECT id FROM conversations ORDER BY updated DESC LIMIT 1").fetchone()
        return str(row[0]) if row else None

    def get(self, cid: str) -> Saved:
        row = self._db.execute("SELECT * FROM conversations WHERE id = ?", (cid,)).fetchone()
        if row is None:
            raise UsageError(_("no saved conversation {cid!r}").format(cid=cid))
        return saved(row)

    def messages(self, cid: str) -> list[SavedMessage]:
        rows = self._db.execute(
            "SELECT role, text, status, usage, model_version, finish, created, steps, meta, id FROM messages"
            " WHERE conversation_id = ? ORDER BY id",
            (cid,),
        ).fetchall()
        files = blobs.of(self._db, [r[9] for r in rows if r[0] == "user"])
        return [
            SavedMessage(r[0], r[1], r[2], loaded(r[3]), r[4], r[5], r[6], r[7], loaded(r[8]), files.get(r[9], ()))
            for r in rows
        ]

    def recent(self, limit: int = 20) -> list[Saved]:
        rows = self._db.execute("SELECT * FROM conversations ORDER BY updated DESC LIMIT ?", (limit,))
        return [saved(row) for row in rows]

    def delete(self, cid: str) -> None:
        with self._write() as db:
            if self.fts:
                for rowid, text in db.execute("SELECT id, text FROM messages WHERE conversation_id = ?", (cid,)):
                    db.execute(
                        "INSERT INTO messages_fts(messages_fts, rowid, text) VALUES('delete', ?, ?)", (rowid, text)
                    )
            db.execute("DELETE FROM conversations WHERE id = ?", (cid,))
            blobs.forget_unused(db)

    def search(self, text: str, limit: int = 20) -> list[tuple[Saved, str]]:
        """Conversations with a message matching ``text`` (FTS5 words, else a substring), newest first."""
        if self.fts:
            query = " ".join('"' + word.replace('"', '""') + '"' for word in text.split())
            sql = (
                "SELECT m.conversation_id, m.text FROM messages_fts f JOIN messages m ON m.id = f.rowid"
                " WHERE messages_fts MATCH ? ORDER BY m.id DESC"
            )
            rows: Iterator[tuple[str, str]] = self._db.execute(sql, (query,)) if query else iter(())
        else:
            rows = self._db.execute(
                "SELECT conversation_id, text FROM messages WHERE text LIKE ? ESCAPE '\\' ORDER BY id DESC",
                ("%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",),
            )
        found: dict[str, str] = {}
        for cid, matched in rows:
            if cid not in found:
                found[cid] = matched
            if len(found) >= limit:
                break
        return [(self.get(cid), line) for cid, line in found.items()]


def _unusable(path: Path, exc: sqlite3.DatabaseError) -> StoreError:
    """A store SQLite cannot read (damaged, or not a database): say which file and what to do."""
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        return StoreError(_("the conversation store {path} is busy: {exc}").format(path=path, exc=exc))
    return StoreDamaged(
        _("the conversation store {path} cannot be read: {exc}").format(path=path, exc=exc),
        hint=_("Move it aside (mv {path} {path}.broken) to start a new one, or run with --no-save.").format(path=path),
    )
