"""Every engine behind the emulator app answers in the documented wire format.

Runs against EchoEngine always and against the real SmolLM2 model when ``ychat-cli[local]`` is
installed (CI installs it): the same vectors, statuses and error bodies for both.
"""

from __future__ import annotations

import itertools
import json

import httpx
import pytest

from tests.conftest import in_process_client, vector
from ychat.api.dialects.v1 import FINISH_OF_STATUS, STATUS_PARTIAL
from ychat.conversation import Message
from ychat.core import Delta, Done, Options
from ychat.server.operations import RESPONSE_TYPE
from ychat.testing import EchoEngine, Engine, LocalAPI

STATUS_FINAL, STATUS_TRUNCATED = "ALTERNATIVE_STATUS_FINAL", "ALTERNATIVE_STATUS_TRUNCATED_FINAL"
TERMINAL_STATUSES = set(FINISH_OF_STATUS)
HEADERS = {"Authorization": "Api-Key local"}
V1, V2, V3, V4 = (vector(n) for n in ("v1-sync.json", "v2-stream.json", "v3-async.json", "v4-tokenize-completion.json"))


def _smollm2() -> Engine:
    pytest.importorskip("llama_cpp", reason="ychat-cli[local] is not installed")
    from tests.conftest import shared_default_engine

    return shared_default_engine()


@pytest.fixture(params=["echo", "smollm2"])
def engine(request: pytest.FixtureRequest) -> Engine:
    return EchoEngine() if request.param == "echo" else _smollm2()


@pytest.fixture
def app(engine: Engine) -> LocalAPI:
    return LocalAPI(engine=engine)  # the shipped app, as ychat serve runs it


@pytest.fixture
def http(app: LocalAPI):
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://local", timeout=120) as client:
        yield client
    app.close()


def body_of(v: dict, **options) -> dict:
    body = json.loads(json.dumps(v["request"]["body"]))
    body.setdefault("completionOptions", {}).update(options)
    return body


def assert_usage(usage: dict) -> tuple[int, int, int]:
    assert set(usage) >= {"inputTextTokens", "completionTokens", "totalTokens"}
    numbers = tuple(int(usage[k]) for k in ("inputTextTokens", "completionTokens", "totalTokens"))
    assert all(isinstance(usage[k], str) for k in usage if k != "completionTokensDetails")  # int64 as strings
    assert numbers[0] > 0 and numbers[0] + numbers[1] == numbers[2]
    return numbers


def assert_result(result: dict) -> dict:
    assert set(result) == {"alternatives", "usage", "modelVersion"}
    (alternative,) = result["alternatives"]
    assert alternative["message"]["role"] == "assistant" and isinstance(alternative["message"]["text"], str)
    assert isinstance(result["modelVersion"], str) and result["modelVersion"]
    assert_usage(result["usage"])
    return alternative


def test_sync_completion(http: httpx.Client) -> None:
    reply = http.post(V1["request"]["path"], json=body_of(V1, maxTokens="40", temperature=0), headers=HEADERS)
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/json"
    assert set(reply.json()) == {"result"}
    alternative = assert_result(reply.json()["result"])
    assert alternative["status"] in {STATUS_FINAL, STATUS_TRUNCATED} and alternative["message"]["text"]


def test_stream_is_cumulative_ndjson(http: httpx.Client) -> None:
    with http.stream("POST", V2["request"]["path"], json=body_of(V2, maxTokens="30"), headers=HEADERS) as reply:
        assert reply.status_code == 200
        raw = reply.read()
    assert raw.endswith(b"\n")
    records = [json.loads(line) for line in raw.split(b"\n") if line]
    results = [r["result"] for r in records]
    texts = [assert_result(r)["message"]["text"] for r in results]
    statuses = [r["alternatives"][0]["status"] for r in results]
    assert all(b.startswith(a) for a, b in itertools.pairwise(texts))
    assert set(statuses[:-1]) <= {STATUS_PARTIAL} and statuses[-1] in TERMINAL_STATUSES
    counts = [assert_usage(r["usage"]) for r in results]
    assert len({c[0] for c in counts}) == 1  # the prompt's size does not change
    assert [c[1] for c in counts] == sorted(c[1] for c in counts)


def test_max_tokens_truncates(http: httpx.Client) -> None:
    reply = http.post(V2["request"]["path"], json=body_of(V2, stream=False, maxTokens="2"), headers=HEADERS)
    result = reply.json()["result"]
    assert result["alternatives"][0]["status"] == STATUS_TRUNCATED
    assert result["usage"]["completionTokens"] == "2"


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"messages": [{"role": "robot", "text": "x"}]}, "invalid message role 'robot'"),
        ({"completionOptions": {"temperature": 1.5}}, "temperature"),
        ({"messages": [{"role": "user", "text": "word " * 10_000}]}, "number of input tokens must be no more than"),
    ],
)
def test_refused_requests_use_the_documented_400(http: httpx.Client, change: dict, fragment: str) -> None:
    body = {**body_of(V1), **change}
    for stream in (False, True):
        body["completionOptions"] = {**body.get("completionOptions", {}), "stream": stream}
        reply = http.post(V1["request"]["path"], json=body, headers=HEADERS)
        assert reply.status_code == 400
        error = reply.json()["error"]
        assert set(error) == {"grpcCode", "httpCode", "message", "httpStatus", "details"}
        assert error["grpcCode"] == 3 and error["httpCode"] == 400 and fragment in error["message"]


def test_tokenize_completion(http: httpx.Client, engine: Engine) -> None:
    reply = http.post(V4["request"]["path"], json=V4["request"]["body"], headers=HEADERS)
    assert reply.status_code == 200
    body = reply.json()
    assert set(body) == set(V4["response"]["body"])
    tokens = body["tokens"]
    assert all(set(t) == {"id", "text", "special"} and t["id"].isdigit() for t in tokens)
    assert any(t["special"] for t in tokens) and any("ping" in t["text"] for t in tokens)
    prompt = http.post(V1["request"]["path"], json=body_of(V4, maxTokens="1"), headers=HEADERS).json()
    assert prompt["result"]["usage"]["inputTextTokens"] == str(len(tokens))  # the same tokenizer counts usage


def test_completion_async_and_operation_polling(http: httpx.Client, app: LocalAPI) -> None:
    started = http.post(V3["request"]["path"], json=body_of(V3, maxTokens="20"), headers=HEADERS)
    assert started.status_code == 200
    operation = started.json()
    assert set(operation) == set(V3["response"]["body"]) and operation["done"] is False
    assert app.operations.wait(operation["id"], timeout=120) is not None  # no polling loop in a test
    polled = http.get(f"/operations/{operation['id']}", headers=HEADERS).json()
    assert set(polled) >= set(V3["poll"]["responses"][1])
    response = polled["response"]
    assert response["@type"] == RESPONSE_TYPE
    assert_result({k: v for k, v in response.items() if k != "@type"})


def test_unknown_operation_uses_the_unary_error_shape(http: httpx.Client) -> None:
    reply = http.get("/operations/nope", headers=HEADERS)
    assert reply.status_code == 404
    assert set(reply.json()) == {"code", "message", "details"} and reply.json()["code"] == 5


def test_unauthenticated_unary_request(http: httpx.Client) -> None:
    reply = http.post(V4["request"]["path"], json=V4["request"]["body"])
    assert reply.status_code == 401 and reply.json()["code"] == 16


def test_the_client_chats_with_the_engine(engine: Engine) -> None:
    with in_process_client(LocalAPI(engine=engine)) as client:
        first = list(client.complete("local", [Message("user", "Say hello")], Options(max_tokens=20)))
    assert isinstance(first[-1], Done) and first[-1].text == "".join(e.text for e in first if isinstance(e, Delta))
