"""NDJSON splitting and cumulative -> delta events (api/ndjson.py, api/v1.py), incl. a property test."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import vector
from ychat.api.dialects.ndjson import split_lines
from ychat.api.dialects.v1 import events_from_body, events_from_lines
from ychat.core import Delta, Done, FinishReason, Replace
from ychat.errors import ProtocolError, ServiceUnavailable, StreamInterrupted, YChatError


def line(text: str, status: str = "ALTERNATIVE_STATUS_PARTIAL") -> str:
    return json.dumps(
        {"result": {"alternatives": [{"message": {"role": "assistant", "text": text}, "status": status}]}}
    )


FINAL = "ALTERNATIVE_STATUS_FINAL"


@pytest.mark.parametrize(
    ("chunks", "lines"),
    [
        ([b"a\nb\n"], ["a", "b"]),
        ([b"a", b"\n", b"b"], ["a", "b"]),  # last line without newline
        ([b"a\r\n"], ["a"]),
        ([b"\xd0", b"\x9f\xd1\x80\xd0\xb8\n"], ["При"]),  # a UTF-8 character split across chunks
        (["x\u2028y\u0085z\n".encode()], ["x\u2028y\u0085z"]),  # only \n ends a line
        ([b"\n\n", b"  "], ["", ""]),
        ([], []),
    ],
)
def test_split_lines(chunks: list[bytes], lines: list[str]) -> None:
    assert list(split_lines(iter(chunks))) == lines


def test_invalid_utf8_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        list(split_lines([b"\xff\n"]))


def test_documented_stream_gives_documented_deltas() -> None:
    v2 = vector("v2-stream.json")["response"]
    events = list(events_from_lines(json.dumps(record) for record in v2["ndjson"]))
    assert [e.text for e in events if isinstance(e, Delta)] == v2["client_deltas"]
    done = events[-1]
    assert isinstance(done, Done)
    assert done.text == "Errors will not correct themselves."
    assert done.finish is FinishReason.STOP
    assert (done.usage.input_tokens, done.usage.completion_tokens, done.usage.total_tokens) == (29, 9, 38)
    assert done.model_version == "07.03.2024"


def test_a_chunk_that_does_not_extend_the_text_replaces_it() -> None:
    events = list(events_from_lines([line("Hello wor"), line("Sorry", "ALTERNATIVE_STATUS_CONTENT_FILTER")]))
    assert events[:2] == [Delta("Hello wor"), Replace("Sorry")]
    assert isinstance(events[2], Done) and events[2].text == "Sorry"


def test_repeated_chunk_gives_no_event_and_blank_lines_are_skipped() -> None:
    events = list(events_from_lines([line("Hi"), "", "  ", line("Hi", FINAL)]))
    assert events[0] == Delta("Hi") and isinstance(events[1], Done) and len(events) == 2


def test_stream_without_final_status_is_interrupted() -> None:
    events = events_from_lines([line("Hel"), line("Hello")])
    assert next(events) == Delta("Hel")
    assert next(events) == Delta("lo")
    with pytest.raises(StreamInterrupted):
        next(events)


def test_empty_stream_is_interrupted() -> None:
    with pytest.raises(StreamInterrupted):
        list(events_from_lines([]))


def test_error_line_mid_stream_after_text() -> None:
    case = next(c for c in vector("v6-errors.json")["cases"] if c["name"] == "mid-stream")
    events = events_from_lines(json.dumps(r) for r in case["ndjson"])
    assert next(events) == Delta("E")
    with pytest.raises(ServiceUnavailable, match="Service is unavailable"):
        next(events)


def test_non_stream_body_may_be_pretty_printed() -> None:
    body = json.dumps(vector("v1-sync.json")["response"]["body"], indent=2).encode()
    events = list(events_from_body(body))
    assert events[0] == Delta("To be, or not to be: that is the question.")


@given(st.lists(st.one_of(st.text(), st.binary().map(lambda b: b.decode("latin-1")))))
def test_parser_never_crashes_on_arbitrary_lines(lines: list[str]) -> None:
    try:
        for event in events_from_lines(lines):
            assert isinstance(event, (Delta, Replace, Done))
    except YChatError:
        pass


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)
shaped = st.fixed_dictionaries(
    {
        "result": st.fixed_dictionaries(
            {
                "alternatives": st.lists(
                    st.dictionaries(
                        st.sampled_from(["message", "status"]),
                        json_values | st.fixed_dictionaries({"text": json_values}),
                    ),
                    max_size=2,
                ),
                "usage": json_values,
                "modelVersion": json_values,
            }
        )
    }
)


@given(st.lists(shaped | st.dictionaries(st.sampled_from(["error", "result"]), json_values), max_size=5))
def test_parser_on_almost_valid_records_yields_text_or_typed_error(records: list[dict]) -> None:
    try:
        for event in events_from_lines(json.dumps(r) for r in records):
            assert isinstance(event, (Delta, Replace, Done))
            assert isinstance(event.text, str)
    except YChatError:
        pass


@given(st.binary(), st.integers(min_value=1, max_value=7))
def test_splitting_is_independent_of_chunk_boundaries(data: bytes, size: int) -> None:
    pieces = [data[i : i + size] for i in range(0, len(data), size)]
    try:
        whole = list(split_lines([data]))
    except ProtocolError:
        with pytest.raises(ProtocolError):
            list(split_lines(pieces))
        return
    assert list(split_lines(pieces)) == whole
