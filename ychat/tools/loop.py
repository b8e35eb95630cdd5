"""One message's tool round trips: send, run what the model asked for, send the results, until
the model answers in text (or ``--chain-limit`` round trips have been made)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ychat.core import Done, Message
from ychat.errors import ToolChainTooLong
from ychat.i18n import _
from ychat.tools.runner import Toolbox

Send = Callable[[list[Message]], Done]


def round_trips(
    send: Send, messages: Sequence[Message], toolbox: Toolbox | None, *, limit: int
) -> tuple[Done, tuple[Message, ...]]:
    """The final reply and the steps before it: per round trip, the assistant message that asked
    for calls (kept as received) and a user message with their results, in call order."""
    steps: tuple[Message, ...] = ()
    done = send(list(messages))
    while done.tool_calls and toolbox is not None:
        if len(steps) // 2 >= limit:
            raise ToolChainTooLong(
                _("the model asked for tools again after {n} round trips: the turn ends here").format(n=limit),
                hint=_("Raise the limit with --chain-limit."),
            )
        results = toolbox.run_all(done.tool_calls)
        asked = Message("assistant", done.text, tool_calls=done.tool_calls, response_id=done.response_id)
        steps += (asked, Message("user", "", tool_results=results))
        done = send([*messages, *steps])
    return done, steps
