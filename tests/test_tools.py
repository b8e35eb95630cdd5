"""Issue 20: the model calls tools — the wire of both dialects (TOOLS.md), the runner's limits
and approvals, and the real command against the test double."""

from __future__ import annotations

import contextlib
import json
import os
import select
from pathlib import Path

import pytest

from tests.conftest import ychat_env
from tests.helpers import Dialogue, ychat
from ychat.api.dialects import openai as openai_dialect
from ychat.api.dialects.openai_tools import messages_json
from ychat.api.dialects.v1 import completion_body
from ychat.core import Done, FinishReason, Message, Options, ToolCall, ToolResult, ToolSpec
from ychat.server.http import RunningServer
from ychat.testing import Raw, Reply
from ychat.tools.builtin import BUILTIN, ToolError, clean_environment, run_command
from ychat.tools.runner import Answer, Toolbox, checked

WEATHER = ToolSpec(
    "weatherTool", "The weather in a city", {"type": "object", "properties": {"city": {"type": "string"}}}
)


def v1_tool_call(name: str, arguments: dict[str, object]) -> bytes:
    """The documented v1 TOOL_CALLS reply (TOOLS.md §1.3), as one NDJSON line."""
    call = {"functionCall": {"name": name, "arguments": arguments}}
    alternative = {
        "message": {"role": "assistant", "toolCallList": {"toolCalls": [call]}},
        "status": "ALTERNATIVE_STATUS_TOOL_CALLS",
    }
    usage = {"inputTextTokens": "74", "completionTokens": "14", "totalTokens": "88"}
    return json.dumps(
        {"result": {"alternatives": [alternative], "usage": usage, "modelVersion": "23.10.2024"}}
    ).encode()


# --- the wire -------------------------------------------------------------------------------------


def test_v1_sends_tools_and_echoes_calls_and_results_as_documented() -> None:
    call = ToolCall("call_1", "something", {"numbers": [5.0, 4.0, 1.0]})
    messages = [
        Message("user", "do a SOMETHING with all the numbers from: 5, 4, a, 1"),
        Message("assistant", "", tool_calls=(call,)),
        Message("user", "", tool_results=(ToolResult("call_1", "something", "+20.0"),)),
    ]
    body = completion_body(
        "gpt://b1g/yandexgpt/rc", messages, Options(stream=False, tools=(WEATHER,), tool_choice="auto")
    )
    assert body["messages"][1:] == [  # TOOLS.md §1.4, the recorded second request
        {
            "role": "assistant",
            "toolCallList": {
                "toolCalls": [{"functionCall": {"name": "something", "arguments": {"numbers": [5.0, 4.0, 1.0]}}}]
            },
        },
        {
            "role": "user",
            "toolResultList": {"toolResults": [{"functionResult": {"name": "something", "content": "+20.0"}}]},
        },
    ]
    assert body["tools"] == [
        {
            "function": {
                "name": "weatherTool",
                "description": "The weather in a city",
                "parameters": dict(WEATHER.parameters),
            }
        }
    ]
    assert body["toolChoice"] == {"mode": "AUTO"}
    named = completion_body("gpt://b1g/yandexgpt/rc", [], Options(tools=(WEATHER,), tool_choice="weatherTool"))
    assert named["toolChoice"] == {"functionName": "weatherTool"}
    assert "tools" not in completion_body("gpt://b1g/yandexgpt/rc", [], Options())  # no tools: nothing sent


GEMMA = """data: {"id":"chatcmpl-b353","object":"chat.completion.chunk","created":1758299821,"model":"gpt://gemma-3-27b-it/latest","choices":[{"index":0,"delta":{"role":"assistant"}}]}

data: {"id":"chatcmpl-b353","object":"chat.completion.chunk","created":1758299821,"model":"gpt://gemma-3-27b-it/latest","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"chatcmpl-tool-c3b7","type":"","function":{"name":"calculator","arguments":"{\\"expression\\": \\""}}]}}]}

data: {"id":"chatcmpl-b353","object":"chat.completion.chunk","created":1758299821,"model":"gpt://gemma-3-27b-it/latest","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"","type":"","function":{"name":"","arguments":"7@8"}}]}}]}

data: {"id":"chatcmpl-b353","object":"chat.completion.chunk","created":1758299821,"model":"gpt://gemma-3-27b-it/latest","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"","type":"","function":{"name":"","arguments":"\\"}"}}]}}]}

data: {"id":"chatcmpl-b353","object":"chat.completion.chunk","created":1758299821,"model":"gpt://gemma-3-27b-it/latest","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}

data: {"id":"chatcmpl-b353","object":"chat.completion.chunk","created":1758299821,"model":"gpt://gemma-3-27b-it/latest","choices":[],"usage":{"prompt_tokens":304,"total_tokens":314,"completion_tokens":10}}

data: [DONE]
"""
YANDEXGPT = """data: {"id":"50f5b87a-9b37-4bcd-9a2e-77a0c2ec013a","object":"chat.completion.chunk","created":1758299820,"model":"gpt://b1g/yandexgpt/rc","choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"calculator","type":"function","function":{"name":"calculator","arguments":"{\\"expression\\":\\"7@8\\"}"}}]},"finish_reason":"tool_calls"}]}

data: [DONE]
"""


@pytest.mark.parametrize(("body", "raw"), [(GEMMA, '{"expression": "7@8"}'), (YANDEXGPT, '{"expression":"7@8"}')])
def test_openai_tool_calls_are_assembled_from_deltas_and_from_one_chunk(body: str, raw: str) -> None:
    *_, done = openai_dialect.events_from_stream(body.splitlines())
    assert isinstance(done, Done) and done.finish is FinishReason.TOOL_CALLS
    (call,) = done.tool_calls
    assert (call.name, dict(call.arguments), call.raw) == ("calculator", {"expression": "7@8"}, raw)
    if body is GEMMA:
        assert call.id == "chatcmpl-tool-c3b7"  # the server's id, kept
    else:
        assert call.id.startswith("call_")  # the id was the function's name: ychat makes one up


def test_openai_echoes_the_call_as_received_and_one_tool_message_per_result() -> None:
    call = ToolCall("call_x", "calculator", {"expression": "7@8"}, '{"expression": "7@8"}')
    found = messages_json(
        [
            Message("assistant", "", tool_calls=(call,)),
            Message("user", "", tool_results=(ToolResult("call_x", "calculator", "-5"),)),
        ]
    )
    assert found == [  # TOOLS.md §2.5
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "index": 0,
                    "id": "call_x",
                    "type": "function",
                    "function": {"name": "calculator", "arguments": '{"expression": "7@8"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_x", "content": "-5"},
    ]


# --- the runner -----------------------------------------------------------------------------------


def test_arguments_are_coerced_to_the_schema() -> None:
    spec = ToolSpec(
        "t",
        "",
        {"type": "object", "properties": {"n": {"type": "integer"}, "s": {"type": "string"}}, "required": ["n"]},
    )
    assert checked(spec, {"n": 5.0, "s": "x"}) == {"n": 5, "s": "x"}  # the native API sends floats (§1.9)
    with pytest.raises(ToolError, match="missing argument: n"):
        checked(spec, {})
    with pytest.raises(ToolError, match="must be a number"):
        checked(spec, {"n": "five"})


def test_a_call_runs_only_when_allowed(tmp_path: Path) -> None:
    notes: list[str] = []
    (tmp_path / "a.txt").write_text("hello")
    call = ToolCall("c1", "read_file", {"path": str(tmp_path / "a.txt")})
    box = Toolbox({"read_file": BUILTIN["read_file"]}, {"read_file"}, note=notes.append)
    declined = box.run(call)
    assert declined.status == "declined" and "declined" in declined.content
    assert any("--yes" in note and "ychat tools allow read_file" in note for note in notes)  # never silently
    asked: list[ToolCall] = []
    remembered: list[str] = []
    box = Toolbox(
        {"read_file": BUILTIN["read_file"]},
        {"read_file"},
        ask=lambda c: (asked.append(c), (Answer.ALWAYS, c.arguments))[1],
        remember=remembered.append,
    )
    assert box.run(call).content == "hello" and box.run(call).content == "hello"
    assert len(asked) == 1 and remembered == ["read_file"]  # asked once, then allowed and kept
    assert Toolbox({"read_file": BUILTIN["read_file"]}, {"read_file"}, yes=True).run(call).content == "hello"


def test_current_time_needs_no_approval() -> None:
    result = Toolbox({"current_time": BUILTIN["current_time"]}, {"current_time"}).run(ToolCall("c", "current_time", {}))
    assert result.status == "ok" and result.content[:2] == "20"


def test_run_command_never_sees_ychats_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YC_API_KEY", "AQVN-secret")
    monkeypatch.setenv("YCHAT_OPENAI_API_KEY", "sk-secret")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp-secret")
    assert not {"YC_API_KEY", "YCHAT_OPENAI_API_KEY", "GITHUB_TOKEN"} & set(clean_environment(os.environ))
    out = run_command({"command": "env"}, 10)
    assert "secret" not in out and out.startswith("exit status 0")


def test_a_command_past_its_time_is_killed_with_its_children(tmp_path: Path) -> None:
    marker = tmp_path / "pgid"
    with pytest.raises(ToolError, match=r"did not finish within 0\.5 s"):
        run_command({"command": f"echo $$ > {marker}; sleep 300 & sleep 300"}, 0.5)
    assert not alive_in_group(int(marker.read_text()))  # nothing of the group is left


def alive_in_group(pgid: int) -> list[int]:
    """The processes of group ``pgid`` that still run once each killed one has exited (zombies,
    waiting to be reaped, excepted); waits on each process's exit (a pidfd), not on a clock."""
    for pid in _in_group(pgid):
        with contextlib.suppress(ProcessLookupError):
            fd = os.pidfd_open(pid)
            try:
                select.select([fd], [], [], 30)  # readable when it exits
            finally:
                os.close(fd)
    return _in_group(pgid)


def _in_group(pgid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


# --- the real command -----------------------------------------------------------------------------


def test_a_one_off_reads_a_file_then_answers(server: RunningServer, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("buy milk")
    server.emulator.enqueue(Raw((v1_tool_call("read_file", {"path": str(notes)}),)), Reply.of("You need milk."))
    result = ychat(server.url, tmp_path, "-T", "read_file", "--yes", "--no-save", "what's in notes.txt?")
    assert result.returncode == 0 and result.stdout.decode() == "You need milk.\n"
    err = result.stderr.decode()
    assert "⚙ read_file path=/" in err and "…" in err and "read_file: 8 characters" in err  # a long path, clipped
    second = server.emulator.requests[-1].body
    assert second["messages"] == [
        {"role": "user", "text": "what's in notes.txt?"},
        {
            "role": "assistant",
            "toolCallList": {"toolCalls": [{"functionCall": {"name": "read_file", "arguments": {"path": str(notes)}}}]},
        },
        {
            "role": "user",
            "toolResultList": {"toolResults": [{"functionResult": {"name": "read_file", "content": "buy milk"}}]},
        },
    ]
    assert [t["function"]["name"] for t in second["tools"]] == ["read_file"]


def test_with_no_terminal_and_no_rule_a_call_is_declined_with_a_note(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(Raw((v1_tool_call("run_command", {"command": "touch pwned"}),)), Reply.of("Understood."))
    result = ychat(server.url, tmp_path, "-T", "run_command", "--no-save", "clean up")
    assert result.returncode == 0 and result.stdout.decode() == "Understood.\n"
    assert "--yes" in result.stderr.decode() and "ychat tools allow run_command" in result.stderr.decode()
    results = server.emulator.requests[-1].body["messages"][-1]["toolResultList"]["toolResults"]
    assert results == [{"functionResult": {"name": "run_command", "content": "the user declined to run this call"}}]
    assert not (tmp_path / "pwned").exists()


def test_over_the_openai_dialect_with_the_one_chunk_form(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(
        Raw(
            tuple(
                line.encode()
                for line in YANDEXGPT.replace("calculator", "current_time")
                .replace('{\\"expression\\":\\"7@8\\"}', "{}")
                .splitlines()
            ),
            content_type="text/event-stream",
        ),
        Reply.of("It is late."),
    )
    result = ychat(server.url + "/v1", tmp_path, "--api", "openai", "-T", "current_time", "--no-save", "time?")
    assert result.returncode == 0 and result.stdout.decode() == "It is late.\n", result.stderr.decode()
    messages = server.emulator.requests[-1].body["messages"]
    assistant, tool = messages[1], messages[2]
    made_up = assistant["tool_calls"][0]["id"]
    assert made_up.startswith("call_") and assistant["tool_calls"][0]["function"] == {
        "name": "current_time",
        "arguments": "{}",
    }
    assert tool["role"] == "tool" and tool["tool_call_id"] == made_up and tool["content"][:2] == "20"


def test_the_chain_limit_ends_the_turn_with_one_line(server: RunningServer, tmp_path: Path) -> None:
    calls = [Raw((v1_tool_call("current_time", {}),)) for _ in range(3)]
    server.emulator.enqueue(*calls)
    result = ychat(server.url, tmp_path, "-T", "current_time", "--chain-limit", "2", "--no-save", "loop")
    err = result.stderr.decode()
    assert result.returncode == 1 and "after 2 round trips" in err and "Traceback" not in err


def test_resuming_sends_the_tool_round_trips_again(server: RunningServer, tmp_path: Path) -> None:
    data = {"YCHAT_DATA_DIR": str(tmp_path / "data")}
    server.emulator.enqueue(Raw((v1_tool_call("current_time", {}),)), Reply.of("Noon."))
    assert ychat(server.url, tmp_path, "-T", "current_time", "time?", **data).returncode == 0
    assert ychat(server.url, tmp_path, "-c", "and tomorrow?", **data).returncode == 0
    roles = [(m["role"], sorted(set(m) - {"role"})) for m in server.emulator.requests[-1].body["messages"]]
    assert roles == [
        ("user", ["text"]),
        ("assistant", ["toolCallList"]),
        ("user", ["toolResultList"]),
        ("assistant", ["text"]),
        ("user", ["text"]),
    ]
    assert server.emulator.requests[-1].body["messages"][-1] == {"role": "user", "text": "and tomorrow?"}


def test_v1alpha_has_no_tools_a_clear_error_before_any_request(server: RunningServer, tmp_path: Path) -> None:
    result = ychat(server.url, tmp_path, "--api", "v1alpha", "-T", "current_time", "hi")
    assert (
        result.returncode == 2
        and "--tool works with --api v1, openai, responses, not with v1alpha" in result.stderr.decode()
    )
    assert server.emulator.requests == []


def test_on_a_terminal_the_user_is_asked(server: RunningServer, tmp_path: Path) -> None:
    notes = tmp_path / "n.txt"
    notes.write_text("secret plans")
    server.emulator.enqueue(Raw((v1_tool_call("read_file", {"path": str(notes)}),)), Reply.of("I may not look."))
    server.emulator.enqueue(Raw((v1_tool_call("read_file", {"path": str(notes)}),)), Reply.of("Plans."))
    server.emulator.enqueue(Raw((v1_tool_call("read_file", {"path": str(notes)}),)), Reply.of("Again."))
    chat = Dialogue.start(ychat_env(tmp_path, server.url, YCHAT_DATA_DIR=str(tmp_path / "data")), "-T", "read_file")
    chat.type("look", "Run read_file path=")
    chat.ask("n", "I may not look.")
    chat.type("look again", "Run read_file path=")
    chat.ask("s", "Plans.")
    chat.ask("once more", "Again.")  # allowed for the session: not asked
    assert chat.shown.count("Run read_file") == 2
    assert chat.leave() == 0
    contents = [
        m["toolResultList"]["toolResults"][0]["functionResult"]["content"]
        for r in server.emulator.requests
        for m in r.body["messages"]
        if "toolResultList" in m
    ]
    assert "the user declined to run this call" in contents and "secret plans" in contents


def test_ctrl_c_during_a_command_kills_it_and_the_chat_goes_on(server: RunningServer, tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    os.mkfifo(ready)
    server.emulator.enqueue(Raw((v1_tool_call("run_command", {"command": f"echo $$ > {ready}; sleep 300"}),)))
    chat = Dialogue.start(
        ychat_env(tmp_path, server.url, YCHAT_DATA_DIR=str(tmp_path / "data")), "-T", "run_command", "--yes"
    )
    chat.type("wait", "⚙ run_command")
    pgid = int(ready.read_text())  # blocks until the command runs: an event, not a sleep
    chat.child.sendcontrol("c")
    chat.child.expect_exact("Cancelled")
    chat.ask("hi", "Echo: hi")
    assert chat.leave() == 0
    assert not alive_in_group(pgid)  # the command and its group are gone


def test_a_tool_allowed_always_runs_in_a_new_process_without_asking(server: RunningServer, tmp_path: Path) -> None:
    notes = tmp_path / "n.txt"
    notes.write_text("kept")
    assert ychat(None, tmp_path, "tools", "allow", "read_file").returncode == 0
    config = tmp_path / "config" / "ychat" / "config.toml"
    assert 'allowed_tools = ["read_file"]' in config.read_text() and config.stat().st_mode & 0o777 == 0o600
    listed = [
        json.loads(line) for line in ychat(None, tmp_path, "tools", "list", "--json").stdout.decode().splitlines()
    ]
    assert {row["name"]: row["approval"] for row in listed}["read_file"] == "allowed"
    server.emulator.enqueue(Raw((v1_tool_call("read_file", {"path": str(notes)}),)), Reply.of("Read."))
    assert ychat(server.url, tmp_path, "-T", "read_file", "--no-save", "read it").returncode == 0
    results = server.emulator.requests[-1].body["messages"][-1]["toolResultList"]["toolResults"]
    assert results[0]["functionResult"]["content"] == "kept"  # no terminal, but a rule allowed it
    assert ychat(None, tmp_path, "tools", "forget", "read_file").returncode == 0
    server.emulator.enqueue(Raw((v1_tool_call("read_file", {"path": str(notes)}),)), Reply.of("Not read."))
    assert ychat(server.url, tmp_path, "-T", "read_file", "--no-save", "read it").returncode == 0
    results = server.emulator.requests[-1].body["messages"][-1]["toolResultList"]["toolResults"]
    assert results[0]["functionResult"]["content"] == "the user declined to run this call"


def test_json_one_offs_list_the_calls_and_exports_show_them(server: RunningServer, tmp_path: Path) -> None:
    data = {"YCHAT_DATA_DIR": str(tmp_path / "data")}
    server.emulator.enqueue(Raw((v1_tool_call("current_time", {}),)), Reply.of("Noon."))
    result = ychat(server.url, tmp_path, "-T", "current_time", "--json", "time?", **data)
    record = json.loads(result.stdout)
    (call,) = record["tool_calls"]
    assert (call["name"], call["arguments"], call["status"]) == ("current_time", {}, "ok") and call["result"][
        :2
    ] == "20"
    cid = record["conversation_id"]
    shown = ychat(None, tmp_path, "history", "show", cid, **data).stdout.decode()
    assert "### Tool call: current_time" in shown and "### Result of current_time (ok)" in shown
    exported = json.loads(ychat(None, tmp_path, "history", "show", cid, "--json", **data).stdout)
    steps = exported["messages"][-1]["steps"]
    assert steps[0]["tool_calls"][0]["name"] == "current_time" and steps[1]["tool_results"][0]["status"] == "ok"


def test_the_repl_turns_tools_on_and_off(emulator) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import in_process_client
    from tests.helpers import Recorder
    from ychat.conversation import Conversation
    from ychat.repl.session import ChatOptions, Session

    renderer = Recorder()
    session = Session(in_process_client(emulator), renderer, Conversation(), ChatOptions())
    session.run(iter(["/tools", "/exit"]).__next__)
    assert "No tools are enabled" in renderer.infos()
    session.make_tools = lambda: Toolbox(dict(BUILTIN), yes=True)
    session.run(iter(["/tools on current_time", "hi", "/tools off current_time", "again", "/exit"]).__next__)
    with_tools, without = emulator.requests[-2].body, emulator.requests[-1].body
    assert [t["function"]["name"] for t in with_tools["tools"]] == ["current_time"] and "tools" not in without
    assert "current_time   on" in renderer.infos() and "current_time   off" in renderer.infos()


class _Pages:
    """A tiny web server on 127.0.0.1: /page is HTML, /hop redirects to the metadata address."""

    def __enter__(self) -> str:
        import http.server
        import threading

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/hop":
                    self.send_response(302)
                    self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
                    self.end_headers()
                    return
                body = b"<html><head><script>steal()</script></head><body><h1>Title</h1><p>Hello <a href='https://ya.ru'>there</a></p></body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_fetch_url_turns_a_page_into_text() -> None:
    from ychat.tools.builtin import fetch_url

    with _Pages() as base:
        text = fetch_url({"url": base + "/page"}, 10)
    assert text == "Title\n\nHello there (https://ya.ru)" and "steal" not in text


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://metadata.internal/"]
)
def test_fetch_url_never_reaches_a_link_local_address(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from ychat.tools.builtin import fetch_url

    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *a, **k: (
            [(2, 1, 6, "", ("169.254.169.254", 80))] if host == "metadata.internal" else real(host, *a, **k)
        ),
    )
    connected: list[object] = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, address: connected.append(address))
    with pytest.raises(ToolError, match="link-local"):
        fetch_url({"url": url}, 5)
    assert connected == []  # refused before any connection


def test_fetch_url_checks_every_redirect() -> None:
    from ychat.tools.builtin import fetch_url

    with _Pages() as base, pytest.raises(ToolError, match=r"169\.254\.169\.254.*link-local"):
        fetch_url({"url": base + "/hop"}, 10)


FUNCTIONS = '''
from typing import Literal


def word_count(text: str, unit: Literal["words", "lines"] = "words") -> int:
    """Count the words (or lines) of a text.

    More prose that is not part of the description."""
    return len(text.split() if unit == "words" else text.splitlines())


def _helper() -> None:
    pass
'''


def test_functions_from_a_file_become_tools(server: RunningServer, tmp_path: Path) -> None:
    from ychat.tools.functions import load

    source = tmp_path / "mine.py"
    source.write_text(FUNCTIONS)
    (tool,) = load(str(source)).values()
    assert tool.spec.description == "Count the words (or lines) of a text."
    assert tool.spec.parameters == {
        "type": "object",
        "properties": {"text": {"type": "string"}, "unit": {"type": "string", "enum": ["words", "lines"]}},
        "required": ["text"],
    }
    server.emulator.enqueue(Raw((v1_tool_call("word_count", {"text": "a b c"}),)), Reply.of("Three."))
    result = ychat(server.url, tmp_path, "--functions", str(source), "--yes", "--no-save", "count")
    assert result.returncode == 0, result.stderr.decode()
    body = server.emulator.requests[-1].body
    assert [t["function"]["name"] for t in body["tools"]] == ["word_count"]
    assert body["messages"][-1]["toolResultList"]["toolResults"][0]["functionResult"]["content"] == "3"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def f(:\n    pass\n", "bad.py:1: "),
        ("import no_such_module_here\n", "bad.py:1: ModuleNotFoundError"),
        ('def f(x):\n    """Doc."""\n', "bad.py:1: parameter x of f has no type hint"),
        ("def f(x: int) -> int:\n    return x\n", "bad.py:1: function f has no docstring"),
        ('def f(x: set[int]) -> int:\n    """Doc."""\n', "cannot become a JSON Schema"),
    ],
)
def test_a_bad_functions_file_is_one_line_naming_file_and_line(
    server: RunningServer, tmp_path: Path, source: str, message: str
) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(source)
    result = ychat(server.url, tmp_path, "--functions", str(bad), "hi")
    err = result.stderr.decode()
    assert result.returncode == 2 and message in err and "Traceback" not in err, err
    assert server.emulator.requests == []


def test_a_forced_choice_forces_the_first_request_only(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(Raw((v1_tool_call("current_time", {}),)), Reply.of("Noon."))
    result = ychat(server.url, tmp_path, "-T", "current_time", "--tool-choice", "current_time", "--no-save", "time?")
    assert result.returncode == 0
    first, second = (r.body for r in server.emulator.requests[-2:])
    assert first["toolChoice"] == {"functionName": "current_time"} and second["toolChoice"] == {"mode": "AUTO"}


def v1_calls(*calls: tuple[str, dict[str, object]]) -> bytes:
    """One v1 TOOL_CALLS line with several calls (TOOLS.md §1.6)."""
    listed = [{"functionCall": {"name": name, "arguments": arguments}} for name, arguments in calls]
    alternative = {
        "message": {"role": "assistant", "toolCallList": {"toolCalls": listed}},
        "status": "ALTERNATIVE_STATUS_TOOL_CALLS",
    }
    return json.dumps({"result": {"alternatives": [alternative], "usage": {}, "modelVersion": "09.02.2025"}}).encode()


def test_two_calls_in_one_reply_run_in_order_and_answer_in_order(server: RunningServer, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("A")
    (tmp_path / "b.txt").write_text("B")
    server.emulator.enqueue(
        Raw(
            (
                v1_calls(
                    ("read_file", {"path": str(tmp_path / "a.txt")}), ("read_file", {"path": str(tmp_path / "b.txt")})
                ),
            )
        ),
        Reply.of("AB."),
    )
    result = ychat(server.url, tmp_path, "-T", "read_file", "--yes", "--no-parallel-tools", "--no-save", "both")
    assert result.returncode == 0
    first, second = (r.body for r in server.emulator.requests[-2:])
    assert first["parallelToolCalls"] is False
    results = second["messages"][-1]["toolResultList"]["toolResults"]
    assert [r["functionResult"]["content"] for r in results] == ["A", "B"]


def test_a_tool_past_its_time_is_stopped_and_the_model_told(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(Raw((v1_tool_call("run_command", {"command": "sleep 300"}),)), Reply.of("Too slow."))
    result = ychat(server.url, tmp_path, "-T", "run_command", "--yes", "--tool-timeout", "0.5", "--no-save", "wait")
    assert result.returncode == 0 and result.stdout.decode() == "Too slow.\n"
    content = server.emulator.requests[-1].body["messages"][-1]["toolResultList"]["toolResults"][0]["functionResult"][
        "content"
    ]
    assert content == "the command did not finish within 0.5 s and was stopped"


def test_e_edits_the_arguments_in_the_editor_then_runs(server: RunningServer, tmp_path: Path) -> None:
    (tmp_path / "right.txt").write_text("right file")
    editor = tmp_path / "editor.sh"
    editor.write_text(f'#!/bin/sh\nprintf \'{{"path": "{tmp_path / "right.txt"}"}}\' > "$1"\n')
    editor.chmod(0o755)
    server.emulator.enqueue(Raw((v1_tool_call("read_file", {"path": "/etc/shadow"}),)), Reply.of("Read."))
    env = ychat_env(tmp_path, server.url, EDITOR=str(editor), YCHAT_DATA_DIR=str(tmp_path / "data"))
    chat = Dialogue.start(env, "-T", "read_file")
    chat.type("read", "Run read_file path=/etc/shadow?")
    chat.ask("e", "Read.")
    assert chat.leave() == 0
    results = server.emulator.requests[-1].body["messages"][-1]["toolResultList"]["toolResults"]
    assert results[0]["functionResult"]["content"] == "right file"


@pytest.mark.parametrize(("api", "one_chunk"), [("v1", False), ("openai", False), ("openai", True)])
@pytest.mark.parametrize("stream", [True, False])
def test_the_double_scripts_tool_calls_in_each_dialect(
    server: RunningServer, tmp_path: Path, api: str, one_chunk: bool, stream: bool
) -> None:
    server.emulator.enqueue(
        Reply.calling(("current_time", {}), ("list_dir", {"path": str(tmp_path)}), one_chunk=one_chunk),
        Reply.of("Done."),
    )
    url = server.url + ("/v1" if api == "openai" else "")
    argv = [
        "--api",
        api,
        "-T",
        "current_time",
        "-T",
        "list_dir",
        "--yes",
        "--no-save",
        *([] if stream else ["--no-stream"]),
    ]
    result = ychat(url, tmp_path, *argv, "go")
    assert result.returncode == 0 and result.stdout.decode() == "Done.\n", result.stderr.decode()
    err = result.stderr.decode()
    assert "→ current_time:" in err and "→ list_dir:" in err


@pytest.mark.parametrize("api", ["v1", "openai"])
def test_the_issues_question_asked_first_answered_and_resumed(server: RunningServer, tmp_path: Path, api: str) -> None:
    """Issue 20's 'done when': ychat asks first, reads notes.txt, runs du, answers; -c sends it all back."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("buy milk")
    calls = (("read_file", {"path": str(work / "notes.txt")}), ("run_command", {"command": f"du -sh {work}"}))
    server.emulator.enqueue(Reply.calling(*calls), Reply.of("Milk; the folder is small."))
    url = server.url + ("/v1" if api == "openai" else "")
    env = ychat_env(tmp_path, url, YCHAT_API=api, YCHAT_DATA_DIR=str(tmp_path / "data"))
    chat = Dialogue.start(env, "-T", "read_file", "-T", "run_command")
    chat.type("what's in notes.txt and how big is this folder?", "Run read_file path=")
    chat.type("y", "Run run_command command=du -sh")
    chat.ask("y", "Milk; the folder is small.")
    assert chat.leave() == 0
    resumed = ychat(url, tmp_path, "-c", "thanks", YCHAT_API=api, YCHAT_DATA_DIR=str(tmp_path / "data"))
    assert resumed.returncode == 0
    body = json.dumps(server.emulator.requests[-1].body)
    assert "buy milk" in body and "du -sh" in body and "Milk; the folder is small." in body  # tools included


def test_with_async_each_round_trip_is_its_own_operation(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(Reply.calling(("current_time", {})), Reply.of("Noon, deferred."))
    result = ychat(
        server.url, tmp_path, "--async", "-T", "current_time", "--no-save", "time?", YCHAT_OPERATION_ENDPOINT=server.url
    )
    assert result.returncode == 0 and result.stdout.decode() == "Noon, deferred.\n", result.stderr.decode()
    submitted = [r.body for r in server.emulator.requests if r.path.endswith("completionAsync")]
    assert len(submitted) == 2 and "toolResultList" in submitted[1]["messages"][-1]


class CallingEngine:
    """A scripted engine for ychat serve: asks for the first tool offered until it has a result,
    then answers with what it got (the engine sees a tool result as the user's words)."""

    def __init__(self) -> None:
        from ychat.server.engine import EchoEngine

        self.echo = EchoEngine()
        self.model_version = self.echo.model_version

    def __getattr__(self, name: str) -> object:
        return getattr(self.echo, name)

    def generate(self, messages, *, temperature=None, max_tokens=None, tools=()):  # type: ignore[no-untyped-def]
        """Calls the first tool the client offered (so the offer must reach the engine)."""
        from ychat.core import FinishReason
        from ychat.server.engine import Generation

        if any(m["role"] == "assistant" for m in messages) or not tools:
            yield Generation(f"It is {messages[-1]['text']}.", FinishReason.STOP, 1, 1)
            return
        yield Generation("", FinishReason.TOOL_CALLS, 1, 1, tool_calls=((tools[0]["name"], {}),))


@pytest.mark.parametrize("api", ["v1", "openai"])
def test_ychat_serve_answers_tool_calls_its_engine_makes(tmp_path: Path, api: str) -> None:
    from ychat.server import LocalAPI
    from ychat.server.http import serve

    with serve(LocalAPI(engine=CallingEngine())) as served:  # type: ignore[arg-type]
        url = served.url + ("/v1" if api == "openai" else "")
        result = ychat(url, tmp_path, "--api", api, "-T", "current_time", "--no-save", "time?")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().startswith("It is 20")


def test_the_openai_packages_tool_loop_against_ychat_serve() -> None:
    openai = pytest.importorskip("openai")
    from ychat.server import LocalAPI
    from ychat.server.http import serve

    tools = [
        {"type": "function", "function": {"name": "current_time", "description": "d", "parameters": {"type": "object"}}}
    ]
    with serve(LocalAPI(engine=CallingEngine())) as served:  # type: ignore[arg-type]
        client = openai.OpenAI(base_url=served.url + "/v1", api_key="sk-local", max_retries=0)
        messages: list[dict[str, object]] = [{"role": "user", "content": "time?"}]
        first = client.chat.completions.create(model="local", messages=messages, tools=tools)
        (call,) = first.choices[0].message.tool_calls
        assert first.choices[0].finish_reason == "tool_calls" and call.function.name == "current_time"
        messages += [
            first.choices[0].message.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": call.id, "content": "noon"},
        ]
        second = client.chat.completions.create(model="local", messages=messages, tools=tools, stream=True)
        text = "".join(chunk.choices[0].delta.content or "" for chunk in second if chunk.choices)
    assert text == "It is noon."


def test_a_commands_outcome_line_says_its_exit_status(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(Reply.calling(("run_command", {"command": "echo hi; exit 3"})), Reply.of("It failed."))
    result = ychat(server.url, tmp_path, "-T", "run_command", "--yes", "--no-save", "try")
    assert "→ run_command: exit status 3, " in result.stderr.decode()


def test_tools_come_from_a_profile_of_the_config_file(server: RunningServer, tmp_path: Path) -> None:
    config = tmp_path / "config" / "ychat" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[profiles.work]\ntools = ["current_time"]\n')
    config.chmod(0o600)
    server.emulator.enqueue(Reply.calling(("current_time", {})), Reply.of("Now."))
    result = ychat(server.url, tmp_path, "-p", "work", "--no-save", "time?")
    assert result.returncode == 0 and result.stdout.decode() == "Now.\n", result.stderr.decode()
    assert [t["function"]["name"] for t in server.emulator.requests[-2].body["tools"]] == ["current_time"]


def test_a_function_that_raises_tells_the_model_and_the_turn_goes_on(server: RunningServer, tmp_path: Path) -> None:
    source = tmp_path / "broken.py"
    source.write_text('def explode(n: int) -> int:\n    """Divide by zero."""\n    return n // 0\n')
    server.emulator.enqueue(Reply.calling(("explode", {"n": 1.0})), Reply.of("It broke."))
    result = ychat(server.url, tmp_path, "--functions", str(source), "--yes", "--no-save", "go")
    assert result.returncode == 0 and result.stdout.decode() == "It broke.\n"
    sent_back = server.emulator.requests[-1].body["messages"][-1]["toolResultList"]["toolResults"][0]["functionResult"]
    assert sent_back["content"] == "ZeroDivisionError: integer division or modulo by zero"
    assert "error: ZeroDivisionError" in result.stderr.decode() and "Traceback" not in result.stderr.decode()


def test_tools_lists_long_server_tool_names_in_one_column(emulator) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from tests.conftest import in_process_client
    from tests.helpers import Recorder
    from ychat.conversation import Conversation
    from ychat.repl.session import ChatOptions, Session

    renderer = Recorder()
    session = Session(in_process_client(emulator), renderer, Conversation(), ChatOptions())
    long = replace(BUILTIN["current_time"], label="time.get_current_time")
    session.tools = Toolbox(
        {"read_file": BUILTIN["read_file"], "time_get_current_time": long}, {"time_get_current_time"}
    )
    session.run(iter(["/tools", "/exit"]).__next__)
    assert "read_file             off" in renderer.infos() and "time.get_current_time on" in renderer.infos()
