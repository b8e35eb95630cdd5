"""The httpx layer: headers, streaming, retries, httpx errors -> typed errors (api/client.py)."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import FOLDER, Sleeps, mock_client, vector
from ychat import __version__
from ychat.api.http.edge import retry_after as _retry_after
from ychat.api.retry import RetryPolicy
from ychat.conversation import Message
from ychat.core import Delta, Done, Options, Retrying
from ychat.errors import (
    APIError,
    AuthError,
    ConnectionFailed,
    ExitCode,
    ProtocolError,
    QuotaExceeded,
    ServiceUnavailable,
    StreamInterrupted,
    TimedOut,
)

HI = [Message("user", "hi")]
V2 = vector("v2-stream.json")
ERRORS = {c["name"]: c for c in vector("v6-errors.json")["cases"]}


def ndjson(records: list[dict], *, split: int = 7) -> Iterator[bytes]:
    """The stream as odd-sized byte chunks, so the real line-splitting path runs."""
    data = b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)
    for i in range(0, len(data), split):
        yield data[i : i + split]


def stream_reply(records: list[dict]) -> httpx.Response:
    return httpx.Response(200, content=ndjson(records), headers={"x-request-id": "srv-1"})


def error_reply(name: str, **headers: str) -> httpx.Response:
    case = ERRORS[name]
    return httpx.Response(case["status"], json=case["body"], headers=headers)


def run(client, options: Options | None = None) -> list:
    return list(client.complete("yandexgpt-lite", HI, options or Options()))


def test_streams_documented_vector_and_sends_documented_headers() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return stream_reply(V2["response"]["ndjson"])

    events = run(mock_client(handler))
    assert [e.text for e in events if isinstance(e, Delta)] == V2["response"]["client_deltas"]
    assert isinstance(events[-1], Done)
    request = seen[0]
    assert request.url == "http://api.test/foundationModels/v1/completion"
    assert request.headers["authorization"] == "Api-Key test-key"
    assert request.headers["x-folder-id"] == FOLDER
    assert request.headers["x-data-logging-enabled"] == "false"
    assert uuid.UUID(request.headers["x-client-request-id"])
    body = json.loads(request.content)
    assert body["modelUri"] == f"gpt://{FOLDER}/yandexgpt-lite/latest"
    assert body["completionOptions"] == {"stream": True}


def test_user_agent_comes_from_build_http_client() -> None:
    from ychat.api.http.transport import build_http_client

    assert build_http_client(timeout=3).headers["user-agent"] == f"ychat/{__version__}"


def test_no_stream_mode_reads_one_body() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert json.loads(request.content)["completionOptions"]["stream"] is False
        return httpx.Response(200, json=vector("v1-sync.json")["response"]["body"])

    events = run(mock_client(handler), Options(stream=False))
    assert events[0] == Delta("To be, or not to be: that is the question.")
    assert isinstance(events[1], Done)


@pytest.mark.parametrize(
    ("name", "error_type", "exit_code"),
    [
        ("prompt-too-long", APIError, ExitCode.ERROR),
        ("bad-api-key", AuthError, ExitCode.AUTH),
        ("no-role", AuthError, ExitCode.AUTH),
        ("internal", APIError, ExitCode.ERROR),
    ],
)
def test_http_errors_are_not_retried(name: str, error_type: type, exit_code: int, sleeps: Sleeps) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return error_reply(name, **{"x-request-id": "srv-9"})

    with pytest.raises(error_type) as info:
        run(mock_client(handler, sleeps=sleeps))
    assert info.value.exit_code == exit_code
    assert info.value.request_id == "srv-9"
    assert len(calls) == 1 and sleeps == []


def test_request_id_falls_back_to_client_request_id() -> None:
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["x-client-request-id"])
        return error_reply("internal")

    with pytest.raises(APIError) as info:
        run(mock_client(handler))
    assert info.value.request_id == seen[0]


@pytest.mark.parametrize("name_or_status", ["quota", 503])
def test_429_and_503_are_retried_with_backoff_then_succeed(name_or_status: str | int, sleeps: Sleeps) -> None:
    replies = iter([3, 2, 1])

    def handler(request: httpx.Request) -> httpx.Response:
        if next(replies, 0) > 1:
            if name_or_status == 503:
                return httpx.Response(503, json={"error": {"grpcCode": 14, "httpCode": 503, "message": "busy"}})
            return error_reply("quota")
        return stream_reply(V2["response"]["ndjson"])

    events = run(mock_client(handler, sleeps=sleeps))
    retries = [e for e in events if isinstance(e, Retrying)]
    assert [r.attempt for r in retries] == [1, 2]
    assert sleeps == [0.5, 1.0]  # exponential, jitter off in tests
    assert isinstance(events[-1], Done)


def test_quota_still_exhausted_after_retries_gives_exit_4(sleeps: Sleeps) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return error_reply("quota")

    with pytest.raises(QuotaExceeded) as info:
        run(mock_client(handler, sleeps=sleeps, retry=RetryPolicy(attempts=3, jitter=0.0)))
    assert info.value.exit_code == ExitCode.QUOTA
    assert len(calls) == 3 and len(sleeps) == 2
    # one client request id for all attempts of one turn
    assert len({c.headers["x-client-request-id"] for c in calls}) == 1


def test_retry_after_is_honoured(sleeps: Sleeps) -> None:
    replies = iter([error_reply("quota", **{"Retry-After": "3"})])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(replies, None) or stream_reply(V2["response"]["ndjson"])

    run(mock_client(handler, sleeps=sleeps))
    assert sleeps == [3.0]


def test_retry_after_beyond_the_budget_stops_retrying(sleeps: Sleeps) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return error_reply("quota", **{"Retry-After": "3600"})

    with pytest.raises(QuotaExceeded):
        run(mock_client(handler, sleeps=sleeps))
    assert sleeps == []


def test_retry_after_parsing() -> None:
    assert _retry_after("7") == 7.0
    assert _retry_after(None) is None and _retry_after("soon") is None
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_error_line_before_any_text_is_retried(sleeps: Sleeps) -> None:
    mid = ERRORS["mid-stream"]["ndjson"]
    replies = iter([[mid[1]]])

    def handler(request: httpx.Request) -> httpx.Response:
        return stream_reply(next(replies, V2["response"]["ndjson"]))

    events = run(mock_client(handler, sleeps=sleeps))
    assert isinstance(events[0], Retrying) and isinstance(events[-1], Done)


def test_error_after_text_was_shown_is_never_retried(sleeps: Sleeps) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return stream_reply(ERRORS["mid-stream"]["ndjson"])

    events = mock_client(handler, sleeps=sleeps).complete("yandexgpt", HI, Options())
    assert next(events) == Delta("E")
    with pytest.raises(ServiceUnavailable) as info:
        next(events)
    assert info.value.request_id == "srv-1"
    assert calls == [1] and sleeps == []


def test_connection_failures_are_retried(sleeps: Sleeps) -> None:
    attempts = iter([1, 2])

    def handler(request: httpx.Request) -> httpx.Response:
        if next(attempts, None):
            raise httpx.ConnectError("refused", request=request)
        return stream_reply(V2["response"]["ndjson"])

    events = run(mock_client(handler, sleeps=sleeps))
    assert len(sleeps) == 2 and isinstance(events[-1], Done)


def test_connection_failure_gives_exit_5_after_retries(sleeps: Sleeps) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(ConnectionFailed) as info:
        run(mock_client(handler, sleeps=sleeps))
    assert info.value.exit_code == ExitCode.NETWORK
    assert isinstance(info.value.__cause__, httpx.ConnectError)


def test_read_timeout_is_not_retried(sleeps: Sleeps) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(TimedOut) as info:
        run(mock_client(handler, sleeps=sleeps))
    assert info.value.exit_code == ExitCode.NETWORK and sleeps == []


def test_dropped_connection_mid_stream() -> None:
    def broken() -> Iterator[bytes]:
        yield from ndjson(V2["response"]["ndjson"][:2])
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=broken())

    events = mock_client(handler).complete("yandexgpt", HI, Options())
    assert [next(events), next(events)] == [Delta("E"), Delta("rrors will")]
    with pytest.raises(StreamInterrupted):
        next(events)


def test_malformed_line_is_a_protocol_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=iter([b'{"result": {"alternat\n']))

    with pytest.raises(ProtocolError):
        run(mock_client(handler))


def test_closing_the_event_generator_closes_the_response() -> None:
    closed = []

    class Body(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield from ndjson(V2["response"]["ndjson"][:1])
            yield from ndjson(V2["response"]["ndjson"][1:])

        def close(self) -> None:
            closed.append(True)

    events = mock_client(lambda request: httpx.Response(200, stream=Body())).complete("m", HI, Options())
    assert next(events) == Delta("E")
    events.close()  # what the session does on Ctrl-C
    assert closed == [True]


def test_debug_log_redacts_authorization(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="ychat")
    run(mock_client(lambda request: stream_reply(V2["response"]["ndjson"])))
    assert "test-key" not in caplog.text
    assert "Api-Key <redacted>" in caplog.text
    assert (
        "FinishReason.STOP, usage Usage(input_tokens=29, completion_tokens=9, reasoning_tokens=0, total_tokens=38, cached_tokens=0), "
        "model version 07.03.2024" in caplog.text
    )


def test_retry_policy_backoff_is_bounded() -> None:
    policy = RetryPolicy(attempts=10, base=1.0, cap=5.0, jitter=0.0, budget=100.0)
    assert [policy.backoff(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]
    jittery = RetryPolicy(jitter=0.5)
    assert all(0.5 <= jittery.backoff(1) <= 1.0 for _ in range(50))


def test_the_http_client_is_built_once_on_first_use_or_by_prepare() -> None:
    from ychat.api.auth import ApiKey
    from ychat.api.client import v1_client

    built: list[httpx.Client] = []

    def build() -> httpx.Client:
        built.append(httpx.Client(transport=httpx.MockTransport(lambda _: stream_reply(V2["response"]["ndjson"]))))
        return built[-1]

    unused = v1_client(build, credentials=ApiKey("k"), folder_id=FOLDER, endpoint="http://api.test")
    unused.close()
    assert built == []  # a session that never sent anything never set up TLS
    client = v1_client(build, credentials=ApiKey("k"), folder_id=FOLDER, endpoint="http://api.test")
    client.prepare()
    assert len(built) == 1
    assert isinstance(run(client)[-1], Done) and isinstance(run(client)[-1], Done)
    assert len(built) == 1  # one persistent client: keep-alive, nothing rebuilt per turn
    client.close()
    assert built[0].is_closed


def test_a_client_that_cannot_be_built_fails_the_turn_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from ychat.api.auth import ApiKey
    from ychat.api.client import v1_client
    from ychat.api.http.transport import build_http_client
    from ychat.errors import NetworkError

    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/ca.pem")
    client = v1_client(
        lambda: build_http_client(timeout=5), credentials=ApiKey("k"), folder_id=FOLDER, endpoint="https://api.test"
    )
    with pytest.raises(NetworkError, match="cannot set up HTTPS"):
        run(client)
    client.close()
