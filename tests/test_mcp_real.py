"""Issue 21 against real MCP servers from PyPI (each in a virtualenv of its own, see
tests/mcp_helpers.py): mcp-server-time and mcp-server-git over stdio, and the time server over
SSE and streamable HTTP through mcp-proxy. The model, scripted in the test double, calls them;
what they answered reaches the next request exactly."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.helpers import ychat
from tests.mcp_helpers import proxy, tool_results, venv_bin, write_servers
from tests.test_tools import v1_tool_call
from ychat.server.http import RunningServer
from ychat.testing import Raw, Reply

pytestmark = pytest.mark.timeout(900)  # the first test makes the virtualenvs (pip, about a minute)


def ask(server: RunningServer, tmp_path: Path, name: str, arguments: dict[str, object], *flags: str) -> str:
    """The model calls ``name``; the content of the result ychat sent back."""
    server.emulator.enqueue(Raw((v1_tool_call(name, arguments),)), Reply.of("Done."))
    result = ychat(server.url, tmp_path, *flags, "--yes", "--no-save", "go")
    assert result.returncode == 0 and result.stdout.decode() == "Done.\n", result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()
    return str(tool_results(server.emulator.requests[-1])[0]["content"])


def test_mcp_server_time_over_stdio(server: RunningServer, tmp_path: Path) -> None:
    write_servers(tmp_path, {"time": {"command": str(venv_bin("servers") / "mcp-server-time")}})
    said = json.loads(ask(server, tmp_path, "time_get_current_time", {"timezone": "Europe/Moscow"}, "-T", "time"))
    assert said["timezone"] == "Europe/Moscow" and said["datetime"].endswith("+03:00")
    offered = {tool["function"]["name"] for tool in server.emulator.requests[0].body["tools"]}
    assert offered == {"time_get_current_time", "time_convert_time"}


def test_mcp_server_git_over_stdio_answers_what_git_says(server: RunningServer, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    (repo / "notes.txt").write_text("one\n")
    subprocess.run([*git, "add", "notes.txt"], check=True)
    subprocess.run([*git, "commit", "-qm", "first"], check=True)
    (repo / "notes.txt").write_text("two\n")
    write_servers(tmp_path, {"git": {"command": str(venv_bin("servers") / "mcp-server-git")}})
    said = ask(server, tmp_path, "git_git_status", {"repo_path": str(repo)}, "-T", "git.git_status")
    status = subprocess.run([*git, "status"], capture_output=True, text=True, check=True, env={"HOME": str(tmp_path)})
    assert said == "Repository status:\n" + status.stdout.rstrip("\n")
    assert "modified:   notes.txt" in said


@pytest.mark.parametrize(("path", "transport"), [("/sse", "sse"), ("/mcp", "http")])
def test_the_time_server_through_mcp_proxy(server: RunningServer, tmp_path: Path, path: str, transport: str) -> None:
    with proxy(str(venv_bin("servers") / "mcp-server-time")) as base:
        write_servers(tmp_path, {"time": {"url": base + path}})
        said = json.loads(ask(server, tmp_path, "time_get_current_time", {"timezone": "UTC"}, "-T", "time"))
        assert said["timezone"] == "UTC"
        listed = ychat(None, tmp_path, "mcp", "list", "--json")
    row = json.loads(listed.stdout.decode().splitlines()[0])
    assert (row["transport"], row["state"]) == (transport, "ready")
    assert [tool["name"] for tool in row["tools"]] == ["get_current_time", "convert_time"]
