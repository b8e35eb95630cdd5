"""The chat loop: read a line, run a command or send the whole conversation, render the reply.

Imports no UI or HTTP library: input is a ``read_line`` callable, output a Renderer, and the
API a ChatClient, so tests drive it with a list of lines and a fake client.

    >>> Session(client, renderer, Conversation(), ChatOptions()).run(iter(["hi", "/exit"]).__next__)
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

from ychat import interrupts
from ychat.attach.files import Attachment
from ychat.attach.route import Reader, Routed, Router, Target
from ychat.conversation import Conversation
from ychat.core import Delta, Done, Event, Image, Message, Note, Options, Pending, Replace, Retrying, Usage, drain
from ychat.errors import ContextTooLong, MessageTooLong, StoreError, StreamInterrupted, UnsupportedReply, YChatError
from ychat.hosted import downloads
from ychat.i18n import _, ngettext
from ychat.repl import fitting, spending
from ychat.repl.attaching import with_attachments
from ychat.repl.commands import TABLE, ChatText, Command, UnknownCommand, parse
from ychat.repl.ports import ChatClient, ChatOptions, Keeper, Profiles, Renderer

if TYPE_CHECKING:
    from ychat.models.catalog import ModelCatalog
    from ychat.tools.runner import Toolbox

__all__ = ["ChatOptions", "Session"]


class Session:
    """One conversation with the model; an error ends the turn, never the session."""

    def __init__(
        self,
        client: ChatClient,
        renderer: Renderer,
        conversation: Conversation,
        options: ChatOptions,
        profiles: Profiles | None = None,
        keeper: Keeper | None = None,
    ) -> None:
        self.client = client
        self.keeper = keeper
        self._partial = ""  # the reply text shown so far
        self._measured: tuple[int, int] | None = None  # the last reply's input+completion, and its leave_out
        self.spent: list[tuple[Usage, float | None]] = []
        self.searches = 0  # hosted web searches in this session (--web-search)
        self.attachments: list[tuple[str, str]] = []  # /file: (name, text) for the next message
        self.pending: list[Attachment] = []  # -a, /attach, /paste: pictures and pages for the next message
        self.ocr: Callable[[], Reader] | None = None  # Yandex OCR, for a model that reads text only
        self.ocr_calls = 0  # recognitions in this session, priced per call
        self.router = Router(lambda: self.ocr() if self.ocr else None, lambda text: self.renderer.info(text))
        self.profiles = profiles
        self.profile: str | None = None
        self.renderer = renderer
        self.conversation = conversation
        self.options = options
        self.unsent: str | None = None  # a message whose reply failed or was cancelled
        self.catalog: ModelCatalog | None = None  # /model alone lists its models
        self.tools: Toolbox | None = None  # -T: the tools the model may call, and how calls are allowed
        self.make_tools: Callable[[], Toolbox] | None = None  # /tools on NAME, when -T enabled none

    def send(self, text: str) -> Done:
        """One request with the whole history; the exchange is recorded only when it completes.
        Files attached with /file, /attach, /paste go with it, and stay attached if it fails (for /retry)."""
        routed = self._route()  # pictures scaled, pages read by OCR: their errors come before the chat request
        text, images = with_attachments(text, [*self.attachments, *routed.texts]), tuple(routed.shown)
        kept = [*((image, "image") for image in images), *((page, "ocr") for page in routed.read)]
        leave_out = self._fit(text, len(images))  # a message that cannot fit fails here, before any request
        if leave_out and self.options.context == "summarize":
            self.compact(leave_out)
            leave_out = self._fit(text, len(images))
        if leave_out:
            self._note_left_out(leave_out, _("the {window:,}-token window").format(window=self._window()))
        system, model = self.conversation.system, self.options.model
        self.saving(lambda keeper: keeper.sent(text, system=system, model=model, attachments=kept))
        try:
            done, leave_out, steps = self._request(text, leave_out, images)
        except BaseException as error:
            status = "cancelled" if isinstance(error, KeyboardInterrupt) else "failed"
            self.saving(lambda keeper: keeper.failed(self._partial, status))
            raise
        self.saving(lambda keeper: keeper.replied(done, steps))
        if done.usage is not None:
            self._measured = (done.usage.input_tokens + done.usage.completion_tokens, leave_out)
            spending.count(self, done.usage, done.searches)
        self.conversation.record(text, done, steps, images)
        self.unsent, self.attachments, self.pending = None, [], []
        self.renderer.end_reply(done)
        if done.files:  # the code interpreter's files: downloaded beside the user, never over one
            downloads.fetch(done.files, self.client, self.renderer.info, self.renderer.error)
        return done

    def _route(self) -> Routed:
        routed = self.router.route(self.pending, self._target())
        self.ocr_calls += routed.ocr_calls
        return routed

    def _target(self) -> Target:
        options = self.options
        return Target(options.dialect, options.model, options.vision_models, options.ocr, options.local)

    def _request(self, text: str, leave_out: int, images: tuple[Image, ...]) -> tuple[Done, int, tuple[Message, ...]]:
        """A token-limit error from the server is not the user's to solve: shrink once and retry."""
        for retry in (False, True):
            messages = self.conversation.messages_for(text, leave_out=leave_out, images=images)
            messages = self.router.visible(messages, self._target())
            try:
                done, steps = self._exchange(messages)
                return done, leave_out, steps
            except ContextTooLong:
                remaining = len(self.conversation.exchanges) - leave_out
                if retry or remaining == 0 or self._partial:
                    raise
                leave_out += max(1, (remaining + 1) // 2)
                self._note_left_out(leave_out, _("the server's token limit"))
        raise AssertionError("unreachable")  # pragma: no cover

    def _exchange(self, messages: list[Message]) -> tuple[Done, tuple[Message, ...]]:
        """The reply, and the tool round trips before it when tools are enabled (``-T``)."""
        if self.tools is None:
            done = self._send_once(messages)
            if done.tool_calls:  # a server that calls what it was never offered
                raise UnsupportedReply(_("the model answered with a tool call, but no tool is enabled (-T NAME)"))
            return done, ()
        from ychat.tools.loop import round_trips

        return round_trips(self._send_once, messages, self.tools, limit=self.tools.chain_limit)

    def _send_once(self, messages: list[Message]) -> Done:
        options = self.options.completion()
        if self.tools is not None:
            options = self.tools.options(options, following=bool(messages and messages[-1].tool_results))
        done = self._receive(self.client.complete(self.options.model, messages, options))
        if done.tool_calls:
            self.renderer.abort_reply()  # the calls are shown as notes, then the answer streams
        return done

    def compact(self, count: int) -> None:
        """The ``count`` oldest exchanges replaced by the model's summary of them (and of any earlier one)."""
        from ychat.repl import compact

        self.renderer.info(
            ngettext("Compacting the {n} oldest exchange…", "Compacting the {n} oldest exchanges…", count).format(
                n=count
            )
        )
        done = drain(self.client.complete(self.options.model, compact.request(self.conversation, count), Options()))
        if done is None:
            raise StreamInterrupted(_("the reply stream ended before the reply was complete"))
        compact.apply(self.conversation, count, done.text)
        self.conversation.compacted += count
        self.saving(lambda keeper: keeper.summarized(self.conversation.summary or "", self.conversation.compacted))

    def saving(self, action: Callable[[Keeper], None]) -> None:
        """Save through the keeper; when the store fails (a full disk, a read-only folder, a
        damaged file) say so once and go on unsaved: an error ends no chat."""
        if self.keeper is None:
            return
        try:
            action(self.keeper)
        except StoreError as error:
            self.keeper = None
            self.renderer.error(error)
            self.renderer.info(_("This conversation goes on unsaved (what was saved before stays)."))

    def _fit(self, text: str, pictures: int = 0) -> int:
        measured = self._measured[0] if self._measured and self._measured[1] == 0 else None
        return fitting.left_out(self.conversation, self.options, self.client, measured, text, pictures)

    def _window(self) -> int | None:
        return fitting.window(self.options)

    def _note_left_out(self, count: int, why: str) -> None:
        text = ngettext(
            "{n} earlier exchange left out to fit {why} (the saved conversation keeps them)",
            "{n} earlier exchanges left out to fit {why} (the saved conversation keeps them)",
            count,
        )
        self.renderer.info(text.format(n=count, why=why))

    def show(self, events: Generator[Event, None, None]) -> Done:
        """Render a reply that is not part of the conversation (``ychat operation ID``)."""
        done = self._receive(events)
        self.renderer.end_reply(done)
        return done

    def _receive(self, events: Generator[Event, None, None]) -> Done:
        self.renderer.begin_reply()
        try:
            return self._consume(events)
        except BaseException:
            self.renderer.abort_reply()
            raise
        finally:
            events.close()  # closes the HTTP response (and cancels a deferred operation), also on Ctrl-C

    def _consume(self, events: Generator[Event, None, None]) -> Done:
        self._partial = ""
        for event in events:
            if isinstance(event, Delta):
                self._partial += event.text
                self.renderer.delta(event.text)
            elif isinstance(event, Replace):
                self._partial = event.text
                self.renderer.replace(event.text)
            elif isinstance(event, Retrying):
                self.renderer.retrying(event)
            elif isinstance(event, Pending):
                self.renderer.pending(event)
            elif isinstance(event, Note):
                self.renderer.note(event.text)
            else:
                return event
        raise YChatError(_("the reply ended without a final status"))  # pragma: no cover - client always ends with Done

    def status_line(self) -> str:
        return spending.status_line(self)

    def run(self, read_line: Callable[[], str]) -> None:
        """The REPL: until /exit or end of input (Ctrl-D). Ctrl-C at the prompt just clears it.
        The Ctrl-C signal is armed only while a turn or a command runs (``interrupts.armed``):
        between two of them nothing runs that it could cancel, so it is ignored there rather
        than landing outside every handler and ending the chat."""
        while True:
            try:
                line = read_line()
                if not self.handle(line):
                    return
            except KeyboardInterrupt:
                continue
            except EOFError:
                return

    def handle(self, line: str) -> bool:
        """Act on one submitted input; False means "quit"."""
        if not line.strip():
            return True
        parsed = parse(line)
        if isinstance(parsed, ChatText):
            self.turn(parsed.text)
        elif isinstance(parsed, UnknownCommand):
            self.renderer.info(
                _("Unknown command {word}. /help lists them; // at the start sends it as text.").format(
                    word=parsed.word
                )
            )
        else:
            return self._command(parsed)
        return True

    def turn(self, text: str, *, keep_note: bool = True) -> bool:
        """Send with errors and Ctrl-C reported; the user's text is kept for /retry. True on success."""
        try:
            with interrupts.armed():  # Ctrl-C cancels this reply; between turns it is ignored
                self.send(text)
            return True
        except (ContextTooLong, MessageTooLong) as error:
            self.renderer.error(error)  # its hint says what to do: a /retry would fail the same way,
            return False  # so the message is not kept for one (the input history still has it)
        except YChatError as error:
            self.renderer.error(error)
        except KeyboardInterrupt:
            self.renderer.info(_("Cancelled."))
        self.unsent = text
        if keep_note:
            self.renderer.info(_("Your message is kept: /retry sends it again."))
        return False

    def _command(self, command: Command) -> bool:
        """Through the command table (``commands.TABLE``); False for /exit."""
        handler = TABLE[command.name].handler
        if handler is None:
            return False
        try:
            with interrupts.armed():
                handler(self, command.arg)
        except YChatError as error:  # a command's failure ends the command, never the chat
            self.renderer.error(error)
        except KeyboardInterrupt:
            self.renderer.info(_("Cancelled."))
        return True
