"""Real third-party software against ychat on 127.0.0.1: YandexGPT client libraries from PyPI
and the ``openai`` package against the shipped local server, and ychat against llama-cpp-python's
own OpenAI-compatible server.

``yandexgptlite`` hard-codes Yandex's hosts; the test points its ``requests.post`` at
127.0.0.1 (the IAM exchange at a stub answering the documented body, the completion at
``LocalAPI``), so nothing leaves the machine. What it checks is what the library really sends:
``temperature`` as a JSON string, ``maxTokens`` as a string, a Bearer IAM token.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from typing import Any

import pexpect
import pytest

from tests.conftest import free_port, needs_model, vector, ychat_env
from tests.helpers import ENTER, PROMPT, Dialogue
from tests.sockets import read_request, tcp_server
from ychat.server.http import RunningServer, serve
from ychat.testing import LocalAPI

IAM = vector("v7-iam.json")


def iam_stub(conn: socket.socket, number: int) -> None:
    read_request(conn)
    body = json.dumps(
        {**IAM["response"]["body"], "iamToken": "t1.local-token"}
    ).encode()  # the vector's is clipped: "…"
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    conn.close()


@pytest.fixture
def local_hosts(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[RunningServer[LocalAPI], list[dict[str, Any]]]]:
    """``requests.post`` with Yandex's hosts swapped for servers on 127.0.0.1; bodies recorded."""
    import requests

    real_post = requests.post
    bodies: list[dict[str, Any]] = []
    with serve(LocalAPI()) as api, tcp_server(iam_stub) as (iam_url, _):
        hosts = {"https://llm.api.cloud.yandex.net": api.url, "https://iam.api.cloud.yandex.net": iam_url}

        def post(url: str, *args: Any, **kwargs: Any) -> Any:
            for real, local in hosts.items():
                if url.startswith(real):
                    url = local + url[len(real) :]
                    break
            else:
                raise AssertionError(f"the test would have reached {url}")
            if "/foundationModels/" in url:
                bodies.append(json.loads(kwargs["data"]))
            return real_post(url, *args, **kwargs)

        monkeypatch.setattr(requests, "post", post)
        yield api, bodies


def test_yandexgptlite_chats_with_the_local_server(local_hosts) -> None:
    yandexgptlite = pytest.importorskip("yandexgptlite", reason="yandexgptlite (the test extra) is not installed")
    _, bodies = local_hosts
    client = yandexgptlite.YandexGPTLite("b1gfolder", "y0_fake-oauth-token")
    answer = client.create_completion("Hello there", "0.6", system_prompt="Be brief", max_tokens=50)
    assert answer == "Echo: Hello there"  # not an error message: the string temperature was accepted
    assert bodies[0]["completionOptions"] == {"stream": False, "temperature": "0.6", "maxTokens": "50"}
    assert bodies[0]["modelUri"] == "gpt://b1gfolder/yandexgpt-lite/latest"


# --- the OpenAI-compatible side: the `openai` package as a client, llama.cpp's server as a server


def openai_client(base_url: str) -> Any:
    openai = pytest.importorskip("openai", reason="the openai package (the test extra) is not installed")
    return openai.OpenAI(base_url=base_url, api_key="sk-local", max_retries=0, timeout=60)


def test_the_openai_package_streams_a_chat_from_the_local_server() -> None:
    with serve(LocalAPI()) as api, openai_client(api.url + "/v1") as client:
        stream = client.chat.completions.create(
            model="echo", messages=[{"role": "user", "content": "Hello there"}], stream=True
        )
        chunks = list(stream)
        whole = client.chat.completions.create(model="echo", messages=[{"role": "user", "content": "again"}])
        models = client.models.list()
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Echo: Hello there"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert whole.choices[0].message.content == "Echo: again" and whole.usage is not None
    assert [m.id for m in models.data] == ["echo"]


@needs_model
def test_the_openai_package_streams_from_ychat_serve(served) -> None:
    url, _ = served
    with openai_client(url + "/v1") as client:
        chunks = _streamed_chunks(client)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip() and chunks[-1].usage is not None and chunks[-1].usage.completion_tokens <= 8


def _streamed_chunks(client: Any) -> list[Any]:
    stream = client.chat.completions.create(
        model="local",
        messages=[{"role": "user", "content": "Say hello"}],
        stream=True,
        max_tokens=8,
        stream_options={"include_usage": True},
    )
    return list(stream)


@pytest.fixture
def llama_cpp_server(tmp_path, request) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """llama-cpp-python's own OpenAI-compatible server on 127.0.0.1 with the SmolLM2 GGUF (and a
    chat format, when the test asks for one through ``indirect``)."""
    import importlib.util
    import subprocess
    import sys

    if importlib.util.find_spec("fastapi") is None or importlib.util.find_spec("sse_starlette") is None:
        pytest.skip("llama-cpp-python[server] (the test extra) is not installed")
    from ychat import local

    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(local.default_model_path())]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--verbose", "false"]
    if getattr(request, "param", None):
        command += ["--chat_format", request.param]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    for line in process.stdout:  # uvicorn's own word that it listens
        if b"Uvicorn running on" in line:
            break
    assert process.poll() is None, "llama_cpp.server did not start"
    yield f"http://127.0.0.1:{port}/v1"
    process.terminate()
    process.wait(timeout=30)
    process.stdout.close()


@needs_model
def test_ychat_chats_two_turns_with_llama_cpp_server(llama_cpp_server: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = ychat_env(tmp_path, llama_cpp_server, YC_API_KEY="", YCHAT_API="openai")
    child = Dialogue.start(env, "--debug", "--max-tokens", "12", "-t", "0")
    child.send("My name is Ada." + ENTER)
    child.expect_exact(PROMPT, timeout=120)
    child.send("What is my name?" + ENTER)
    child.expect_exact(PROMPT, timeout=120)
    child.send("/exit" + ENTER)
    child.expect(pexpect.EOF)
    log = child.logfile_read.getvalue()
    bodies = [json.loads(b) for b in re.findall(r"request body: (\{.*\})", log)]
    assert len(bodies) == 2 and "Traceback" not in log and "ychat: error" not in log
    first, second = bodies
    assert first["messages"] == [{"role": "user", "content": "My name is Ada."}]
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "user"]
    assert second["messages"][1]["content"].strip()  # the model's first reply, sent back as history
    assert second["stream_options"] == {"include_usage": True}


def test_the_official_sdk_chats_with_the_local_server_over_its_openai_api() -> None:
    """yandex-ai-studio-sdk's ``sdk.chat.completions``: its stream parser calls ``.lower()`` on
    ``finish_reason``, so a chunk with ``"finish_reason": null`` (llama.cpp's shape) would crash it."""
    sdk_module = pytest.importorskip(
        "yandex_ai_studio_sdk", reason="yandex-ai-studio-sdk (the test extra) is not installed"
    )
    with serve(LocalAPI()) as api:
        sdk = sdk_module.AIStudio(
            folder_id="b1gfolder", auth="local-key", endpoint=None, service_map={"http_completions": api.url + "/v1/"}
        )
        model = sdk.chat.completions("yandexgpt")
        parts = list(model.run_stream([{"role": "user", "text": "Hello there"}]))
        whole = model.run("again")
    assert parts[-1].choices[0].text == "Echo: Hello there" and parts[-1].choices[0].finish_reason.value == "stop"
    assert whole.choices[0].text == "Echo: again" and whole.usage.total_tokens > 0
    assert whole.model == "gpt://b1gfolder/yandexgpt/latest"  # the SDK built the URI; the server echoed it


@needs_model
@pytest.mark.parametrize("llama_cpp_server", ["chatml-function-calling"], indirect=True)
def test_ychat_calls_a_tool_through_llama_cpp_servers_function_calling(llama_cpp_server: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Issue 20: llama-cpp-python's function-calling chat format, with a named tool_choice, makes
    the real model call; ychat runs the tool and sends its result back as a tool message, which
    the server takes. Non-streamed: in this format llama-cpp-python streams an empty body for a
    request with tool_choice auto (found here; ychat reports it as a cut stream). What the tiny
    model does next is its own affair: an answer, or another call until the chain limit."""
    from tests.helpers import ychat

    env = {"YC_API_KEY": "", "YCHAT_API": "openai"}
    argv = ["-T", "current_time", "--tool-choice", "current_time", "--yes", "--no-save", "--no-stream", "--debug"]
    result = ychat(
        llama_cpp_server, tmp_path, *argv, "--chain-limit", "2", "--max-tokens", "48", "What time is it?", **env
    )
    err = result.stderr.decode()
    assert "⚙ current_time" in err and "→ current_time:" in err, err
    bodies = [json.loads(b) for b in re.findall(r"request body: (\{.*\})", err)]
    first, second = bodies[0], bodies[1]
    assert first["tool_choice"] == {"type": "function", "function": {"name": "current_time"}}
    call = second["messages"][1]["tool_calls"][0]
    assert call["function"]["name"] == "current_time" and second["tool_choice"] == "auto"
    assert second["messages"][2]["role"] == "tool" and second["messages"][2]["tool_call_id"] == call["id"]
    assert err.count("HTTP 200") == len(bodies)  # the server took every follow-up
    assert result.returncode == 0 or (result.returncode == 1 and "after 2 round trips" in err), err


def test_the_openai_packages_tool_loop_against_the_test_double() -> None:
    """The real openai package parses a documented tool-call reply (TOOLS.md §2.4) from the double
    and sends its result back; the double (and ychat serve's route) take the tool message."""
    from ychat.testing import Emulator, Raw

    call = {
        "index": 0,
        "id": "something",
        "type": "function",
        "function": {"name": "something", "arguments": '{"numbers":[5,4,1]}'},
    }
    body = {
        "id": "1b90ba66-63d8-43cd-8006-957f5f5a1239",
        "object": "chat.completion",
        "created": 1758047035,
        "model": "gpt://b1g/yandexgpt/rc",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "", "tool_calls": [call]},
                "finish_reason": "tool_calls",
            }
        ],
        "usage": {"prompt_tokens": 169, "total_tokens": 198, "completion_tokens": 29},
    }
    with serve(Emulator()) as server, openai_client(server.url + "/v1") as client:
        server.emulator.enqueue(Raw((json.dumps(body).encode(),)))
        tools = [
            {
                "type": "function",
                "function": {"name": "something", "description": "d", "parameters": {"type": "object"}},
            }
        ]
        messages: list[Any] = [{"role": "user", "content": "do it"}]
        first = client.chat.completions.create(model="yandexgpt", messages=messages, tools=tools)
        (asked,) = first.choices[0].message.tool_calls
        assert (asked.function.name, json.loads(asked.function.arguments)) == ("something", {"numbers": [5, 4, 1]})
        messages += [
            first.choices[0].message.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": asked.id, "content": "+20"},
        ]
        second = client.chat.completions.create(model="yandexgpt", messages=messages, tools=tools)
    assert second.choices[0].message.content == "Echo: +20"
    assert server.emulator.requests[-1].body["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "something",
        "content": "+20",
    }
