"""``/save [FILE]``: the current conversation as Markdown, or JSON when FILE ends in ``.json``."""

from __future__ import annotations

import re
import time
from pathlib import Path

from ychat.conversation import Conversation
from ychat.history.keeper import export_json, export_markdown, title_of
from ychat.history.store import Saved, SavedMessage
from ychat.i18n import _
from ychat.privatefile import write_private


def write(conversation: Conversation, name: str | None, *, model: str, cid: str | None, title: str | None) -> Path:
    """Written to a new file beside FILE, then renamed over it: 0600 from its first byte, and
    never half-written (a full disk leaves FILE as it was)."""
    now = time.time()
    first = conversation.exchanges[0].user if conversation.exchanges else _("empty conversation")
    saved = Saved(cid or "unsaved", title or title_of(first), "", model, conversation.system, {}, now, now)
    messages = [
        SavedMessage(role, text, "ok", None, "", None, now)
        for exchange in conversation.exchanges
        for role, text in (("user", exchange.user), ("assistant", exchange.assistant))
    ]
    path = Path(name).expanduser() if name else Path(_file_name(title, cid))
    text = export_json(saved, messages) if path.suffix == ".json" else export_markdown(saved, messages)
    write_private(path, text)
    return path


def _file_name(title: str | None, cid: str | None) -> str:
    """``/save`` alone: the title's words (``/title Greek letters`` -> ``greek-letters.md``),
    else ``ychat-<id>.md``."""
    words = re.sub(r"[^\w]+", "-", title or "").strip("-_").lower()[:48].rstrip("-")
    return f"{words}.md" if words else f"ychat-{(cid or 'conversation')[:8]}.md"
