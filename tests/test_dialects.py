"""The v1alpha, OpenAI-compatible and deferred dialects against recorded vectors
(ychat/api/v1alpha.py, openai.py, sse.py, deferred.py), with exact request bodies."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import vector
from ychat.api.auth import ApiKey
from ychat.api.client import ApiClient, dialect_for
from ychat.api.dialects import openai, v1alpha
from ychat.api.dialects.deferred import Deferred
from ychat.api.dialects.ndjson import split_lines
from ychat.api.dialects.openai import events_from_stream
from ychat.api.http.transport import Transport
from ychat.api.retry import RetryPolicy
from ychat.core import Delta, Done, FinishReason, Message, Options, Pending, Usage
from ychat.errors import APIError, AuthError, ContextTooLong, QuotaExceeded, StreamInterrupted

V3, V5, V8 = vector("v3-async.json"), vector("v5-v1alpha-chat.json"), vector("v8-openai-stream.json")
Handler = Callable[[httpx.Request], httpx.Response]


class Clock:
    """Time that passes only when ychat sleeps (no real waiting in these tests)."""

    def __init__(self) -> None:
        self.now, self.sleeps = 0.0, []  # type: ignore[var-annotated]

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def client(
    api: str, handler: Handler, *, endpoint: str, clock: Clock | None = None, deferred: bool = False
) -> ApiClient:
    clock = clock or Clock()
    transport = Transport(
        httpx.Client(transport=httpx.MockTransport(handler)),
        credentials=ApiKey("k"),
        retry=RetryPolicy(jitter=0.0),
        sleep=clock.sleep,
        clock=clock,
        max_time=600.0,
    )
    dialect = dialect_for(api, endpoint=endpoint, folder_id="b1g")
    ops = Deferred(endpoint=endpoint, operations_endpoint="http://ops.test", folder_id="b1g") if deferred else None
    return ApiClient(transport, dialect, deferred=ops)


def recorded(responses: list[httpx.Response]) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return responses.pop(0)

    return handler, seen


def body(request: httpx.Request) -> Any:
    return json.loads(request.content)


def plain(events: list) -> list:
    """Events with Done's request id blanked (checked on its own where it matters)."""
    return [dataclasses.replace(e, request_id="") if isinstance(e, Done) else e for e in events]


# --- v1alpha -------------------------------------------------------------------------------


def v1alpha_run(reply: httpx.Response, options: Options) -> tuple[list, httpx.Request]:
    handler, seen = recorded([reply])
    messages = [Message("system", "Ты помощник"), Message("user", "Привет")]
    events = list(client("v1alpha", handler, endpoint="http://api.test").complete("general", messages, options))
    assert events[-1].request_id == seen[0].headers["x-client-request-id"]  # no x-request-id came back
    return plain(events), seen[0]


@pytest.mark.parametrize("shape", ["response", "response_as_documented"])
def test_v1alpha_seed_request_exactly_and_both_reply_shapes(shape: str) -> None:
    events, request = v1alpha_run(httpx.Response(200, json=V5[shape]["body"]), Options(0.5, 2000, stream=False))
    assert request.url.path == "/llm/v1alpha/chat"
    assert body(request) == V5["request"]["body"]
    assert request.headers["x-folder-id"] == "b1g"
    assert events == [Delta("Text"), Done("Text", FinishReason.STOP, Usage(total_tokens=21))]


def test_v1alpha_partial_results_stream_cumulative_lines() -> None:
    lines = [
        {"result": {"message": {"role": "Ассистент", "text": t}, "num_tokens": n}}
        for t, n in [("Te", "19"), ("Text", "21")]
    ]
    reply = httpx.Response(200, content="".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines).encode())
    events, request = v1alpha_run(reply, Options())
    assert body(request)["generationOptions"] == {"partialResults": True}
    assert events == [Delta("Te"), Delta("xt"), Done("Text", FinishReason.STOP, Usage(total_tokens=21))]


def test_v1alpha_token_limit_error_is_one_api_error() -> None:
    error = {
        "error": {
            "grpcCode": 3,
            "httpCode": 400,
            "message": "number of input tokens must be no more than 7400, got 9000",
        }
    }
    with pytest.raises(ContextTooLong, match="7400"):
        v1alpha_run(httpx.Response(400, json=error), Options())


def test_v1alpha_stream_cut_short_is_interrupted() -> None:
    with pytest.raises(StreamInterrupted):
        v1alpha_run(httpx.Response(200, content=b""), Options())


# --- OpenAI-compatible ---------------------------------------------------------------------


def sse(records: list[Any]) -> bytes:
    return b"".join(f"data: {r if isinstance(r, str) else json.dumps(r)}\n\n".encode() for r in records)


def openai_run(reply: httpx.Response, *, endpoint: str, model: str = "yandexgpt", options: Options | None = None):
    handler, seen = recorded([reply] * 5)  # a retried 429 gets the same answer
    http = client("openai", handler, endpoint=endpoint)
    return plain(list(http.complete(model, [Message("user", "Hi")], options or Options()))), seen[0]


def test_openai_vector_on_yandex_host_exact_request_and_deltas() -> None:
    reply = httpx.Response(200, content=sse(V8["response"]["sse_data"]), headers={"content-type": "text/event-stream"})
    events, request = openai_run(reply, endpoint="https://llm.api.cloud.yandex.net/v1")
    assert request.url == "https://llm.api.cloud.yandex.net/v1/chat/completions"
    assert body(request) == {**V8["request"]["body"], "model": "gpt://b1g/yandexgpt/latest"}
    assert request.headers["OpenAI-Project"] == "b1g" and request.headers["Authorization"] == "Api-Key k"
    assert [e.text for e in events if isinstance(e, Delta)] == ["Hello", "! How can I help?"]
    assert events[-1] == Done("Hello! How can I help?", FinishReason.STOP, None, "gpt://<folder_ID>/yandexgpt/latest")


def test_openai_other_server_model_as_given_usage_chunk_and_length() -> None:
    chunks = [
        {"choices": [{"index": 0, "delta": {"content": "cut"}, "finish_reason": None}]},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]},
        {"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}},
        "[DONE]",
    ]
    events, request = openai_run(
        httpx.Response(200, content=sse(chunks)), endpoint="http://127.0.0.1:8080/v1", model="smol"
    )
    assert body(request)["model"] == "smol" and "OpenAI-Project" not in request.headers
    assert body(request)["stream_options"] == {"include_usage": True}
    assert events[-1] == Done("cut", FinishReason.LENGTH, Usage(5, 1, total_tokens=6), "")


def test_openai_whole_body() -> None:
    whole = {
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi!"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21},
        "model": "m",
    }
    events, request = openai_run(
        httpx.Response(200, json=whole), endpoint="http://x.test/v1", options=Options(0.2, 50, stream=False)
    )
    assert body(request) == {
        "model": "yandexgpt",
        "messages": [{"role": "user", "content": "Hi"}],
        "stream": False,
        "temperature": 0.2,
        "max_tokens": 50,
    }
    assert events == [Delta("Hi!"), Done("Hi!", FinishReason.STOP, Usage(9, 12, total_tokens=21), "m")]


@pytest.mark.parametrize(
    ("status", "message", "cls", "code"),
    [
        (401, "Invalid API key", AuthError, 3),
        (429, "Too many requests", QuotaExceeded, 4),
        (
            400,
            "Error in session internal_id=x: number of input tokens must be no more than 32768, got 59830",
            ContextTooLong,
            1,
        ),
    ],
)
def test_openai_errors_are_one_typed_line(status: int, message: str, cls: type, code: int) -> None:
    reply = httpx.Response(status, json={"error": {"message": message, "type": "invalid_request_error"}})
    with pytest.raises(cls) as info:
        openai_run(reply, endpoint="http://x.test/v1")
    assert info.value.message == message and int(info.value.exit_code) == code


def test_openai_error_event_mid_stream() -> None:
    chunks = [
        {"choices": [{"index": 0, "delta": {"content": "a"}}]},
        {"error": {"message": "overloaded", "type": "server_error"}},
    ]
    with pytest.raises(APIError, match="overloaded"):
        openai_run(httpx.Response(200, content=sse(chunks)), endpoint="http://x.test/v1")


def test_openai_stream_without_done_or_finish_is_interrupted() -> None:
    with pytest.raises(StreamInterrupted):
        list(events_from_stream(['data: {"choices":[{"index":0,"delta":{"content":"a"}}]}', ""]))


TEXTS = st.lists(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1), min_size=1, max_size=5
)


@given(texts=TEXTS, cut=st.integers(min_value=0, max_value=10_000), spaced=st.booleans())
def test_sse_split_at_any_byte_gives_the_same_text(texts: list[str], cut: int, spaced: bool) -> None:
    prefix = "data: " if spaced else "data:"
    events = [": keep-alive\n\n", "event: message\n"]
    for text in texts:
        events.append(
            prefix
            + json.dumps({"choices": [{"index": 0, "delta": {"content": text}}]}, ensure_ascii=False)
            + "\r\n\r\n"
        )
    events.append(prefix + json.dumps({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}) + "\n\n")
    events.append(prefix + "[DONE]\n\n")
    data = "".join(events).encode("utf-8")
    at = cut % (len(data) + 1)
    decoded = list(events_from_stream(split_lines([data[:at], data[at:]])))
    assert isinstance(decoded[-1], Done) and decoded[-1].text == "".join(texts)


# --- deferred (completionAsync + operations) -------------------------------------------------


def operation_server(polls: list[dict], seen: list[httpx.Request]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/completionAsync"):
            return httpx.Response(200, json=V3["response"]["body"])
        if request.url.path.endswith(":cancel"):
            return httpx.Response(
                200, json={**V3["response"]["body"], "done": True, "error": {"code": 1, "message": "cancelled"}}
            )
        return httpx.Response(200, json=polls.pop(0))

    return handler


def deferred_run(polls: list[dict], clock: Clock | None = None) -> tuple[list, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    http = client("v1", operation_server(polls, seen), endpoint="http://api.test", clock=clock, deferred=True)
    messages = [Message("system", "Translate the text"), Message("user", "To be, or not to be: that is the question.")]
    return plain(list(http.complete("yandexgpt-lite", messages, Options(0.1, 2000, deferred=True)))), seen


def test_deferred_vector_exact_request_polls_and_reply() -> None:
    clock = Clock()
    events, seen = deferred_run([*V3["poll"]["responses"]], clock)
    assert seen[0].url == "http://api.test/foundationModels/v1/completionAsync"
    assert body(seen[0]) == {**V3["request"]["body"], "modelUri": "gpt://b1g/yandexgpt-lite/latest"}
    assert [r.url for r in seen[1:]] == ["http://ops.test/operations/d7qi6shlbvo5********"] * 2
    assert seen[1].method == "GET" and seen[1].headers["Authorization"] == "Api-Key k"
    pending = [e for e in events if isinstance(e, Pending)]
    assert pending[0] == Pending("d7qi6shlbvo5********", 0.0) and clock.sleeps == [0.5, 0.75]
    assert events[-1] == Done(
        "To be, or not to be, that is the question.", FinishReason.STOP, Usage(31, 10, total_tokens=41), "18.01.2024"
    )


def test_deferred_backoff_grows_to_a_five_second_cap() -> None:
    clock = Clock()
    running = V3["poll"]["responses"][0]
    deferred_run([running] * 9 + [V3["poll"]["responses"][1]], clock)
    assert clock.sleeps[:3] == [0.5, 0.75, 1.125] and max(clock.sleeps) == 5.0


def test_deferred_done_with_error_is_one_api_error() -> None:
    failed = {
        **V3["poll"]["responses"][0],
        "done": True,
        "error": {"code": 3, "message": "invalid model_uri", "details": []},
    }
    with pytest.raises(APIError, match="invalid model_uri") as info:
        deferred_run([failed])
    assert info.value.http_status == 400


def test_deferred_unknown_operation_is_an_api_error() -> None:
    missing = httpx.Response(404, json={"code": 5, "message": "Operation not found", "details": []})
    http = client("v1", lambda request: missing, endpoint="http://api.test", deferred=True)
    with pytest.raises(APIError, match="Operation not found") as info:
        list(http.follow("nope"))
    assert int(info.value.exit_code) == 1


def test_leaving_a_deferred_reply_cancels_the_operation() -> None:
    seen: list[httpx.Request] = []
    http = client(
        "v1", operation_server([V3["poll"]["responses"][0]] * 5, seen), endpoint="http://api.test", deferred=True
    )
    events = http.complete("yandexgpt-lite", [Message("user", "hi")], Options(deferred=True))
    assert isinstance(next(events), Pending)
    next(events)  # the next poll's Pending
    events.close()  # what the session does on Ctrl-C
    assert seen[-1].url == "http://ops.test/operations/d7qi6shlbvo5********:cancel"


def test_the_credentials_hook_is_asked_before_every_attempt() -> None:
    class Counting(ApiKey):
        asked = 0

        def authorization(self) -> str:
            Counting.asked += 1
            return f"Api-Key token-{Counting.asked}"

    replies = [
        httpx.Response(503, json={"error": {"message": "busy"}}),
        httpx.Response(200, content=sse(V8["response"]["sse_data"])),
    ]
    handler, seen = recorded(replies)
    http = client("openai", handler, endpoint="http://x.test/v1")
    http.transport.credentials = Counting("x")
    list(http.complete("m", [Message("user", "Hi")], Options()))
    assert [r.headers["Authorization"] for r in seen] == ["Api-Key token-1", "Api-Key token-2"]


@given(data=st.binary(max_size=400))
def test_any_bytes_as_an_sse_stream_give_events_or_one_typed_error(data: bytes) -> None:
    from ychat.errors import YChatError

    try:
        events = list(openai.OpenAIWire().decode(iter([data]), stream=True))
    except YChatError:
        return
    assert isinstance(events[-1], Done)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "result",
                    "message",
                    "text",
                    "num_tokens",
                    "numTokens",
                    "error",
                    "choices",
                    "delta",
                    "content",
                    "finish_reason",
                    "usage",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@given(record=JSON)
def test_any_json_reply_line_gives_events_or_one_typed_error(record: object) -> None:
    from ychat.errors import YChatError

    line = json.dumps(record)
    for decode in (
        lambda: list(v1alpha.V1AlphaWire().decode(iter([line.encode()]), stream=True)),
        lambda: list(openai.OpenAIWire().decode(iter([f"data: {line}\n\n".encode()]), stream=True)),
        lambda: list(openai.OpenAIWire().decode(iter([line.encode()]), stream=False)),
    ):
        with contextlib.suppress(YChatError):
            decode()
