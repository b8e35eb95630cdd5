"""Issue 21: MCP tools in a chat — the real command against the test double, with the scripted
server (tests/mcp_servers/scripted.py): calls, what a server sees, where its stderr goes, every
fault (one clear line, the model told, the chat goes on), approvals, and no process left behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import ychat_env
from tests.helpers import Dialogue, ychat
from tests.mcp_helpers import SCRIPTED, alive, scripted, tool_results, write_servers
from tests.test_tools import v1_tool_call
from ychat.server.http import RunningServer
from ychat.testing import Raw, Reply


def ask_with(
    server: RunningServer,
    tmp_path: Path,
    *calls: tuple[str, dict[str, object]],
    args: tuple[str, ...] = ("-T", "s", "--yes"),
    **env: str,
):  # type: ignore[no-untyped-def]
    """A one-off where the model calls ``calls`` one after another, then answers "Done."."""
    server.emulator.enqueue(*(Raw((v1_tool_call(name, arguments),)) for name, arguments in calls), Reply.of("Done."))
    return ychat(server.url, tmp_path, *args, "--no-save", "go", **env)


def test_a_call_goes_to_the_server_and_its_result_to_the_model(server: RunningServer, tmp_path: Path) -> None:
    write_servers(tmp_path, {"s": scripted()})
    result = ask_with(server, tmp_path, ("s_echo", {"text": "hello from MCP"}))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode() == "Done.\n"
    offered = [tool["function"]["name"] for tool in server.emulator.requests[0].body["tools"]]
    assert "s_echo" in offered and "s_env" in offered  # -T s: every tool of the server
    assert tool_results(server.emulator.requests[-1]) == [{"name": "s_echo", "content": "hello from MCP"}]
    assert "⚙ s.echo text=hello from MCP" in result.stderr.decode()  # the user sees server.tool


def test_one_tool_of_a_server(server: RunningServer, tmp_path: Path) -> None:
    write_servers(tmp_path, {"s": scripted()})
    result = ask_with(server, tmp_path, ("s_echo", {"text": "x"}), args=("-T", "s.echo", "--yes"))
    assert result.returncode == 0
    assert [tool["function"]["name"] for tool in server.emulator.requests[0].body["tools"]] == ["s_echo"]


def test_the_server_sees_a_clean_environment_and_its_own_env(server: RunningServer, tmp_path: Path) -> None:
    write_servers(tmp_path, {"s": scripted(env={"GIT_TOKEN": "${MY_GIT_TOKEN}", "MODE": "${MODE:-quiet}"})})
    secrets = {"YCHAT_OPENAI_API_KEY": "sk-x", "GITHUB_TOKEN": "ghp_x", "OTHER_API_KEY": "k", "MY_GIT_TOKEN": "g1"}
    result = ask_with(server, tmp_path, ("s_env", {}), LC_ALL="C.UTF-8", **secrets)
    assert result.returncode == 0, result.stderr.decode()
    seen = json.loads(tool_results(server.emulator.requests[-1])[0]["content"])
    assert not [
        name
        for name in seen
        if name.startswith(("YC_", "YCHAT_")) or (name.endswith(("_API_KEY", "_TOKEN")) and name != "GIT_TOKEN")
    ]
    assert seen["GIT_TOKEN"] == "g1" and seen["MODE"] == "quiet"  # ${VAR} and ${VAR:-default}
    assert seen["PATH"] and seen["HOME"] == str(tmp_path) and seen["LANG"] == "C.UTF-8" and seen["LC_ALL"] == "C.UTF-8"


def test_a_missing_variable_leaves_the_server_out_with_one_note(server: RunningServer, tmp_path: Path) -> None:
    write_servers(tmp_path, {"s": scripted(env={"GIT_TOKEN": "${NOT_SET_ANYWHERE}"})})
    server.emulator.enqueue(Reply.of("No tools."))
    result = ychat(server.url, tmp_path, "-T", "s", "--yes", "--no-save", "go")
    assert result.returncode == 0 and result.stdout.decode() == "No tools.\n"
    assert (
        "MCP server s is left out: mcp.json: mcpServers.s.env.GIT_TOKEN: ${NOT_SET_ANYWHERE} is not set"
        in result.stderr.decode()
    )
    assert "tools" not in server.emulator.requests[-1].body


def test_its_stderr_goes_to_a_log_file_not_over_the_chat(server: RunningServer, tmp_path: Path) -> None:
    write_servers(tmp_path, {"s": scripted()})
    result = ask_with(server, tmp_path, ("s_progress_log", {}))  # a log notification, then "logged"
    assert "scripted: started" not in result.stderr.decode() and "working on it" not in result.stderr.decode()
    assert tool_results(server.emulator.requests[-1])[0]["content"] == "logged"
    log = tmp_path / ".local" / "state" / "ychat" / "mcp" / "s.log"
    assert "scripted: started" in log.read_text() and log.stat().st_mode & 0o777 == 0o600
    assert "[info] s: working on it" in log.read_text()


def test_a_tool_that_reports_an_error_is_told_to_the_model(server: RunningServer, tmp_path: Path) -> None:
    write_servers(tmp_path, {"s": scripted()})
    result = ask_with(server, tmp_path, ("s_fail", {}))
    assert result.returncode == 0 and result.stdout.decode() == "Done.\n"
    assert tool_results(server.emulator.requests[-1])[0]["content"] == "the disk is on fire"
    assert "→ s.fail: error: the disk is on fire" in result.stderr.decode()


def test_an_image_result_is_described(server: RunningServer, tmp_path: Path) -> None:
    write_servers(tmp_path, {"s": scripted()})
    assert ask_with(server, tmp_path, ("s_picture", {})).returncode == 0
    assert tool_results(server.emulator.requests[-1])[0]["content"] == "[image: image/png, 8 bytes]"


def test_a_crash_mid_call_is_one_line_and_the_next_use_restarts_it(server: RunningServer, tmp_path: Path) -> None:
    write_servers(tmp_path, {"s": scripted()})
    result = ask_with(server, tmp_path, ("s_crash", {}), ("s_echo", {"text": "back"}))
    stderr = result.stderr.decode()
    assert result.returncode == 0 and "Traceback" not in stderr, stderr
    crashed = tool_results(server.emulator.requests[1])[0]["content"]
    assert crashed.startswith("MCP server s failed: it exited (its stderr is in ")
    assert tool_results(server.emulator.requests[2])[0]["content"] == "back"  # started again


def test_a_hanging_call_times_out_and_the_chat_goes_on(server: RunningServer, tmp_path: Path) -> None:
    write_servers(tmp_path, {"s": scripted()})
    result = ask_with(
        server, tmp_path, ("s_hang", {}), ("s_echo", {"text": "back"}), args=("-T", "s", "--yes", "--tool-timeout", "1")
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr.decode()
    assert (
        tool_results(server.emulator.requests[1])[0]["content"] == "MCP server s failed: it did not answer within 1 s"
    )
    assert tool_results(server.emulator.requests[2])[0]["content"] == "back"


def test_garbage_mid_call_is_one_line(server: RunningServer, tmp_path: Path) -> None:
    write_servers(tmp_path, {"s": scripted()})
    result = ask_with(server, tmp_path, ("s_garbage", {}))
    assert result.returncode == 0 and "Traceback" not in result.stderr.decode()
    said = "MCP server s failed: it wrote something that is not MCP: 'this is not json'"
    assert tool_results(server.emulator.requests[-1])[0]["content"] == said


def test_servers_that_fail_at_start_are_left_out_with_one_note_each(server: RunningServer, tmp_path: Path) -> None:
    write_servers(
        tmp_path,
        {
            "gone": {"command": "no-such-mcp-server"},
            "crash": scripted("--at-start", "crash"),
            "hang": scripted("--at-start", "hang", timeout=1),
            "noise": scripted("--at-start", "garbage"),
            "s": scripted(),
        },
    )
    server.emulator.enqueue(Reply.of("Fine."))
    result = ychat(
        server.url,
        tmp_path,
        *["-T", "gone", "-T", "crash", "-T", "hang", "-T", "noise", "-T", "s.echo", "--yes", "--no-save", "go"],
    )
    stderr = result.stderr.decode()
    assert result.returncode == 0 and result.stdout.decode() == "Fine.\n" and "Traceback" not in stderr
    assert "MCP server gone is left out: command not found: no-such-mcp-server" in stderr
    assert "MCP server crash is left out: it exited (its stderr is in " in stderr
    assert "waiting for MCP server hang…" in stderr  # which server the first request waits for
    assert "MCP server hang is left out: it did not answer within 1 s" in stderr
    assert "MCP server noise is left out: it wrote something that is not MCP: 'Welcome to my server!'" in stderr
    assert [tool["function"]["name"] for tool in server.emulator.requests[0].body["tools"]] == ["s_echo"]


def test_without_a_terminal_a_call_needs_a_rule_or_trust(server: RunningServer, tmp_path: Path) -> None:
    write_servers(tmp_path, {"s": scripted(), "t": scripted(trust=True)})
    result = ask_with(server, tmp_path, ("s_echo", {"text": "x"}), args=("-T", "s"))
    assert tool_results(server.emulator.requests[-1])[0]["content"] == "the user declined to run this call"
    assert (
        "s.echo was not run: nothing allowed it here (use --yes, or: ychat tools allow s.echo)"
        in result.stderr.decode()
    )
    result = ask_with(server, tmp_path, ("t_echo", {"text": "trusted"}), args=("-T", "t"))
    assert tool_results(server.emulator.requests[-1])[0]["content"] == "trusted"
    assert ychat(None, tmp_path, "tools", "allow", "s.echo").returncode == 0
    result = ask_with(server, tmp_path, ("s_echo", {"text": "allowed"}), args=("-T", "s"))
    assert tool_results(server.emulator.requests[-1])[0]["content"] == "allowed"


def test_a_bad_mcp_file_stops_no_chat_that_uses_no_mcp(server: RunningServer, tmp_path: Path) -> None:
    path = write_servers(tmp_path, {})
    path.write_text('{"mcpServers": {"s": {"comand": "x"}}}')
    server.emulator.enqueue(Reply.of("Hi."))
    assert ychat(server.url, tmp_path, "--no-save", "-T", "current_time", "hi").returncode == 0
    result = ychat(server.url, tmp_path, "--no-save", "-T", "s", "hi")
    assert result.returncode == 2
    assert result.stderr.decode().startswith(f"ychat: error: {path}: mcpServers.s.comand: unknown key")


def test_a_name_that_is_no_tool_and_no_server_lists_the_servers(server: RunningServer, tmp_path: Path) -> None:
    write_servers(tmp_path, {"git": scripted()})
    result = ychat(server.url, tmp_path, "--no-save", "-T", "gti", "hi")
    assert result.returncode == 2 and "no tool named gti: the tools are " in result.stderr.decode()
    assert result.stderr.decode().rstrip().endswith("current_time, git")


def test_no_server_is_left_after_exit_sigterm_or_ctrl_c(server: RunningServer, tmp_path: Path) -> None:
    for ending in ("exit", "sigterm", "ctrl-c"):
        pid_file = tmp_path / f"pid-{ending}"
        write_servers(tmp_path, {"s": scripted("--pid-file", str(pid_file))})
        os.mkfifo(pid_file)
        chat = Dialogue.start(ychat_env(tmp_path, server.url), "-T", "s", "--yes")
        pid = int(pid_file.read_text())  # written once the prompt is shown: it starts in the background
        assert alive(pid)
        if ending == "exit":
            assert chat.leave() == 0
        elif ending == "sigterm":
            chat.child.kill(signal.SIGTERM)
            chat.child.expect(pexpect_eof())
        else:
            chat.child.sendcontrol("c")  # at the prompt: clears it; the server (its own session) lives on
            assert alive(pid)
            assert chat.leave(eof=True) == 0
        chat.child.wait() if chat.child.isalive() else None
        assert not alive(pid), ending


def pexpect_eof() -> object:
    import pexpect

    return pexpect.EOF


OAUTH = "y0_AgAAAAsecret-oauth-token-for-mcp-0123456789"


def test_auth_yandex_sends_ychats_own_refreshed_iam_token(tmp_path: Path) -> None:
    """``auth: "yandex"`` (the MCP Hub): the Authorization is ychat's own Yandex Cloud sign-in —
    here an OAuth token exchanged for IAM tokens by the test double; a 401 gets a fresh one."""
    from ychat.server.http import serve
    from ychat.testing.double import Emulator
    from ychat.testing.iam import IamDouble

    iam = IamDouble(oauth_tokens={OAUTH})
    port_file, headers = tmp_path / "port", tmp_path / "headers"
    os.mkfifo(port_file)
    hub = subprocess.Popen(
        [sys.executable, str(SCRIPTED), "--http", str(port_file), "--headers-file", str(headers), "--reject-first"]
    )
    try:
        port = int(port_file.read_text())  # blocks until it listens
        write_servers(tmp_path, {"hub": {"url": f"http://127.0.0.1:{port}/mcp", "auth": "yandex"}})
        with serve(Emulator(iam=iam)) as running:
            running.emulator.enqueue(Raw((v1_tool_call("hub_echo", {"text": "from the hub"}),)), Reply.of("Done."))
            env = {"YC_API_KEY": "", "YC_OAUTH_TOKEN": OAUTH, "YCHAT_IAM_ENDPOINT": running.url}
            result = ychat(running.url, tmp_path, "-T", "hub", "--yes", "--no-save", "go", **env)
            assert result.returncode == 0, result.stderr.decode()
            assert tool_results(running.emulator.requests[-1])[0]["content"] == "from the hub"
    finally:
        hub.terminate()
        hub.wait()
    sent = [json.loads(line)["authorization"] for line in headers.read_text().splitlines()]
    first, *rest = sent
    assert first.startswith("Bearer t1.") and first[len("Bearer ") :] in iam.issued
    assert rest and all(value == rest[0] != first for value in rest)  # refused once, then a fresh token
    assert rest[0][len("Bearer ") :] in iam.issued
    for secret in (OAUTH, first[7:], rest[0][7:]):
        assert secret not in result.stdout.decode() + result.stderr.decode()


def test_the_repl_starts_servers_after_the_prompt_and_mcp_shows_and_restarts_them(
    server: RunningServer, tmp_path: Path
) -> None:
    s_pid, h_pid = tmp_path / "s.pid", tmp_path / "h.pid"
    os.mkfifo(s_pid)
    os.mkfifo(h_pid)
    write_servers(
        tmp_path,
        {"s": scripted("--pid-file", str(s_pid)), "h": scripted("--pid-file", str(h_pid), "--at-start", "hang")},
    )
    chat = Dialogue.start(ychat_env(tmp_path, server.url), "-T", "s.echo", "-T", "h", "--yes")  # the prompt is shown
    first, hanging = int(s_pid.read_text()), int(h_pid.read_text())  # then the servers start
    chat.ask("/mcp", "h  stdio  starting")  # h never answers, and the prompt did not wait for it
    chat.type("/mcp restart s")
    second = int(s_pid.read_text())
    chat.child.expect_exact("s  stdio  ready")
    chat.child.expect_exact("s.echo")
    assert second != first and not alive(first) and alive(second)
    chat.ask("/mcp restart nope", "/mcp takes restart NAME (a server in use), not 'restart nope'")
    assert chat.leave() == 0
    assert not alive(second) and not alive(hanging)


def test_tools_list_shows_mcp_tools_with_their_server(tmp_path: Path) -> None:
    write_servers(tmp_path, {"s": scripted(trust=True), "gone": {"command": "no-such-mcp-server"}})
    (tmp_path / "config" / "ychat" / "config.toml").write_text('tools = ["s.echo"]\n')
    listed = ychat(None, tmp_path, "tools", "list", "--json")
    assert listed.returncode == 0, listed.stderr.decode()
    rows = {row["name"]: row for row in map(json.loads, listed.stdout.decode().splitlines())}
    assert rows["s.echo"] == {
        "name": "s.echo",
        "source": "mcp:s",
        "enabled": True,
        "approval": "never asked",
        "description": "Says the text back",
    }
    assert rows["s.env"]["enabled"] is False and rows["read_file"]["source"] == "built-in"
    assert rows["gone"]["description"] == "failed: command not found: no-such-mcp-server"
    text = ychat(None, tmp_path, "tools", "list").stdout.decode()
    assert "s.echo" in text and "mcp:s" in text


def test_on_a_terminal_an_mcp_call_is_asked_for_and_always_is_remembered(server: RunningServer, tmp_path: Path) -> None:
    write_servers(tmp_path, {"s": scripted()})
    for _ in range(2):
        server.emulator.enqueue(Raw((v1_tool_call("s_echo", {"text": "approved"}),)), Reply.of("Said it."))
    chat = Dialogue.start(ychat_env(tmp_path, server.url), "-T", "s")
    chat.type("say it", "Run s.echo text=approved? [y]es once, [s]ession, [a]lways, [e]dit, [n]o: ")
    chat.ask("a", "Said it.")
    assert tool_results(server.emulator.requests[-1])[0]["content"] == "approved"
    assert chat.leave() == 0
    config = (tmp_path / "config" / "ychat" / "config.toml").read_text()
    assert 'allowed_tools = ["s.echo"]' in config  # the rule names server.tool, as the user sees it
    result = ychat(server.url, tmp_path, "-T", "s", "--no-save", "again")  # no terminal: the rule allows it
    assert result.returncode == 0 and tool_results(server.emulator.requests[-1])[0]["content"] == "approved"


def test_a_disabled_server_named_with_t_is_a_clear_error(tmp_path: Path) -> None:
    write_servers(tmp_path, {"s": scripted(disabled=True)})
    result = ychat(None, tmp_path, "-T", "s", "--no-save", "hi")
    assert result.returncode == 2 and "MCP server s is disabled in mcp.json" in result.stderr.decode()
