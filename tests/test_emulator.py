"""The emulator follows the documented wire format (vectors), validates requests, injects faults."""

from __future__ import annotations

import itertools
import json

import httpx
import pytest

from tests.conftest import in_process_client, vector
from ychat.conversation import Message
from ychat.core import Delta, Done, Options
from ychat.errors import APIError, AuthError, ProtocolError, QuotaExceeded, StreamInterrupted, TimedOut
from ychat.server.http import RunningServer
from ychat.testing import Emulator, HttpError, Raw, Reply, Silent, cumulative

V1 = vector("v1-sync.json")
V2 = vector("v2-stream.json")
HEADERS = {"Authorization": "Api-Key k"}


def v2_reply() -> Reply:
    records = [r["result"] for r in V2["response"]["ndjson"]]
    return Reply(
        texts=tuple(r["alternatives"][0]["message"]["text"] for r in records),
        usages=tuple(r["usage"] for r in records),
        model_version="07.03.2024",
    )


def post(app: Emulator, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    with httpx.Client(transport=httpx.WSGITransport(app=app)) as http:
        return http.post("http://e" + V1["request"]["path"], json=body, headers=HEADERS if headers is None else headers)


def test_stream_reply_is_exactly_the_documented_ndjson(emulator: Emulator) -> None:
    emulator.enqueue(v2_reply())
    reply = post(emulator, V2["request"]["body"])
    assert reply.status_code == 200
    assert reply.text.endswith("\n")
    assert [json.loads(line) for line in reply.text.splitlines()] == V2["response"]["ndjson"]


def test_sync_reply_is_exactly_the_documented_body(emulator: Emulator) -> None:
    body = V1["response"]["body"]["result"]
    emulator.enqueue(
        Reply(texts=(body["alternatives"][0]["message"]["text"],), usages=(body["usage"],), model_version="06.12.2023")
    )
    reply = post(emulator, V1["request"]["body"])
    assert reply.json() == V1["response"]["body"]


def test_request_log_records_what_was_sent(emulator: Emulator) -> None:
    post(emulator, V1["request"]["body"], {"Authorization": "Bearer t1.x", "x-folder-id": "b1g"})
    request = emulator.requests[-1]
    assert request.method == "POST" and request.path == "/foundationModels/v1/completion"
    assert request.headers["x-folder-id"] == "b1g"
    assert request.body == V1["request"]["body"]


def test_empty_queue_echoes_the_last_user_message(emulator: Emulator) -> None:
    reply = post(emulator, V1["request"]["body"])
    assert (
        reply.json()["result"]["alternatives"][0]["message"]["text"]
        == "Echo: " + "To be, or not to be: that is the question."
    )


@pytest.mark.parametrize(
    ("mutate", "status", "fragment"),
    [
        (lambda b: b.update(modelUri="yandexgpt"), 400, "invalid model_uri"),
        (lambda b: b["messages"].append({"role": "robot", "text": "x"}), 400, "invalid message role 'robot'"),
        (lambda b: b.update(messages=[]), 400, "messages"),
        (lambda b: b["completionOptions"].update(temperature=1.5), 400, "temperature"),
        (lambda b: b["completionOptions"].update(maxTokens="-1"), 400, "maxTokens"),
    ],
)
def test_validation_errors_use_the_documented_shape(emulator: Emulator, mutate, status: int, fragment: str) -> None:
    body = json.loads(json.dumps(V1["request"]["body"]))
    mutate(body)
    reply = post(emulator, body)
    assert reply.status_code == status
    error = reply.json()["error"]
    assert set(error) == {"grpcCode", "httpCode", "message", "httpStatus", "details"}
    assert error["grpcCode"] == 3 and fragment in error["message"]


def test_accepts_snake_case_and_numeric_int64(emulator: Emulator) -> None:
    body = {
        "model_uri": "gpt://f/yandexgpt",
        "completion_options": {"max_tokens": 10},
        "messages": [{"role": "user", "text": "x"}],
    }
    assert post(emulator, body).status_code == 200


def test_missing_or_unknown_credentials_are_401() -> None:
    assert post(Emulator(), V1["request"]["body"], headers={}).status_code == 401
    strict = Emulator(api_keys={"good"})
    assert post(strict, V1["request"]["body"], headers={"Authorization": "Api-Key bad"}).status_code == 401
    assert post(strict, V1["request"]["body"], headers={"Authorization": "Api-Key good"}).status_code == 200


def test_cumulative_splitting() -> None:
    parts = cumulative("one two three four five", 3)
    assert parts[-1] == "one two three four five"
    assert all(b.startswith(a) and len(b) > len(a) for a, b in itertools.pairwise(parts))
    assert cumulative("x", 5) == ("x",)


def complete(client, text: str = "hi") -> list:
    with client:
        return list(client.complete("yandexgpt", [Message("user", text)], Options()))


def test_client_replays_vectors_in_process(emulator: Emulator) -> None:
    lines = tuple(json.dumps(r).encode() for r in V2["response"]["ndjson"])
    emulator.enqueue(Raw(lines))
    events = complete(in_process_client(emulator))
    assert [e.text for e in events if isinstance(e, Delta)] == V2["response"]["client_deltas"]


# --- the same faults over a real HTTP server on 127.0.0.1 ---------------------------------


def real_client(server: RunningServer, timeout: float = 5.0):
    from ychat.api.auth import ApiKey
    from ychat.api.client import v1_client
    from ychat.api.http.transport import build_http_client
    from ychat.api.retry import RetryPolicy

    return v1_client(
        build_http_client(timeout=timeout),
        credentials=ApiKey("k"),
        folder_id="b1g",
        endpoint=server.url,
        retry=RetryPolicy(attempts=2, base=0.01, jitter=0.0),
    )


def test_real_server_streams_in_chunks(server: RunningServer) -> None:
    server.emulator.enqueue(v2_reply())
    events = complete(real_client(server))
    assert [e.text for e in events if isinstance(e, Delta)] == V2["response"]["client_deltas"]
    assert isinstance(events[-1], Done) and events[-1].usage.total_tokens == 38
    assert not server.emulator.client_left.is_set()  # read to the end: not abandoned


@pytest.mark.parametrize(("status", "error_type"), [(401, AuthError), (403, AuthError), (500, APIError)])
def test_real_server_http_errors(server: RunningServer, status: int, error_type: type) -> None:
    server.emulator.enqueue(HttpError.documented(status))
    with pytest.raises(error_type) as info:
        complete(real_client(server))
    assert info.value.http_status == status and info.value.request_id


def test_real_server_quota_retried_then_reported(server: RunningServer) -> None:
    server.emulator.enqueue(HttpError.documented(429), HttpError.documented(429))
    with pytest.raises(QuotaExceeded):
        complete(real_client(server))
    assert len(server.emulator.requests) == 2


def test_real_server_503_retried_then_answered(server: RunningServer) -> None:
    server.emulator.enqueue(HttpError.documented(503, retry_after=0), Reply.of("fine"))
    events = complete(real_client(server))
    assert isinstance(events[-1], Done) and events[-1].text == "fine"


def test_real_server_drop_mid_stream(server: RunningServer) -> None:
    server.emulator.enqueue(Reply.of("one two three", chunks=3, drop=True))
    with pytest.raises(StreamInterrupted):
        complete(real_client(server))


def test_real_server_malformed_line(server: RunningServer) -> None:
    server.emulator.enqueue(Reply.of("one two", chunks=2, garbage=b"{not json"))
    with pytest.raises(ProtocolError):
        complete(real_client(server))


def test_real_server_that_never_answers(server: RunningServer) -> None:
    server.emulator.enqueue(Silent(30))
    with pytest.raises(TimedOut):
        complete(real_client(server, timeout=0.5))


class EndlessEngine:
    """Generates forever, slowly; records when its generator is closed."""

    model_version = "endless"

    def __init__(self) -> None:
        import threading

        self.closed = threading.Event()

    def tokenize(self, messages):
        return []

    def generate(self, messages, *, temperature=None, max_tokens=None):
        import time

        from ychat.testing import Generation

        try:
            for n in itertools.count(1):
                yield Generation("x" * n, None, 1, n)
                time.sleep(0.02)
        finally:
            self.closed.set()


def test_a_client_that_disconnects_stops_the_generation() -> None:
    from ychat.server.http import serve

    engine = EndlessEngine()
    body = {
        "modelUri": "gpt://f/m",
        "completionOptions": {"stream": True},
        "messages": [{"role": "user", "text": "hi"}],
    }
    with serve(Emulator(engine=engine)) as running:
        with httpx.stream("POST", running.url + V1["request"]["path"], json=body, headers=HEADERS) as reply:
            assert next(reply.iter_lines())
        assert engine.closed.wait(5), "the engine kept generating for a client that had gone"
        assert running.emulator.client_left.is_set()


def test_bridge_reports_an_app_that_fails_before_answering() -> None:
    from ychat.server.http import serve

    class Broken(Emulator):
        def __call__(self, environ, start_response):
            raise RuntimeError("boom")

    with serve(Broken()) as running:
        reply = httpx.get(running.url + "/anything")
    assert reply.status_code == 500


def test_bridge_passes_repeated_headers_and_bodies(emulator: Emulator, server: RunningServer) -> None:
    reply = httpx.post(
        server.url + V1["request"]["path"],
        json=V1["request"]["body"],
        headers=[("Authorization", "Api-Key k"), ("x-trace", "a"), ("x-trace", "b")],
    )
    assert reply.status_code == 200 and reply.headers["x-request-id"]
    assert emulator.requests[-1].headers["x-trace"] == "a,b"
    assert emulator.requests[-1].body == V1["request"]["body"]


def test_python_m_emulator_without_uvicorn_says_which_extra() -> None:
    import subprocess
    import sys

    code = (
        "import runpy, sys; sys.modules['uvicorn'] = None; sys.argv = ['ychat.testing', '0']; "
        "runpy.run_module('ychat.testing', run_name='__main__')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert result.returncode == 1 and b"Traceback" not in result.stderr
    assert b"needs uvicorn" in result.stderr and b"ychat-cli[local]" in result.stderr


@pytest.mark.parametrize(("argv", "status", "said"), [(["--help"], 0, b"usage:"), (["x"], 2, b"PORT must be")])
def test_python_m_emulator_reads_its_argument_without_a_traceback(argv: list[str], status: int, said: bytes) -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "ychat.testing", *argv], capture_output=True, timeout=60)
    assert result.returncode == status and b"Traceback" not in result.stderr
    assert said in result.stdout + result.stderr
