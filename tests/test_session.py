"""The chat loop (session.py): history sent each turn, commands, errors end the turn only."""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence

import pytest

from tests.conftest import in_process_client
from tests.helpers import Recorder, sent
from ychat.conversation import Conversation, Message
from ychat.core import Delta, Done, Event, FinishReason, Options, Retrying, Usage
from ychat.errors import ContextTooLong, YChatError
from ychat.repl.commands import help_text
from ychat.repl.session import ChatOptions, Session
from ychat.testing import Emulator, HttpError, Reply


def make(emulator: Emulator, system: str | None = None) -> tuple[Session, Recorder]:
    renderer = Recorder()
    client = in_process_client(emulator)
    return Session(client, renderer, Conversation(system=system), ChatOptions(model="yandexgpt-lite")), renderer


def lines(*items: str) -> Iterator[str]:
    return iter(items).__next__


def test_three_turns_send_the_whole_history(emulator: Emulator) -> None:
    emulator.enqueue(Reply.of("A one"), Reply.of("A two"), Reply.of("A three"))
    session, renderer = make(emulator, system="Be brief")
    session.run(lines("one", "two", "three", "/exit"))
    assert len(emulator.requests) == 3
    assert sent(emulator) == [
        ("system", "Be brief"),
        ("user", "one"),
        ("assistant", "A one"),
        ("user", "two"),
        ("assistant", "A two"),
        ("user", "three"),
    ]
    assert "".join(str(d) for d in renderer.named("delta")) == "A oneA twoA three"


def test_end_of_input_quits(emulator: Emulator) -> None:
    calls: list[int] = []

    def read() -> str:
        calls.append(1)
        raise EOFError

    session, renderer = make(emulator)
    session.run(read)  # returns instead of asking again
    assert calls == [1] and emulator.requests == [] and renderer.calls == []


def test_ctrl_c_at_the_prompt_clears_the_line_and_continues(emulator: Emulator) -> None:
    inputs = iter([KeyboardInterrupt(), "hi", EOFError()])

    def read() -> str:
        item = next(inputs)
        if isinstance(item, BaseException):
            raise item
        return item

    session, _ = make(emulator)
    session.run(read)
    assert len(emulator.requests) == 1


def test_error_ends_the_turn_not_the_session_and_nothing_is_lost(emulator: Emulator) -> None:
    emulator.enqueue(Reply.of("first"), HttpError.documented(500), Reply.of("second"))
    session, renderer = make(emulator)
    session.run(lines("q1", "q2", "/retry", "/exit"))
    assert "Fatal internal error" in str(renderer.named("error")[0])
    assert "/retry" in renderer.infos()
    assert sent(emulator, 1) == sent(emulator, 2)  # the retry resends q2 as it was
    assert [(e.user, e.assistant) for e in session.conversation.exchanges] == [("q1", "first"), ("q2", "second")]


def test_failed_reply_is_not_recorded(emulator: Emulator) -> None:
    emulator.enqueue(
        Reply.of("partial text here", chunks=3, error={"error": {"grpcCode": 13, "httpCode": 500, "message": "boom"}})
    )
    session, renderer = make(emulator)
    session.run(lines("q", "/exit"))
    assert session.conversation.exchanges == [] and session.unsent == "q"
    assert renderer.named("abort_reply") and not renderer.named("end_reply")


class Interrupting:
    """A client whose stream is interrupted by Ctrl-C after the first delta."""

    def __init__(self) -> None:
        self.closed = False

    def complete(self, model: str, messages: Sequence[Message], options: Options) -> Generator[Event, None, None]:
        try:
            yield Delta("Once upon")
            raise KeyboardInterrupt
        finally:
            self.closed = True


def test_ctrl_c_while_streaming_cancels_and_keeps_the_message() -> None:
    client, renderer = Interrupting(), Recorder()
    session = Session(client, renderer, Conversation(), ChatOptions())
    session.run(lines("tell a story", "/exit"))
    assert client.closed
    assert session.conversation.exchanges == [] and session.unsent == "tell a story"
    assert "Cancelled." in renderer.infos()


def test_one_off_send_raises_for_the_cli(emulator: Emulator) -> None:
    emulator.enqueue(HttpError.documented(401))
    session, _ = make(emulator)
    with pytest.raises(YChatError):
        session.send("q")


def test_retry_regenerates_the_last_reply(emulator: Emulator) -> None:
    emulator.enqueue(Reply.of("bad answer"), Reply.of("better answer"))
    session, _ = make(emulator)
    session.run(lines("q", "/retry", "/exit"))
    assert sent(emulator, 1) == [("user", "q")]
    assert [(e.user, e.assistant) for e in session.conversation.exchanges] == [("q", "better answer")]


def test_failed_retry_keeps_the_previous_reply(emulator: Emulator) -> None:
    emulator.enqueue(Reply.of("answer"), HttpError.documented(400))
    session, _ = make(emulator)
    session.run(lines("q", "/retry", "/exit"))
    assert [(e.user, e.assistant) for e in session.conversation.exchanges] == [("q", "answer")]
    assert session.unsent is None


def test_undo_drops_the_last_exchange(emulator: Emulator) -> None:
    session, renderer = make(emulator)
    session.run(lines("q1", "q2", "/undo", "q3", "/exit"))
    assert sent(emulator) == [("user", "q1"), ("assistant", "Echo: q1"), ("user", "q3")]
    assert "Dropped: q2" in renderer.infos()


def test_commands_change_what_is_sent(emulator: Emulator) -> None:
    session, _ = make(emulator, system="old")
    session.run(lines("/system new rules", "/model yandexgpt/rc", "/temperature 0.7", "q", "/exit"))
    body = emulator.requests[-1].body
    assert body["messages"][0] == {"role": "system", "text": "new rules"}
    assert body["modelUri"].endswith("/yandexgpt/rc")
    assert body["completionOptions"]["temperature"] == 0.7


def test_clear_keeps_the_system_prompt(emulator: Emulator) -> None:
    session, _ = make(emulator, system="S")
    session.run(lines("q1", "/clear", "q2", "/exit"))
    assert sent(emulator) == [("system", "S"), ("user", "q2")]


def test_unknown_and_bad_commands_send_nothing(emulator: Emulator) -> None:
    session, renderer = make(emulator)
    session.run(lines("/frobnicate", "/temperature 7", "/temperature hot", "", "   ", "/exit"))
    assert emulator.requests == []
    assert "Unknown command /frobnicate" in renderer.infos()
    assert len(renderer.named("error")) == 2


def test_russian_layout_commands(emulator: Emulator) -> None:
    session, renderer = make(emulator)
    session.run(lines(".рудз", "/учше", "never sent"))
    assert "/retry" in renderer.infos() and emulator.requests == []


def test_history_and_help(emulator: Emulator) -> None:
    session, renderer = make(emulator, system="S")
    session.run(lines("/history", "q", "/history", "/help", "/exit"))
    assert renderer.named("show_history")[0] == [Message("system", "S")]  # before the first turn
    assert help_text() in renderer.infos()
    shown = renderer.named("show_history")[-1]
    assert shown == [Message("system", "S"), Message("user", "q"), Message("assistant", "Echo: q")]


def test_history_of_an_empty_conversation(emulator: Emulator) -> None:
    session, renderer = make(emulator)
    session.run(lines("/history", "/exit"))
    assert renderer.infos() == "The conversation is empty." and renderer.named("show_history") == []


def test_retry_and_undo_with_nothing_to_do(emulator: Emulator) -> None:
    session, renderer = make(emulator)
    session.run(lines("/retry", "/undo", "/exit"))
    assert "Nothing to retry." in renderer.infos() and "Nothing to undo." in renderer.infos()


class Scripted:
    def __init__(self, events: list[Event]) -> None:
        self.events = events

    def complete(self, model: str, messages: Sequence[Message], options: Options) -> Generator[Event, None, None]:
        yield from self.events


def test_renderer_sees_retries_and_the_final_status() -> None:
    done = Done("cut", FinishReason.LENGTH, Usage(1, 1, total_tokens=2), "v")
    renderer = Recorder()
    session = Session(Scripted([Retrying(1, 0.5, "busy"), Delta("cut"), done]), renderer, Conversation(), ChatOptions())
    assert session.send("q") == done
    assert renderer.named("retrying") == [Retrying(1, 0.5, "busy")]
    assert renderer.named("end_reply") == [done]


def test_system_alone_shows_it_and_clear_removes_it(emulator: Emulator) -> None:
    session, renderer = make(emulator, system="Be brief")
    session.run(lines("/system", "/system --clear", "/system", "/system Be kind", "/exit"))
    assert renderer.named("info") == [
        "System prompt: Be brief",
        "System prompt removed.",
        "No system prompt. /system TEXT sets one.",
        "System prompt set: Be kind",
    ]
    assert session.conversation.system == "Be kind"


def test_temperature_alone_shows_it_and_clear_resets_it(emulator: Emulator) -> None:
    session, renderer = make(emulator)
    session.run(lines("/temperature 0.7", "/temperature", "/temperature --clear", "/exit"))
    assert renderer.named("info") == ["Temperature: 0.7", "Temperature: 0.7", "Temperature: server default"]
    assert session.options.temperature is None


@pytest.mark.parametrize("name", ["''", '""', "two words", "a'b"])
def test_model_names_that_cannot_be_are_refused(emulator: Emulator, name: str) -> None:
    session, renderer = make(emulator)
    session.run(lines(f"/model {name}", "/exit"))
    assert session.options.model == "yandexgpt-lite" and len(renderer.named("error")) == 1


def test_model_is_fixed_offline(emulator: Emulator) -> None:
    renderer = Recorder()
    options = ChatOptions(model="SmolLM2-135M-Instruct.Q4_1", model_fixed=True)
    session = Session(in_process_client(emulator), renderer, Conversation(), options)
    session.run(lines("/model yandexgpt", "/model", "/exit"))
    assert renderer.named("info") == [
        "/model is ignored offline; the model is SmolLM2-135M-Instruct.Q4_1.",
        "Model: SmolLM2-135M-Instruct.Q4_1",
    ]
    assert session.options.model == "SmolLM2-135M-Instruct.Q4_1"


def test_a_server_token_limit_error_is_shrunk_and_retried_once(emulator: Emulator) -> None:
    too_long = "number of input tokens must be no more than 4095, got 5243"
    emulator.enqueue(Reply.of("first"), Reply.of("second"), HttpError.documented(400, too_long))
    session, renderer = make(emulator)
    session.run(lines("q1", "q2", "long question", "/exit"))
    assert renderer.named("error") == [] and session.conversation.exchanges[-1].assistant == "Echo: long question"
    assert "1 earlier exchange left out to fit the server's token limit" in renderer.infos()
    assert sent(emulator) == [("user", "q2"), ("assistant", "second"), ("user", "long question")]


def test_a_message_too_long_alone_says_what_to_do(emulator: Emulator) -> None:
    too_long = "number of input tokens must be no more than 4095, got 5243"
    emulator.enqueue(HttpError.documented(400, too_long))
    session, renderer = make(emulator)
    session.run(lines("long question", "/exit"))
    (error,) = renderer.named("error")
    assert isinstance(error, ContextTooLong) and "/undo" in (error.hint or "") and "/clear" in (error.hint or "")
    assert "/retry" not in renderer.infos() and session.unsent is None


def test_a_failed_regeneration_says_only_that_the_old_reply_stays(emulator: Emulator) -> None:
    emulator.enqueue(Reply.of("answer"), HttpError.documented(500))
    session, renderer = make(emulator)
    session.run(lines("q", "/retry", "/exit"))
    assert renderer.named("info") == ["The previous reply is kept; /retry tries again."]
