"""A conversation kept in the store as it goes (``Keeper``), and the store's messages back into a
``Conversation``. The session calls ``sent`` when a message goes out and ``replied`` or ``failed``
when its reply ends; nothing is created in the store until the first message is sent.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ychat.conversation import Conversation, Exchange
from ychat.core import Done, Image, Message, Source
from ychat.history.steps import dump as dump_steps
from ychat.history.steps import load as load_steps
from ychat.history.steps import markdown as tool_steps_markdown
from ychat.i18n import _

if TYPE_CHECKING:  # sqlite3 is imported when the store is first opened, not before the prompt
    from ychat.history.blobs import Kept
    from ychat.history.records import SavedAttachment
    from ychat.history.store import Saved, SavedMessage, Store

    Link = Callable[[SavedAttachment], str]  # an attachment -> the path its file was written to

TITLE_LENGTH = 60


def store_path(env: Mapping[str, str]) -> Path:
    """``YCHAT_DATA_DIR`` (a folder), else the platform's user data folder; the file is ychat.db."""
    if env.get("YCHAT_DATA_DIR"):
        return Path(env["YCHAT_DATA_DIR"]).expanduser() / "ychat.db"
    from platformdirs import user_data_path

    return user_data_path("ychat") / "ychat.db"


def open_store(path: Path) -> Store:
    from ychat.history.store import Store

    return Store(path)


def existing_store(path: Path) -> Store | None:
    """The store if one was ever written; None before the first message (nothing is created)."""
    return open_store(path) if path.exists() else None


class Keeper:
    """``store``: the Store, or how to open it (a REPL's prompt does not wait for SQLite)."""

    def __init__(self, store: Store | Callable[[], Store], *, dialect: str, model: str, cid: str | None = None) -> None:
        self._open = store if callable(store) else None
        self._store = None if callable(store) else store
        self.dialect, self.model, self.cid = dialect, model, cid
        self._title: str | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            assert self._open is not None
            self._store = self._open()
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def sent(self, text: str, *, system: str | None, model: str, attachments: Sequence[Kept] = ()) -> None:
        """The user's message, with the pictures and pages it carries (``attachments``)."""
        if self.cid is None:
            title = self._title or title_of(text)
            self.cid = self.store.create(title=title, dialect=self.dialect, model=model, system=system, options={})
            self.store.add(self.cid, "user", text, attachments=attachments)
            return
        self.store.add(self.cid, "user", text, system=system, model=model, attachments=attachments)

    def replied(self, done: Done, steps: tuple[Message, ...] = ()) -> None:
        if self.cid is not None:
            usage = asdict(done.usage) if done.usage else None
            self.store.add(
                self.cid,
                "assistant",
                done.text,
                usage=usage,
                model_version=done.model_version,
                finish=done.finish.value,
                steps=dump_steps(steps),
                meta=reply_meta(done),
            )

    def failed(self, partial: str, status: str) -> None:
        """The reply in flight ended badly: kept, marked, and never sent back to the model."""
        if self.cid is not None:
            self.store.add(self.cid, "assistant", partial, status=status)

    def undone(self) -> None:
        """``/undo``: the last exchange is kept in the store, marked, and never sent again."""
        if self.cid is not None:
            self.store.retract(self.cid, "undone")

    def replaced(self) -> None:
        """``/retry`` got a new reply: the exchange before it is kept, marked, never sent again."""
        if self.cid is not None:
            self.store.retract(self.cid, "replaced", skip=1)

    def summarized(self, summary: str, covers: int) -> None:
        """A marked message: the summary stands for the first ``covers`` exchanges (kept too)."""
        if self.cid is not None:
            self.store.add(self.cid, "system", summary, status="summary", finish=str(covers))

    @property
    def current_title(self) -> str | None:
        """The title set with /title, else the saved one (None before the first message)."""
        if self._title is None and self.cid is not None:
            self._title = self.store.get(self.cid).title
        return self._title

    def title(self, text: str) -> None:
        self._title = text
        if self.cid is not None:
            self.store.update(self.cid, title=text)

    def new(self) -> None:
        self.cid, self._title = None, None

    def load(self, prefix: str) -> tuple[str, Conversation]:
        """Switch to a saved conversation: its model and its history."""
        saved, conversation = load(self.store, self.store.resolve(prefix))
        self.cid, self._title = saved.id, saved.title
        return saved.model, conversation

    def fork(self, conversation: Conversation, *, model: str) -> str:
        """A saved copy of the conversation so far (its summary too, marked, standing for no
        exchange of the copy's own); this keeper then writes to the copy."""
        title = _("fork of {title}").format(title=self.current_title or _("a new conversation"))
        cid = self.store.create(
            title=title[:TITLE_LENGTH], dialect=self.dialect, model=model, system=conversation.system, options={}
        )
        if conversation.summary is not None:
            self.store.add(cid, "system", conversation.summary, status="summary", finish="0")
        for exchange in conversation.exchanges:
            self.store.add(cid, "user", exchange.user, attachments=[(image, "image") for image in exchange.images])
            self.store.add(
                cid, "assistant", exchange.assistant, steps=dump_steps(exchange.steps), meta=exchange_meta(exchange)
            )
        self.cid, self._title = cid, title[:TITLE_LENGTH]
        return cid


def title_of(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "untitled")
    return first if len(first) <= TITLE_LENGTH else first[: TITLE_LENGTH - 1] + "…"


def exchanges(messages: Sequence[SavedMessage]) -> list[Exchange]:
    """Every user message answered by a complete reply; failed or cancelled replies (and their
    questions, and a question whose reply never came: a crash) are left out."""
    found: list[Exchange] = []
    for question, answer in itertools.pairwise(messages):
        if _answered(question, answer):
            meta = answer.meta or {}
            sources = tuple(Source(str(s.get("url")), str(s.get("title", ""))) for s in meta.get("sources", []))
            images = tuple(Image(a.name, a.mime, a.data) for a in question.attachments if a.via == "image")
            exchange = Exchange(
                question.text, answer.text, load_steps(answer.steps), meta.get("response_id", ""), sources, images
            )
            found.append(exchange)
    return found


def held(messages: Sequence[SavedMessage]) -> list[SavedMessage]:
    """The messages the conversation holds now, as ``/history`` shows it and ``-c`` sends it:
    the latest summary, then the answered exchanges it does not stand for; nothing undone,
    replaced, failed or cancelled."""
    pairs = [(q, a) for q, a in itertools.pairwise(messages) if _answered(q, a)]
    summaries = [m for m in messages if m.status == "summary" and (m.finish or "").isdigit()]
    covers = int(summaries[-1].finish or 0) if summaries else 0
    return summaries[-1:] + [message for pair in pairs[covers:] for message in pair]


def _answered(question: SavedMessage, answer: SavedMessage) -> bool:
    return question.role == "user" and answer.role == "assistant" and answer.status == "ok"


def load(store: Store, cid: str) -> tuple[Saved, Conversation]:
    saved, messages = store.get(cid), store.messages(cid)
    conversation = Conversation(system=saved.system, exchanges=exchanges(messages))
    summaries = [m for m in messages if m.status == "summary" and (m.finish or "").isdigit()]
    if summaries:
        covers = int(summaries[-1].finish or 0)
        conversation.summary, conversation.compacted = summaries[-1].text, covers
        conversation.exchanges = conversation.exchanges[covers:]
    return saved, conversation


def export_json(saved: Saved, messages: Sequence[SavedMessage]) -> str:
    listed = [
        {
            **asdict(m),
            "steps": json.loads(m.steps) if m.steps else [],
            "attachments": [attachment_json(a) for a in m.attachments],
        }
        for m in messages
    ]
    record: dict[str, Any] = {**asdict(saved), "messages": listed}
    return json.dumps(record, ensure_ascii=False, indent=2) + "\n"


def attachment_json(attachment: SavedAttachment) -> dict[str, Any]:
    """An attachment in a JSON export: what it is, without its bytes."""
    return {k: v for k, v in asdict(attachment).items() if k != "data"} | {"bytes": len(attachment.data)}


def attachment_lines(attachments: Sequence[SavedAttachment], link: Link | None) -> list[str]:
    """One line each: a link to its file written beside the export, else its name and size."""
    lines = []
    for a in attachments:
        how = _("seen by the model") if a.via == "image" else _("read by OCR")
        name = "".join("_" if c in "[]()\r\n" else c for c in a.name)  # a file's name cannot break its link
        if link is not None:
            target = link(a)
            lines.append(f"- {'!' if a.mime.startswith('image/') else ''}[{name}]({target}) ({how})")
        else:
            lines.append(f"- {name} ({a.mime}, {len(a.data):,} bytes, {how})")
    return [*lines, ""] if lines else []


def export_markdown(saved: Saved, messages: Sequence[SavedMessage], link: Link | None = None) -> str:
    """The conversation as Markdown; ``link``: where an attachment's file was written (else listed by name)."""
    when = datetime.fromtimestamp(saved.created).strftime("%Y-%m-%d %H:%M")
    parts = [f"# {saved.title}", "", f"*{saved.id} · {saved.model} · {when}*", ""]
    if saved.system:
        parts += ["## System", "", saved.system, ""]
    for message in messages:
        parts += tool_steps_markdown(load_steps(message.steps))
        mark = "" if message.status == "ok" else f" ({message.status})"
        parts += [f"## {message.role.capitalize()}{mark}", "", message.text, ""]
        parts += attachment_lines(message.attachments, link)
        sources = (message.meta or {}).get("sources", [])
        parts += [
            f"[{n}] {s.get('title') or s.get('url')}" + (f" — <{s['url']}>" if s.get("url") else "")
            for n, s in enumerate(sources, 1)
        ]
        parts += [""] if sources else []
    return "\n".join(parts)


def exchange_meta(exchange: Exchange) -> dict[str, Any] | None:
    """What ``reply_meta`` kept of a reply, from the exchange it became (/fork, /save)."""
    meta: dict[str, Any] = {"response_id": exchange.response_id} if exchange.response_id else {}
    if exchange.sources:
        meta["sources"] = [{"url": s.url, "title": s.title} for s in exchange.sources]
    return meta or None


def reply_meta(done: Done) -> dict[str, Any] | None:
    """What a reply carries besides its text: the server's id for it (--server-state), the pages
    it cites and the web searches made for it (None: nothing)."""
    meta: dict[str, Any] = {}
    if done.response_id:
        meta["response_id"] = done.response_id
    if done.sources:
        meta["sources"] = [{"url": s.url, "title": s.title} for s in done.sources]
    if done.searches:
        meta["searches"] = done.searches
    return meta or None
