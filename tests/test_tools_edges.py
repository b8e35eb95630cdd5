"""Issue 20, the edges a point-by-point audit found without a test: ``--tool-choice none``, the
caps on what a tool gives back, a declined call in the store, and ``--schema`` on a terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pexpect
import pytest

from tests.conftest import ychat_env
from tests.helpers import spawn, ychat
from tests.test_tools import v1_tool_call
from ychat.core import ToolCall, ToolSpec
from ychat.server.http import RunningServer
from ychat.testing import Raw, Reply
from ychat.tools.builtin import BUILTIN, READ_LIMIT, Tool, ToolError
from ychat.tools.runner import RESULT_CAP, Toolbox

TOOL_KEYS = {"tools", "toolChoice", "parallelToolCalls", "tool_choice", "parallel_tool_calls"}


@pytest.mark.parametrize("api", ["v1", "openai"])
def test_tool_choice_none_sends_no_tools_at_all(server: RunningServer, tmp_path: Path, api: str) -> None:
    """Never ``toolChoice: NONE``: with it the model writes fake calls as text (TOOLS.md §1.7)."""
    url = server.url + ("/v1" if api == "openai" else "")
    result = ychat(url, tmp_path, "--api", api, "-T", "current_time", "--tool-choice", "none", "--no-save", "hi")
    assert result.returncode == 0 and result.stdout.decode() == "Echo: hi\n", result.stderr.decode()
    assert not TOOL_KEYS & set(server.emulator.requests[-1].body)


def big(arguments: object, timeout: float) -> str:
    return "x" * (2 * RESULT_CAP)


def failing(arguments: object, timeout: float) -> str:
    raise ToolError("y" * (2 * RESULT_CAP))


@pytest.mark.parametrize("run", [big, failing])
def test_what_the_model_gets_back_is_capped_and_it_is_told(run) -> None:  # type: ignore[no-untyped-def]
    tool = Tool(ToolSpec("big", "", {"type": "object"}), run, asks=False)
    result = Toolbox({"big": tool}, {"big"}).run(ToolCall("c", "big", {}))
    assert len(result.content) < RESULT_CAP + 100
    assert result.content.endswith(f"[the result was cut at {RESULT_CAP:,} characters]")


def test_read_file_reads_a_capped_amount_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_bytes(b"a" * (READ_LIMIT + 5000))
    text = BUILTIN["read_file"].run({"path": str(path)}, 10)
    assert text == "a" * READ_LIMIT + f"\n[cut at {READ_LIMIT:,} bytes]"
    path.write_bytes(b"a" * READ_LIMIT)
    assert BUILTIN["read_file"].run({"path": str(path)}, 10) == "a" * READ_LIMIT  # exactly the cap: whole


def test_a_declined_call_is_saved_as_declined(server: RunningServer, tmp_path: Path) -> None:
    data = {"YCHAT_DATA_DIR": str(tmp_path / "data")}
    server.emulator.enqueue(Raw((v1_tool_call("run_command", {"command": "rm -rf ~"}),)), Reply.of("Understood."))
    result = ychat(server.url, tmp_path, "-T", "run_command", "--json", "clean up", **data)
    record = json.loads(result.stdout)
    assert [(c["name"], c["status"]) for c in record["tool_calls"]] == [("run_command", "declined")]
    shown = ychat(None, tmp_path, "history", "show", record["conversation_id"], **data).stdout.decode()
    assert "### Result of run_command (declined)" in shown and "the user declined to run this call" in shown
    server.emulator.enqueue(Reply.of("Fine."))
    assert ychat(server.url, tmp_path, "-c", "ok?", **data).returncode == 0
    resent = server.emulator.requests[-1].body["messages"][2]["toolResultList"]["toolResults"]
    assert resent == [{"functionResult": {"name": "run_command", "content": "the user declined to run this call"}}]


def test_schema_output_is_indented_on_a_terminal(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(Reply.of('{"name":"Ann","age":7}'))
    child = spawn(ychat_env(tmp_path, server.url), "--schema", "name, age int", "--no-save", "who?")
    child.expect(pexpect.EOF)
    child.close()
    shown = child.logfile_read.getvalue().replace("\r\n", "\n")
    assert child.exitstatus == 0 and '{\n  "name": "Ann",\n  "age": 7\n}' in shown, shown
    assert '{"name":"Ann","age":7}' not in shown  # not also printed raw as it streamed


def test_tools_list_names_the_functions_of_a_file_in_aligned_columns(tmp_path: Path) -> None:
    fns = tmp_path / "fns.py"
    fns.write_text('def add_two_numbers_together(a: int, b: int) -> int:\n    """Add a and b."""\n    return a + b\n')
    listed = ychat(None, tmp_path, "tools", "list", "--functions", str(fns), "--json")
    assert listed.returncode == 0, listed.stderr.decode()
    rows = {row["name"]: row for row in map(json.loads, listed.stdout.decode().splitlines())}
    assert rows["add_two_numbers_together"] == {
        "name": "add_two_numbers_together",
        "source": "functions: fns.py",
        "enabled": True,
        "approval": "asked",
        "description": "Add a and b.",
    }
    lines = ychat(None, tmp_path, "tools", "list", "--functions", str(fns)).stdout.decode().splitlines()
    starts = {line.index("built-in") if "built-in" in line else line.index("functions:") for line in lines}
    assert len(lines) == 6 and len(starts) == 1  # the source column starts at one place on every line
    bad = ychat(None, tmp_path, "tools", "list", "--functions", str(tmp_path / "missing.py"))
    assert bad.returncode == 2 and b"missing.py" in bad.stderr and b"Traceback" not in bad.stderr


ADD = 'def add(a: int, b: int) -> int:\n    """Add a and b."""\n    return a + b\n'


def test_always_for_a_function_is_remembered_and_asks_no_more(server: RunningServer, tmp_path: Path) -> None:
    """``a`` on a ``--functions`` function's call wrote no rule but ended the turn ("no tool named
    add"): the rule was checked against the built-ins only."""
    from tests.helpers import Dialogue

    fns = tmp_path / "fns.py"
    fns.write_text(ADD)
    server.emulator.enqueue(Raw((v1_tool_call("add", {"a": 2.0, "b": 3.0}),)), Reply.of("Five."))
    chat = Dialogue.start(
        ychat_env(tmp_path, server.url, YCHAT_DATA_DIR=str(tmp_path / "data")), "--functions", str(fns)
    )
    chat.type("sum", "Run add a=2 b=3?")  # as it runs: the wire sent 2.0
    chat.ask("a", "Five.")
    assert chat.leave() == 0
    assert 'allowed_tools = ["add"]' in (tmp_path / "config" / "ychat" / "config.toml").read_text()
    server.emulator.enqueue(Raw((v1_tool_call("add", {"a": 1.0, "b": 1.0}),)), Reply.of("Two."))
    result = ychat(server.url, tmp_path, "--functions", str(fns), "--no-save", "sum")  # no terminal to ask on
    assert result.returncode == 0 and result.stdout.decode() == "Two.\n", result.stderr.decode()
    assert (
        server.emulator.requests[-1].body["messages"][-1]["toolResultList"]["toolResults"][0]["functionResult"][
            "content"
        ]
        == "2"
    )


def test_a_functions_rule_is_made_and_forgotten_from_the_command_line(server: RunningServer, tmp_path: Path) -> None:
    fns = tmp_path / "fns.py"
    fns.write_text(ADD)
    server.emulator.enqueue(Raw((v1_tool_call("add", {"a": 1.0, "b": 1.0}),)), Reply.of("Declined."))
    declined = ychat(server.url, tmp_path, "--functions", str(fns), "--no-save", "sum")
    assert f"ychat tools allow add --functions {fns})" in declined.stderr.decode()  # the note's command works:
    unknown = ychat(None, tmp_path, "tools", "allow", "add")
    assert unknown.returncode == 2 and b"no tool named add" in unknown.stderr
    assert ychat(None, tmp_path, "tools", "allow", "add", "--functions", str(fns)).returncode == 0
    listed = ychat(None, tmp_path, "tools", "list", "--functions", str(fns), "--json").stdout.decode().splitlines()
    assert {row["name"]: row["approval"] for row in map(json.loads, listed)}["add"] == "allowed"
    forgot = ychat(None, tmp_path, "tools", "forget", "add")  # in the rules: forgotten by its name alone
    assert forgot.returncode == 0, forgot.stderr.decode()
    assert "allowed_tools = []" in (tmp_path / "config" / "ychat" / "config.toml").read_text()
    assert ychat(None, tmp_path, "tools", "forget", "nonesuch").returncode == 2


def test_save_writes_the_tool_round_trips_as_history_export_does(emulator, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """``/save`` dropped the tool calls and results that the REPL showed and the store kept."""
    from tests.conftest import in_process_client
    from tests.helpers import Recorder
    from ychat.conversation import Conversation
    from ychat.repl.session import ChatOptions, Session

    emulator.enqueue(Raw((v1_tool_call("current_time", {}),)), Reply.of("It is noon."))
    session = Session(in_process_client(emulator), Recorder(), Conversation(), ChatOptions())
    session.tools = Toolbox(dict(BUILTIN), {"current_time"})
    saved = tmp_path / "chat.md"
    session.run(iter(["time?", f"/save {saved}", f"/save {saved.with_suffix('.json')}", "/exit"]).__next__)
    text = saved.read_text()
    assert "### Tool call: current_time" in text and "### Result of current_time (ok)" in text
    assert text.index("time?") < text.index("### Tool call") < text.index("It is noon.")
    steps = json.loads(saved.with_suffix(".json").read_text())["messages"][-1]["steps"]
    assert steps[0]["tool_calls"][0]["name"] == "current_time" and steps[1]["tool_results"][0]["status"] == "ok"


def test_save_keeps_the_pages_a_reply_cites(tmp_path: Path) -> None:
    from ychat.conversation import Conversation, Exchange
    from ychat.core import Source
    from ychat.history.export import write

    conversation = Conversation()
    conversation.exchanges.append(Exchange("news?", "Rain [1].", sources=(Source("https://e.ru/a", "Weather"),)))
    text = write(conversation, str(tmp_path / "c.md"), model="m", cid=None, title=None).read_text()
    assert "https://e.ru/a" in text and "Weather" in text


def test_fork_copies_the_tool_round_trips_and_continues_with_them(server: RunningServer, tmp_path: Path) -> None:
    """``/fork`` copied each reply's text alone: the copy, resumed, sent the model an answer
    without the calls and results it was based on."""
    from tests.test_trust import session_on
    from ychat.history.keeper import load
    from ychat.history.store import Store

    store = Store(tmp_path / "data" / "ychat.db")
    session, _, keeper = session_on(server, store)
    session.tools = Toolbox(dict(BUILTIN), {"current_time"})
    server.emulator.enqueue(Raw((v1_tool_call("current_time", {}),)), Reply.of("It is noon."))
    session.handle("time?")
    original = keeper.cid
    session.handle("/fork")
    assert keeper.cid != original
    _, forked = load(store, keeper.cid or "")
    _, kept = load(store, original or "")
    assert forked.exchanges == kept.exchanges and forked.exchanges[0].steps
    session.handle("and now?")
    roles = [sorted(set(m) - {"role"}) for m in server.emulator.requests[-1].body["messages"]]
    assert roles == [["text"], ["text"], ["toolCallList"], ["toolResultList"], ["text"], ["text"]]
    store.close()
