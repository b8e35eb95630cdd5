"""Issue 18 (9, 17): ``ychat serve`` answers only requests meant for it (Host, JSON bodies, no
CORS, the model's limits); a busy port and a bad model are one line and exit 2."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.conftest import needs_model, ychat_argv, ychat_env
from tests.helpers import assert_one_error_line
from ychat.cli.serve import served_hosts
from ychat.server.app import LocalAPI

BODY = {
    "modelUri": "gpt://b1gfolder/yandexgpt-lite",
    "completionOptions": {"stream": False, "maxTokens": "5"},
    "messages": [{"role": "user", "text": "Hi"}],
}
COMPLETION = "/foundationModels/v1/completion"


def app_client() -> httpx.Client:
    app = LocalAPI(hosts=served_hosts("127.0.0.1"))
    return httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://127.0.0.1:8787")


def test_a_rebound_host_is_refused() -> None:
    with app_client() as client:
        for host in ("evil.example", "evil.example:8787", "127.0.0.1.nip.io"):
            reply = client.post(COMPLETION, json=BODY, headers={"Host": host, "Authorization": "Api-Key x"})
            assert reply.status_code == 403, host
        for host in ("127.0.0.1:8787", "localhost:8787", "localhost", "[::1]:8787"):
            reply = client.post(COMPLETION, json=BODY, headers={"Host": host, "Authorization": "Api-Key x"})
            assert reply.status_code == 200, host


def test_a_simple_request_from_a_web_page_cannot_drive_the_model() -> None:
    with app_client() as client:
        for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""):
            headers = {"Content-Type": kind, "Authorization": "Api-Key x"} if kind else {"Authorization": "Api-Key x"}
            reply = client.post(COMPLETION, content=json.dumps(BODY), headers=headers)
            assert reply.status_code == 415, kind
        good = client.post(COMPLETION, json=BODY, headers={"Authorization": "Api-Key x"})
        assert good.status_code == 200
        assert not any(name.lower().startswith("access-control-") for name in good.headers)
        preflight = client.options(COMPLETION, headers={"Origin": "http://evil.example"})
        assert not any(name.lower().startswith("access-control-") for name in preflight.headers)


def test_max_tokens_above_the_model_is_refused_as_the_api_does() -> None:
    with app_client() as client:
        body = {**BODY, "completionOptions": {"maxTokens": "100000000"}}
        reply = client.post(COMPLETION, json=body, headers={"Authorization": "Api-Key x"})
        assert reply.status_code == 400 and "maxTokens must be at most 8192" in reply.text
        openai = client.post(
            "/v1/chat/completions",
            json={"model": "m", "max_tokens": 10**9, "messages": [{"role": "user", "content": "hi"}]},
        )
        assert openai.status_code == 400


def test_the_hosts_a_server_answers() -> None:
    assert served_hosts("127.0.0.1") == {"127.0.0.1", "localhost", "::1"}
    assert served_hosts("0.0.0.0") is None and served_hosts("::") is None
    assert served_hosts("192.0.2.7") == {"192.0.2.7", "localhost"}


@needs_model
def test_serve_on_a_busy_port_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        result = subprocess.run(
            [*ychat_argv(), "serve", "--port", str(port)],
            env=ychat_env(tmp_path, None),
            capture_output=True,
            timeout=60,
        )
    assert result.returncode == 2 and result.stdout == b""
    assert_one_error_line(result.stderr, f"port {port} on 127.0.0.1 is in use")
    assert "Uvicorn" not in result.stderr.decode() and "ERROR" not in result.stderr.decode()


@needs_model
@pytest.mark.parametrize("content", [b"not a model", b"GGUF" + bytes(60)])
def test_a_bad_local_model_is_one_line_and_exit_2(tmp_path: Path, content: bytes) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(content)
    for args in (["--local-model", str(broken), "hi"], ["serve", "--local-model", str(broken)]):
        result = subprocess.run(
            [*ychat_argv(), *args],
            env=ychat_env(tmp_path, None),
            capture_output=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 2, result.stderr
        assert_one_error_line(result.stderr, "broken.gguf")
        err = result.stderr.decode()
        assert "ychat serve:" not in err and "HTTP 500" not in err and len(err.strip().splitlines()) <= 2


def test_a_cut_reply_never_ends_in_half_a_character() -> None:
    import codecs

    from ychat.local.engine import complete_characters

    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    text = decoder.decode("При".encode()) + decoder.decode("в".encode()[:1])  # cut inside a Cyrillic letter
    assert text + complete_characters(decoder) == "При"
    whole = codecs.getincrementaldecoder("utf-8")(errors="replace")
    assert whole.decode(b"ok") + complete_characters(whole) == "ok"


def test_an_openai_endpoint_without_v1_gets_a_hint(tmp_path: Path) -> None:
    from tests.helpers import ychat
    from ychat.server.http import serve
    from ychat.testing import Emulator

    with serve(Emulator()) as server:
        result = ychat(None, tmp_path, "--api", "openai", "--endpoint", server.url, "hi")
    assert result.returncode == 1
    assert f"try --endpoint {server.url}/v1" in result.stderr.decode()
