"""Request building, model URIs, reply parsing and error mapping (api/v1.py, api/yandex.py)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import vector
from ychat.api.dialects.v1 import completion_body, parse_line
from ychat.api.dialects.yandex import error_from_body, expand_model_uri
from ychat.conversation import Message
from ychat.core import FinishReason, Options, Usage
from ychat.errors import (
    APIError,
    AuthError,
    ConfigError,
    ContextTooLong,
    ExitCode,
    ProtocolError,
    QuotaExceeded,
    ServiceUnavailable,
)


@pytest.mark.parametrize(
    ("name", "uri"),
    [
        ("yandexgpt", "gpt://b1g/yandexgpt/latest"),
        ("yandexgpt-lite", "gpt://b1g/yandexgpt-lite/latest"),
        ("llama-lite", "gpt://b1g/llama-lite/latest"),
        ("yandexgpt/rc", "gpt://b1g/yandexgpt/rc"),
        ("yandexgpt-lite/latest@tuned1", "gpt://b1g/yandexgpt-lite/latest@tuned1"),
        ("gpt://other/yandexgpt/rc", "gpt://other/yandexgpt/rc"),
        ("ds://b1g/bt1234", "ds://b1g/bt1234"),
        ("  yandexgpt  ", "gpt://b1g/yandexgpt/latest"),
    ],
)
def test_model_uri_expansion(name: str, uri: str) -> None:
    assert expand_model_uri(name, folder_id="b1g") == uri


def test_full_uri_needs_no_folder() -> None:
    assert expand_model_uri("gpt://f/yandexgpt/latest", folder_id=None) == "gpt://f/yandexgpt/latest"


@pytest.mark.parametrize("name", ["", "   ", "yandex gpt"])
def test_bad_model_names(name: str) -> None:
    with pytest.raises(ConfigError):
        expand_model_uri(name, folder_id="b1g")


def test_short_name_without_folder_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="folder") as info:
        expand_model_uri("yandexgpt", folder_id=None)
    assert info.value.exit_code == ExitCode.USAGE


def test_completion_body_matches_documented_sync_vector() -> None:
    v1 = vector("v1-sync.json")["request"]["body"]
    messages = [Message(m["role"], m["text"]) for m in v1["messages"]]
    body = completion_body(v1["modelUri"], messages, Options(0.1, 1000, stream=False))
    assert body == v1
    assert json.loads(json.dumps(body))["completionOptions"]["maxTokens"] == "1000"  # int64 as a string


def test_completion_body_omits_unset_options() -> None:
    body = completion_body("gpt://f/yandexgpt/latest", [Message("user", "hi")], Options())
    assert body["completionOptions"] == {"stream": True}


def test_parse_sync_vector_response() -> None:
    v1 = vector("v1-sync.json")["response"]["body"]
    chunk = parse_line(json.dumps(v1))
    assert chunk.text == "To be, or not to be: that is the question."
    assert chunk.finish is FinishReason.STOP
    assert chunk.usage == Usage(28, 10, total_tokens=38)
    assert chunk.model_version == "06.12.2023"


def test_usage_accepts_numbers_too() -> None:
    line = '{"result":{"alternatives":[{"message":{"text":"x"},"status":"ALTERNATIVE_STATUS_FINAL"}],"usage":{"inputTextTokens":3,"completionTokens":"1","totalTokens":4}}}'
    assert parse_line(line).usage == Usage(3, 1, total_tokens=4)


EXPECTED_CLASS = {400: APIError, 401: AuthError, 403: AuthError, 429: QuotaExceeded, 500: APIError}
EXPECTED_EXIT = {400: 1, 401: 3, 403: 3, 429: 4, 500: 1}


@pytest.mark.parametrize("case", vector("v6-errors.json")["cases"], ids=lambda c: c["name"])
def test_every_documented_error_body_maps_to_a_typed_error(case: dict) -> None:
    if "ndjson" in case:
        lines = [json.dumps(record) for record in case["ndjson"]]
        assert parse_line(lines[0]).text == "E"
        with pytest.raises(ServiceUnavailable) as info:
            parse_line(lines[1])
        assert info.value.http_status == 503 and info.value.grpc_code == 14
        assert info.value.message == "Service is unavailable"
        return
    error = error_from_body(json.dumps(case["body"]).encode(), http_status=case["status"], request_id="rid-1")
    expected = ContextTooLong if case["name"] == "prompt-too-long" else EXPECTED_CLASS[case["status"]]
    assert type(error) is expected  # the context overflow is an APIError that says what to do
    assert error.exit_code == EXPECTED_EXIT[case["status"]]
    body = case["body"]
    assert error.message == body.get("error", body)["message"]
    assert error.grpc_code == body.get("error", body).get("grpcCode", body.get("code"))
    assert "\n" not in str(error) and f"HTTP {case['status']}" in str(error) and "rid-1" in str(error)


def test_unary_error_carries_request_id_from_details() -> None:
    body = vector("v6-errors.json")["cases"][5]["body"]
    error = error_from_body(json.dumps(body).encode(), http_status=401)
    assert error.request_id == "e38e71c3-adc6-4584-98a4-b0f103d55f61"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"<html>Bad gateway</html>", 502, "<html>Bad gateway</html>"),
        (b"", 503, "Service Unavailable"),
        (b'{"error": "plain string"}', 400, "plain string"),
        (b"[1, 2]", 500, "[1, 2]"),
        (b"\xff\xfe", 500, "\ufffd\ufffd"),
    ],
)
def test_undocumented_error_bodies_still_give_one_readable_line(body: bytes, status: int, message: str) -> None:
    error = error_from_body(body, http_status=status)
    assert error.http_status == status
    assert error.message == message


@pytest.mark.parametrize(
    "line",
    [
        "not json",
        "[]",
        '{"foo": 1}',
        '{"result": {"alternatives": []}}',
        '{"result": {"alternatives": [{"message": {"text": 5}}]}}',
        '{"result": {"alternatives": [{"message": {"text": "x"}}], "usage": {"totalTokens": true}}}',
        '{"result": {"alternatives": [{"message": {"text": "x"}}], "usage": {"totalTokens": "-3"}}}',
    ],
)
def test_malformed_lines_raise_protocol_error(line: str) -> None:
    with pytest.raises(ProtocolError):
        parse_line(line)


@pytest.mark.parametrize(("mode", "wire"), [("hidden", "ENABLED_HIDDEN"), ("off", "DISABLED")])
def test_reasoning_mode_goes_in_completion_options(mode: str, wire: str) -> None:
    from ychat.core import Reasoning

    body = completion_body("gpt://f/yandexgpt/latest", [Message("user", "hi")], Options(reasoning=Reasoning(mode)))
    assert body["completionOptions"]["reasoningOptions"] == {"mode": wire}


def test_reasoning_tokens_are_part_of_usage() -> None:
    line = (
        '{"result":{"alternatives":[{"message":{"text":"x"},"status":"ALTERNATIVE_STATUS_FINAL"}],'
        '"usage":{"inputTextTokens":"3","completionTokens":"9","totalTokens":"12",'
        '"completionTokensDetails":{"reasoningTokens":"7"}}}}'
    )
    assert parse_line(line).usage == Usage(3, 9, reasoning_tokens=7, total_tokens=12)


def test_each_message_is_encoded_once_and_the_body_is_the_same_json() -> None:
    from ychat.api.dialects.v1 import Encoded
    from ychat.conversation import Conversation

    encoded, conversation = Encoded(), Conversation("sys")
    conversation.record("При", "вет")

    def body(text: str) -> dict:
        messages = conversation.messages_for(text)
        head = {
            k: v for k, v in completion_body("gpt://f/yandexgpt/latest", messages, Options()).items() if k != "messages"
        }
        sent = json.loads(encoded.body(head, messages))
        assert sent == completion_body("gpt://f/yandexgpt/latest", messages, Options())
        return sent

    body("one")
    fragment = encoded._fragments[id(conversation.exchanges[0].messages[0])][1]
    conversation.record("one", "answer")
    body("two")
    assert encoded._fragments[id(conversation.exchanges[0].messages[0])][1] is fragment  # reused, not encoded again
