"""``--server-state`` (issue 22): a request's size at turn 2 and at turn 1 000 of a chat, with the
history kept by ychat (``input`` holds it all) and by the server (``previous_response_id`` and the
new message only). Target: with server state, turn 1 000's request is the size of turn 2's.

    python benchmarks/server_state.py [--json]
"""

from __future__ import annotations

import json

from _common import parser, report

from ychat.api.dialects.responses import chained, response_body
from ychat.conversation import Conversation, Exchange
from ychat.core import Options

QUESTION = "Что нового в этом репозитории со вчерашнего дня? " * 3
ANSWER = "Изменились три файла: README, тесты и модуль MCP. " * 8


def request_bytes(turn: int, *, server_state: bool) -> int:
    conversation = Conversation(system="Отвечай кратко.")
    for n in range(turn - 1):
        conversation.exchanges.append(Exchange(QUESTION, ANSWER, response_id=f"resp-{n}"))
    messages = conversation.messages_for(QUESTION)
    options = Options(server_state=server_state)
    previous = chained(messages, options)[0]
    body = response_body("gpt://b1g/yandexgpt/latest", messages, options, previous=previous)
    return len(json.dumps(body, ensure_ascii=False).encode())


def main() -> None:
    args = parser(__doc__, runs=1).parse_args()
    figures = {
        f"{mode}_turn_{turn}": request_bytes(turn, server_state=mode == "server")
        for mode in ("client", "server")
        for turn in (2, 1000)
    }
    lines = [
        f"history kept by ychat:   turn 2 {figures['client_turn_2']:>9,} B   turn 1 000 {figures['client_turn_1000']:>11,} B",
        f"kept by the server:      turn 2 {figures['server_turn_2']:>9,} B   turn 1 000 {figures['server_turn_1000']:>11,} B",
    ]
    report(figures, lines, args.json)


if __name__ == "__main__":
    main()
