"""Issue 20: structured output — --schema (file, inline JSON, concise) and --json-object on both
dialects, the reply checked against the schema, printed as received to a pipe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import assert_one_error_line, ychat
from ychat.api.dialects.openai import chat_body
from ychat.api.dialects.v1 import completion_body
from ychat.core import Options
from ychat.errors import UsageError
from ychat.server.http import RunningServer
from ychat.structured import SchemaMismatch, check, concise, parse_spec
from ychat.testing import Reply

PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer"},
        "bio": {"type": "string", "description": "a short bio"},
    },
    "required": ["name", "age", "bio"],
}


def test_the_concise_form_is_llms() -> None:
    assert concise("name, age int, bio: a short bio") == PERSON
    with pytest.raises(UsageError, match="NAME"):
        concise("name, age integer")


def test_a_spec_is_a_file_inline_json_or_concise(tmp_path: Path) -> None:
    file = tmp_path / "person.json"
    file.write_text(json.dumps(PERSON))
    assert parse_spec(str(file)) == PERSON == parse_spec(json.dumps(PERSON))
    with pytest.raises(UsageError, match="not valid JSON"):
        parse_spec("{not json")


def test_each_dialect_asks_as_documented() -> None:
    options = Options(schema=PERSON)
    assert completion_body("gpt://b1g/yandexgpt/rc", [], options)["jsonSchema"] == {"schema": PERSON}
    assert completion_body("gpt://b1g/yandexgpt/rc", [], Options(json_object=True))["jsonObject"] is True
    assert chat_body("m", [], options)["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "reply", "schema": PERSON},
    }
    assert chat_body("m", [], Options(json_object=True))["response_format"] == {"type": "json_object"}


def test_a_reply_that_does_not_match_names_the_first_path() -> None:
    assert check('{"name": "Ann", "age": 3, "bio": "x"}', PERSON) == {"name": "Ann", "age": 3, "bio": "x"}
    with pytest.raises(SchemaMismatch, match="at /age"):
        check('{"name": "Ann", "age": "three", "bio": "x"}', PERSON)
    with pytest.raises(SchemaMismatch, match="not JSON"):
        check("Sure! Here it is", PERSON)


def test_a_one_off_prints_the_json_as_received(server: RunningServer, tmp_path: Path) -> None:
    reply = '{"name": "Ann", "age": 3, "bio": "x"}'
    server.emulator.enqueue(Reply.of(reply))
    result = ychat(server.url, tmp_path, "--schema", "name, age int, bio: a short bio", "--no-save", "invent one")
    assert result.returncode == 0 and result.stdout.decode() == reply + "\n"
    assert server.emulator.requests[-1].body["jsonSchema"] == {"schema": PERSON}


def test_a_one_off_whose_reply_does_not_match_exits_1(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(Reply.of('{"name": "Ann", "age": "three", "bio": "x"}'))
    result = ychat(server.url, tmp_path, "--schema", "name, age int, bio", "--no-save", "invent one")
    assert result.returncode == 1 and result.stdout == b""
    assert_one_error_line(result.stderr, "at /age")


def test_json_object_over_the_openai_dialect(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(Reply.of('{"output": "5, 4, 1"}'))
    result = ychat(server.url + "/v1", tmp_path, "--api", "openai", "--json-object", "--no-save", "numbers")
    assert result.returncode == 0 and json.loads(result.stdout) == {"output": "5, 4, 1"}
    assert server.emulator.requests[-1].body["response_format"] == {"type": "json_object"}


def test_each_line_gives_one_json_line_per_answer_and_fails_the_bad_ones(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(
        Reply.of('{\n  "name": "Ann",\n  "age": 3,\n  "bio": "x"\n}'),
        Reply.of('{"name": "Bo", "age": "old", "bio": "y"}'),
    )
    result = ychat(
        server.url, tmp_path, "--each-line", "--concurrency", "1", "--schema", "name, age int, bio", stdin=b"one\ntwo\n"
    )
    assert result.stdout.decode() == '{"name": "Ann", "age": 3, "bio": "x"}\n'  # one line, whatever the model's layout
    err = result.stderr.decode()
    assert result.returncode == 1 and "question 2" in err and "at /age" in err and "Traceback" not in err
