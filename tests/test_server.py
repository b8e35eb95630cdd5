"""The shipped local API (``ychat serve``, ``--local``): no test instrumentation, bounded in memory
and threads, errors in the API's shapes, and the fidelity real client libraries rely on."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import in_process_client, vector
from tests.helpers import Recorder
from ychat.conversation import Conversation, Message
from ychat.core import Options
from ychat.errors import APIError
from ychat.repl.session import ChatOptions, Session
from ychat.server.http import serve
from ychat.server.operations import Gate, Operations
from ychat.server.routes.v1 import completion_args
from ychat.testing import BadRequest, EchoEngine, Emulator, Generation, LocalAPI

V1 = vector("v1-sync.json")
PATH = V1["request"]["path"]
HEADERS = {"Authorization": "Api-Key k"}
BODY: dict[str, Any] = {
    "modelUri": "gpt://f/yandexgpt",
    "completionOptions": {"stream": False},
    "messages": [{"role": "user", "text": "hi"}],
}


def post(app: Any, body: object, path: str = PATH, headers: dict[str, str] | None = None, **kw: Any) -> httpx.Response:
    with httpx.Client(transport=httpx.WSGITransport(app=app)) as http:
        return http.post("http://e" + path, json=body, headers=HEADERS if headers is None else headers, **kw)


def with_options(**options: object) -> dict[str, Any]:
    return {**BODY, "completionOptions": {**BODY["completionOptions"], **options}}


def retained(app: Any, requests: int) -> int:
    """Bytes still allocated after ``requests`` distinct 10 kB requests (tracemalloc)."""
    import gc
    import tracemalloc

    with httpx.Client(transport=httpx.WSGITransport(app=app)) as http:
        http.post("http://e" + PATH, json=BODY, headers=HEADERS)  # warm up
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for n in range(requests):
            body = {**BODY, "messages": [{"role": "user", "text": f"{n} " + "x" * 10_000}]}
            assert http.post("http://e" + PATH, json=body, headers=HEADERS).status_code == 200
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
    return after - before


def test_the_shipped_app_keeps_nothing_per_request() -> None:
    assert not hasattr(LocalAPI(), "requests") and not hasattr(LocalAPI, "enqueue")
    assert retained(LocalAPI(), 200) < 200_000  # the test double keeps every body: about 2 MB here
    assert retained(Emulator(), 200) > 2_000_000


def test_a_body_over_the_limit_is_413_in_the_api_shape_in_process_and_over_http() -> None:
    big = {**BODY, "messages": [{"role": "user", "text": "x" * 5000}]}
    reply = post(LocalAPI(max_body=4096), big)
    assert reply.status_code == 413 and reply.json()["error"]["httpCode"] == 413
    with serve(LocalAPI(max_body=4096)) as running:
        over_http = httpx.post(running.url + PATH, json=big, headers=HEADERS)
        chunked = httpx.post(running.url + PATH, content=iter([b"x" * 3000] * 3), headers=HEADERS)
        small = httpx.post(running.url + PATH, json=BODY, headers=HEADERS)
    assert over_http.status_code == 413 and "larger than 4096 bytes" in over_http.json()["error"]["message"]
    assert chunked.status_code == 413  # no Content-Length: the bridge counts what arrives
    assert small.status_code == 200


def test_deeply_nested_json_is_a_400_not_a_500() -> None:
    nested = b"[" * 100_000 + b"]" * 100_000
    reply = post(LocalAPI(), None, content=nested)
    assert reply.status_code == 400 and "nested too deeply" in reply.json()["error"]["message"]


def test_routing_comes_before_authentication() -> None:
    assert post(LocalAPI(), BODY, path="/foundationModels/v1/nothing", headers={}).status_code == 404
    assert post(LocalAPI(), BODY, path="/nothing", headers={}).status_code == 404
    assert post(LocalAPI(), BODY, headers={}).status_code == 401


@pytest.mark.parametrize(
    ("options", "status"),
    [
        ({"temperature": "0.5"}, 200),  # protobuf JSON: a double may come as a string (yandexgptlite)
        ({"temperature": 0.5}, 200),
        ({"temperature": "hot"}, 400),
        ({"temperature": "1.5"}, 400),
        ({"stream": "true"}, 400),  # a bool must be a JSON bool
        ({"stream": 1}, 400),
    ],
)
def test_protobuf_json_fields(options: dict[str, object], status: int) -> None:
    assert post(LocalAPI(), with_options(**options)).status_code == status


def test_a_string_temperature_reaches_the_engine_as_a_number() -> None:
    assert completion_args(with_options(temperature="0.25")).temperature == 0.25


@pytest.mark.parametrize("uri", ["gpt://", "gpt://folder", "gpt:///yandexgpt", "yandexgpt", "gpt://f/ m"])
def test_model_uris_without_folder_or_model_are_400(uri: str) -> None:
    reply = post(LocalAPI(), {**BODY, "modelUri": uri})
    assert reply.status_code == 400 and "invalid model_uri" in reply.json()["error"]["message"]


def test_tokenize_plain_text() -> None:
    reply = post(LocalAPI(), {"modelUri": "gpt://f/yandexgpt", "text": "one two"}, path="/foundationModels/v1/tokenize")
    assert reply.status_code == 200
    assert [t["text"] for t in reply.json()["tokens"]] == ["<s>", "one", "two"]
    bad = post(LocalAPI(), {"modelUri": "gpt://f/yandexgpt", "text": 5}, path="/foundationModels/v1/tokenize")
    assert bad.status_code == 400 and set(bad.json()) == {"code", "message", "details"}


def test_usage_carries_reasoning_tokens_as_the_current_api() -> None:
    usage = post(LocalAPI(), BODY).json()["result"]["usage"]
    assert usage["completionTokensDetails"] == {"reasoningTokens": "0"}


class FailingEngine(EchoEngine):
    """Fails the way llama.cpp can: at once, or after some tokens."""

    def __init__(self, *, after: int | None = None) -> None:
        super().__init__()
        self.after = after

    def generate(self, messages: Any, *, temperature: Any = None, max_tokens: Any = None) -> Iterator[Generation]:
        if self.after is None:
            raise RuntimeError("Failed to load model from file")
        yield from list(super().generate(messages))[: self.after]
        raise RuntimeError("llama_decode returned -1")


@pytest.mark.parametrize("after", [None, 1])
@pytest.mark.parametrize("stream", [True, False])
def test_engine_errors_end_the_turn_not_the_session(after: int | None, stream: bool) -> None:
    app = LocalAPI(engine=FailingEngine(after=after))
    client = in_process_client(app)
    with pytest.raises(APIError) as caught:
        list(client.complete("yandexgpt", [Message("user", "hi there")], Options(stream=stream)))
    assert caught.value.http_status == 500 and "RuntimeError" in caught.value.message
    inputs = iter(["hi", "again", "/exit"])

    renderer = Recorder()
    session = Session(client, renderer, Conversation(), ChatOptions())
    session.run(inputs.__next__)  # no exception escapes: both turns fail, the loop goes on
    assert session.unsent == "again" and len(renderer.named("error")) == 2


class BlockingEngine(EchoEngine):
    """Each generation waits for ``release``; records the order of the prompts it served."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.started = threading.Event()
        self.served: list[str] = []

    def generate(self, messages: Any, *, temperature: Any = None, max_tokens: Any = None) -> Iterator[Generation]:
        self.started.set()
        self.release.wait()
        self.served.append(messages[-1]["text"])
        yield from super().generate(messages)


def args(text: str) -> Any:
    return completion_args({**BODY, "messages": [{"role": "user", "text": text}]})


def test_operations_run_in_order_on_one_worker_from_a_bounded_queue() -> None:
    engine = BlockingEngine()
    operations = Operations(engine, gate=Gate(), closing=threading.Event(), pending=5)
    before = threading.active_count()
    first = operations.start(args("first"))
    engine.started.wait()  # the worker holds "first"; five more may wait
    queued = [operations.start(args(f"queued {n}")) for n in range(5)]
    with pytest.raises(BadRequest, match="too many deferred operations") as caught:
        operations.start(args("one too many"))
    assert caught.value.status == 429
    assert threading.active_count() == before + 1  # one worker, however many operations
    engine.release.set()
    assert operations.wait(queued[-1]["id"], timeout=30)["done"] is True
    assert engine.served == ["first", *(f"queued {n}" for n in range(5))]
    assert operations.get(first["id"])["response"]["alternatives"][0]["message"]["text"] == "Echo: first"
    operations.close()


def test_a_deferred_operation_waits_while_a_synchronous_request_runs() -> None:
    gate, engine = Gate(), BlockingEngine()
    engine.release.set()
    operations = Operations(engine, gate=gate, closing=threading.Event())
    with gate.foreground():  # a synchronous generation is in progress
        operation = operations.start(args("deferred"))
        with gate._changed:
            assert gate._changed.wait_for(lambda: gate.waiting == 1, timeout=30)  # the worker is held back
        list(engine.generate([{"role": "user", "text": "sync"}]))
        assert operations.get(operation["id"])["done"] is False
    assert operations.wait(operation["id"], timeout=30)["done"] is True
    assert engine.served == ["sync", "deferred"]
    operations.close()


def test_finished_operations_expire_by_count_and_age() -> None:
    now = [0.0]
    operations = Operations(
        EchoEngine(), gate=Gate(), closing=threading.Event(), keep=3, keep_seconds=100, clock=lambda: now[0]
    )
    ids = [operations.start(args(f"q{n}"))["id"] for n in range(5)]
    assert operations.wait(ids[-1], timeout=30)["done"] is True
    assert [operations.get(i) is not None for i in ids] == [False, False, True, True, True]
    now[0] = 101.0
    assert all(operations.get(i) is None for i in ids) and len(operations) == 0
    operations.close()


def test_an_operation_whose_engine_fails_is_done_with_an_error() -> None:
    app = LocalAPI(engine=FailingEngine())
    started = post(app, BODY, path="/foundationModels/v1/completionAsync").json()
    app.operations.wait(started["id"], timeout=30)
    with httpx.Client(transport=httpx.WSGITransport(app=app)) as http:
        done = http.get("http://e/operations/" + started["id"], headers=HEADERS).json()
    assert done["done"] is True and done["error"]["code"] == 13
    assert "Failed to load model" in done["error"]["message"]
    app.close()
