"""How much of the conversation the next request can carry: the model's context window, the
tokens the last reply measured, and the server's count of a large new message (free)."""

from __future__ import annotations

from ychat.conversation import Conversation
from ychat.core import Message
from ychat.repl.ports import ChatClient, ChatOptions


def window(options: ChatOptions) -> int | None:
    from ychat.models.windows import window_of

    return options.window or window_of(options.model, dialect=options.dialect)


def picture_tokens(options: ChatOptions) -> int:
    """The context tokens one picture takes with this model (0: it sees none)."""
    from ychat.api.registry import vision

    seeing = vision(options.dialect, options.model, options.vision_models)
    return seeing.tokens if seeing else 0


def left_out(
    conversation: Conversation,
    options: ChatOptions,
    client: ChatClient,
    measured: int | None,
    text: str,
    pictures: int = 0,
) -> int:
    """How many of the oldest exchanges the request with ``text`` (and ``pictures`` pictures)
    must leave out (0: none)."""
    from ychat.models.windows import DEFAULT_REPLY, plan

    size = window(options)
    if size is None:
        return 0
    pairs = [(e.user, e.assistant) for e in conversation.exchanges]
    each = picture_tokens(options)
    shown = [len(e.images) * each for e in conversation.exchanges]
    reply = options.max_tokens or DEFAULT_REPLY
    system = conversation.system_text()
    counted = _counted(client, options.model, text)
    found = plan(
        pairs,
        text,
        system=system,
        window=size,
        reply=reply,
        measured=measured,
        new_tokens=counted,
        pictures=shown,
        new_pictures=pictures * each,
    )
    return found.dropped


def _counted(client: ChatClient, model: str, text: str) -> int | None:
    """A large new text is counted by the server's tokenizer when the client can (free of charge)."""
    from ychat.models.windows import LARGE, estimate

    count = getattr(client, "count_tokens", None)
    if count is None or estimate(text) <= LARGE:
        return None
    result: int | None = count(model, [Message("user", text)])
    return result
