"""Issue 22, the Responses dialect (RESPONSES.md): the live captures replayed byte for byte
through the decoder, the request bodies, ychat against the test double, and the real ``openai``
package's Responses client against ychat's local server."""

from __future__ import annotations

import contextlib
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import ychat_argv, ychat_env
from tests.helpers import Dialogue, ychat
from ychat.api.dialects.ndjson import split_lines
from ychat.api.dialects.responses import response_body
from ychat.api.dialects.responses_events import events_from_body, events_from_stream
from ychat.core import Delta, Done, FinishReason, Message, Options, ToolCall, ToolResult, ToolSpec
from ychat.errors import APIError, QuotaExceeded, StreamInterrupted
from ychat.server.app import LocalAPI
from ychat.server.http import RunningServer, serve

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "api" / "RESPONSES.md"


def reference_blocks(heading: str) -> list[str]:
    """The fenced blocks under a heading of RESPONSES.md, exactly as written there."""
    text = REFERENCE.read_text(encoding="utf-8")
    section = text.split(heading, 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    return [block.split("\n", 1)[1] for block in section.split("```")[1::2]]


def sse_bytes(*blocks: str) -> list[bytes]:
    return [block.encode() for block in blocks]


def run(chunks: list[bytes]) -> list[Any]:
    return list(events_from_stream(split_lines(iter(chunks))))


# The recorded stream (J plain.sse): seq 1, then 3–9 as quoted; seq 2 and 10 as RESPONSES.md §4.2 describes them.
def plain_stream() -> list[bytes]:
    first, rest = reference_blocks("### 4.2 A plain text turn, exactly")[:2]
    second = first.replace('"sequence_number":1', '"sequence_number":2').replace(
        '"status":"queued"', '"status":"in_progress"'
    )
    second = second.replace('"type":"response.created"}', '"type":"response.in_progress"}').replace(
        "event:response.created", "event:response.in_progress"
    )
    response = json.loads(first.split("\n", 1)[0].removeprefix("data:"))["response"]
    item = json.loads(rest.strip().split("\n\n")[-1].split("\n")[0].removeprefix("data:"))["item"]
    usage = {"input_tokens": 15, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 4, "total_tokens": 19}
    completed = response | {"status": "completed", "output": [item], "usage": usage}
    last = json.dumps({"sequence_number": 10, "response": completed, "type": "response.completed"})
    return sse_bytes(first, second, rest, f"data:{last}\nevent:response.completed\n\n")


def test_the_recorded_plain_stream_decodes_as_sent() -> None:
    events = run(plain_stream())
    assert [e.text for e in events if isinstance(e, Delta)] == ["Привет", ", мир!"]
    done = events[-1]
    assert isinstance(done, Done) and done.text == "Привет, мир!" and done.finish is FinishReason.STOP
    assert done.usage is not None and (done.usage.input_tokens, done.usage.completion_tokens) == (15, 4)
    assert done.model_version == "gpt://b1gxxxxxxxxxxxxxxxxx/yandexgpt-5-lite/latest"


def test_the_recorded_unary_reply_with_duplicate_keys_decodes() -> None:
    body = reference_blocks("## 3. Response object")[0].strip().encode()
    assert body.count(b'"valid":true,"valid":true') > 1  # the quirk is in the bytes
    events = list(events_from_body(body))
    assert events[0] == Delta("Париж.") and isinstance(events[-1], Done) and events[-1].text == "Париж."
    assert events[-1].usage is not None and events[-1].usage.total_tokens == 20


def test_the_recorded_function_call_becomes_a_tool_call() -> None:
    calls = reference_blocks("Streamed call, J `func.sse` seq 3–6 exactly")[0]
    head = plain_stream()[0]
    done = {"sequence_number": 7, "response": {"status": "completed", "usage": None}, "type": "response.completed"}
    events = run([head, calls.encode(), f"data:{json.dumps(done)}\nevent:response.completed\n\n".encode()])
    reply = events[-1]
    assert isinstance(reply, Done) and reply.finish is FinishReason.TOOL_CALLS
    assert reply.tool_calls == (ToolCall("get_weather", "get_weather", {"city": "Казань"}, raw='{"city":"Казань"}'),)


def test_the_recorded_web_search_items_are_skipped_and_unknown_events_too() -> None:
    search = reference_blocks("### 8.1 `web_search`")[1]
    stream = [plain_stream()[0], search.encode(), b'data:{"type":"response.brand_new_event"}\n\n', *plain_stream()[2:]]
    assert run(stream)[-1].text == "Привет, мир!"


def test_a_stream_that_ends_before_a_terminal_event_is_cut_short() -> None:
    with pytest.raises(StreamInterrupted):
        run(plain_stream()[:3])


@pytest.mark.parametrize(
    ("event", "error", "message"),
    [
        ({"type": "error", "code": "rate_limit_exceeded", "message": "slow down"}, QuotaExceeded, "slow down"),
        (
            {
                "type": "response.failed",
                "response": {"status": "failed", "error": {"code": "server_error", "message": "boom"}},
            },
            APIError,
            "boom",
        ),
    ],
)
def test_errors_in_the_stream(event: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        run([plain_stream()[0], f"data:{json.dumps(event)}\n\n".encode()])


def test_an_incomplete_response_is_cut_at_the_limit() -> None:
    response = {"status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"}, "usage": None}
    stream = [
        *plain_stream()[:3],
        f"data:{json.dumps({'type': 'response.incomplete', 'response': response})}\n\n".encode(),
    ]
    assert run(stream)[-1].finish is FinishReason.LENGTH


@given(st.binary(max_size=300))
def test_any_bytes_give_events_or_a_ychat_error(data: bytes) -> None:
    from ychat.errors import YChatError

    with contextlib.suppress(YChatError):  # anything else (a crash) fails the test
        run([data])


def test_the_request_body() -> None:
    weather = ToolSpec("get_weather", "The weather", {"type": "object", "properties": {"city": {"type": "string"}}})
    call = ToolCall("get_weather", "get_weather", {"city": "Казань"}, raw='{"city":"Казань"}')
    messages = [
        Message("system", "Use tools."),
        Message("user", "Weather in Kazan?"),
        Message("assistant", "", tool_calls=(call,)),
        Message("user", "", tool_results=(ToolResult("get_weather", "get_weather", "+5"),)),
    ]
    options = Options(temperature=0.3, max_tokens=32, tools=(weather,), tool_choice="auto")
    assert response_body("gpt://b1g/yandexgpt/latest", messages, options) == {
        "model": "gpt://b1g/yandexgpt/latest",
        "input": [
            {"role": "user", "content": "Weather in Kazan?"},
            {
                "type": "function_call",
                "call_id": "get_weather",
                "name": "get_weather",
                "arguments": '{"city":"Казань"}',
            },
            {"type": "function_call_output", "call_id": "get_weather", "output": "+5"},
        ],
        "stream": True,
        "store": False,
        "instructions": "Use tools.",
        "temperature": 0.3,
        "max_output_tokens": 32,
        "tools": [
            {"type": "function", "name": "get_weather", "description": "The weather", "parameters": weather.parameters}
        ],
        "tool_choice": "auto",
    }
    schema = {"type": "object"}
    assert response_body("m", [Message("user", "x")], Options(schema=schema))["text"] == {
        "format": {"type": "json_schema", "name": "reply", "schema": schema}
    }


# --- ychat against the test double, and the openai package against the local server ---------------


def test_ychat_streams_and_answers_unary_over_responses(server: RunningServer, tmp_path: Path) -> None:
    streamed = ychat(server.url, tmp_path, "--api", "responses", "-s", "Be brief", "--no-save", "hello there")
    assert streamed.returncode == 0 and streamed.stdout.decode() == "Echo: hello there\n", streamed.stderr.decode()
    first = server.emulator.requests[-1]
    assert first.path == "/v1/responses"
    assert first.body == {
        "model": "yandexgpt",
        "input": [{"role": "user", "content": "hello there"}],
        "stream": True,
        "store": False,
        "instructions": "Be brief",
    }
    unary = ychat(server.url, tmp_path, "--api", "responses", "--no-stream", "--no-save", "again")
    assert unary.stdout.decode() == "Echo: again\n" and server.emulator.requests[-1].body["stream"] is False


def openai_client(base_url: str) -> Any:
    openai = pytest.importorskip("openai", reason="the openai package (the test extra) is not installed")
    return openai.OpenAI(base_url=base_url, api_key="sk-local", max_retries=0, timeout=60)


def test_the_openai_packages_responses_client_against_the_local_server() -> None:
    with serve(LocalAPI()) as api, openai_client(api.url + "/v1") as client:
        whole = client.responses.create(model="echo", input="Hello there", instructions="Be kind")
        chained = client.responses.create(model="echo", input="And again", previous_response_id=whole.id)
        with client.responses.stream(model="echo", input=[{"role": "user", "content": "streamed"}]) as stream:
            deltas = [event.delta for event in stream if event.type == "response.output_text.delta"]
            final = stream.get_final_response()
        with client.responses.create(model="echo", input="raw events", stream=True) as created:
            kinds = [event.type for event in created]
    assert whole.output_text == "Echo: Hello there" and whole.usage is not None and whole.status == "completed"
    assert chained.output_text == "Echo: And again" and chained.previous_response_id == whole.id
    assert "".join(deltas) == "Echo: streamed" and final.output_text == "Echo: streamed"
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"


# --- --server-state: the server keeps the conversation ---------------------------------------------


def inputs(server: RunningServer) -> list[tuple[Any, Any]]:
    """Per request: its previous_response_id and its input."""
    return [(r.body.get("previous_response_id"), r.body["input"]) for r in server.emulator.requests]


@pytest.mark.parametrize("server_state", [False, True])
def test_a_three_turn_chat_in_both_history_modes(server: RunningServer, tmp_path: Path, server_state: bool) -> None:
    flags = ["--api", "responses", "-s", "Be brief", *(["--server-state"] if server_state else [])]
    chat = Dialogue.start(ychat_env(tmp_path, server.url), *flags)
    for word in ("one", "two", "three"):
        chat.ask(word, f"Echo: {word}")
    assert chat.leave() == 0
    bodies = [r.body for r in server.emulator.requests]
    assert all(b["instructions"] == "Be brief" and b["store"] is server_state for b in bodies)
    user = lambda text: {"role": "user", "content": text}  # noqa: E731
    said = lambda text: {"role": "assistant", "content": f"Echo: {text}"}  # noqa: E731
    if not server_state:  # the whole history each time, as for every dialect
        assert [b["input"] for b in bodies] == [
            [user("one")],
            [user("one"), said("one"), user("two")],
            [user("one"), said("one"), user("two"), said("two"), user("three")],
        ]
        assert not any("previous_response_id" in b for b in bodies)
        return
    assert [b["input"] for b in bodies] == [[user("one")], [user("two")], [user("three")]]  # only what is new
    assert bodies[0].get("previous_response_id") is None
    assert bodies[1]["previous_response_id"] and bodies[2]["previous_response_id"] != bodies[1]["previous_response_id"]


def test_continue_follows_the_chain_and_a_forgotten_id_resends_the_history_once(
    server: RunningServer, tmp_path: Path
) -> None:
    from ychat.server.routes import responses as route

    data = {"YCHAT_DATA_DIR": str(tmp_path / "data")}
    first = ychat(server.url, tmp_path, "--api", "responses", "--server-state", "one", **data)
    assert first.returncode == 0, first.stderr.decode()
    second = ychat(server.url, tmp_path, "--api", "responses", "--server-state", "-c", "two", **data)
    assert second.returncode == 0 and second.stdout.decode() == "Echo: two\n", second.stderr.decode()
    kept = server.emulator.requests[-1].body
    assert kept["input"] == [{"role": "user", "content": "two"}] and kept["previous_response_id"]
    route._stored.clear()  # the server forgets (30 days passed, say)
    third = ychat(server.url, tmp_path, "--api", "responses", "--server-state", "-c", "three", **data)
    assert third.returncode == 0 and third.stdout.decode() == "Echo: three\n", third.stderr.decode()
    assert "the server no longer knows this conversation's reply" in third.stderr.decode()
    refused, resent = (r.body for r in server.emulator.requests[-2:])
    assert refused["previous_response_id"] not in ("", None, kept["previous_response_id"])  # the second reply's
    assert "previous_response_id" not in resent and [i["content"] for i in resent["input"]] == [
        "one",
        "Echo: one",
        "two",
        "Echo: two",
        "three",
    ]
    fourth = ychat(server.url, tmp_path, "--api", "responses", "--server-state", "-c", "four", **data)
    assert fourth.returncode == 0 and server.emulator.requests[-1].body["input"] == [
        {"role": "user", "content": "four"}
    ]


# --- --web-search: the hosted web search, its sources as footnotes ---------------------------------

SOURCES = [("https://pogoda.mail.ru/prognoz/moskva/24hours/", "Погода Mail"), ("yandex.ru/pogoda/ru/moscow", "")]


def test_web_search_sends_the_tool_and_shows_stores_and_exports_the_sources(
    server: RunningServer, tmp_path: Path
) -> None:
    from ychat.testing.hosted import web_search_reply

    config = tmp_path / "config" / "ychat" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[web_search]\ndomains = ["pogoda.mail.ru", "yandex.ru"]\nregion = "213"\ncontext = "high"\n')
    data = {"YCHAT_DATA_DIR": str(tmp_path / "data")}
    server.emulator.enqueue(web_search_reply(" Сейчас в Москве пасмурно.", SOURCES))
    result = ychat(server.url, tmp_path, "--web-search", "погода?", **data)  # selects --api responses
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode() == (
        " Сейчас в Москве пасмурно.\n\n[1] Погода Mail — https://pogoda.mail.ru/prognoz/moskva/24hours/\n"
        "[2] https://yandex.ru/pogoda/ru/moscow\n"  # a bare host in the annotation becomes a link
    )
    sent = server.emulator.requests[-1]
    assert sent.path == "/v1/responses" and sent.body["tools"] == [
        {
            "type": "web_search",
            "filters": {"allowed_domains": ["pogoda.mail.ru", "yandex.ru"]},
            "user_location": {"region": "213"},
            "search_context_size": "high",
        }
    ]
    listed = ychat(None, tmp_path, "history", "list", "--json", **data).stdout.decode().splitlines()
    shown = ychat(None, tmp_path, "history", "show", json.loads(listed[0])["id"], **data).stdout.decode()
    assert "[1] Погода Mail — <https://pogoda.mail.ru/prognoz/moskva/24hours/>" in shown
    assert "[2] https://yandex.ru/pogoda/ru/moscow — <https://yandex.ru/pogoda/ru/moscow>" in shown
    server.emulator.enqueue(web_search_reply("Да.", SOURCES[:1]))
    as_json = json.loads(ychat(server.url, tmp_path, "--web-search", "--json", "--no-save", "ещё?", **data).stdout)
    assert as_json["sources"] == [{"url": SOURCES[0][0], "title": "Погода Mail"}]


def test_web_search_needs_the_responses_dialect_and_a_sane_table(tmp_path: Path) -> None:
    refused = ychat(None, tmp_path, "--api", "v1", "--web-search", "q")
    assert refused.returncode == 2 and "--web-search works with --api responses, not with v1" in refused.stderr.decode()
    config = tmp_path / "config" / "ychat" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[web_search]\ndomains = ["a", "b", "c", "d", "e", "f"]\n')
    too_many = ychat(None, tmp_path, "--web-search", "q")
    assert too_many.returncode == 2 and "lists more than 5 domains" in too_many.stderr.decode()


def test_usage_counts_the_searches_and_their_price(server: RunningServer, tmp_path: Path) -> None:
    from ychat.testing.hosted import web_search_reply

    server.emulator.enqueue(web_search_reply("Пасмурно.", SOURCES, searches=2))
    chat = Dialogue.start(ychat_env(tmp_path, server.url), "--web-search", "--no-save")
    chat.ask("погода?", "Пасмурно.", "[1] Погода Mail")
    chat.ask(
        "/usage",
        "(624 of the input cached)",
        "Web searches: 2 (≈1.80 ₽ at 0.90 ₽ each, Yandex's price from 2025-11-20)",
    )
    assert chat.leave() == 0


def test_function_tools_travel_over_responses(server: RunningServer, tmp_path: Path) -> None:
    from ychat.testing import Reply

    server.emulator.enqueue(Reply.calling(("current_time", {})), Reply.of("Noon."))
    result = ychat(server.url, tmp_path, "--api", "responses", "-T", "current_time", "--no-save", "time?")
    assert result.returncode == 0 and result.stdout.decode() == "Noon.\n", result.stderr.decode()
    first, second = (r.body for r in server.emulator.requests[-2:])
    assert first["tools"][0] == {
        "type": "function",
        "name": "current_time",
        "description": "The current local date and time",
        "parameters": {"type": "object", "properties": {}, "required": []},
    }
    call, output = second["input"][1:]
    assert call == {"type": "function_call", "call_id": "current_time", "name": "current_time", "arguments": "{}"}
    assert output["type"] == "function_call_output" and output["call_id"] == "current_time"
    assert output["output"].startswith("20")  # an ISO date and time


# --- search indexes: ychat index, --index, file citations ------------------------------------------


def test_an_index_of_two_files_and_a_question_citing_one(server: RunningServer, tmp_path: Path) -> None:
    from ychat.testing.hosted import file_search_reply

    data = {"YCHAT_DATA_DIR": str(tmp_path / "data")}
    (tmp_path / "guide.md").write_text("# Guide\nThe port is 8787.\n")
    (tmp_path / "отчёт.txt").write_bytes("Итоги года.".encode())
    made = ychat(
        server.url, tmp_path, "index", "create", "docs", str(tmp_path / "guide.md"), str(tmp_path / "отчёт.txt"), **data
    )
    assert made.returncode == 0, made.stderr.decode()
    assert made.stdout.decode() == 'Search index docs is ready (2 files): ychat --index docs "…"\n'
    files = server.emulator.files
    assert sorted(f["filename"] for f in files.files.values()) == ["guide.md", "отчёт.txt"]
    assert {f["purpose"] for f in files.files.values()} == {"assistants"}
    assert [f["data"] for f in files.files.values() if f["filename"] == "guide.md"] == [b"# Guide\nThe port is 8787.\n"]
    [(index_id, index)] = files.indexes.items()
    assert index["name"] == "docs" and len(index["file_ids"]) == 2
    registry = tmp_path / "data" / "indexes.json"
    assert json.loads(registry.read_text())["docs"]["id"] == index_id and registry.stat().st_mode & 0o777 == 0o600
    listed = json.loads(ychat(None, tmp_path, "index", "list", "--json", **data).stdout)
    assert listed == {"name": "docs", "id": index_id, "files": ["guide.md", "отчёт.txt"]}
    guide = next(i for i, f in files.files.items() if f["filename"] == "guide.md")
    server.emulator.enqueue(file_search_reply("The port is 8787.", [(guide, "guide.md")]))
    asked = ychat(server.url, tmp_path, "--index", "docs", "--no-save", "which port?", **data)
    assert asked.returncode == 0, asked.stderr.decode()
    assert asked.stdout.decode() == "The port is 8787.\n\n[1] guide.md\n"
    assert server.emulator.requests[-1].body["tools"] == [{"type": "file_search", "vector_store_ids": [index_id]}]
    unknown = ychat(server.url, tmp_path, "--index", "nope", "q", **data)
    assert unknown.returncode == 2 and "no search index named nope; the indexes are: docs" in unknown.stderr.decode()
    assert ychat(server.url, tmp_path, "index", "delete", "docs", **data).returncode == 0
    assert files.indexes == {} and json.loads(registry.read_text()) == {}


def test_building_an_index_waits_until_it_is_ready_and_a_failure_is_one_line() -> None:
    from ychat.api.indexes import IndexState
    from ychat.errors import YChatError
    from ychat.hosted.indexes import build

    class Fake:
        def __init__(self, states: list[str]) -> None:
            self.states, self.uploaded = states, []

        def upload(self, path: Path, data: bytes) -> str:
            self.uploaded.append(path.name)
            return f"f{len(self.uploaded)}"

        def create(self, name: str, ids: list[str]) -> str:
            return "vs1"

        def state(self, index: str) -> IndexState:
            return IndexState(self.states.pop(0), 0, 2)

    naps: list[float] = []
    steps: list[tuple[str, int]] = []
    fake = Fake(["in_progress", "in_progress", "completed"])
    files = [(Path("a.txt"), b"a"), (Path("b.txt"), b"b")]
    assert build(fake, "docs", files, lambda what, done: steps.append((what, done)), sleep=naps.append) == "vs1"
    assert naps == [1.0, 1.0] and steps[:2] == [("uploading a.txt", 0), ("uploading b.txt", 1)]
    with pytest.raises(YChatError, match="the search index docs could not be built: failed"):
        build(Fake(["failed"]), "docs", files, lambda what, done: None, sleep=naps.append)


def test_index_create_refuses_a_missing_file_before_any_upload(server: RunningServer, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    result = ychat(server.url, tmp_path, "index", "create", "docs", str(tmp_path / "a.txt"), str(tmp_path / "gone.pdf"))
    assert result.returncode == 2 and "cannot read" in result.stderr.decode() and "gone.pdf" in result.stderr.decode()
    assert server.emulator.files.files == {}


def test_the_repl_switches_the_index(server: RunningServer, tmp_path: Path) -> None:
    from ychat.hosted.indexes import remember

    data = {"YCHAT_DATA_DIR": str(tmp_path / "data")}
    remember(data, "docs", {"id": "vs42", "files": ["a.txt"]})
    chat = Dialogue.start(ychat_env(tmp_path, server.url, **data), "--api", "responses", "--no-save")
    chat.ask("/index docs", "Search index for the next messages: vs42")
    chat.ask("hello", "Echo: hello")
    assert server.emulator.requests[-1].body["tools"] == [{"type": "file_search", "vector_store_ids": ["vs42"]}]
    chat.ask("/index off", "Search index for the next messages: none")
    chat.ask("again", "Echo: again")
    assert "tools" not in server.emulator.requests[-1].body
    assert chat.leave() == 0


# --- --code-interpreter: the code streams as a block, logs dimly, files downloaded --------------------


def test_a_code_interpreter_run_streams_its_code_and_saves_its_file(server: RunningServer, tmp_path: Path) -> None:
    from ychat.testing.hosted import code_interpreter_reply

    work = tmp_path / "work"
    work.mkdir()
    (work / "chart.png").write_bytes(b"an older chart")  # never overwritten
    file_id = "fvt-chart"
    server.emulator.files.files[file_id] = {
        "filename": "chart.png",
        "bytes": 9,
        "purpose": "assistants",
        "data": b"\x89PNG-new",
    }
    code = "import matplotlib\nprint('drawn')"
    server.emulator.enqueue(code_interpreter_reply(code, "drawn\n", "Here is the chart.", [(file_id, "../chart.png")]))
    result = subprocess.run(
        [*ychat_argv(), "--code-interpreter", "--no-save", "draw it"],
        capture_output=True,
        env=ychat_env(tmp_path, server.url),
        cwd=work,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode() == f"\n```python\n{code}\n```\n\nHere is the chart.\n"
    assert "drawn" in result.stderr.decode() and "saved chart (1).png (8 bytes)" in result.stderr.decode()
    assert (work / "chart (1).png").read_bytes() == b"\x89PNG-new" and (
        work / "chart.png"
    ).read_bytes() == b"an older chart"
    assert not (tmp_path / "chart.png").exists()  # "../chart.png" stays in the current folder
    assert server.emulator.requests[0].body["tools"] == [{"type": "code_interpreter", "container": {"type": "auto"}}]
    assert server.emulator.requests[-1].path == f"/v1/files/{file_id}/content"


def test_downloaded_names_are_made_safe() -> None:
    from ychat.hosted.downloads import safe_name

    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name(".bashrc") == "bashrc" and safe_name("a\x1b[31mb.txt") == "a_[31mb.txt"
    assert safe_name("C:\\\\Users\\\\x.csv") == "x.csv" and safe_name("") == "file"


# --- hosted MCP: "via": "responses" — Yandex calls the server, ychat asks the user first -----------


@pytest.mark.parametrize("approved", [True, False])
def test_a_hosted_mcp_server_is_called_by_yandex_after_the_users_answer(
    server: RunningServer, tmp_path: Path, approved: bool
) -> None:
    from tests.mcp_helpers import write_servers
    from ychat.testing.hosted import mcp_approval_reply, mcp_call_reply

    write_servers(tmp_path, {"hub": {"url": "https://hub.example/sse", "via": "responses", "auth": "yandex"}})
    server.emulator.enqueue(
        mcp_approval_reply("hub", "create-ticket", {"title": "Broken build"}),
        mcp_call_reply("hub", "create-ticket", "#42", "Ticket #42 made." if approved else "Not made."),
    )
    flags = ["--api", "responses", "-T", "hub", "--no-save", "--debug", *(["--yes"] if approved else [])]
    result = ychat(server.url, tmp_path, *flags, "make a ticket")
    assert result.returncode == 0, result.stderr.decode()
    first, second = (r.body for r in server.emulator.requests[-2:])
    assert first["tools"] == [
        {
            "type": "mcp",
            "server_label": "hub",
            "server_url": "https://hub.example/sse",
            "require_approval": "always",
            "authorization": "Api-Key AQVN-test-secret-key",  # ychat's own sign-in: auth "yandex"
        }
    ]
    asked = {
        "type": "mcp_approval_request",
        "id": "mcpr-1",
        "server_label": "hub",
        "name": "create-ticket",
        "arguments": '{"title": "Broken build"}',
    }
    answer = {"type": "mcp_approval_response", "approval_request_id": "mcpr-1", "approve": approved}
    assert second["input"][-2:] == [asked, answer]
    stderr = result.stderr.decode()
    assert (
        "⚙ hub.create-ticket title=Broken build" in stderr and "AQVN-test-secret-key" not in stderr
    )  # --debug masks it
    if approved:
        assert result.stdout.decode() == "Ticket #42 made.\n" and "⚙ hub.create-ticket → 3 characters" in stderr
    else:
        assert "hub.create-ticket was not run: nothing allowed it here" in stderr


def test_a_hosted_mcp_server_needs_the_responses_dialect(server: RunningServer, tmp_path: Path) -> None:
    from tests.mcp_helpers import write_servers

    write_servers(tmp_path, {"hub": {"url": "https://hub.example/sse", "via": "responses"}})
    result = ychat(server.url, tmp_path, "--api", "v1", "-T", "hub", "q")
    assert (
        result.returncode == 2 and 'MCP server hub is called by Yandex ("via": "responses")' in result.stderr.decode()
    )


@pytest.mark.parametrize(
    ("status", "body", "code", "line"),
    [
        (401, {"error": {"message": "Unknown api key", "type": "invalid_request_error"}}, 3, "Unknown api key"),
        (
            400,
            {"code": "invalid_prompt", "message": "bad prompt", "param": None, "type": "invalid_request_error"},
            1,
            "bad prompt",
        ),
    ],
)
def test_http_errors_over_responses_are_one_line_with_their_exit_code(
    server: RunningServer, tmp_path: Path, status: int, body: dict[str, Any], code: int, line: str
) -> None:
    from tests.helpers import assert_one_error_line
    from ychat.testing import HttpError

    server.emulator.enqueue(HttpError(status, body))
    result = ychat(server.url, tmp_path, "--api", "responses", "--no-save", "hi")
    assert result.returncode == code
    assert_one_error_line(result.stderr, line)


@pytest.mark.parametrize("flags", [["--code-interpreter"], ["--index", "docs"], ["--server-state"]])
def test_hosted_options_with_another_dialect_named_are_a_usage_error(tmp_path: Path, flags: list[str]) -> None:
    result = ychat(None, tmp_path, "--api", "openai", *flags, "q")
    assert (
        result.returncode == 2 and f"{flags[0]} works with --api responses, not with openai" in result.stderr.decode()
    )
