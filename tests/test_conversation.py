from ychat.conversation import Conversation, Exchange, Message


def test_messages_order_system_history_new() -> None:
    conv = Conversation(system="S")
    conv.record("u1", "a1")
    conv.record("u2", "a2")
    assert conv.messages_for("u3") == [
        Message("system", "S"),
        Message("user", "u1"),
        Message("assistant", "a1"),
        Message("user", "u2"),
        Message("assistant", "a2"),
        Message("user", "u3"),
    ]


def test_no_system_message_when_unset() -> None:
    assert Conversation().messages_for("x") == [Message("user", "x")]


def test_undo_and_clear() -> None:
    conv = Conversation(system="S")
    conv.record("u1", "a1")
    assert conv.undo() == Exchange("u1", "a1")
    assert conv.undo() is None
    conv.record("u2", "a2")
    conv.clear()
    assert conv.exchanges == [] and conv.system == "S"
