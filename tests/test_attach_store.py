"""Issue 23: attachments in the store (schema 5) — kept once by content hash, tied to their
message, brought back by ``-c``/``/fork`` (only what the model saw), dropped with their
conversation — and the local server's answer to a picture sent to a text-only engine."""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.pictures import picture
from ychat.conversation import Conversation
from ychat.core import Done, FinishReason, Image
from ychat.history.keeper import Keeper, exchanges, load
from ychat.history.schema import MIGRATIONS
from ychat.history.store import Store
from ychat.server.app import LocalAPI
from ychat.server.http import serve

CAT = Image("cat.png", "image/png", b"\x89PNG\r\n\x1a\ncat")
SCAN = Image("scan.pdf", "application/pdf", b"%PDF-1.4 scan")


def done(text: str) -> Done:
    return Done(text, FinishReason.STOP, None)


def blobs(store: Store) -> int:
    return int(store._db.execute("SELECT count(*) FROM blobs").fetchone()[0])


def test_a_picture_is_kept_once_and_comes_back_with_its_message(tmp_path: Path) -> None:
    store = Store(tmp_path / "ychat.db")
    keeper = Keeper(store, dialect="openai", model="gemma-3-27b-it")
    keeper.sent("What is it?", system=None, model="gemma-3-27b-it", attachments=[(CAT, "image"), (SCAN, "ocr")])
    keeper.replied(done("A cat."))
    keeper.sent("Again?", system=None, model="gemma-3-27b-it", attachments=[(CAT, "image")])
    keeper.replied(done("Still a cat."))
    assert blobs(store) == 2  # the cat once, though two messages carry it
    messages = store.messages(keeper.cid or "")
    assert [(a.name, a.via, a.data) for a in messages[0].attachments] == [
        ("cat.png", "image", CAT.data),
        ("scan.pdf", "ocr", SCAN.data),
    ]
    restored = exchanges(messages)
    assert restored[0].images == (CAT,)  # what OCR read is in the text already: not sent again as a file
    assert restored[0].messages[0].images == (CAT,)
    store.close()


def test_fork_keeps_the_pictures_and_delete_forgets_unused_files(tmp_path: Path) -> None:
    store = Store(tmp_path / "ychat.db")
    keeper = Keeper(store, dialect="openai", model="gemma-3-27b-it")
    keeper.sent("What is it?", system=None, model="gemma-3-27b-it", attachments=[(CAT, "image")])
    keeper.replied(done("A cat."))
    first = keeper.cid or ""
    conversation = Conversation()
    conversation.record("What is it?", "A cat.", images=(CAT,))
    copy = keeper.fork(conversation, model="gemma-3-27b-it")
    assert load(store, copy)[1].exchanges[0].images == (CAT,)
    store.delete(first)
    assert blobs(store) == 1  # the fork still carries it
    store.delete(copy)
    assert blobs(store) == 0
    store.close()


def test_a_schema_4_store_upgrades_and_keeps_its_messages(tmp_path: Path) -> None:
    path = tmp_path / "ychat.db"
    old = sqlite3.connect(path)
    for step in range(1, 5):
        old.executescript(MIGRATIONS[step])
    old.execute("INSERT INTO conversations VALUES ('abc', 't', 'v1', 'yandexgpt', NULL, '{}', 1, 1)")
    old.execute("INSERT INTO messages (conversation_id, role, text, created) VALUES ('abc', 'user', 'hi', 1)")
    old.execute("PRAGMA user_version = 4")
    old.commit()
    old.close()
    store = Store(path)
    assert store._db.execute("PRAGMA user_version").fetchone()[0] == 5
    assert [(m.text, m.attachments) for m in store.messages("abc")] == [("hi", ())]
    store.close()


def post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    import httpx

    reply = httpx.post(url, json=body, timeout=30)
    return reply.status_code, reply.json()


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("/v1/chat/completions", {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}),
        ("/v1/responses", {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo="}),
    ],
)
def test_ychat_serve_answers_a_picture_for_its_text_only_model_with_a_400(path: str, content: dict[str, Any]) -> None:
    text = {"type": "text" if "chat" in path else "input_text", "text": "What is it?"}
    key = "messages" if "chat" in path else "input"
    with serve(LocalAPI()) as api:
        status, body = post(api.url + path, {"model": "echo", key: [{"role": "user", "content": [text, content]}]})
        assert status == 400 and "'echo' does not accept images" in body["error"]["message"]
        status, body = post(api.url + path, {"model": "echo", key: [{"role": "user", "content": [text]}]})
        assert status == 200  # text parts alone are fine


def test_the_openai_package_sending_a_picture_to_ychat_serve_gets_the_400() -> None:
    openai = pytest.importorskip("openai")
    url = "data:image/png;base64," + base64.b64encode(picture("PNG")).decode()
    parts = [{"type": "text", "text": "What is it?"}, {"type": "image_url", "image_url": {"url": url}}]
    with (
        serve(LocalAPI()) as api,
        openai.OpenAI(base_url=api.url + "/v1", api_key="sk", max_retries=0) as client,
        pytest.raises(openai.BadRequestError, match="does not accept images"),
    ):
        client.chat.completions.create(model="echo", messages=[{"role": "user", "content": parts}])


def openai_session(emulator: Any) -> Any:
    import httpx

    from tests.helpers import Recorder
    from ychat.api.auth import ApiKey
    from ychat.api.client import ApiClient, dialect_for
    from ychat.api.http.transport import Transport
    from ychat.api.retry import RetryPolicy
    from ychat.repl.session import ChatOptions, Session

    http = httpx.Client(transport=httpx.WSGITransport(app=emulator), timeout=5.0)
    transport = Transport(http, credentials=ApiKey("k"), retry=RetryPolicy(attempts=1, jitter=0.0))
    client = ApiClient(transport, dialect_for("openai", endpoint="http://api.test/v1", folder_id=None))
    options = ChatOptions(model="gemma-3-27b-it", dialect="openai")
    return Session(client, Recorder(), Conversation(), options)


def test_a_picture_stays_for_retry_goes_again_with_a_regenerated_reply_and_each_turn() -> None:
    from ychat.attach.files import Attachment
    from ychat.testing import Emulator, HttpError, Reply

    emulator = Emulator()
    emulator.enqueue(HttpError(400, "bad"), Reply.of("A cat."), Reply.of("A kitten."), Reply.of("Grey."))
    session = openai_session(emulator)
    session.pending = [Attachment("cat.png", "image/png", picture("PNG", (50, 40)))]
    assert not session.turn("What is it?")  # fails: the picture stays attached
    assert session.pending and session.unsent == "What is it?"
    assert session.turn("What is it?") and not session.pending
    session.handle("/retry")  # a new reply to the same question: its picture goes again
    session.turn("Which colour?")
    bodies = [r.body for r in emulator.requests]
    assert bodies[0]["messages"][-1] == bodies[1]["messages"][-1] == bodies[2]["messages"][-1]
    assert bodies[1]["messages"][-1]["content"][1]["type"] == "image_url"
    assert [e.assistant for e in session.conversation.exchanges] == ["A kitten.", "Grey."]
    first, _answer, last = bodies[3]["messages"]
    assert first == bodies[1]["messages"][-1] and last == {"role": "user", "content": "Which colour?"}
    emulator.enqueue(Reply.of("Sure."))
    session.options.model = "yandexgpt"  # /model: a model that reads text only gets no earlier picture
    assert session.turn("Sure?")
    assert emulator.requests[-1].body["messages"][0] == {"role": "user", "content": "What is it?"}


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "folder"])
def test_file_and_attach_refuse_what_is_no_regular_file_without_waiting(tmp_path: Path, kind: str) -> None:
    """/file first looks whether a file is a picture: that look must not wait on a FIFO either."""
    import os

    from tests.helpers import Recorder
    from ychat.errors import UsageError
    from ychat.repl import attaching, handlers
    from ychat.repl.session import ChatOptions, Session

    path = str(tmp_path / "fifo") if kind == "fifo" else str(tmp_path) if kind == "folder" else kind
    if kind == "fifo":
        os.mkfifo(path)
    session = Session(None, Recorder(), Conversation(), ChatOptions())  # type: ignore[arg-type]
    for command in (handlers.file, attaching.attach):
        with pytest.raises(UsageError, match=r"not a regular file|Is a directory"):
            command(session, path)


def test_ocr_for_another_servers_chat_has_its_own_transport_closed_with_the_backend() -> None:
    from ychat.backend import choose
    from ychat.config.settings import load_settings

    flags = {"api": "openai", "endpoint": "http://127.0.0.1:9/v1"}  # llama.cpp's, say: not Yandex's
    settings = load_settings(flags, env={"YC_API_KEY": "k", "YC_FOLDER_ID": "b1g"}, config_file=None)
    with choose(settings, local_requested=False, interactive=False, model_flag=None) as backend:
        assert backend.ocr is not None
        own = backend.ocr().__self__.transport  # type: ignore[attr-defined]
        assert own is not backend.client.transport and own.credentials is not None  # Yandex's key, for OCR
        own.prepare()
    assert own._http.is_closed
