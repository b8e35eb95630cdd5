"""The REPL's slash commands, as methods of the session (``/model``, ``/retry``, ``/profile``…).

A mixin of ``Session``: each ``_cmd_NAME(arg)`` acts on the session's options, conversation and
renderer; a UsageError it raises is shown as an error and the session goes on.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from ychat.commands import CLEAR, clip, help_text, parse_temperature
from ychat.errors import UsageError
from ychat.i18n import _, ngettext
from ychat.window import window_of

if TYPE_CHECKING:
    from ychat.catalog import ModelCatalog
    from ychat.chat import Usage
    from ychat.conversation import Conversation
    from ychat.ports import Keeper, Profiles, Renderer
    from ychat.session import ChatOptions

MODEL_NAME = re.compile(r"[\w.:/@-]+")  # yandexgpt-lite, yandexgpt/rc, gpt://b1g…/yandexgpt/latest


class SlashCommands:
    renderer: Renderer
    conversation: Conversation
    options: ChatOptions
    profiles: Profiles | None
    profile: str | None
    unsent: str | None
    spent: list[tuple[Usage, float | None]]
    attachments: list[tuple[str, str]]
    keeper: Keeper | None
    catalog: ModelCatalog | None = None  # /model alone lists its models

    def turn(self, text: str, *, keep_note: bool = True) -> bool:
        raise NotImplementedError

    def saving(self, action: Callable[[Keeper], None]) -> None:
        raise NotImplementedError

    def _cmd_help(self, arg: str) -> None:
        self.renderer.info(help_text())

    def _cmd_clear(self, arg: str) -> None:
        if self.keeper is not None:
            self.keeper.new()  # the old conversation stays saved
        self.conversation.clear()
        self.unsent = None
        self.renderer.info(
            _("New conversation.") + (_(" The system prompt stays.") if self.conversation.system else "")
        )

    def _cmd_system(self, arg: str) -> None:
        if arg == CLEAR:
            self.conversation.system = None
            self.renderer.info(_("System prompt removed."))
        elif arg:
            self.conversation.system = arg
            self.renderer.info(_("System prompt set: {arg}").format(arg=arg))
        else:
            system = self.conversation.system
            self.renderer.info(
                _("System prompt: {system}").format(system=system)
                if system
                else _("No system prompt. /system TEXT sets one.")
            )

    def _cmd_model(self, arg: str) -> None:
        if arg and self.options.model_fixed:
            self.renderer.info(_("/model is ignored offline; the model is {model}.").format(model=self.options.model))
            return
        if arg:
            if not MODEL_NAME.fullmatch(arg):
                raise UsageError(_("not a model name: {arg!r} (e.g. yandexgpt-lite, or a gpt:// URI)").format(arg=arg))
            self.options.model = arg
        self.renderer.info(_("Model: {model}").format(model=self.options.model))
        if not arg and self.catalog is not None:
            self.renderer.info(self.catalog.describe(local=self.options.model_fixed))

    def _cmd_temperature(self, arg: str) -> None:
        if arg == CLEAR:
            self.options.temperature = None
        elif arg:
            self.options.temperature = parse_temperature(arg)
        shown = self.options.temperature if self.options.temperature is not None else _("server default")
        self.renderer.info(_("Temperature: {shown}").format(shown=shown))

    def _cmd_profile(self, arg: str) -> None:
        names = self.profiles.names() if self.profiles else []
        if not arg:
            listed = ", ".join(_("{n} (current)").format(n=n) if n == self.profile else n for n in names)
            none = _("No profiles: add [profiles.NAME] to the config file.")
            self.renderer.info(_("Profiles: {listed}").format(listed=listed) if names else none)
            return
        if self.profiles is None:
            raise UsageError(_("no config file with profiles"))
        role = self.profiles.get(arg)
        if not self.options.model_fixed:
            self.options.model = role.model
        self.options.temperature, self.options.max_tokens = role.temperature, role.max_tokens
        self.conversation.system, self.profile = role.system, role.name
        system = _("; system prompt: {system}").format(system=clip(role.system)) if role.system else ""
        self.renderer.info(
            _("Profile {name}: model {model}{system}. The conversation goes on.").format(
                name=role.name, model=self.options.model, system=system
            )
        )

    def _cmd_async(self, arg: str) -> None:
        if arg.lower() not in ("", "on", "off"):
            raise UsageError(_("/async takes on or off, not {arg!r}").format(arg=arg))
        if arg.lower() == "on" and not self.options.deferred_available:
            raise UsageError(_("deferred mode is part of the v1 API: start ychat with --api v1 for it"))
        if arg:
            self.options.deferred = arg.lower() == "on"
        mode = _("on: replies are deferred operations (half price), polled") if self.options.deferred else _("off")
        self.renderer.info(_("Deferred mode {mode}.").format(mode=mode))

    def _cmd_usage(self, arg: str) -> None:
        from ychat.cost import PRICES_AS_OF, describe, total

        if not self.spent:
            self.renderer.info(_("No reply with token counts yet in this session."))
            return
        usage, roubles = self.spent[-1]
        known = [r for _, r in self.spent if r is not None]
        spent = sum(known) if len(known) == len(self.spent) else None
        whole = total(u for u, _ in self.spent)
        replies = ngettext("{n} reply", "{n} replies", len(self.spent)).format(n=len(self.spent))
        text = _(
            "Last reply: {last}\nSession, {replies}: {session}\n"
            "(₽ are an estimate from Yandex's prices as of {date}; deferred replies at half price.)"
        )
        last, session = describe(usage, roubles), describe(whole, spent)
        self.renderer.info(text.format(last=last, replies=replies, session=session, date=PRICES_AS_OF))

    def status_line(self) -> str:
        """The bottom toolbar (--status): model, dialect, context used of the window, cost so far."""
        window = self.options.window or window_of(self.options.model, dialect=self.options.dialect)
        used = self.spent[-1][0].total_tokens if self.spent else 0
        context = (
            _("context {used:,}/{window:,}").format(used=used, window=window)
            if window
            else _("context {used:,}").format(used=used)
        )
        known = [r for _, r in self.spent if r is not None]
        money = f" · ≈{sum(known):.2f} ₽" if known else ""
        return f" {self.options.model} · {self.options.dialect} · {context}{money} "

    def _cmd_edit(self, arg: str) -> None:
        import os

        from ychat.editor import edit

        text = edit(arg, os.environ)
        if text.strip():
            self.turn(text.rstrip("\n"))
        else:
            self.renderer.info(_("Nothing saved in the editor: nothing sent."))

    def _cmd_copy(self, arg: str) -> None:
        import os

        from ychat.editor import OSC52_LIMIT, copy_with_tool, last_code_block, osc52

        if not self.conversation.exchanges:
            raise UsageError(_("no reply to copy yet"))
        reply = self.conversation.exchanges[-1].assistant
        text = last_code_block(reply) if arg == "code" else reply if not arg else None
        if text is None:
            raise UsageError(
                _("the last reply has no code block") if arg == "code" else _("/copy takes nothing or: code")
            )
        ways = []
        if self.renderer.control(osc52(text)) and len(text.encode()) <= OSC52_LIMIT:
            ways.append(_("OSC 52 (your terminal puts it on the clipboard, over SSH too)"))
        tool = copy_with_tool(text, os.environ)
        if tool:
            ways.append(tool)
        if not ways:
            raise UsageError(_("cannot copy: not a terminal and no clipboard tool (wl-copy, xclip, xsel, pbcopy)"))
        self.renderer.info(_("Copied {count:,} characters: {ways}.").format(count=len(text), ways=" and ".join(ways)))

    def _cmd_file(self, arg: str) -> None:
        from ychat.editor import read_attachment

        if not arg:
            raise UsageError(_("/file needs a path: /file PATH"))
        name, text = read_attachment(arg)
        self.attachments.append((name, text))
        self.renderer.info(
            _("{name} ({count:,} characters) goes with your next message.").format(name=name, count=len(text))
        )

    def _cmd_compact(self, arg: str) -> None:
        count = len(self.conversation.exchanges) - 2  # the last two stay as they are
        if count < 1:
            self.renderer.info(_("Nothing to compact yet: the last two exchanges always stay whole."))
            return
        self.compact(count)
        self.renderer.info(_("Summary: {summary}").format(summary=self.conversation.summary))

    def compact(self, count: int) -> None:
        raise NotImplementedError

    def _kept(self) -> Keeper:
        if self.keeper is None:
            raise UsageError(_("this session is not saved (--no-save, or save = false in the config file)"))
        return self.keeper

    def _cmd_title(self, arg: str) -> None:
        if not arg:
            raise UsageError(_("/title needs the title: /title TEXT"))
        self._kept().title(arg)
        self.renderer.info(_("Title: {arg}").format(arg=arg))

    def _nothing_to_save(self) -> bool:
        if self.conversation.exchanges or self.conversation.summary:
            return False
        self.renderer.info(_("Nothing to save yet: the conversation is empty."))
        return True

    def _cmd_fork(self, arg: str) -> None:
        if self._nothing_to_save():
            return
        cid = self._kept().fork(self.conversation, model=self.options.model)
        self.conversation.compacted = 0  # the copy's summary stands for none of its own exchanges
        self.renderer.info(
            _("Forked: this is now conversation {cid}; the original stays as it was.").format(cid=cid[:8])
        )

    def _cmd_load(self, arg: str) -> None:
        model, conversation = self._kept().load(arg)
        self.conversation, self.unsent = conversation, None
        if not self.options.model_fixed:
            self.options.model = model
        turns = len(conversation.exchanges)
        text = ngettext(
            "Loaded {id}: {n} exchange, model {model}.", "Loaded {id}: {n} exchanges, model {model}.", turns
        )
        self.renderer.info(text.format(id=arg, n=turns, model=self.options.model))

    def _cmd_save(self, arg: str) -> None:
        from ychat.export import write

        if self._nothing_to_save():
            return
        keeper = self.keeper
        path = write(
            self.conversation,
            arg or None,
            model=self.options.model,
            cid=keeper.cid if keeper else None,
            title=keeper.current_title if keeper else None,
        )
        self.renderer.info(_("Saved to {path}").format(path=path))

    def _cmd_retry(self, arg: str) -> None:
        if self.unsent is not None:
            self.turn(self.unsent)
            return
        last = self.conversation.undo()
        if last is None:
            self.renderer.info(_("Nothing to retry."))
        elif self.turn(last.user, keep_note=False):
            self.saving(lambda keeper: keeper.replaced())  # the store then holds the new reply, not both
        else:
            self.unsent = None
            self.conversation.exchanges.append(last)  # the old reply is kept rather than lost
            self.renderer.info(_("The previous reply is kept; /retry tries again."))

    def _cmd_undo(self, arg: str) -> None:
        if self.unsent is not None:
            self.unsent = None
            self.renderer.info(_("Dropped the unsent message."))
            return
        dropped = self.conversation.undo()
        if dropped is not None:
            self.saving(lambda keeper: keeper.undone())  # ychat -c will not send it either
        self.renderer.info(_("Dropped: {user}").format(user=clip(dropped.user)) if dropped else _("Nothing to undo."))

    def _cmd_history(self, arg: str) -> None:
        messages = self.conversation.messages_for("")[:-1]
        if messages:
            self.renderer.show_history(messages)
        else:
            self.renderer.info(_("The conversation is empty."))
