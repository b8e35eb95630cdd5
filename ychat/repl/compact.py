"""``/compact`` (and config ``context = "summarize"``): the oldest exchanges replaced by a summary
the model writes, kept as a marked part of the system message, as crush, aichat and gptme do.
The originals stay in the store; the summary is saved there too, marked."""

from __future__ import annotations

from collections.abc import Sequence

from ychat.conversation import Conversation, Exchange
from ychat.core import Message

INSTRUCTION = (
    "Summarize the conversation below for your own later use: keep every fact, name, number, decision "
    "and open question; leave out pleasantries. Write plain prose, at most 200 words, in the language "
    "the conversation is in."
)


def request(conversation: Conversation, count: int) -> list[Message]:
    """What to ask for the summary of the ``count`` oldest exchanges (and of any earlier summary)."""
    parts = [f"Earlier summary:\n{conversation.summary}"] if conversation.summary else []
    parts += [f"User: {e.user}\nAssistant: {e.assistant}" for e in conversation.exchanges[:count]]
    return [Message("system", INSTRUCTION), Message("user", "\n\n".join(parts))]


def apply(conversation: Conversation, count: int, summary: str) -> Sequence[Exchange]:
    """Replace the ``count`` oldest exchanges by ``summary``; the replaced ones are returned."""
    replaced = conversation.exchanges[:count]
    conversation.exchanges = conversation.exchanges[count:]
    conversation.summary = summary.strip()
    return replaced
