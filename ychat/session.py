"""The chat loop: read a line, run a command or send the whole conversation, render the reply.

Imports no UI or HTTP library: input is a ``read_line`` callable, output a Renderer, and the
API a ChatClient, so tests drive it with a list of lines and a fake client.

    >>> Session(client, renderer, Conversation(), ChatOptions()).run(iter(["hi", "/exit"]).__next__)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Protocol

from ychat.chat import Delta, Done, Event, Message, Options, Pending, Reasoning, Replace, Retrying
from ychat.commands import CLEAR, ChatText, Command, UnknownCommand, help_text, parse
from ychat.conversation import Conversation
from ychat.errors import ContextTooLong, UsageError, YChatError

MODEL_NAME = re.compile(r"[\w.:/@-]+")  # yandexgpt-lite, yandexgpt/rc, gpt://b1g…/yandexgpt/latest


class ChatClient(Protocol):
    def complete(self, model: str, messages: Sequence[Message], options: Options) -> Generator[Event, None, None]: ...


@dataclass(frozen=True)
class Role:
    """What a config profile sets for the following turns (``/profile NAME``)."""

    name: str
    model: str
    system: str | None
    temperature: float | None
    max_tokens: int | None


class Profiles(Protocol):
    def names(self) -> list[str]: ...
    def get(self, name: str) -> Role: ...


class Renderer(Protocol):
    def begin_reply(self) -> None: ...
    def delta(self, text: str) -> None: ...
    def replace(self, text: str) -> None: ...
    def retrying(self, event: Retrying) -> None: ...
    def pending(self, event: Pending) -> None: ...
    def end_reply(self, done: Done) -> None: ...
    def abort_reply(self) -> None: ...
    def error(self, error: YChatError) -> None: ...
    def info(self, text: str) -> None: ...
    def show_history(self, messages: Sequence[Message]) -> None: ...


@dataclass
class ChatOptions:
    """What the next request is sent with; REPL commands change it."""

    model: str = "yandexgpt"
    temperature: float | None = None
    max_tokens: int | None = None
    stream: bool = True
    model_fixed: bool = False  # offline: one model, /model cannot change it
    reasoning: Reasoning | None = None
    deferred: bool = False  # /async on: replies as deferred operations
    deferred_available: bool = True  # the dialect has a deferred mode (v1)

    def completion(self) -> Options:
        return Options(self.temperature, self.max_tokens, self.stream, self.reasoning, self.deferred)


class Session:
    """One conversation with the model; an error ends the turn, never the session."""

    def __init__(
        self,
        client: ChatClient,
        renderer: Renderer,
        conversation: Conversation,
        options: ChatOptions,
        profiles: Profiles | None = None,
    ) -> None:
        self.client = client
        self.profiles = profiles
        self.profile: str | None = None
        self.renderer = renderer
        self.conversation = conversation
        self.options = options
        self.unsent: str | None = None  # a message whose reply failed or was cancelled

    def send(self, text: str) -> Done:
        """One request with the whole history; the exchange is recorded only when it completes."""
        messages = self.conversation.messages_for(text)
        done = self._receive(self.client.complete(self.options.model, messages, self.options.completion()))
        self.conversation.record(text, done.text)
        self.unsent = None
        self.renderer.end_reply(done)
        return done

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
        for event in events:
            if isinstance(event, Delta):
                self.renderer.delta(event.text)
            elif isinstance(event, Replace):
                self.renderer.replace(event.text)
            elif isinstance(event, Retrying):
                self.renderer.retrying(event)
            elif isinstance(event, Pending):
                self.renderer.pending(event)
            else:
                return event
        raise YChatError("the reply ended without a final status")  # pragma: no cover - client always ends with Done

    def run(self, read_line: Callable[[], str]) -> None:
        """The REPL: until /exit or end of input (Ctrl-D). Ctrl-C at the prompt just clears it."""
        while True:
            try:
                line = read_line()
            except KeyboardInterrupt:
                continue
            except EOFError:
                return
            if not self.handle(line):
                return

    def handle(self, line: str) -> bool:
        """Act on one submitted input; False means "quit"."""
        if not line.strip():
            return True
        parsed = parse(line)
        if isinstance(parsed, ChatText):
            self.turn(parsed.text)
        elif isinstance(parsed, UnknownCommand):
            self.renderer.info(f"Unknown command {parsed.word}. /help lists them; // at the start sends it as text.")
        else:
            return self._command(parsed)
        return True

    def turn(self, text: str, *, keep_note: bool = True) -> bool:
        """Send with errors and Ctrl-C reported; the user's text is kept for /retry. True on success."""
        try:
            self.send(text)
            return True
        except ContextTooLong as error:
            self.renderer.error(error)  # its hint says what to do: a /retry would fail the same way,
            return False  # so the message is not kept for one (the input history still has it)
        except YChatError as error:
            self.renderer.error(error)
        except KeyboardInterrupt:
            self.renderer.info("Cancelled.")
        self.unsent = text
        if keep_note:
            self.renderer.info("Your message is kept: /retry sends it again.")
        return False

    def _command(self, command: Command) -> bool:
        if command.name == "exit":
            return False
        handler = getattr(self, f"_cmd_{command.name}")
        try:
            handler(command.arg)
        except UsageError as error:
            self.renderer.error(error)
        return True

    def _cmd_help(self, _: str) -> None:
        self.renderer.info(help_text())

    def _cmd_clear(self, _: str) -> None:
        self.conversation.clear()
        self.unsent = None
        self.renderer.info("New conversation." + (" The system prompt stays." if self.conversation.system else ""))

    def _cmd_system(self, arg: str) -> None:
        if arg == CLEAR:
            self.conversation.system = None
            self.renderer.info("System prompt removed.")
        elif arg:
            self.conversation.system = arg
            self.renderer.info(f"System prompt set: {arg}")
        else:
            system = self.conversation.system
            self.renderer.info(f"System prompt: {system}" if system else "No system prompt. /system TEXT sets one.")

    def _cmd_model(self, arg: str) -> None:
        if arg and self.options.model_fixed:
            self.renderer.info(f"/model is ignored offline; the model is {self.options.model}.")
            return
        if arg:
            if not MODEL_NAME.fullmatch(arg):
                raise UsageError(f"not a model name: {arg!r} (e.g. yandexgpt-lite, or a gpt:// URI)")
            self.options.model = arg
        self.renderer.info(f"Model: {self.options.model}")

    def _cmd_temperature(self, arg: str) -> None:
        if arg == CLEAR:
            self.options.temperature = None
        elif arg:
            self.options.temperature = _parse_temperature(arg)
        shown = self.options.temperature if self.options.temperature is not None else "server default"
        self.renderer.info(f"Temperature: {shown}")

    def _cmd_profile(self, arg: str) -> None:
        names = self.profiles.names() if self.profiles else []
        if not arg:
            listed = ", ".join(f"{n} (current)" if n == self.profile else n for n in names)
            none = "No profiles: add [profiles.NAME] to the config file."
            self.renderer.info(f"Profiles: {listed}" if names else none)
            return
        if self.profiles is None:
            raise UsageError("no config file with profiles")
        role = self.profiles.get(arg)
        if not self.options.model_fixed:
            self.options.model = role.model
        self.options.temperature, self.options.max_tokens = role.temperature, role.max_tokens
        self.conversation.system, self.profile = role.system, role.name
        system = f"; system prompt: {_clip(role.system)}" if role.system else ""
        self.renderer.info(f"Profile {role.name}: model {self.options.model}{system}. The conversation goes on.")

    def _cmd_async(self, arg: str) -> None:
        if arg.lower() not in ("", "on", "off"):
            raise UsageError(f"/async takes on or off, not {arg!r}")
        if arg.lower() == "on" and not self.options.deferred_available:
            raise UsageError("deferred mode is part of the v1 API: start ychat with --api v1 for it")
        if arg:
            self.options.deferred = arg.lower() == "on"
        mode = "on: replies are deferred operations (half price), polled" if self.options.deferred else "off"
        self.renderer.info(f"Deferred mode {mode}.")

    def _cmd_retry(self, _: str) -> None:
        if self.unsent is not None:
            self.turn(self.unsent)
            return
        last = self.conversation.undo()
        if last is None:
            self.renderer.info("Nothing to retry.")
        elif not self.turn(last.user, keep_note=False):
            self.unsent = None
            self.conversation.exchanges.append(last)  # the old reply is kept rather than lost
            self.renderer.info("The previous reply is kept; /retry tries again.")

    def _cmd_undo(self, _: str) -> None:
        if self.unsent is not None:
            self.unsent = None
            self.renderer.info("Dropped the unsent message.")
            return
        dropped = self.conversation.undo()
        self.renderer.info(f"Dropped: {_clip(dropped.user)}" if dropped else "Nothing to undo.")

    def _cmd_history(self, _: str) -> None:
        messages = self.conversation.messages_for("")[:-1]
        if messages:
            self.renderer.show_history(messages)
        else:
            self.renderer.info("The conversation is empty.")


def _parse_temperature(arg: str) -> float:
    try:
        value = float(arg)
    except ValueError:
        raise UsageError(f"temperature must be a number between 0 and 1, not {arg!r}") from None
    if not 0.0 <= value <= 1.0:
        raise UsageError(f"temperature must be between 0 and 1, not {arg}")
    return value


def _clip(text: str, limit: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
