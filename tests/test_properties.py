"""Property tests for the other parsers of untrusted input: they fail only in their typed way."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from ychat.api.dialects.yandex import error_from_body
from ychat.config.settings import load_settings
from ychat.errors import APIError, ConfigError
from ychat.repl.commands import ChatText, Command, UnknownCommand, parse
from ychat.testing import BadRequest, Emulator, validate_completion

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=12,
)


@given(st.binary(max_size=300), st.integers(min_value=100, max_value=599))
def test_any_error_body_becomes_one_api_error_line(body: bytes, status: int) -> None:
    error = error_from_body(body, http_status=status)
    assert isinstance(error, APIError) and "\n" not in str(error).replace("\\n", "")


@given(json_values, st.integers(min_value=400, max_value=599))
def test_any_json_error_body_becomes_an_api_error(record: Any, status: int) -> None:
    error = error_from_body(json.dumps({"error": record}).encode(), http_status=status)
    assert isinstance(error, APIError) and error.http_status == status and error.message


@given(st.text(max_size=60))
def test_any_repl_input_is_a_command_or_text(line: str) -> None:
    assert isinstance(parse(line), (Command, UnknownCommand, ChatText))


SETTING_NAMES = st.sampled_from(
    ["model", "temperature", "max_tokens", "stream", "folder_id", "endpoint", "timeout", "system"]
)


@given(
    st.dictionaries(
        SETTING_NAMES, st.one_of(st.text(max_size=12), st.integers(), st.floats(allow_nan=False), st.booleans())
    )
)
def test_environment_values_are_validated_or_refused(values: dict[str, Any]) -> None:
    env = {f"YCHAT_{k.upper()}": str(v) for k, v in values.items()}
    try:
        settings_ = load_settings({}, env=env, config_file=None)
    except ConfigError:
        return
    assert settings_.temperature is None or 0 <= settings_.temperature <= 1
    assert settings_.max_tokens is None or settings_.max_tokens > 0
    assert settings_.timeout > 0


@settings(max_examples=60)
@given(st.dictionaries(SETTING_NAMES, json_values, max_size=4))
def test_config_file_values_are_validated_or_refused(tmp_path_factory: Any, values: dict[str, Any]) -> None:
    path: Path = tmp_path_factory.mktemp("cfg") / "config.toml"
    lines = [f"{k} = {json.dumps(v)}" for k, v in values.items() if isinstance(v, (str, int, float, bool))]
    path.write_text("\n".join(lines), encoding="utf-8")
    with contextlib.suppress(ConfigError):  # anything else escaping would fail the test
        load_settings({}, env={}, config_file=path)


@given(
    json_values
    | st.fixed_dictionaries({"modelUri": json_values, "messages": json_values, "completionOptions": json_values})
)
def test_server_request_validation_accepts_or_refuses_with_400(body: Any) -> None:
    try:
        assert isinstance(validate_completion(body), dict)
    except BadRequest as refused:
        assert refused.status == 400


@settings(max_examples=40)
@given(st.binary(max_size=200))
def test_the_emulator_answers_any_request_body_with_json(raw: bytes) -> None:
    transport = httpx.WSGITransport(app=Emulator())
    with httpx.Client(transport=transport) as client:
        reply = client.post(
            "http://e/foundationModels/v1/completion", content=raw, headers={"Authorization": "Api-Key k"}
        )
    assert reply.status_code in (200, 400)
    json.loads(reply.text.splitlines()[0])
