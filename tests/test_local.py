"""Offline mode (ychat-cli[local]): the extra's detection, backend choice, and ``ychat serve``."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import signal
import socket
import subprocess
import threading
from pathlib import Path

import httpx
import pytest

from tests.conftest import needs_model, ychat_argv, ychat_env
from tests.helpers import Recorder
from ychat import local
from ychat.api.auth import ApiKey
from ychat.cli.serve import exposure_warning, is_loopback
from ychat.config.settings import Settings
from ychat.core import FinishReason
from ychat.errors import MissingCredentials, UsageError

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
    assert "ychat-cli[local]" in (info.value.hint or "")
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
        assert LOCAL_ENDPOINT not in backend.client.dialect.url  # type: ignore[attr-defined]


@needs_model
def test_repl_without_credentials_falls_back_with_a_banner() -> None:
    from ychat.backend import OFFLINE_BANNER, choose

    backend = choose(Settings(), local_requested=False, interactive=True, model_flag="yandexgpt")
    with backend:
        assert backend.model == "SmolLM2-135M-Instruct.Q4_1"
        assert OFFLINE_BANNER in backend.notes and len(OFFLINE_BANNER) <= 80
        assert any("--model yandexgpt is ignored" in n for n in backend.notes)


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
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=15) == 130  # a 3000-token story takes far longer: the stream was cut
    reader.join(15)
    assert "Traceback" not in process.stdout.read().decode()


LONG_STORY = {
    "modelUri": "gpt://f/m",
    "completionOptions": {"maxTokens": "2000", "temperature": 0.9},
    "messages": [{"role": "user", "text": "Write a very long story about the sea."}],
}


@needs_model
@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, -signal.SIGTERM)])
def test_serve_stops_on_one_signal_with_operations_queued(served, sig: int, status: int) -> None:
    url, process = served
    headers = {"Authorization": "Api-Key k"}
    short = {**LONG_STORY, "completionOptions": {"maxTokens": "40"}}  # the one that starts is soon done
    for _ in range(5):
        queued = httpx.post(url + "/foundationModels/v1/completionAsync", json=short, headers=headers)
        assert queued.status_code == 200 and queued.json()["done"] is False
    streaming = {**LONG_STORY, "completionOptions": {**LONG_STORY["completionOptions"], "stream": True}}
    started = threading.Event()

    def interactive() -> None:  # a synchronous reply in progress: it goes before the deferred ones
        with (
            contextlib.suppress(httpx.HTTPError),
            httpx.stream(
                "POST", url + "/foundationModels/v1/completion", json=streaming, headers=headers, timeout=60
            ) as reply,
        ):
            for _ in reply.iter_lines():
                started.set()

    reader = threading.Thread(target=interactive)
    reader.start()
    assert started.wait(60), "the synchronous request waited behind the deferred ones"
    # One more synchronous request, waiting for the model while the stream holds it (a worker
    # thread blocked on the engine lock is what used to hang the shutdown).
    waiting = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])))
    payload = json.dumps(LONG_STORY).encode()
    waiting.sendall(
        b"POST /foundationModels/v1/completion HTTP/1.1\r\nHost: x\r\nAuthorization: Api-Key k\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(payload), payload)
    )
    assert httpx.get(url + "/operations/none", headers=headers).status_code == 404  # the server has read it
    process.send_signal(sig)
    assert process.wait(timeout=30) == status  # one signal is enough (143 in a shell for SIGTERM)
    waiting.close()
    reader.join(30)
    log = process.stdout.read().decode()
    assert "Traceback" not in log and "CancelledError" not in log and "Finished server process" in log


@needs_model
def test_serve_frees_the_model_when_a_client_disconnects(served) -> None:
    url, process = served
    long = {**SEED_BODY, "completionOptions": {"stream": True, "maxTokens": "3000", "temperature": 0.9}}
    long["messages"] = [{"role": "user", "text": "Write a very long story about the sea."}]
    with httpx.stream(
        "POST", url + "/foundationModels/v1/completion", json=long, headers={"Authorization": "Api-Key k"}, timeout=60
    ) as reply:
        assert next(reply.iter_lines())  # generation has started; now the client goes away
    quick = post(url, {**SEED_BODY, "completionOptions": {"maxTokens": "5"}})
    assert quick.status_code == 200
    # Had the abandoned story kept the model, the quick request would have waited for it to
    # finish, and its end would be logged first; a closed generation is never logged as finished.
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)
    finished = re.findall(r"local reply \((\d+) tokens", process.stdout.read().decode())
    assert finished == ["5"]


def test_llama_cpp_gets_half_the_cores_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from ychat.local.engine import LlamaEngine, default_threads

    for cores, threads in [(1, 1), (2, 1), (8, 4), (None, 1)]:
        monkeypatch.setattr("os.cpu_count", lambda cores=cores: cores)
        assert default_threads() == threads
    assert LlamaEngine(Path("m.gguf"), threads=3).threads == 3


@pytest.mark.parametrize(("stem", "name"), [("My Model.Q4", "My-Model.Q4"), ("tab\tname", "tab-name"), (" ", "local")])
def test_local_model_names_are_always_valid_in_a_uri(stem: str, name: str) -> None:
    from ychat.api.dialects.yandex import expand_model_uri
    from ychat.local.engine import model_name

    assert model_name(Path(f"/models/{stem}.gguf")) == name
    assert expand_model_uri(name, folder_id="local") == f"gpt://local/{name}/latest"


@needs_model
def test_a_gguf_whose_name_has_a_space_chats(tmp_path: Path) -> None:
    from ychat.backend import choose
    from ychat.conversation import Message
    from ychat.core import Done, Options

    spaced = tmp_path / "My Model.Q4.gguf"
    spaced.symlink_to(local.default_model_path())
    backend = choose(Settings(local_model=str(spaced)), local_requested=True, interactive=False, model_flag=None)
    with backend:
        events = list(backend.client.complete(backend.model, [Message("user", "Hi")], Options(max_tokens=3)))
    assert backend.model == "My-Model.Q4" and isinstance(events[-1], Done)


@needs_model
@pytest.mark.parametrize("content", [b"not a model", b"GGUF" + bytes(60)])
def test_a_broken_gguf_is_one_line_in_serve_and_in_a_turn(tmp_path: Path, content: bytes) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(content)
    argv = ychat_argv()
    env = ychat_env(tmp_path, None)
    for args in (["serve", "--local-model", str(broken)], ["--local-model", str(broken), "hi"]):
        result = subprocess.run([*argv, *args], env=env, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
        assert result.returncode in (1, 2), result.stderr
        lines = [line for line in result.stderr.decode().splitlines() if line.startswith("ychat: error:")]
        assert len(lines) == 1 and "broken.gguf" in lines[0] and b"Traceback" not in result.stderr


@needs_model
def test_a_broken_gguf_ends_the_turn_not_the_repl(tmp_path: Path) -> None:
    from ychat.backend import choose
    from ychat.conversation import Conversation
    from ychat.repl.session import ChatOptions, Session

    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + bytes(60))  # the magic is right, the rest is not: it fails on loading
    renderer = Recorder()
    backend = choose(Settings(local_model=str(broken)), local_requested=True, interactive=True, model_flag=None)
    with backend:
        session = Session(backend.client, renderer, Conversation(), ChatOptions(backend.model))
        session.run(iter(["hi", "again", "/exit"]).__next__)
    errors = renderer.named("error")
    assert len(errors) == 2 and all("cannot load the local model broken.gguf" in str(e) for e in errors)


@needs_model
def test_offline_notes_for_flags_that_do_not_apply() -> None:
    from ychat.backend import choose

    backend = choose(Settings(), local_requested=True, interactive=False, model_flag="yandexgpt", timeout_flag=5.0)
    with backend:
        assert backend.local is True
        assert any("--timeout does not apply offline" in n for n in backend.notes)
        assert any("--model yandexgpt is ignored offline" in n for n in backend.notes)


@needs_model
@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_serve_on_port_0_says_the_port_it_got(tmp_path: Path, host: str) -> None:
    if host == "::1" and not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    process = subprocess.Popen(
        [*ychat_argv(), "serve", "--host", host, "--port", "0"],
        env=ychat_env(tmp_path, None),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    try:
        banner = next(line for line in process.stdout if line.startswith(b"ychat serve: ")).decode()
        url = re.search(r"on (http://\S+)/foundationModels", banner).group(1)
        assert not url.endswith(":0")
        if host == "::1":
            assert url.startswith("http://[::1]:")
        reply = httpx.get(url + "/operations/none", headers={"Authorization": "Api-Key k"})
        assert reply.status_code == 404  # it really listens there
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        process.stdout.close()


@needs_model
def test_a_long_prompt_is_read_in_small_pieces_and_ctrl_c_between_them_leaves_the_model_sound() -> None:
    from tests.conftest import shared_default_engine
    from ychat.local.engine import PREFILL_CHUNK

    engine = shared_default_engine()
    engine.load()
    question = [{"role": "user", "text": "Summarize: " + "The quick brown fox jumps over the lazy dog. " * 30}]
    engine._llm.reset()
    expected = [g.text for g in engine.generate(question, temperature=0.0, max_tokens=8)][-1]
    engine._llm.reset()
    real_eval, sizes = engine._llm.eval, []

    def interrupted_eval(tokens):
        sizes.append(len(tokens))
        if len(sizes) == 3:
            raise KeyboardInterrupt  # what Ctrl-C does between two pieces
        return real_eval(tokens)

    engine._llm.eval = interrupted_eval
    try:
        with pytest.raises(KeyboardInterrupt):
            list(engine.generate(question, temperature=0.0, max_tokens=8))
    finally:
        del engine._llm.eval
    assert sizes and max(sizes) <= PREFILL_CHUNK  # never one long uninterruptible call
    again = [g.text for g in engine.generate(question, temperature=0.0, max_tokens=8)][-1]
    assert again == expected  # the half-read prompt in the cache did not corrupt the next turn


@pytest.mark.parametrize(
    ("text", "loop"),
    [
        ("".join(f"{n}. Москва — столица России.\n" for n in range(1, 6)), True),
        ("- the same\n- the same\n- the same\n- the same\n", True),
        ("".join(f"{n}. item number {n}\n" for n in range(1, 20)), False),
        ("one\ntwo\none\ntwo\nthree\n", False),
        ("\n\n\n\n\n\n", False),  # blank lines are not a loop
        ("same\nsame\nsame\nsame", False),  # the last line is not finished yet
    ],
)
def test_a_repeated_line_loop_is_recognised(text: str, loop: bool) -> None:
    from ychat.local.engine import looping

    assert looping(text) is loop


@needs_model
def test_offline_replies_have_a_default_length_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from ychat.local import engine as engine_module

    monkeypatch.setattr(engine_module, "DEFAULT_MAX_TOKENS", 5)
    from tests.conftest import shared_default_engine

    engine = shared_default_engine()
    last = list(engine.generate([{"role": "user", "text": "Write a long story."}], temperature=0.0))[-1]
    assert last.completion_tokens <= 5 and last.finish is FinishReason.LENGTH


@needs_model
@pytest.mark.parametrize(("api", "deferred"), [("v1alpha", False), ("openai", False), ("v1", True)])
def test_the_local_model_answers_in_every_dialect(api: str, deferred: bool) -> None:
    from ychat.backend import choose
    from ychat.conversation import Message
    from ychat.core import Done, Options

    backend = choose(Settings(api=api), local_requested=True, interactive=False, model_flag=None)
    with backend:
        limit = 60 if api == "v1alpha" else 20  # v1alpha's maxTokens counts the prompt too
        options = Options(temperature=0.0, max_tokens=limit, deferred=deferred)
        events = list(backend.client.complete(backend.model, [Message("user", "Say hello")], options))
    assert isinstance(events[-1], Done) and events[-1].text.strip()


def test_a_question_that_is_the_word_operation(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import ychat

    result = ychat(server.url, tmp_path, "--", "operation")
    assert result.returncode == 0 and result.stdout.decode() == "Echo: operation\n"
