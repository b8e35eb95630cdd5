"""The local server's other wires: legacy v1alpha chat, the OpenAI-compatible endpoint, and
cancelling a deferred operation (ychat/server/v1alpha.py, openai.py, operations.py)."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.conftest import vector
from ychat.server.engine import Generation
from ychat.testing import EchoEngine, LocalAPI

AUTH = {"Authorization": "Api-Key local"}
V5 = vector("v5-v1alpha-chat.json")


class Held(EchoEngine):
    """An engine whose generation waits until released: an operation that is still running."""

    def __init__(self) -> None:
        super().__init__()
        import threading

        self.started, self.release = threading.Event(), threading.Event()

    def generate(self, messages, *, temperature=None, max_tokens=None):  # type: ignore[no-untyped-def]
        for generation in super().generate(messages, temperature=temperature, max_tokens=max_tokens):
            self.started.set()
            self.release.wait(10)
            yield generation


def client(app: LocalAPI | None = None) -> httpx.Client:
    return httpx.Client(transport=httpx.WSGITransport(app=app or LocalAPI()), base_url="http://local")


def sse_events(body: str) -> list[str]:
    return [event.removeprefix("data: ") for event in body.split("\n\n") if event]


def test_v1alpha_seed_request_answers_in_the_wire_shape() -> None:
    reply = client().post("/llm/v1alpha/chat", json=V5["request"]["body"], headers=AUTH)
    assert reply.status_code == 200
    result = reply.json()["result"]
    assert set(result) == set(V5["response"]["body"]["result"])  # message + num_tokens, snake_case
    assert result["message"]["text"] == "Echo: Привет" and result["num_tokens"].isdigit()


def test_v1alpha_partial_results_stream_cumulative_lines() -> None:
    body = {**V5["request"]["body"], "generationOptions": {"partialResults": True}}
    reply = client().post("/llm/v1alpha/chat", json=body, headers=AUTH)
    texts = [json.loads(line)["result"]["message"]["text"] for line in reply.text.splitlines()]
    assert texts == ["Echo:", "Echo: Привет"]


@pytest.mark.parametrize(
    ("options", "fragment"),
    [({"maxTokens": 7401}, "no more than 7400"), ({"maxTokens": 3}, "number of input tokens must be no more than 3")],
)
def test_v1alpha_token_limits_are_400s(options: dict, fragment: str) -> None:
    body = {**V5["request"]["body"], "generationOptions": options}
    reply = client().post("/llm/v1alpha/chat", json=body, headers=AUTH)
    assert reply.status_code == 400 and fragment in reply.json()["error"]["message"]


def test_v1alpha_max_tokens_counts_the_prompt_too() -> None:
    body = {**V5["request"]["body"], "generationOptions": {"maxTokens": 9}}  # the prompt is 8 words-tokens
    reply = client().post("/llm/v1alpha/chat", json=body, headers=AUTH)
    assert reply.json()["result"]["message"]["text"] == "Echo:"


def openai_body(**extra: object) -> dict:
    return {"model": "local", "messages": [{"role": "user", "content": "hi there"}], **extra}


def test_openai_stream_is_sse_with_deltas_and_done() -> None:
    reply = client().post("/v1/chat/completions", json=openai_body(stream=True))
    assert reply.headers["content-type"].startswith("text/event-stream")
    events = sse_events(reply.text)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == "Echo: hi there"
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all("finish_reason" not in c["choices"][0] for c in chunks[:-1])  # as Yandex sends it
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert all("usage" not in c for c in chunks)  # not asked for


def test_openai_stream_usage_chunk_when_asked() -> None:
    body = openai_body(stream=True, stream_options={"include_usage": True}, max_tokens=2)
    chunks = [json.loads(e) for e in sse_events(client().post("/v1/chat/completions", json=body).text)[:-1]]
    assert chunks[-2]["choices"][0]["finish_reason"] == "length"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 2


def test_openai_whole_reply_and_models() -> None:
    http = client()
    whole = http.post("/v1/chat/completions", json=openai_body(), headers={"Authorization": "Bearer sk-x"}).json()
    assert whole["object"] == "chat.completion" and whole["choices"][0]["message"]["content"] == "Echo: hi there"
    assert whole["choices"][0]["finish_reason"] == "stop" and whole["usage"]["total_tokens"] > 0
    models = http.get("/v1/models").json()
    assert models["object"] == "list" and models["data"][0]["id"] == "echo"


@pytest.mark.parametrize(
    ("body", "status"),
    [({"model": "m", "messages": []}, 400), ({"model": "m", "messages": [{"role": "bot", "content": "x"}]}, 400)],
)
def test_openai_errors_have_the_openai_shape(body: dict, status: int) -> None:
    reply = client().post("/v1/chat/completions", json=body)
    assert reply.status_code == status
    assert set(reply.json()["error"]) >= {"message", "type"}


def test_openai_route_checks_keys_when_the_server_has_some() -> None:
    http = client(LocalAPI(api_keys=["secret"]))
    assert http.post("/v1/chat/completions", json=openai_body()).status_code == 401
    good = http.post("/v1/chat/completions", json=openai_body(), headers={"Authorization": "Bearer secret"})
    assert good.status_code == 200


def completion_async_body() -> dict:
    return vector("v3-async.json")["request"]["body"] | {"modelUri": "gpt://b1g/yandexgpt-lite"}


def test_cancel_a_running_operation() -> None:
    engine = Held()
    app = LocalAPI(engine=engine)
    http = client(app)
    started = http.post("/foundationModels/v1/completionAsync", json=completion_async_body(), headers=AUTH).json()
    assert engine.started.wait(10)
    cancelled = http.get(f"/operations/{started['id']}:cancel", headers=AUTH)
    assert cancelled.status_code == 200
    engine.release.set()
    done = app.operations.wait(started["id"], timeout=10)
    assert done is not None and done["done"] and done["error"]["code"] == 1 and "response" not in done
    app.close()


def test_cancel_an_unknown_operation_is_404() -> None:
    reply = client().get("/operations/nope:cancel", headers=AUTH)
    assert reply.status_code == 404 and reply.json()["message"] == "Operation not found"


def test_generation_finish_maps_to_each_wire() -> None:
    from ychat.core import FinishReason
    from ychat.server.routes.openai import OpenAIFrames
    from ychat.server.wire import v1_status

    cut = Generation("x", FinishReason.LENGTH, 1, 1)
    assert v1_status(cut) == "ALTERNATIVE_STATUS_TRUNCATED_FINAL"
    chunk = json.loads(OpenAIFrames("m", with_usage=False).chunk(cut).decode().removeprefix("data: "))
    assert chunk["choices"][0]["finish_reason"] == "length"
