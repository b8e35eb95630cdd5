"""Issue 18, what is saved matches what the user saw: /undo, /retry, /fork after /compact,
resuming on another backend, /save's title, empty saves, the store's creation race, a full
disk or a damaged store during a chat."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import in_process_client, ychat_env
from tests.helpers import Dialogue, Recorder, sent, spawn, ychat
from ychat.conversation import SUMMARY_MARK, Conversation
from ychat.history.keeper import Keeper, load
from ychat.history.store import Store
from ychat.repl.session import ChatOptions, Session
from ychat.server.http import RunningServer
from ychat.testing import Reply


def data_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"YCHAT_DATA_DIR": str(tmp_path / "data"), **extra}


def test_undo_and_retry_reach_the_store_and_continue(server: RunningServer, tmp_path: Path) -> None:
    chat = Dialogue.start(ychat_env(tmp_path, server.url, **data_env(tmp_path)))
    chat.ask("one", "Echo: one")
    chat.ask("two", "Echo: two")
    chat.ask("/undo", "Dropped: two")
    server.emulator.enqueue(Reply.of("A better three"))
    chat.ask("three", "A better three")
    server.emulator.enqueue(Reply.of("The best three"))
    chat.ask("/retry", "The best three")
    chat.ask("/history", "The best three")
    assert chat.leave() == 0
    history = chat.shown
    assert "A better three" not in history.split("/history")[-1]

    cid = json.loads(ychat(None, tmp_path, "history", "list", "--json", **data_env(tmp_path)).stdout)["id"]
    shown = ychat(None, tmp_path, "history", "show", cid, **data_env(tmp_path)).stdout.decode()
    assert "two" not in shown.replace("Echo: one", "") and "A better three" not in shown
    assert "## Assistant\n\nThe best three" in shown
    every = ychat(None, tmp_path, "history", "show", "--all", cid, **data_env(tmp_path)).stdout.decode()
    assert "## Assistant (undone)\n\nEcho: two" in every and "## Assistant (replaced)\n\nA better three" in every

    result = ychat(server.url, tmp_path, "-c", "four", **data_env(tmp_path))
    assert result.returncode == 0
    assert sent(server.emulator) == [
        ("user", "one"),
        ("assistant", "Echo: one"),
        ("user", "three"),
        ("assistant", "The best three"),
        ("user", "four"),
    ]


def session_on(server: RunningServer, store: Store) -> tuple[Session, Recorder, Keeper]:
    keeper = Keeper(store, dialect="v1", model="yandexgpt")
    renderer = Recorder()
    client = in_process_client(server.emulator)
    session = Session(client, renderer, Conversation("Be brief"), ChatOptions("yandexgpt"), keeper=keeper)
    return session, renderer, keeper


def test_fork_after_compact_keeps_the_summary(server: RunningServer, tmp_path: Path) -> None:
    store = Store(tmp_path / "data" / "ychat.db")
    session, _, keeper = session_on(server, store)
    for word in ("one", "two", "three", "four"):
        session.handle(word)
    server.emulator.enqueue(Reply.of("They counted to two."))
    session.handle("/compact")
    original = keeper.cid
    session.handle("/fork")
    assert keeper.cid != original
    session.handle("five")
    session.handle("/compact")  # the fork's own numbering: the summary stood for none of its exchanges
    _, forked = load(store, keeper.cid or "")
    assert forked.summary is not None and forked.compacted == 1
    assert [e.user for e in forked.exchanges] == ["four", "five"]
    session.handle("/fork")
    _, again = load(store, keeper.cid or "")
    assert again.summary == forked.summary and again.compacted == 0
    session.handle("six")
    assert sent(server.emulator)[0] == ("system", f"Be brief\n\n{SUMMARY_MARK}\n{forked.summary}")
    store.close()


def test_fork_of_a_fresh_compact_is_resumed_with_its_summary(server: RunningServer, tmp_path: Path) -> None:
    store = Store(tmp_path / "data" / "ychat.db")
    session, _, keeper = session_on(server, store)
    for word in ("one", "two", "three"):
        session.handle(word)
    server.emulator.enqueue(Reply.of("They counted to one."))
    session.handle("/compact")
    session.handle("/fork")
    _, forked = load(store, keeper.cid or "")
    assert forked.summary == "They counted to one."
    assert [(e.user, e.assistant) for e in forked.exchanges] == [("two", "Echo: two"), ("three", "Echo: three")]
    store.close()


def test_empty_save_and_fork_say_so(server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / "data" / "ychat.db")
    session, renderer, keeper = session_on(server, store)
    monkeypatch.chdir(tmp_path)
    session.handle("/save")
    session.handle("/fork")
    assert renderer.infos().count("Nothing to save yet: the conversation is empty.") == 2
    assert keeper.cid is None and store.recent() == [] and not list(tmp_path.glob("*.md"))
    store.close()


def test_save_uses_the_title(server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / "data" / "ychat.db")
    session, _, _ = session_on(server, store)
    session.handle("alpha")
    session.handle("/title Greek letters")
    session.handle(f"/save {tmp_path / 'out.md'}")
    assert (tmp_path / "out.md").read_text().startswith("# Greek letters\n")
    monkeypatch.chdir(tmp_path)
    session.handle("/title Письма: α, β / γ")
    session.handle("/save")
    assert (tmp_path / "письма-α-β-γ.md").read_text().startswith("# Письма: α, β / γ\n")
    store.close()


def test_a_cloud_resume_of_an_offline_conversation_names_the_model_it_uses(
    server: RunningServer, tmp_path: Path
) -> None:
    store = Store(tmp_path / "data" / "ychat.db")
    keeper = Keeper(store, dialect="local", model="smollm2-135m-instruct")
    keeper.sent("hello offline", system=None, model="smollm2-135m-instruct")
    from ychat.core import Done, FinishReason

    keeper.replied(Done("Hi from the GGUF", FinishReason.STOP, None, ""))
    store.close()
    child = spawn(ychat_env(tmp_path, server.url, **data_env(tmp_path)), "-c")
    child.expect_exact("continuing with yandexgpt")
    child.expect_exact("· yandexgpt ·")  # the banner names the model really used
    chat = Dialogue(child)
    chat.ask("and now?", "Echo: and now?")
    assert chat.leave() == 0
    assert server.emulator.requests[-1].body["modelUri"] == "gpt://b1gtestfolder/yandexgpt/latest"


def test_the_banner_names_the_resumed_model(server: RunningServer, tmp_path: Path) -> None:
    env = ychat_env(tmp_path, server.url, **data_env(tmp_path))
    chat = Dialogue.start(env)
    chat.ask("/model yandexgpt-lite", "Model: yandexgpt-lite")
    chat.ask("hi", "Echo: hi")
    assert chat.leave() == 0
    child = spawn(env, "-c")
    child.expect_exact("· yandexgpt-lite ·")
    chat = Dialogue(child)
    chat.ask("again", "Echo: again")
    assert chat.leave() == 0
    assert server.emulator.requests[-1].body["modelUri"] == "gpt://b1gtestfolder/yandexgpt-lite/latest"


OPENER = """
import sys
from pathlib import Path
from ychat.history.store import Store
Store(Path(sys.argv[1])).close()
"""


def test_processes_creating_a_store_at_once_all_succeed(tmp_path: Path) -> None:
    for round_ in range(4):
        path = tmp_path / f"round{round_}" / "ychat.db"
        openers = [
            subprocess.Popen([sys.executable, "-c", OPENER, str(path)], stderr=subprocess.PIPE) for _ in range(6)
        ]
        results = [(p.communicate(timeout=60)[1].decode(), p.returncode) for p in openers]
        assert all(code == 0 for _, code in results), results


def test_an_older_store_opened_by_many_processes_is_migrated_once(tmp_path: Path) -> None:
    import sqlite3

    from ychat.history.store import MIGRATIONS

    path = tmp_path / "ychat.db"
    raw = sqlite3.connect(path)
    raw.executescript(MIGRATIONS[1])
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()
    openers = [subprocess.Popen([sys.executable, "-c", OPENER, str(path)], stderr=subprocess.PIPE) for _ in range(6)]
    results = [(p.communicate(timeout=60)[1].decode(), p.returncode) for p in openers]
    assert all(code == 0 for _, code in results), results


def test_a_damaged_store_is_named_with_a_way_out(server: RunningServer, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir(mode=0o700)
    damaged = tmp_path / "data" / "ychat.db"
    damaged.write_bytes(b"this is not a database at all, but it is long enough to be read" * 100)
    result = ychat(server.url, tmp_path, "hi", **data_env(tmp_path))
    err = result.stderr.decode()
    assert result.returncode == 0 and result.stdout.decode() == "Echo: hi\n"  # the answer still comes
    assert f"ychat: error: the conversation store {damaged} cannot be read" in err
    assert f"mv {damaged} {damaged}.broken" in err and "--no-save" in err
    assert "goes on unsaved" in err and "Traceback" not in err
    resumed = ychat(server.url, tmp_path, "-c", "hi", **data_env(tmp_path))
    assert resumed.returncode == 2 and f"mv {damaged}" in resumed.stderr.decode()


def test_a_damaged_store_in_the_repl_says_so_once_and_the_chat_goes_on(server: RunningServer, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir(mode=0o700)
    (tmp_path / "data" / "ychat.db").write_bytes(b"garbage" * 1000)
    chat = Dialogue.start(ychat_env(tmp_path, server.url, **data_env(tmp_path)))
    chat.ask("one", "goes on unsaved")
    chat.ask("two", "Echo: two")
    assert chat.leave() == 0
    shown = chat.shown
    assert shown.count("cannot be read") == 1 and "/retry sends it again" not in shown
    assert sent(server.emulator) == [("user", "one"), ("assistant", "Echo: one"), ("user", "two")]


@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A 512 KiB tmpfs of our own (needs root, as CI has): a disk that can really fill up."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mount)], check=False).returncode:
        pytest.skip("this machine cannot mount a tmpfs")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> None:
    descriptor = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(descriptor, b"x" * 4096):
            pass
    except OSError:
        pass  # the disk is full
    finally:
        os.close(descriptor)


def test_a_full_disk_ends_no_chat(server: RunningServer, tmp_path: Path, tiny_disk: Path) -> None:
    chat = Dialogue.start(ychat_env(tmp_path, server.url, YCHAT_DATA_DIR=str(tiny_disk / "data")))
    chat.ask("one", "Echo: one")
    fill(tiny_disk)
    chat.ask("two " + "words " * 2000, "goes on unsaved")
    chat.ask("three", "Echo: three")
    assert chat.leave() == 0
    shown = chat.shown
    assert "Traceback" not in shown
    assert shown.count("goes on unsaved") == 1 and "/retry sends it again" not in shown
    assert [m["text"] for m in server.emulator.requests[-1].body["messages"]][-1] == "three"
    (tiny_disk / "filler").unlink()
    store = Store(tiny_disk / "data" / "ychat.db")
    (saved,) = store.recent()
    assert [(e.user, e.assistant) for e in load(store, saved.id)[1].exchanges] == [("one", "Echo: one")]
    store.close()


def test_a_read_only_data_folder_ends_no_one_off(server: RunningServer, tmp_path: Path, tiny_disk: Path) -> None:
    (tiny_disk / "data").mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    result = ychat(server.url, tmp_path, "hi", YCHAT_DATA_DIR=str(tiny_disk / "data"))
    err = result.stderr.decode()
    assert result.returncode == 0 and result.stdout == b"Echo: hi\n"
    assert "ychat: error: the conversation store" in err and "Read-only file system" in err
    assert "goes on unsaved" in err and "Traceback" not in err
