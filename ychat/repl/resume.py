"""``-c`` and ``--resume ID``: a saved conversation loaded into the session, with the model it
was made with when this backend knows its name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ychat.errors import UsageError
from ychat.i18n import _, ngettext

if TYPE_CHECKING:
    from ychat.history.store import Saved, Store
    from ychat.repl.session import Session


def resumed(store: Store | None, flags: Mapping[str, object], session: Session) -> str | None:
    """The conversation -c (the latest) or --resume ID names, loaded into the session; -c with
    nothing saved starts a new one with a note."""
    resume = flags.get("resume")
    if store is None and not resume:
        session.renderer.info(_("Nothing saved to continue yet: this is a new conversation."))
        return None
    if store is None:
        raise UsageError(
            _("no saved conversation {prefix!r}").format(prefix=resume), hint=_("ychat history list shows them")
        )
    cid = store.resolve(str(resume)) if resume else store.latest()
    if cid is None:
        session.renderer.info(_("Nothing saved to continue yet: this is a new conversation."))
        return None
    from ychat.history.keeper import load

    saved, conversation = load(store, cid)
    conversation.system = session.conversation.system if flags.get("system") is not None else saved.system
    session.conversation = conversation
    if flags.get("model") is None:
        _resumed_model(session, saved)
    turns = len(conversation.exchanges)
    text = ngettext(
        "Continuing “{title}” ({cid}, {n} exchange).", "Continuing “{title}” ({cid}, {n} exchanges).", turns
    )
    session.renderer.info(text.format(title=saved.title, cid=cid[:8], n=turns))
    return cid


def _resumed_model(session: Session, saved: Saved) -> None:
    """The saved model, when this backend knows its names: never a local GGUF's name sent to
    the cloud, nor a cloud model's to another server."""
    options = session.options
    if options.model_fixed or saved.model == options.model:
        return
    if saved.dialect == options.names_from:
        options.model = saved.model
        return
    session.renderer.info(
        _("It was made with {saved} ({dialect}); continuing with {model}.").format(
            saved=saved.model, dialect=saved.dialect, model=options.model
        )
    )
