"""The real ``ychat`` in every dialect against the test double on 127.0.0.1: the REPL in a
pseudo-terminal (three turns, the history checked on the wire), one-offs, deferred mode."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pexpect
import pytest

from tests.conftest import FOLDER, ychat_env
from tests.helpers import ENTER, PROMPT, Dialogue, assert_one_error_line, ychat
from ychat.server.http import RunningServer, serve
from ychat.testing import EchoEngine, Emulator, Raw

DIALECTS = {
    "v1alpha": (["--api", "v1alpha"], ""),
    "openai": (["--api", "openai"], "/v1"),
    "v1-async": (["--async"], ""),
}


def history(request_body: dict) -> list[tuple[str, str]]:
    """(role, text) of the messages a request carried, in any dialect's field names."""
    pairs = [(m["role"], m.get("text", m.get("content"))) for m in request_body["messages"]]
    if "instructionText" in request_body:
        pairs.insert(0, ("system", request_body["instructionText"]))
    return pairs


def chat_requests(emulator: Emulator) -> list[dict]:
    return [r.body for r in emulator.requests if r.method == "POST"]


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_the_same_repl_in_every_dialect(dialect: str, server: RunningServer, tmp_path: Path) -> None:
    args, suffix = DIALECTS[dialect]
    child = Dialogue.start(ychat_env(tmp_path, server.url + suffix), "--system", "Be brief", *args)
    for word in ("one", "two", "three"):
        child.ask(word, f"Echo: {word}")
    child.send("/exit" + ENTER)
    child.expect(pexpect.EOF)
    assert history(chat_requests(server.emulator)[-1]) == [
        ("system", "Be brief"),
        ("user", "one"),
        ("assistant", "Echo: one"),
        ("user", "two"),
        ("assistant", "Echo: two"),
        ("user", "three"),
    ]
    if dialect == "v1-async":
        paths = {r.path for r in server.emulator.requests}
        assert "/foundationModels/v1/completionAsync" in paths and "/foundationModels/v1/completion" not in paths
        assert "Deferred operation d7q" in child.logfile_read.getvalue()


def test_v1alpha_one_off_sends_the_seed_shape(server: RunningServer, tmp_path: Path) -> None:
    result = ychat(
        server.url, tmp_path, "--api", "v1alpha", "-s", "Ты помощник", "-t", "0.5", "--max-tokens", "2000", "Привет"
    )
    assert result.returncode == 0 and result.stdout.decode() == "Echo: Привет\n"
    body = server.emulator.requests[-1].body
    assert body == {
        "model": "general",
        "generationOptions": {"partialResults": True, "temperature": 0.5, "maxTokens": 2000},
        "messages": [{"role": "user", "text": "Привет"}],
        "instructionText": "Ты помощник",
    }


def test_v1alpha_max_tokens_above_its_limit_is_a_usage_error(tmp_path: Path) -> None:
    result = ychat(None, tmp_path, "--api", "v1alpha", "--max-tokens", "8000", "hi")
    assert result.returncode == 2
    assert_one_error_line(result.stderr, "7400")


def test_openai_error_shape_is_one_line_with_the_auth_exit_code(server: RunningServer, tmp_path: Path) -> None:
    error = json.dumps({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})
    server.emulator.enqueue(Raw((error.encode(),), status=401))
    result = ychat(server.url + "/v1", tmp_path, "--api", "openai", "hi")
    assert result.returncode == 3
    assert_one_error_line(result.stderr, "Incorrect API key provided")


def test_openai_to_another_server_needs_no_yandex_credentials(server: RunningServer, tmp_path: Path) -> None:
    result = ychat(
        server.url + "/v1",
        tmp_path,
        "--api",
        "openai",
        "-m",
        "smol",
        "hi",
        YC_API_KEY="",
        YCHAT_OPENAI_API_KEY="sk-local",
    )
    assert result.returncode == 0 and result.stdout.decode() == "Echo: hi\n"
    request = server.emulator.requests[-1]
    assert request.body["model"] == "smol" and request.headers["authorization"] == "Bearer sk-local"
    assert "openai-project" not in request.headers


def test_async_one_off_prints_the_id_and_operation_fetches_it_later(server: RunningServer, tmp_path: Path) -> None:
    result = ychat(server.url, tmp_path, "--async", "hello there")
    assert result.returncode == 0 and result.stdout.decode() == "Echo: hello there\n"
    found = re.search(r"Deferred operation (\w+)", result.stderr.decode())
    assert found, result.stderr
    later = ychat(server.url, tmp_path, "operation", found.group(1))
    assert later.returncode == 0 and later.stdout.decode() == "Echo: hello there\n"


def test_an_unknown_operation_is_an_api_error(server: RunningServer, tmp_path: Path) -> None:
    result = ychat(server.url, tmp_path, "operation", "d7qnosuchthing")
    assert result.returncode == 1
    assert_one_error_line(result.stderr, "Operation not found")


def test_async_with_another_dialect_is_a_usage_error(tmp_path: Path) -> None:
    result = ychat(None, tmp_path, "--api", "openai", "--async", "hi")
    assert result.returncode == 2
    assert_one_error_line(result.stderr, "--async")


class Held(EchoEngine):
    """Generation waits until released: a deferred operation that is still running."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def generate(self, messages, *, temperature=None, max_tokens=None):  # type: ignore[no-untyped-def]
        for generation in super().generate(messages, temperature=temperature, max_tokens=max_tokens):
            if not self.release.wait(30):
                return
            yield generation


def test_ctrl_c_cancels_a_deferred_reply_and_the_repl_goes_on(tmp_path: Path) -> None:
    engine = Held()
    with serve(Emulator(engine=engine)) as held:
        child = Dialogue.start(ychat_env(tmp_path, held.url))
        child.send("/async on" + ENTER)
        child.expect_exact("Deferred mode on")
        child.send("slow question" + ENTER)
        child.expect_exact("Deferred operation")
        child.send("\x03")
        child.expect_exact("Cancelled.")
        child.expect_exact(PROMPT)
        assert any(r.path.endswith(":cancel") for r in held.emulator.requests)
        engine.release.set()
        child.send("/async off" + ENTER)
        child.send("quick" + ENTER)
        child.expect_exact("Echo: quick")
        child.send("/exit" + ENTER)
        child.expect(pexpect.EOF)
    assert held.emulator.requests[-1].path == "/foundationModels/v1/completion"


def test_async_in_a_dialect_without_it_is_refused_in_the_repl(server: RunningServer, tmp_path: Path) -> None:
    chat = Dialogue.start(ychat_env(tmp_path, server.url), "--api", "v1alpha")
    chat.ask("/async on", "part of the v1 API")
    chat.ask("hi", "Echo: hi")
    assert chat.leave() == 0
    assert server.emulator.requests[-1].path == "/llm/v1alpha/chat"
    assert server.emulator.requests[-1].headers["x-folder-id"] == FOLDER
