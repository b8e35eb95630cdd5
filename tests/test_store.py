"""Saved conversations (ychat/store.py, saved.py, historycmd.py) and the context window
(ychat/window.py): round trips, migration, crash safety, concurrent writers, resume, the
history commands through the real command, and truncation with exact request bodies."""

from __future__ import annotations

import json
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import ychat_env
from tests.helpers import Dialogue, Recorder, assert_one_error_line, sent, ychat
from ychat.core import Done, FinishReason, Usage
from ychat.errors import MessageTooLong, UsageError
from ychat.history.keeper import Keeper, exchanges, load
from ychat.history.store import MIGRATIONS, SCHEMA_VERSION, Store
from ychat.models.windows import plan, window_of
from ychat.server.http import RunningServer
from ychat.testing import Reply


def data_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"YCHAT_DATA_DIR": str(tmp_path / "data"), **extra}


def db(tmp_path: Path) -> Store:
    return Store(tmp_path / "data" / "ychat.db")


def test_round_trip_statuses_and_modes(tmp_path: Path) -> None:
    store = db(tmp_path)
    keeper = Keeper(store, dialect="v1", model="yandexgpt")
    keeper.sent("first\nsecond line", system="Be brief", model="yandexgpt")
    keeper.replied(Done("Hello!", FinishReason.STOP, Usage(3, 2, total_tokens=5), "07.03.2024"))
    keeper.sent("cut me off", system="Be brief", model="yandexgpt")
    keeper.failed("partial te", "cancelled")
    saved = store.get(keeper.cid or "")
    assert (saved.title, saved.system, saved.model) == ("first", "Be brief", "yandexgpt")
    messages = store.messages(saved.id)
    assert [(m.role, m.status) for m in messages] == [
        ("user", "ok"),
        ("assistant", "ok"),
        ("user", "ok"),
        ("assistant", "cancelled"),
    ]
    assert messages[1].usage == {
        "input_tokens": 3,
        "completion_tokens": 2,
        "reasoning_tokens": 0,
        "total_tokens": 5,
        "cached_tokens": 0,
    }
    _, conversation = load(store, saved.id)
    assert [(e.user, e.assistant) for e in conversation.exchanges] == [
        ("first\nsecond line", "Hello!")
    ]  # never the cancelled one
    assert stat.S_IMODE((tmp_path / "data" / "ychat.db").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    store.close()


def test_a_question_without_an_answer_is_left_out() -> None:
    from ychat.history.store import SavedMessage

    def m(role: str, text: str, status: str = "ok") -> SavedMessage:
        return SavedMessage(role, text, status, None, "", None, 0.0)

    history = [m("user", "a"), m("assistant", "A"), m("user", "b"), m("assistant", "", "failed"), m("user", "c")]
    assert [(e.user, e.assistant) for e in exchanges(history)] == [("a", "A")]


def test_an_older_schema_is_migrated_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "data" / "ychat.db"
    path.parent.mkdir()
    old = sqlite3.connect(path)
    old.executescript(MIGRATIONS[1])
    old.execute("INSERT INTO conversations VALUES ('abc123', 'old one', 'v1', 'yandexgpt', NULL, '{}', 1, 1)")
    old.execute("INSERT INTO messages (conversation_id, role, text, created) VALUES ('abc123', 'user', 'hi', 1)")
    old.execute("INSERT INTO messages (conversation_id, role, text, created) VALUES ('abc123', 'assistant', 'yo', 2)")
    old.execute("PRAGMA user_version = 1")
    old.commit()
    old.close()
    store = Store(path)
    assert store._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert [(m.role, m.text, m.status) for m in store.messages("abc123")] == [
        ("user", "hi", "ok"),
        ("assistant", "yo", "ok"),
    ]
    assert store.resolve("abc") == "abc123"
    store.close()


def test_a_newer_schema_is_refused_not_damaged(tmp_path: Path) -> None:
    from ychat.errors import ConfigError

    Store(tmp_path / "data" / "ychat.db").close()
    raw = sqlite3.connect(tmp_path / "data" / "ychat.db")
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(ConfigError, match="newer ychat"):
        db(tmp_path)


def test_prefixes_must_be_unique_and_known(tmp_path: Path) -> None:
    store = db(tmp_path)
    with pytest.raises(UsageError, match="no saved conversation"):
        store.resolve("nope")
    store.close()


WRITER = """
import sys
from pathlib import Path
from ychat.history.store import Store
store = Store(Path(sys.argv[1]))
cid = store.create(title=sys.argv[2], dialect="v1", model="m", system=None, options={})
for n in range(60):
    store.add(cid, "user", f"{sys.argv[2]} {n}")
store.close()
"""


def test_two_processes_writing_at_once_both_keep_their_data(tmp_path: Path) -> None:
    path = tmp_path / "data" / "ychat.db"
    Store(path).close()
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), name]) for name in ("alpha", "beta")]
    assert [w.wait(timeout=60) for w in writers] == [0, 0]
    store = Store(path)
    counts = {saved.title: len(store.messages(saved.id)) for saved in store.recent()}
    assert counts == {"alpha": 60, "beta": 60}
    store.close()


def test_continue_and_resume_one_offs_carry_the_history(server: RunningServer, tmp_path: Path) -> None:
    env = data_env(tmp_path)
    assert ychat(server.url, tmp_path, "-s", "Be brief", "first", **env).returncode == 0
    result = ychat(server.url, tmp_path, "-c", "second", **env)
    assert result.returncode == 0 and "Continuing “first”" in result.stderr.decode()
    assert sent(server.emulator) == [
        ("system", "Be brief"),
        ("user", "first"),
        ("assistant", "Echo: first"),
        ("user", "second"),
    ]
    listed = ychat(None, tmp_path, "history", "list", "--json", **env).stdout.decode().splitlines()
    (only,) = [json.loads(line) for line in listed]
    result = ychat(server.url, tmp_path, "--resume", only["id"][:6], "third", **env)
    assert result.returncode == 0 and len(server.emulator.requests[-1].body["messages"]) == 6


def test_no_save_keeps_the_store_away(server: RunningServer, tmp_path: Path) -> None:
    assert ychat(server.url, tmp_path, "--no-save", "hi", **data_env(tmp_path)).returncode == 0
    assert not (tmp_path / "data").exists()
    config = tmp_path / "config.toml"
    config.write_text("save = false\n")
    assert ychat(server.url, tmp_path, "hi", **data_env(tmp_path, YCHAT_CONFIG=str(config))).returncode == 0
    assert not (tmp_path / "data").exists()


def test_continue_with_nothing_saved_starts_a_new_conversation(server: RunningServer, tmp_path: Path) -> None:
    env = data_env(tmp_path)
    listed = ychat(None, tmp_path, "history", "list", **env)
    assert listed.returncode == 0 and "No saved conversations yet." in listed.stdout.decode()
    shown = ychat(None, tmp_path, "history", "show", "abc", **env)
    assert shown.returncode == 2 and "no saved conversations yet" in shown.stderr.decode()
    assert not (tmp_path / "data").exists()  # reading creates no store
    result = ychat(server.url, tmp_path, "-c", "hi", **env)
    assert result.returncode == 0, result.stderr
    assert "Nothing saved to continue yet: this is a new conversation." in result.stderr.decode()
    assert sent(server.emulator) == [("user", "hi")]
    again = ychat(server.url, tmp_path, "-c", "and again", **env)
    assert sent(server.emulator)[-2:] == [("assistant", "Echo: hi"), ("user", "and again")] and again.returncode == 0


def test_history_show_export_search_delete(server: RunningServer, tmp_path: Path) -> None:
    env = data_env(tmp_path)
    ychat(server.url, tmp_path, "What is a monotreme?", **env)
    ychat(server.url, tmp_path, "Tell me about platypus eggs", **env)
    found = ychat(None, tmp_path, "history", "search", "platypus", **env).stdout.decode()
    assert "Tell me about platypus eggs" in found and "monotreme" not in found
    cid = found.split()[0]
    shown = ychat(None, tmp_path, "history", "show", cid, **env).stdout.decode()
    assert (
        shown.startswith("# Tell me about platypus eggs")
        and "## Assistant\n\nEcho: Tell me about platypus eggs" in shown
    )
    target = tmp_path / "out.json"
    assert ychat(None, tmp_path, "history", "export", cid, "-o", str(target), **env).returncode == 0
    exported = json.loads(target.read_text())
    assert [m["role"] for m in exported["messages"]] == ["user", "assistant"] and stat.S_IMODE(
        target.stat().st_mode
    ) == 0o600
    assert ychat(None, tmp_path, "history", "delete", cid, **env).returncode == 0
    assert "Nothing saved matches" in ychat(None, tmp_path, "history", "search", "platypus", **env).stdout.decode()
    assert len(ychat(None, tmp_path, "history", "list", **env).stdout.decode().splitlines()) == 1


def test_a_killed_ychat_loses_only_the_reply_in_flight(server: RunningServer, tmp_path: Path) -> None:
    env = ychat_env(tmp_path, server.url, **data_env(tmp_path))
    chat = Dialogue.start(env)
    for word in ("one", "two"):
        chat.ask(word, f"Echo: {word}")
    server.emulator.enqueue(Reply.of("endless words here", endless=True, delay=0.05))
    chat.type("three", "endless")
    chat.child.kill(signal.SIGKILL)
    chat.child.wait()
    store = db(tmp_path)
    (saved,) = store.recent()
    _, conversation = load(store, saved.id)
    assert [(e.user, e.assistant) for e in conversation.exchanges] == [("one", "Echo: one"), ("two", "Echo: two")]
    store.close()
    result = ychat(server.url, tmp_path, "-c", "four", **data_env(tmp_path))
    assert result.returncode == 0
    assert sent(server.emulator) == [
        ("user", "one"),
        ("assistant", "Echo: one"),
        ("user", "two"),
        ("assistant", "Echo: two"),
        ("user", "four"),
    ]


def test_the_repl_title_fork_load_and_save(server: RunningServer, tmp_path: Path) -> None:
    env = ychat_env(tmp_path, server.url, **data_env(tmp_path))
    chat = Dialogue.start(env)
    chat.ask("alpha", "Echo: alpha")
    chat.ask("/title Greek letters", "Title: Greek letters")
    chat.type("/fork")
    chat.child.expect("Forked: this is now conversation ([0-9a-f]{8})")
    chat.ask("beta", "Echo: beta")
    chat.ask(f"/save {tmp_path / 'fork.md'}", "Saved to")
    chat.leave()
    listed = ychat(None, tmp_path, "history", "list", **data_env(tmp_path)).stdout.decode()
    assert "Greek letters" in listed and "fork of Greek letters" in listed
    assert "## User\n\nbeta" in (tmp_path / "fork.md").read_text()
    original = next(line.split()[0] for line in listed.splitlines() if line.endswith("  Greek letters"))
    chat = Dialogue.start(env)
    chat.ask(f"/load {original}", "1 exchange")
    chat.ask("gamma", "Echo: gamma")
    chat.leave()
    assert sent(server.emulator) == [("user", "alpha"), ("assistant", "Echo: alpha"), ("user", "gamma")]


# --- the context window -----------------------------------------------------------------------


def test_windows_by_model_name() -> None:
    assert window_of("yandexgpt-lite", dialect="v1") == 32_768
    assert window_of("gpt://b1g/yandexgpt-lite/latest@ft1", dialect="v1") == 32_768
    assert window_of("qwen3-235b-a22b-fp8", dialect="openai") == 262_144
    assert window_of("gpt://b1g/gpt-oss-20b/latest", dialect="openai") == 131_072
    assert window_of("general", dialect="v1alpha") == 7_400
    assert window_of("my-own-model", dialect="openai") is None


def test_plan_drops_the_oldest_and_never_the_system_or_new_message() -> None:
    history = [("q" * 300, "a" * 300)] * 10  # ~208 tokens each by the estimate
    found = plan(history, "new", system="s" * 30, window=1_000, reply=200)
    assert found.dropped == 7 and found.size + 200 <= 1_000
    with pytest.raises(MessageTooLong, match="cannot fit the 1,000-token window"):
        plan(history, "x" * 3_000, system=None, window=1_000, reply=200)


def test_measured_usage_calibrates_the_estimate() -> None:
    history = [("q" * 300, "a" * 300)] * 10
    assert plan(history, "new", system=None, window=1_000, reply=200, measured=4_000).dropped == 9
    assert plan(history, "new", system=None, window=1_000, reply=200, measured=600).dropped == 0


def test_a_long_history_is_truncated_with_exact_request_bodies(server: RunningServer, tmp_path: Path) -> None:
    from tests.conftest import in_process_client
    from ychat.conversation import Conversation, Exchange
    from ychat.repl.session import ChatOptions, Session

    history = [Exchange(f"question {n} " + "x" * 600, f"answer {n} " + "y" * 600) for n in range(6)]
    renderer = Recorder()
    options = ChatOptions("yandexgpt", max_tokens=200, window=1_400)
    session = Session(in_process_client(server.emulator), renderer, Conversation("Be brief", list(history)), options)
    session.send("the new one")
    body = server.emulator.requests[-1].body
    assert body["messages"] == [
        {"role": "system", "text": "Be brief"},
        *[
            m
            for e in history[4:]
            for m in ({"role": "user", "text": e.user}, {"role": "assistant", "text": e.assistant})
        ],
        {"role": "user", "text": "the new one"},
    ]
    assert "4 earlier exchanges left out to fit the 1,400-token window" in renderer.infos()
    assert len(session.conversation.exchanges) == 7  # nothing dropped from the conversation itself


def test_a_message_too_long_alone_is_refused_before_any_request(server: RunningServer, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("context_window = 500\n")
    result = ychat(server.url, tmp_path, "z" * 4_000, **data_env(tmp_path, YCHAT_CONFIG=str(config)))
    assert result.returncode == 2 and "HTTP 400" not in result.stderr.decode()  # refused here, not by a server
    assert_one_error_line(result.stderr, "cannot fit the 500-token window")
    too_many = ychat(server.url, tmp_path, "--max-tokens", "100000", "hi", **data_env(tmp_path))
    assert too_many.returncode == 2 and "HTTP 400" not in too_many.stderr.decode()
    assert_one_error_line(too_many.stderr, "cannot fit the 32,768-token window")
    assert server.emulator.requests == []


def test_threads_do_not_share_a_half_written_conversation(tmp_path: Path) -> None:
    store = db(tmp_path)
    cid = store.create(title="t", dialect="v1", model="m", system=None, options={})
    errors: list[BaseException] = []

    def write(tag: str) -> None:
        try:
            for n in range(50):
                store.add(cid, "user", f"{tag}{n}")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(tag,)) for tag in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(store.messages(cid)) == 100
    store.close()


def test_compact_replaces_the_oldest_by_a_summary_kept_in_the_store(server: RunningServer, tmp_path: Path) -> None:
    from tests.conftest import in_process_client
    from ychat.conversation import SUMMARY_MARK, Conversation
    from ychat.repl.session import ChatOptions, Session

    store = db(tmp_path)
    keeper = Keeper(store, dialect="v1", model="yandexgpt")
    session = Session(
        in_process_client(server.emulator),
        Recorder(),
        Conversation("Be brief"),
        ChatOptions("yandexgpt"),
        keeper=keeper,
    )
    for word in ("one", "two", "three", "four"):
        session.handle(word)
    server.emulator.enqueue(Reply.of("They counted to two."))
    session.handle("/compact")
    ask = server.emulator.requests[-1].body["messages"]
    assert ask[0]["role"] == "system" and "Summarize the conversation" in ask[0]["text"]
    assert ask[1]["text"] == "User: one\nAssistant: Echo: one\n\nUser: two\nAssistant: Echo: two"
    session.send("five")
    assert sent(server.emulator) == [
        ("system", f"Be brief\n\n{SUMMARY_MARK}\nThey counted to two."),
        ("user", "three"),
        ("assistant", "Echo: three"),
        ("user", "four"),
        ("assistant", "Echo: four"),
        ("user", "five"),
    ]
    _, loaded = load(store, keeper.cid or "")
    assert loaded.summary == "They counted to two." and [e.user for e in loaded.exchanges] == ["three", "four", "five"]
    assert len([m for m in store.messages(keeper.cid or "") if m.role == "user"]) == 5  # the originals stay
    store.close()


def test_context_summarize_compacts_instead_of_dropping(server: RunningServer, tmp_path: Path) -> None:
    from tests.conftest import in_process_client
    from ychat.conversation import Conversation, Exchange
    from ychat.repl.session import ChatOptions, Session

    history = [Exchange(f"question {n} " + "x" * 600, f"answer {n} " + "y" * 600) for n in range(6)]
    renderer = Recorder()
    options = ChatOptions("yandexgpt", max_tokens=200, window=1_400, context="summarize")
    session = Session(in_process_client(server.emulator), renderer, Conversation(None, list(history)), options)
    server.emulator.enqueue(Reply.of("A summary."))
    session.send("the new one")
    assert "Compacting the 4 oldest exchanges" in renderer.infos() and "left out" not in renderer.infos()
    first = server.emulator.requests[-1].body["messages"][0]
    assert first["role"] == "system" and first["text"].endswith("A summary.")
    assert len(session.conversation.exchanges) == 3


def test_a_large_message_is_counted_by_tokenize_completion(server: RunningServer) -> None:
    from tests.conftest import in_process_client
    from ychat.conversation import Conversation
    from ychat.repl.session import ChatOptions, Session

    text = "word " * 4_000  # 20 000 bytes: the local estimate says ~6 700 tokens, the tokenizer ~4 000
    options = ChatOptions("yandexgpt", max_tokens=100, window=5_000)
    session = Session(in_process_client(server.emulator), Recorder(), Conversation(), options)
    done = session.send(text)
    paths = [r.path for r in server.emulator.requests]
    assert paths == ["/foundationModels/v1/tokenizeCompletion", "/foundationModels/v1/completion"]
    assert done.text.startswith("Echo: word")
    with pytest.raises(MessageTooLong, match="5,000-token window"):  # the estimate alone would refuse it
        Session(object(), Recorder(), Conversation(), options).send(text)  # type: ignore[arg-type]


def test_search_without_fts5_falls_back_to_a_substring(tmp_path: Path) -> None:
    store = db(tmp_path)
    cid = store.create(title="t", dialect="v1", model="m", system=None, options={})
    store.add(cid, "user", "100% of the platypus_eggs")
    store.add(cid, "assistant", "nothing here")
    store.fts = False  # as on an SQLite built without FTS5
    assert [line for _, line in store.search("100% of")] == ["100% of the platypus_eggs"]
    assert store.search("of_the") == []  # _ and % are literal, not wildcards
    store.close()


def test_ctrl_x_ctrl_e_edits_the_input_and_sends_it(server: RunningServer, tmp_path: Path) -> None:
    script = tmp_path / "editor.sh"
    script.write_text('#!/bin/sh\nprintf "%s, edited\\n" "$(cat "$1")" > "$1"\n')
    script.chmod(0o755)
    chat = Dialogue.start(ychat_env(tmp_path, server.url, EDITOR=str(script), **data_env(tmp_path)))
    chat.child.send("draft")
    chat.child.send("\x18\x05")  # Ctrl-X Ctrl-E
    chat.child.expect_exact("Echo: draft, edited")
    chat.leave()
    assert sent(server.emulator) == [("user", "draft, edited")]


def test_a_window_for_a_name_no_dialect_has_is_found_by_the_model() -> None:
    assert window_of("yandexgpt-lite", dialect="local") == 32_768  # a saved conversation's kind, not a dialect
