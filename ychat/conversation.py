"""The chat history a client must keep, because YandexGPT keeps none: pure data.

>>> conv = Conversation(system="Be brief")
>>> conv.record("hi", "hello")
>>> [m.role for m in conv.messages_for("and?")]
['system', 'user', 'assistant', 'user']
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from ychat.core import Done, Image, Message, Source

__all__ = ["Conversation", "Exchange", "Message"]

SUMMARY_MARK = "Summary of the earlier conversation (written by the model when it was compacted):"


@dataclass(frozen=True)
class Exchange:
    """One user message and exactly the text of the reply it got; ``steps``: the tool round trips
    between them (an assistant message asking for calls, then a user message with their results)."""

    user: str
    assistant: str
    steps: tuple[Message, ...] = ()
    response_id: str = ""  # the server keeps the reply (--server-state)
    sources: tuple[Source, ...] = ()  # the pages the reply cites (web search)
    images: tuple[Image, ...] = ()  # the pictures the user message showed the model

    @functools.cached_property
    def messages(self) -> tuple[Message, ...]:
        """The same objects every turn (the request encoder keeps their JSON by identity)."""
        return (
            Message("user", self.user, images=self.images),
            *self.steps,
            Message("assistant", self.assistant, response_id=self.response_id),
        )


@dataclass
class Conversation:
    """System prompt plus completed exchanges; a failed reply is never recorded."""

    system: str | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    summary: str | None = None  # /compact: what the model wrote of the exchanges it replaced
    compacted: int = 0  # how many exchanges, from the first, the summary stands for

    def system_text(self) -> str | None:
        """The system message: the prompt, then the summary of earlier exchanges, marked as such."""
        if self.summary is None:
            return self.system
        marked = f"{SUMMARY_MARK}\n{self.summary}"
        return f"{self.system}\n\n{marked}" if self.system else marked

    def messages_for(self, user_text: str, *, leave_out: int = 0, images: tuple[Image, ...] = ()) -> list[Message]:
        """Everything to send: system, then user/assistant pairs (but the ``leave_out`` oldest),
        then the new user message (with its pictures)."""
        messages: list[Message] = []
        system = self.system_text()
        if system:
            messages.append(Message("system", system))
        messages += [message for exchange in self.exchanges[leave_out:] for message in exchange.messages]
        messages.append(Message("user", user_text, images=images))
        return messages

    def record(
        self, user_text: str, reply: Done | str, steps: tuple[Message, ...] = (), images: tuple[Image, ...] = ()
    ) -> None:
        """The exchange; ``reply``: the Done (its id and sources are kept too), or just its text."""
        if isinstance(reply, str):
            self.exchanges.append(Exchange(user_text, reply, steps, images=images))
        else:
            self.exchanges.append(Exchange(user_text, reply.text, steps, reply.response_id, reply.sources, images))

    def undo(self) -> Exchange | None:
        """Drop and return the last exchange (None when there is none)."""
        return self.exchanges.pop() if self.exchanges else None

    def clear(self) -> None:
        """Start a new conversation; the system prompt stays."""
        self.exchanges.clear()
        self.summary = None
