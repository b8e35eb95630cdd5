"""Offline mode (ychat[local]): the extra's detection, backend choice, and ``ychat serve``."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ychat_argv, ychat_env
from ychat import local
from ychat.api.auth import ApiKey
from ychat.config import Settings
from ychat.errors import MissingCredentials, UsageError
from ychat.local.serve import exposure_warning, is_loopback

needs_model = pytest.mark.skipif(not local.available(), reason="ychat[local] is not installed")
SEED_BODY = {
    "modelUri": "gpt://b1gfolder/yandexgpt-lite",
    "completionOptions": {"stream": False, "temperature": 0.6, "maxTokens": "60"},
    "messages": [
        {"role": "system", "text": "You are a smart assistant"},
        {"role": "user", "text": "Hi! What fields of science did Albert Einstein study?"},
    ],
}
SECRET = "t1.very-secret-iam-token"


def test_missing_extra_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local.importlib.util, "find_spec", lambda name: None)
    assert not local.available()
    with pytest.raises(UsageError) as info:
        local.require()
    assert "ychat[local]" in (info.value.hint or "")
    with pytest.raises(UsageError):
        local.default_model_path()


def test_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no model file"):
        local.model_path(tmp_path / "absent.gguf")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("example.org", False),
    ],
)
def test_loopback_detection_and_warning(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    assert (exposure_warning(host) is None) is loopback


def test_one_off_without_credentials_does_not_fall_back() -> None:
    from ychat.backend import choose

    with pytest.raises(MissingCredentials) as info:
        choose(Settings(), local_requested=False, interactive=False, model_flag=None)
    assert "--local" in (info.value.hint or "")


def test_credentials_mean_the_cloud() -> None:
    from ychat.backend import LOCAL_ENDPOINT, choose

    backend = choose(
        Settings(credentials=ApiKey("k"), folder_id="f"), local_requested=False, interactive=True, model_flag=None
    )
    with backend:
        assert backend.model == "yandexgpt" and backend.notes == []
        assert LOCAL_ENDPOINT not in backend.client._url


@needs_model
def test_repl_without_credentials_falls_back_with_a_banner() -> None:
    from ychat.backend import OFFLINE_BANNER, choose

    backend = choose(Settings(), local_requested=False, interactive=True, model_flag="yandexgpt")
    with backend:
        assert backend.model == "SmolLM2-135M-Instruct.Q4_1"
        assert OFFLINE_BANNER in backend.notes and len(OFFLINE_BANNER) <= 80
        assert any("--model yandexgpt is ignored" in n for n in backend.notes)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    argv = ychat_argv()
    process = subprocess.Popen(
        [*argv, "serve", "--port", str(port)],
        env=ychat_env(tmp_path, None),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url + "/operations/none", timeout=1)
            break
        except httpx.TransportError:
            assert process.poll() is None and time.monotonic() < deadline, "ychat serve did not start"
            time.sleep(0.1)
    yield url, process
    if process.poll() is None:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


def post(url: str, body: dict, **headers: str) -> httpx.Response:
    return httpx.post(
        url + "/foundationModels/v1/completion",
        json=body,
        headers={"Authorization": f"Bearer {SECRET}", **headers},
        timeout=60,
    )


@needs_model
def test_serve_answers_the_seed_request_then_stops_cleanly(served) -> None:
    url, process = served
    if shutil.which("curl"):  # the seed's own command
        command = [
            "curl",
            "-s",
            "--request",
            "POST",
            "--header",
            "Content-Type: application/json",
            "--header",
            f"Authorization: Bearer {SECRET}",
            "--header",
            "x-folder-id: b1gfolder",
            "--data",
            json.dumps(SEED_BODY),
            url + "/foundationModels/v1/completion",
        ]
        reply = json.loads(subprocess.run(command, capture_output=True, check=True, timeout=60).stdout)
    else:
        reply = post(url, SEED_BODY, **{"x-folder-id": "b1gfolder"}).json()
    alternative = reply["result"]["alternatives"][0]
    assert alternative["message"]["role"] == "assistant" and alternative["message"]["text"].strip()
    assert int(reply["result"]["usage"]["inputTextTokens"]) > 10
    streamed = post(url, {**SEED_BODY, "completionOptions": {"stream": True, "maxTokens": "20"}})
    lines = [json.loads(x) for x in streamed.text.splitlines()]
    assert len(lines) > 1 and lines[-1]["result"]["alternatives"][0]["status"].endswith(("FINAL", "TRUNCATED_FINAL"))
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=15) == 130  # a clean shutdown, reported as "interrupted"
    log = process.stdout.read().decode()
    assert "Finished server process" in log
    assert '"POST /foundationModels/v1/completion HTTP/1.1" 200' in log
    assert SECRET not in log and "Traceback" not in log


@needs_model
def test_serve_queues_concurrent_requests(served) -> None:
    url, _ = served
    replies: list[httpx.Response] = []
    body = {**SEED_BODY, "completionOptions": {"maxTokens": "30"}}
    threads = [threading.Thread(target=lambda: replies.append(post(url, body))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert [r.status_code for r in replies] == [200] * 4
    assert all(r.json()["result"]["alternatives"][0]["message"]["text"] for r in replies)
    refused = post(url, {**SEED_BODY, "messages": [{"role": "robot", "text": "x"}]})
    assert refused.status_code == 400 and "invalid message role" in refused.json()["error"]["message"]


@needs_model
def test_serve_ctrl_c_during_a_long_generation_stops_promptly(served) -> None:
    url, process = served
    body = {**SEED_BODY, "completionOptions": {"stream": True, "maxTokens": "3000", "temperature": 0.9}}
    body["messages"] = [{"role": "user", "text": "Write a very long story about the sea."}]
    got_text = threading.Event()

    def stream() -> None:
        try:
            with httpx.stream(
                "POST",
                url + "/foundationModels/v1/completion",
                json=body,
                headers={"Authorization": "Api-Key k"},
                timeout=60,
            ) as reply:
                for _ in reply.iter_bytes():
                    got_text.set()
        except httpx.HTTPError:
            pass  # the server cut the stream: expected

    reader = threading.Thread(target=stream)
    reader.start()
    assert got_text.wait(30)
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=15) == 130
    elapsed = time.monotonic() - started
    reader.join(15)
    assert elapsed < 5, f"shutdown took {elapsed:.1f} s"
    assert "Traceback" not in process.stdout.read().decode()


@needs_model
def test_serve_frees_the_model_when_a_client_disconnects(served) -> None:
    url, _ = served
    long = {**SEED_BODY, "completionOptions": {"stream": True, "maxTokens": "3000", "temperature": 0.9}}
    long["messages"] = [{"role": "user", "text": "Write a very long story about the sea."}]
    with httpx.stream(
        "POST", url + "/foundationModels/v1/completion", json=long, headers={"Authorization": "Api-Key k"}, timeout=60
    ) as reply:
        assert next(reply.iter_lines())  # generation has started; now the client goes away
    started = time.monotonic()
    quick = post(url, {**SEED_BODY, "completionOptions": {"maxTokens": "5"}})
    assert quick.status_code == 200
    assert time.monotonic() - started < 5, "the next request waited for a generation nobody was reading"
