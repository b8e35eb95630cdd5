"""Issue 21, the parts that need no server: mcp.json (reading, every error naming the file and
the key, transports), ``${VAR}``, the environment a server gets, the names the model sees, what
a result becomes, and the writes of ``ychat mcp add|remove|import``."""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import ychat
from tests.mcp_helpers import write_servers
from ychat.errors import ConfigError, UsageError
from ychat.mcp.edit import add, converted, import_file, remove
from ychat.mcp.names import VALID, model_name
from ychat.mcp.results import outcome
from ychat.mcp.servers import Server, clean_environment, expanded, load, parse

FILE = Path("/cfg/mcp.json")


def test_a_local_and_every_kind_of_remote_server() -> None:
    local = parse("git", {"command": "uvx", "args": ["mcp-server-git"], "env": {"A": "1"}, "cwd": "/tmp"}, FILE)
    assert (local.transport, local.command, local.args, local.env, local.cwd) == (
        "stdio",
        "uvx",
        ("mcp-server-git",),
        {"A": "1"},
        "/tmp",
    )
    kinds = {
        "https://h.example/sse": "sse",  # a URL ending in /sse is the SSE transport (oterm's rule)
        "https://h.example/sse/": "sse",
        "https://h.example/mcp": "http",  # otherwise streamable HTTP
        "https://h.example": "http",
    }
    for url, transport in kinds.items():
        assert parse("r", {"url": url}, FILE).transport == transport
    assert parse("r", {"url": "https://h.example/mcp", "type": "sse"}, FILE).transport == "sse"
    assert parse("r", {"url": "https://h.example/sse", "type": "http"}, FILE).transport == "http"
    assert parse("r", {"httpUrl": "https://h.example/sse"}, FILE).transport == "http"  # gemini-cli's key


def test_the_policy_keys() -> None:
    server = parse(
        "s",
        {
            "command": "x",
            "disabled": True,
            "trust": True,
            "includeTools": ["a", "b"],
            "excludeTools": ["b"],
            "timeout": 5,
            "auth": "yandex",
        },
        FILE,
    )
    assert (server.disabled, server.trust, server.timeout, server.auth) == (True, True, 5.0, "yandex")
    assert server.offers("a") and not server.offers("b") and not server.offers("c")  # exclude wins


@pytest.mark.parametrize(
    ("name", "entry", "message"),
    [
        ("s", {"comand": "x"}, "/cfg/mcp.json: mcpServers.s.comand: unknown key"),
        ("s", {}, "/cfg/mcp.json: mcpServers.s: give either command (a local server) or url (a remote one)"),
        ("s", {"command": "x", "url": "http://h"}, "give either command"),
        ("s", {"command": ["x"]}, "/cfg/mcp.json: mcpServers.s.command must be a string"),
        ("s", {"command": "x", "args": "a b"}, "mcpServers.s.args must be a list of strings"),
        ("s", {"command": "x", "env": {"A": 1}}, "mcpServers.s.env must be an object of strings"),
        ("s", {"url": "http://h", "headers": []}, "mcpServers.s.headers must be an object of strings"),
        ("s", {"command": "x", "trust": "yes"}, "mcpServers.s.trust must be true / false"),
        ("s", {"command": "x", "timeout": 0}, "mcpServers.s.timeout must be a number of seconds"),
        ("s", {"command": "x", "timeout": True}, "mcpServers.s.timeout must be a number of seconds"),
        ("s", {"url": "http://h", "type": "websocket"}, "mcpServers.s.type must be one of: sse, http"),
        ("s", {"url": "http://h", "auth": "oauth"}, "mcpServers.s.auth must be one of: yandex"),
        ("s", {"url": "http://h", "via": "v1"}, "mcpServers.s.via must be one of: responses"),
        (
            "s",
            {"command": "x", "via": "responses"},
            "mcpServers.s.via: only a remote server (url) can be called by Yandex",
        ),
        ("a.b", {"command": "x"}, "mcpServers.a.b: a server's name is letters, digits, _ and -"),
        ("s", ["x"], "mcpServers.s must be an object"),
    ],
)
def test_a_bad_entry_is_an_error_naming_the_file_and_the_key(name: str, entry: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse(name, entry, FILE)


def test_a_file_that_is_not_json_or_not_mcp_servers(tmp_path: Path) -> None:
    path = tmp_path / "mcp.json"
    assert load(path) == {}  # no file: no servers
    path.write_text("{nope")
    with pytest.raises(ConfigError, match=r"mcp\.json is not valid JSON"):
        load(path)
    path.write_text('{"mcpServers": []}')
    with pytest.raises(ConfigError, match="mcpServers must be an object of servers by name"):
        load(path)


def test_variables_come_from_the_environment() -> None:
    server = Server("s", "stdio", command="x")
    values = {"A": "${TOKEN}", "B": "x-${MISSING:-fallback}-y", "C": "${EMPTY:-d}", "D": "plain $NOT_BRACED"}
    env = {"TOKEN": "t0k", "EMPTY": ""}
    assert expanded(server, "env", values, env) == {"A": "t0k", "B": "x-fallback-y", "C": "", "D": "plain $NOT_BRACED"}
    with pytest.raises(ConfigError, match=r"mcpServers\.s\.headers\.Authorization: \$\{NOPE\} is not set"):
        expanded(server, "headers", {"Authorization": "Bearer ${NOPE}"}, env)


def test_a_local_server_gets_no_credentials_unless_its_env_names_them() -> None:
    env = {
        "PATH": "/bin",
        "HOME": "/h",
        "LANG": "ru_RU.UTF-8",
        "LC_TIME": "C",
        "TZ": "UTC",
        "YC_API_KEY": "k",
        "YC_IAM_TOKEN": "t",
        "YCHAT_OPENAI_API_KEY": "o",
        "OPENAI_API_KEY": "sk",
        "GITHUB_TOKEN": "g",
        "AWS_SECRET_ACCESS_KEY": "a",
        "EDITOR": "vi",
        "MY_TOKEN": "mine",
    }
    server = Server("s", "stdio", command="x", env={"GITHUB_TOKEN": "${MY_TOKEN}", "EXTRA": "1"})
    assert clean_environment(server, env) == {
        "PATH": "/bin",
        "HOME": "/h",
        "LANG": "ru_RU.UTF-8",
        "LC_TIME": "C",
        "TZ": "UTC",
        "GITHUB_TOKEN": "mine",
        "EXTRA": "1",
    }


@given(st.lists(st.tuples(st.text(min_size=1, max_size=80), st.text(min_size=1, max_size=80)), max_size=30))
def test_model_names_follow_the_rule_and_stay_unique(pairs: list[tuple[str, str]]) -> None:
    taken: set[str] = {"read_file", "current_time"}
    for server, tool in pairs:
        name = model_name(server, tool, taken)
        assert VALID.match(name) and name not in taken
        taken.add(name)


def test_model_names_are_stable_and_readable() -> None:
    assert model_name("time", "get_current_time", set()) == "time_get_current_time"
    assert model_name("hub", "create-ticket", set()) == "hub_create-ticket"  # the Gateway's hyphens stay
    assert model_name("my hub", "ищи.всё", set()) == "my_hub"
    long = model_name("s" * 40, "t" * 40, set())
    assert len(long) == 64 and long == model_name("s" * 40, "t" * 40, set())  # the same from run to run
    assert model_name("a", "b", {"a_b"}) != "a_b"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.sampled_from(["content", "isError", "structuredContent", "x"]), JSON))
def test_any_result_becomes_text_without_raising(result: dict[str, Any]) -> None:
    said = outcome(result)
    assert isinstance(said.text, str) and said.error == bool(result.get("isError"))


def test_what_each_kind_of_content_becomes() -> None:
    parts = [
        {"type": "text", "text": "hello"},
        {"type": "image", "data": "iVBORw0KGgo=", "mimeType": "image/png"},
        {"type": "audio", "data": "AAAA", "mimeType": "audio/wav"},
        {"type": "resource_link", "uri": "file:///a.txt", "name": "a"},
        {"type": "resource", "resource": {"uri": "file:///b.txt", "mimeType": "text/plain", "text": "héllo"}},
        {"type": "resource", "resource": {"uri": "file:///c.bin", "blob": "AAAA"}},
    ]
    assert outcome({"content": parts}).text.splitlines() == [
        "hello",
        "[image: image/png, 8 bytes]",
        "[audio: audio/wav, 3 bytes]",
        "[resource link: file:///a.txt]",
        "[resource: file:///b.txt, text/plain, 6 bytes]",
        "[resource: file:///c.bin, ?, 3 bytes]",
    ]
    assert outcome({"content": [], "structuredContent": {"t": 1}}).text == '{"t": 1}'
    assert outcome({"content": [{"type": "text", "text": "no"}], "isError": True}).error


def test_add_remove_and_import_keep_the_file_private_and_whole(tmp_path: Path) -> None:
    path = tmp_path / "ychat" / "mcp.json"
    add(path, "git", {"command": "uvx", "args": ["mcp-server-git"]})
    add(path, "hub", {"url": "https://h/sse", "auth": "yandex"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(load(path)) == {"git", "hub"}
    with pytest.raises(UsageError, match="there is already an MCP server named git"):
        add(path, "git", {"command": "other"})
    with pytest.raises(ConfigError, match=r"mcpServers\.bad\.comand: unknown key"):
        add(path, "bad", {"comand": "x"})  # checked before anything is written
    assert set(load(path)) == {"git", "hub"}
    claude = tmp_path / "claude_desktop_config.json"
    claude.write_text(
        json.dumps(
            {
                "mcpServers": {
                    "git": {"command": "npx", "args": ["other-git"]},
                    "filesystem": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/d"]},
                    "gem": {"httpUrl": "https://g/mcp", "timeout": 30000, "description": "from gemini-cli"},
                }
            }
        )
    )
    assert import_file(path, claude) == [
        "git: not imported, a server of that name exists",
        "filesystem: imported",
        "gem: imported (left out: description)",
    ]
    servers = load(path)
    assert servers["git"].command == "uvx"  # not overwritten
    assert servers["filesystem"].args == ("-y", "@modelcontextprotocol/server-filesystem", "/d")
    assert servers["gem"].timeout == 30.0  # gemini-cli's milliseconds, in seconds
    remove(path, "git")
    assert "git" not in load(path) and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_converted_keeps_only_what_ychat_knows() -> None:
    assert converted({"command": "x", "alwaysAllow": ["a"], "timeout": 5}) == (
        {"command": "x", "timeout": 1},
        ["alwaysAllow"],
    )


def test_the_mcp_commands(tmp_path: Path) -> None:
    added = ychat(
        None, tmp_path, "mcp", "add", "git", "--env", "A=1", "--", "uvx", "mcp-server-git", "--repository", "."
    )
    assert added.returncode == 0, added.stderr.decode()
    assert (
        ychat(
            None, tmp_path, "mcp", "add", "hub", "--url", "https://h/x", "--sse", "--yandex-auth", "--header", "X-A=b"
        ).returncode
        == 0
    )
    path = tmp_path / "config" / "ychat" / "mcp.json"
    assert json.loads(path.read_text())["mcpServers"] == {
        "git": {"command": "uvx", "args": ["mcp-server-git", "--repository", "."], "env": {"A": "1"}},
        "hub": {"url": "https://h/x", "type": "sse", "headers": {"X-A": "b"}, "auth": "yandex"},
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    both = ychat(None, tmp_path, "mcp", "add", "x", "--url", "https://h", "--", "cmd")
    assert both.returncode == 2 and b"give either -- COMMAND [ARGS...] or --url URL" in both.stderr
    assert ychat(None, tmp_path, "mcp", "add", "x", "--env", "novalue", "--", "cmd").returncode == 2
    assert ychat(None, tmp_path, "mcp", "remove", "git").returncode == 0
    missing = ychat(None, tmp_path, "mcp", "remove", "git")
    assert missing.returncode == 2 and b"there is no MCP server named git" in missing.stderr
    source = tmp_path / "cursor.json"
    source.write_text(
        json.dumps({"mcpServers": {"hub": {"command": "x"}, "time": {"command": "uvx", "args": ["mcp-server-time"]}}})
    )
    imported = ychat(None, tmp_path, "mcp", "import", str(source))
    assert imported.stdout.decode() == "hub: not imported, a server of that name exists\ntime: imported\n"
    write_servers(tmp_path, {"off": {"command": "x", "disabled": True}})
    listed = ychat(None, tmp_path, "mcp", "list", "--json")
    assert json.loads(listed.stdout) == {
        "name": "off",
        "transport": "stdio",
        "where": "x",
        "trust": False,
        "state": "disabled",
        "tools": [],
    }


def test_the_sdk_is_loaded_without_its_server_side() -> None:
    code = (
        "import sys; from ychat.mcp.sdk import client_side; client_side(); import ychat.mcp.hub; "
        "print(sorted(m for m in ('mcp.server.fastmcp', 'starlette', 'uvicorn') if m in sys.modules), "
        "hasattr(sys.modules['httpx._main'], '__file__'))"  # httpx's CLI: ychat's stand-in has no file
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[] False"


def test_without_the_sdk_mcp_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from ychat.mcp.sdk import client_side

    monkeypatch.delitem(sys.modules, "mcp", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(UsageError, match="MCP servers need the MCP SDK, which is not installed") as raised:
        client_side()
    assert raised.value.hint == "Install ychat with its mcp extra: pip install 'ychat-cli[mcp]'"
