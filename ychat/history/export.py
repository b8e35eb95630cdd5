"""``/save [FILE]``: the current conversation as Markdown, or JSON when FILE ends in ``.json``;
its pictures in a folder beside it (``files_beside``, also for ``ychat history export -o``)."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ychat.attach.files import EXTENSIONS
from ychat.conversation import Conversation, Exchange
from ychat.core import Image
from ychat.history.keeper import exchange_meta, export_json, export_markdown, title_of
from ychat.history.records import SavedAttachment
from ychat.history.steps import dump
from ychat.history.store import Saved, SavedMessage
from ychat.i18n import _
from ychat.privatefile import write_private

if TYPE_CHECKING:
    from ychat.history.keeper import Link


def files_beside(path: Path, messages: Sequence[SavedMessage]) -> Link:
    """Each attachment written (0600) into a folder beside the export (``chat.md`` ->
    ``chat_files/``), named by its digest and name; the link to it, relative to the export."""
    folder = path.with_name(path.stem + "_files")
    written: dict[str, str] = {}
    for attachment in (a for message in messages for a in message.attachments):
        if attachment.digest in written:
            continue
        stem = re.sub(r"[^\w.-]+", "-", Path(attachment.name).stem).strip("-.")[:40] or "file"
        name = f"{attachment.digest[:8]}-{stem}.{EXTENSIONS.get(attachment.mime, 'bin')}"
        write_private(folder / name, attachment.data, make_folder=True)
        written[attachment.digest] = f"{folder.name}/{name}"
    return lambda attachment: written[attachment.digest]


def write(conversation: Conversation, name: str | None, *, model: str, cid: str | None, title: str | None) -> Path:
    """Written to a new file beside FILE, then renamed over it: 0600 from its first byte, and
    never half-written (a full disk leaves FILE as it was)."""
    now = time.time()
    first = conversation.exchanges[0].user if conversation.exchanges else _("empty conversation")
    saved = Saved(cid or "unsaved", title or title_of(first), "", model, conversation.system, {}, now, now)
    messages = [
        message
        for exchange in conversation.exchanges
        for message in (
            SavedMessage("user", exchange.user, "ok", None, "", None, now, attachments=_kept_all(exchange.images)),
            _reply(exchange, now),
        )
    ]
    path = Path(name).expanduser() if name else Path(_file_name(title, cid))
    link = files_beside(path, messages)
    text = export_json(saved, messages) if path.suffix == ".json" else export_markdown(saved, messages, link)
    write_private(path, text)
    return path


def _reply(exchange: Exchange, now: float) -> SavedMessage:
    """The reply with its tool round trips and the pages it cites, as the store keeps them."""
    meta = exchange_meta(exchange)
    return SavedMessage("assistant", exchange.assistant, "ok", None, "", None, now, dump(exchange.steps), meta)


def _kept_all(images: Sequence[Image]) -> tuple[SavedAttachment, ...]:
    return tuple(_kept(image) for image in images)


def _kept(image: Image) -> SavedAttachment:
    return SavedAttachment(image.name, image.mime, image.digest, "image", image.data)


def _file_name(title: str | None, cid: str | None) -> str:
    """``/save`` alone: the title's words (``/title Greek letters`` -> ``greek-letters.md``),
    else ``ychat-<id>.md``."""
    words = re.sub(r"[^\w]+", "-", title or "").strip("-_").lower()[:48].rstrip("-")
    return f"{words}.md" if words else f"ychat-{(cid or 'conversation')[:8]}.md"
