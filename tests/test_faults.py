"""Transport faults a user can meet, from real sockets where they matter: resets before the
reply, a refused TLS certificate, redirects, a server asking to wait, runaway replies."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import httpx
import pytest

from tests.conftest import FOLDER, Sleeps, in_process_client, mock_client
from tests.helpers import Recorder, assert_one_error_line, ychat
from tests.sockets import OK_REPLY, read_request, reset, self_signed_context, tcp_server
from ychat.api.auth import ApiKey
from ychat.api.client import ApiClient, v1_client
from ychat.api.http.transport import build_http_client
from ychat.api.retry import RetryPolicy
from ychat.conversation import Message
from ychat.core import Delta, Done, FinishReason, Options
from ychat.errors import (
    APIError,
    ConnectionReset,
    ExitCode,
    NetworkError,
    QuotaExceeded,
    ReplyTimeLimit,
    TLSFailed,
    UnsupportedReply,
    YChatError,
)
from ychat.server.http import RunningServer
from ychat.testing import Emulator, Raw, Reply

HI = [Message("user", "hi")]
TOOL_CALL = (
    b'{"result": {"alternatives": [{"message": {"role": "assistant", "toolCallList": {"toolCalls": [{"functionCall": '
    b'{"name": "weatherTool", "arguments": {"city": "Saint Petersburg"}}}]}}, "status": "ALTERNATIVE_STATUS_TOOL_CALLS"}], '
    b'"usage": {"inputTextTokens": "74", "completionTokens": "14", "totalTokens": "88", '
    b'"completionTokensDetails": {"reasoningTokens": "0"}}, "modelVersion": "23.10.2024"}}'
)  # REFERENCE.md §1.2, the documented tool-call reply


def real_client(url: str, sleeps: Sleeps, **options: object) -> ApiClient:
    return v1_client(
        build_http_client(timeout=5.0),
        credentials=ApiKey("test-key"),
        folder_id=FOLDER,
        endpoint=url,
        retry=RetryPolicy(jitter=0.0),
        sleep=sleeps,
        **options,  # type: ignore[arg-type]
    )


def texts(events: list) -> str:
    return "".join(e.text for e in events if isinstance(e, Delta))


def test_a_reset_before_the_status_line_is_retried(sleeps: Sleeps) -> None:
    def handler(conn: socket.socket, number: int) -> None:
        read_request(conn)
        if number == 1:
            reset(conn)
        else:
            conn.sendall(OK_REPLY)
            conn.close()

    with tcp_server(handler) as (url, seen), real_client(url, sleeps) as client:
        events = list(client.complete("yandexgpt", HI, Options(stream=False)))
    assert texts(events) == "Hello" and isinstance(events[-1], Done)
    assert seen == [1, 2] and sleeps == [0.5]


def test_resets_every_time_say_reset_after_the_retries(sleeps: Sleeps) -> None:
    def handler(conn: socket.socket, number: int) -> None:
        read_request(conn)
        reset(conn)

    with (
        tcp_server(handler) as (url, seen),
        real_client(url, sleeps) as client,
        pytest.raises(ConnectionReset) as caught,
    ):
        list(client.complete("yandexgpt", HI, Options()))
    assert "reset before the reply started" in caught.value.message
    assert caught.value.exit_code == ExitCode.NETWORK
    assert len(seen) == 4 and len(sleeps) == 3


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command makes the test's certificate")
def test_a_self_signed_certificate_fails_once_with_a_clear_line(sleeps: Sleeps, tmp_path: Path) -> None:
    def handler(conn: socket.socket, number: int) -> None:
        read_request(conn)

    context = self_signed_context(tmp_path)
    with (
        tcp_server(handler, wrap=context) as (url, seen),
        real_client(url, sleeps) as client,
        pytest.raises(TLSFailed) as caught,
    ):
        list(client.complete("yandexgpt", HI, Options()))
    assert "certificate" in caught.value.message and "self-signed" in caught.value.message
    assert sleeps == [] and len(seen) == 1  # not retried: it cannot go away by itself
    assert caught.value.exit_code == ExitCode.NETWORK


def test_a_redirect_says_where_it_points(emulator: Emulator) -> None:
    emulator.enqueue(
        Raw(
            (b"<html>moved</html>",),
            status=301,
            content_type="text/html",
            headers=(("Location", "https://llm.example/new"),),
        )
    )
    with pytest.raises(APIError) as caught:
        list(in_process_client(emulator).complete("yandexgpt", HI, Options()))
    assert "redirects to https://llm.example/new" in caught.value.message
    assert "does not follow redirects" in caught.value.message and caught.value.http_status == 301


def test_retry_after_longer_than_the_budget_says_how_long_the_server_asks(sleeps: Sleeps) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, json={"error": {"message": "quota"}}, headers={"Retry-After": "100000"})

    with pytest.raises(QuotaExceeded) as caught:
        list(mock_client(handler, sleeps=sleeps).complete("yandexgpt", HI, Options()))
    assert sleeps == []
    assert caught.value.hint is not None and "27 h 47 min" in caught.value.hint and "did not retry" in caught.value.hint
    assert "after retries" not in caught.value.hint


def test_quota_after_real_retries_keeps_its_hint(sleeps: Sleeps) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, json={"error": {"message": "quota"}})

    with pytest.raises(QuotaExceeded) as caught:
        list(mock_client(handler, sleeps=sleeps).complete("yandexgpt", HI, Options()))
    assert len(sleeps) == 3 and "after retries" in (caught.value.hint or "")


@pytest.mark.parametrize("stream", [True, False])
def test_a_tool_call_reply_carries_its_calls(emulator: Emulator, stream: bool) -> None:
    """Issue 20: the documented TOOL_CALLS reply (TOOLS.md §1.2) is a Done with the call, its
    arguments as received and an id made up by ychat (v1 sends none)."""
    emulator.enqueue(Raw((TOOL_CALL,)))
    *_, done = in_process_client(emulator).complete("yandexgpt", HI, Options(stream=stream))
    assert isinstance(done, Done) and done.finish is FinishReason.TOOL_CALLS
    (call,) = done.tool_calls
    assert (call.name, dict(call.arguments)) == ("weatherTool", {"city": "Saint Petersburg"})
    assert call.id.startswith("call_") and len(call.id) == 29


def test_a_tool_call_status_without_a_call_is_an_error_not_silence(emulator: Emulator) -> None:
    emulator.enqueue(
        Raw(
            (
                TOOL_CALL.replace(
                    b'"toolCallList": {"toolCalls": [', b'"toolCallList": {"toolCalls": [], "x": ['
                ).replace(b'"usage"', b'"usage"'),
            )
        )
    )
    with pytest.raises(UnsupportedReply, match="named no function"):
        list(in_process_client(emulator).complete("yandexgpt", HI, Options(stream=False)))


def test_an_empty_final_reply_is_an_error(emulator: Emulator) -> None:
    emulator.enqueue(Reply(texts=("",)))
    with pytest.raises(UnsupportedReply, match="empty"):
        list(in_process_client(emulator).complete("yandexgpt", HI, Options()))


def test_tool_call_one_off_exits_1_with_one_line(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(Raw((TOOL_CALL,)))
    result = ychat(server.url, tmp_path, "weather?")
    assert result.returncode == 1 and result.stdout.strip() == b""
    assert_one_error_line(result.stderr, "tool call")


class Ticks:
    """A clock that moves one second each time it is read."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def test_max_time_ends_an_endless_stream(emulator: Emulator) -> None:
    emulator.enqueue(Reply.of("looping", chunks=1, endless=True))
    client = v1_client(
        httpx.Client(transport=httpx.WSGITransport(app=emulator)),
        credentials=ApiKey("k"),
        folder_id=FOLDER,
        endpoint="http://api.test",
        max_time=30.0,
        clock=Ticks(),
    )
    with pytest.raises(ReplyTimeLimit, match="--max-time 30 s") as caught:
        list(client.complete("yandexgpt", HI, Options()))
    assert caught.value.exit_code == ExitCode.NETWORK


def test_max_time_ends_a_server_that_trickles_bytes(sleeps: Sleeps) -> None:
    def handler(conn: socket.socket, number: int) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        try:
            while True:
                conn.sendall(b"1\r\n \r\n")  # one byte of white space per chunk, forever
        except OSError:
            conn.close()

    with tcp_server(handler) as (url, _):
        client = real_client(url, sleeps, max_time=50.0, clock=Ticks())
        with client, pytest.raises(ReplyTimeLimit):
            list(client.complete("yandexgpt", HI, Options()))
    assert sleeps == []


def test_max_time_one_off_exits_5(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(Reply.of("looping", chunks=1, endless=True, delay=0.01))
    result = ychat(server.url, tmp_path, "--max-time", "0.5", "q")
    assert result.returncode == 5
    assert_one_error_line(result.stderr, "did not finish within --max-time 0.5 s")
    assert b"--max-time SECONDS" in result.stderr  # the hint says how to raise it


def test_retries_stop_at_the_deadline(sleeps: Sleeps) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"error": {"message": "busy"}})

    clock = Ticks()
    client = v1_client(
        httpx.Client(transport=httpx.MockTransport(handler)),
        credentials=ApiKey("k"),
        folder_id=FOLDER,
        endpoint="http://api.test",
        retry=RetryPolicy(jitter=0.0),
        sleep=sleeps,
        max_time=4.0,
        clock=clock,
    )
    with pytest.raises(APIError):
        list(client.complete("yandexgpt", HI, Options()))
    assert sleeps == []  # the 0.5 s wait would pass the 4 s (of a clock that ticks at each look)


def test_no_error_path_quotes_a_header_value() -> None:
    """Even when a bad secret gets past the settings (a library user), no message shows it."""

    def handler(conn: socket.socket, number: int) -> None:
        conn.sendall(OK_REPLY)
        conn.close()

    with tcp_server(handler) as (url, _), pytest.raises(NetworkError) as caught:
        client = v1_client(
            build_http_client(timeout=5.0),
            credentials=ApiKey("AQVN-secret\nInjected: 1"),
            folder_id=FOLDER,
            endpoint=url,
        )
        list(client.complete("yandexgpt", HI, Options()))
    assert "AQVN-secret" not in str(caught.value) + str(caught.value.hint)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"YC_API_KEY": "ключ-AQVNsecretvalue"}, "YC_API_KEY"),
        ({"YC_API_KEY": "AQVNsecretvalue\nmore"}, "YC_API_KEY"),
        ({"YC_API_KEY": "", "YC_IAM_TOKEN": "t1.AQVNsecretvalue\r\nX: y"}, "YC_IAM_TOKEN"),
        ({"YC_FOLDER_ID": "папка"}, "YC_FOLDER_ID"),
    ],
)
@pytest.mark.parametrize("debug", [[], ["--debug"]])
def test_credentials_that_cannot_be_sent_are_a_usage_error(
    server: RunningServer, tmp_path: Path, env: dict[str, str], variable: str, debug: list[str]
) -> None:
    result = ychat(server.url, tmp_path, *debug, "q", **env)
    assert result.returncode == 2, result.stderr
    if debug:  # --debug adds the traceback, but never the value
        assert f"ychat: error: {variable}".encode() in result.stderr
    else:
        assert_one_error_line(result.stderr, variable)
    assert b"AQVNsecretvalue" not in result.stderr + result.stdout
    assert server.emulator.requests == []


def test_a_secret_with_a_trailing_newline_is_used_trimmed(server: RunningServer, tmp_path: Path) -> None:
    result = ychat(server.url, tmp_path, "q", YC_API_KEY="AQVN-pasted-key\n")
    assert result.returncode == 0, result.stderr
    assert server.emulator.requests[-1].headers["authorization"] == "Api-Key AQVN-pasted-key"


def test_debug_shows_the_request_body_without_secrets(server: RunningServer, tmp_path: Path) -> None:
    result = ychat(server.url, tmp_path, "--debug", "q")
    body_lines = [line for line in result.stderr.decode().splitlines() if "request body:" in line]
    assert len(body_lines) == 1
    body = json.loads(body_lines[0].split("request body: ", 1)[1])
    assert body["modelUri"] == f"gpt://{FOLDER}/yandexgpt/latest"
    assert b"AQVN-test-secret-key" not in result.stderr


def test_a_tool_call_in_the_repl_is_an_error_line_and_is_not_recorded(emulator: Emulator) -> None:
    from ychat.conversation import Conversation
    from ychat.repl.session import ChatOptions, Session

    renderer = Recorder()
    emulator.enqueue(Raw((TOOL_CALL,)))
    session = Session(in_process_client(emulator), renderer, Conversation(), ChatOptions())
    session.run(iter(["weather?", "/exit"]).__next__)
    assert [type(e) for e in renderer.named("error")] == [UnsupportedReply]
    assert session.conversation.exchanges == [] and session.unsent == "weather?"


def test_ctrl_c_ends_an_endless_reply(server: RunningServer, tmp_path: Path) -> None:
    import signal
    import subprocess

    from tests.conftest import ychat_argv, ychat_env

    server.emulator.enqueue(Reply.of("looping", chunks=1, endless=True, delay=0.01))
    process = subprocess.Popen(
        [*ychat_argv(), "q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ychat_env(tmp_path, server.url)
    )
    assert process.stdout is not None and process.stdout.read(7) == b"looping"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130 and b"Traceback" not in stderr
    assert server.emulator.client_left.wait(10)


def _httpx_exceptions() -> list[type[BaseException]]:
    import inspect

    return [
        value
        for name in httpx.__all__
        if inspect.isclass(value := getattr(httpx, name)) and issubclass(value, Exception)
    ]


@pytest.mark.parametrize("cls", _httpx_exceptions(), ids=lambda cls: cls.__name__)
def test_every_httpx_exception_becomes_a_ychat_error(cls: type[Exception]) -> None:
    from ychat.api.http.edge import translate_errors

    request = httpx.Request("POST", "http://api.test/x")
    attempts = [
        lambda: cls("boom", request=request),
        lambda: cls("boom", request=request, response=httpx.Response(500, request=request)),
        lambda: cls("boom"),
        lambda: cls(),  # the Stream* errors take no arguments
    ]
    for attempt in attempts:
        try:
            error = attempt()
            break
        except TypeError:
            continue
    with pytest.raises(YChatError), translate_errors("http://api.test/x"):
        raise error
