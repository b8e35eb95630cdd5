"""What each REPL command does (``/model``, ``/retry``, ``/profile``…): one function per
command, of the session it acts on and its argument; ``commands.TABLE`` holds each with its
words and help line. A UsageError one raises is shown as an error and the session goes on.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ychat.attach.files import Attachment
from ychat.config.options import TEMPERATURE
from ychat.errors import UsageError
from ychat.i18n import _, ngettext
from ychat.repl import attaching

if TYPE_CHECKING:
    from ychat.repl.ports import Keeper, ReplSession

MODEL_NAME = re.compile(r"[\w.:/@-]+")  # yandexgpt-lite, yandexgpt/rc, gpt://b1g…/yandexgpt/latest
CLEAR = "--clear"  # the explicit argument that removes a setting


def clear(session: ReplSession, arg: str) -> None:
    if session.keeper is not None:
        session.keeper.new()  # the old conversation stays saved
    session.conversation.clear()
    session.unsent, session.attachments, session.pending = None, [], []
    session.renderer.info(
        _("New conversation.") + (_(" The system prompt stays.") if session.conversation.system else "")
    )


def system(session: ReplSession, arg: str) -> None:
    if arg == CLEAR:
        session.conversation.system = None
        session.renderer.info(_("System prompt removed."))
    elif arg:
        session.conversation.system = arg
        session.renderer.info(_("System prompt set: {arg}").format(arg=arg))
    else:
        system = session.conversation.system
        session.renderer.info(
            _("System prompt: {system}").format(system=system)
            if system
            else _("No system prompt. /system TEXT sets one.")
        )


def model(session: ReplSession, arg: str) -> None:
    if arg and session.options.model_fixed:
        session.renderer.info(_("/model is ignored offline; the model is {model}.").format(model=session.options.model))
        return
    if arg:
        if not MODEL_NAME.fullmatch(arg):
            raise UsageError(_("not a model name: {arg!r} (e.g. yandexgpt-lite, or a gpt:// URI)").format(arg=arg))
        session.options.model = arg
    session.renderer.info(_("Model: {model}").format(model=session.options.model))
    if not arg and session.catalog is not None:
        session.renderer.info(session.catalog.describe(local=session.options.model_fixed))


def temperature(session: ReplSession, arg: str) -> None:
    if arg == CLEAR:
        session.options.temperature = None
    elif arg:
        session.options.temperature = parse_temperature(arg)
    shown = session.options.temperature if session.options.temperature is not None else _("server default")
    session.renderer.info(_("Temperature: {shown}").format(shown=shown))


def profile(session: ReplSession, arg: str) -> None:
    names = session.profiles.names() if session.profiles else []
    if not arg:
        listed = ", ".join(_("{n} (current)").format(n=n) if n == session.profile else n for n in names)
        none = _("No profiles: add [profiles.NAME] to the config file.")
        session.renderer.info(_("Profiles: {listed}").format(listed=listed) if names else none)
        return
    if session.profiles is None:
        raise UsageError(_("no config file with profiles"))
    role = session.profiles.get(arg)
    if not session.options.model_fixed:
        session.options.model = role.model
    session.options.temperature, session.options.max_tokens = role.temperature, role.max_tokens
    session.conversation.system, session.profile = role.system, role.name
    system = _("; system prompt: {system}").format(system=clip(role.system)) if role.system else ""
    session.renderer.info(
        _("Profile {name}: model {model}{system}. The conversation goes on.").format(
            name=role.name, model=session.options.model, system=system
        )
    )


def async_(session: ReplSession, arg: str) -> None:
    if arg.lower() not in ("", "on", "off"):
        raise UsageError(_("/async takes on or off, not {arg!r}").format(arg=arg))
    if arg.lower() == "on" and not session.options.deferred_available:
        raise UsageError(_("deferred mode is part of the v1 API: start ychat with --api v1 for it"))
    if arg:
        session.options.deferred = arg.lower() == "on"
    mode = _("on: replies are deferred operations (half price), polled") if session.options.deferred else _("off")
    session.renderer.info(_("Deferred mode {mode}.").format(mode=mode))


def usage(session: ReplSession, arg: str) -> None:
    from ychat.models.prices import PRICES_AS_OF, WEB_SEARCH_FROM, WEB_SEARCH_RUB, describe, total

    if not session.spent:
        session.renderer.info(_("No reply with token counts yet in this session."))
        return attaching.ocr_usage(session)
    usage, roubles = session.spent[-1]
    known = [r for _, r in session.spent if r is not None]
    spent = sum(known) if len(known) == len(session.spent) else None
    whole = total(u for u, _ in session.spent)
    replies = ngettext("{n} reply", "{n} replies", len(session.spent)).format(n=len(session.spent))
    text = _(
        "Last reply: {last}\nSession, {replies}: {session}\n"
        "(₽ are an estimate from Yandex's prices as of {date}; deferred replies at half price.)"
    )
    last, overall = describe(usage, roubles), describe(whole, spent)
    session.renderer.info(text.format(last=last, replies=replies, session=overall, date=PRICES_AS_OF))
    attaching.ocr_usage(session)
    if session.searches:  # counted in the ₽ above
        searched = _("Web searches: {n} (≈{rub:.2f} ₽ at {each:.2f} ₽ each, Yandex's price from {date})")
        session.renderer.info(
            searched.format(
                n=session.searches, rub=session.searches * WEB_SEARCH_RUB, each=WEB_SEARCH_RUB, date=WEB_SEARCH_FROM
            )
        )


def edit(session: ReplSession, arg: str) -> None:
    import os

    from ychat.repl.editor import edit as in_editor

    text = in_editor(arg, os.environ)
    if text.strip():
        session.turn(text.rstrip("\n"))
    else:
        session.renderer.info(_("Nothing saved in the editor: nothing sent."))


def copy(session: ReplSession, arg: str) -> None:
    import os

    from ychat.repl.editor import OSC52_LIMIT, copy_with_tool, last_code_block, osc52

    if not session.conversation.exchanges:
        raise UsageError(_("no reply to copy yet"))
    reply = session.conversation.exchanges[-1].assistant
    text = last_code_block(reply) if arg == "code" else reply if not arg else None
    if text is None:
        raise UsageError(_("the last reply has no code block") if arg == "code" else _("/copy takes nothing or: code"))
    ways = []
    if session.renderer.control(osc52(text)) and len(text.encode()) <= OSC52_LIMIT:
        ways.append(_("OSC 52 (your terminal puts it on the clipboard, over SSH too)"))
    tool = copy_with_tool(text, os.environ)
    if tool:
        ways.append(tool)
    if not ways:
        raise UsageError(_("cannot copy: not a terminal and no clipboard tool (wl-copy, xclip, xsel, pbcopy)"))
    session.renderer.info(_("Copied {count:,} characters: {ways}.").format(count=len(text), ways=" and ".join(ways)))


def file(session: ReplSession, arg: str) -> None:
    from ychat.repl.editor import read_attachment

    if not arg:
        raise UsageError(_("/file needs a path: /file PATH"))
    if attaching.is_picture(arg):  # a picture given to /file goes as /attach would take it
        return attaching.attach(session, arg)
    name, text = read_attachment(arg)
    session.attachments.append((name, text))
    session.renderer.info(
        _("{name} ({count:,} characters) goes with your next message.").format(name=name, count=len(text))
    )


def compact(session: ReplSession, arg: str) -> None:
    count = len(session.conversation.exchanges) - 2  # the last two stay as they are
    if count < 1:
        session.renderer.info(_("Nothing to compact yet: the last two exchanges always stay whole."))
        return
    session.compact(count)
    session.renderer.info(_("Summary: {summary}").format(summary=session.conversation.summary))


def _kept(session: ReplSession) -> Keeper:
    if session.keeper is None:
        raise UsageError(_("this session is not saved (--no-save, or save = false in the config file)"))
    return session.keeper


def title(session: ReplSession, arg: str) -> None:
    if not arg:
        raise UsageError(_("/title needs the title: /title TEXT"))
    _kept(session).title(arg)
    session.renderer.info(_("Title: {arg}").format(arg=arg))


def _nothing_to_save(session: ReplSession) -> bool:
    if session.conversation.exchanges or session.conversation.summary:
        return False
    session.renderer.info(_("Nothing to save yet: the conversation is empty."))
    return True


def fork(session: ReplSession, arg: str) -> None:
    if _nothing_to_save(session):
        return
    cid = _kept(session).fork(session.conversation, model=session.options.model)
    session.conversation.compacted = 0  # the copy's summary stands for none of its own exchanges
    session.renderer.info(
        _("Forked: this is now conversation {cid}; the original stays as it was.").format(cid=cid[:8])
    )


def load(session: ReplSession, arg: str) -> None:
    model, conversation = _kept(session).load(arg)
    session.conversation, session.unsent = conversation, None
    if not session.options.model_fixed:
        session.options.model = model
    turns = len(conversation.exchanges)
    text = ngettext("Loaded {id}: {n} exchange, model {model}.", "Loaded {id}: {n} exchanges, model {model}.", turns)
    session.renderer.info(text.format(id=arg, n=turns, model=session.options.model))


def save(session: ReplSession, arg: str) -> None:
    from ychat.history.export import write

    if _nothing_to_save(session):
        return
    keeper = session.keeper
    path = write(
        session.conversation,
        arg or None,
        model=session.options.model,
        cid=keeper.cid if keeper else None,
        title=keeper.current_title if keeper else None,
    )
    session.renderer.info(_("Saved to {path}").format(path=path))


def retry(session: ReplSession, arg: str) -> None:
    if session.unsent is not None:
        session.turn(session.unsent)
        return
    last = session.conversation.undo()
    if last is not None:  # the pictures the model saw go again with the question
        session.pending = [Attachment(image.name, image.mime, image.data) for image in last.images]
    if last is None:
        session.renderer.info(_("Nothing to retry."))
    elif session.turn(last.user, keep_note=False):
        session.saving(lambda keeper: keeper.replaced())  # the store then holds the new reply, not both
    else:
        session.unsent = None
        session.conversation.exchanges.append(last)  # the old reply is kept rather than lost
        session.renderer.info(_("The previous reply is kept; /retry tries again."))


def undo(session: ReplSession, arg: str) -> None:
    if session.unsent is not None:  # and the files that were to go with it
        session.unsent, session.attachments, session.pending = None, [], []
        session.renderer.info(_("Dropped the unsent message."))
        return
    dropped = session.conversation.undo()
    if dropped is not None:
        session.saving(lambda keeper: keeper.undone())  # ychat -c will not send it either
    session.renderer.info(_("Dropped: {user}").format(user=clip(dropped.user)) if dropped else _("Nothing to undo."))


def history(session: ReplSession, arg: str) -> None:
    messages = session.conversation.messages_for("")[:-1]
    if messages:
        session.renderer.show_history(messages)
    else:
        session.renderer.info(_("The conversation is empty."))


def parse_temperature(arg: str) -> float:
    """``/temperature X``, checked against the options schema's range (``ychat.config.options``)."""
    opt = TEMPERATURE
    span = {"low": f"{opt.low:g}", "high": f"{opt.high:g}"}
    try:
        value = float(arg)
    except ValueError:
        message = _("temperature must be a number between {low} and {high}, not {arg!r}")
        raise UsageError(message.format(arg=arg, **span)) from None
    try:
        return float(opt.check(value))
    except ValueError:
        raise UsageError(_("temperature must be between {low} and {high}, not {arg}").format(arg=arg, **span)) from None


def clip(text: str, limit: int = 60) -> str:
    """One line of at most ``limit`` characters (a long message shown in a note)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
