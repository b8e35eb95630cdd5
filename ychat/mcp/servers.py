"""``mcp.json``: the MCP servers ychat knows, in the ``mcpServers`` shape that Claude Desktop,
Cursor, gemini-cli and oterm share (TOOLS.md §4.1). Stdlib only: reading it costs no SDK.

    {"mcpServers": {
        "git":  {"command": "uvx", "args": ["mcp-server-git"], "env": {"GIT_TOKEN": "${GIT_TOKEN}"}},
        "hub":  {"url": "https://….mcpgw.serverless.yandexcloud.net/sse", "auth": "yandex"}}}

A bad file is a ConfigError naming the file and the key; it is read only when a ``-T`` name
is not a built-in tool, so a chat that uses no MCP never reads it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ychat.errors import ConfigError
from ychat.i18n import _

NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # a server's name: -T NAME, -T NAME.TOOL
KEYS = frozenset(
    {"command", "args", "env", "cwd", "url", "httpUrl", "type", "headers"}
    | {"disabled", "trust", "includeTools", "excludeTools", "timeout", "auth", "via"}
)
TRANSPORTS = {"sse": "sse", "http": "http", "streamable-http": "http", "streamableHttp": "http", "stdio": "stdio"}
DEFAULT_TIMEOUT = 30.0  # seconds to start and list tools; a call's own limit is --tool-timeout
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class Server:
    """One entry of ``mcpServers``, checked; ``${VAR}`` is expanded only when it starts."""

    name: str
    transport: str  # stdio, sse or http (streamable HTTP)
    command: str = ""
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str | None = None
    url: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    disabled: bool = False
    trust: bool = False  # its calls need no approval
    include: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    auth: str | None = None  # "yandex": ychat's own Authorization, refreshed
    via: str | None = None  # "responses": Yandex calls it for the model (a hosted mcp tool)

    @property
    def where(self) -> str:
        return " ".join([self.command, *self.args]) if self.transport == "stdio" else self.url

    def offers(self, tool: str) -> bool:
        """includeTools / excludeTools (exclude wins, as in gemini-cli)."""
        return tool not in self.exclude and (self.include is None or tool in self.include)


def mcp_file(env: Mapping[str, str]) -> Path:
    """``mcp.json`` beside the config file (``YCHAT_CONFIG``'s folder, else ychat's config folder)."""
    from ychat.config.file import default_config_file

    return default_config_file(env, must_exist=False).parent / "mcp.json"


def read_document(path: Path) -> dict[str, Any]:
    """The file as JSON (no file: an empty one); a file that is not JSON is a ConfigError."""
    from ychat.config.file import read_regular_file

    try:
        data = read_regular_file(path)
    except FileNotFoundError:
        return {"mcpServers": {}}
    except OSError as exc:
        raise ConfigError(_("cannot read {path}: {error}").format(path=path, error=exc)) from None
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(_("{path} is not valid JSON: {error}").format(path=path, error=exc)) from None
    if not isinstance(document, dict) or not isinstance(document.setdefault("mcpServers", {}), dict):
        raise ConfigError(_("{path}: mcpServers must be an object of servers by name").format(path=path))
    return document


def load(path: Path) -> dict[str, Server]:
    """Every server of the file, checked (a bad entry is an error naming the file and the key)."""
    servers = read_document(path)["mcpServers"]
    return {name: parse(name, entry, path) for name, entry in servers.items()}


def parse(name: str, entry: object, path: Path | str) -> Server:
    where = f"{path}: mcpServers.{name}"
    if not NAME.match(name):
        raise ConfigError(_("{where}: a server's name is letters, digits, _ and - (at most 64)").format(where=where))
    if not isinstance(entry, dict):
        raise ConfigError(_("{where} must be an object").format(where=where))
    unknown = sorted(set(entry) - KEYS)
    if unknown:
        raise ConfigError(_("{where}.{key}: unknown key").format(where=where, key=unknown[0]))
    read = _Reader(entry, where)
    url = read.text("httpUrl") or read.text("url")
    command = read.text("command")
    if bool(url) == bool(command):
        raise ConfigError(_("{where}: give either command (a local server) or url (a remote one)").format(where=where))
    return Server(
        name,
        _transport(read, url, "httpUrl" in entry),
        command=command,
        args=read.texts("args") or (),
        env=read.table("env"),
        cwd=read.text("cwd") or None,
        url=url,
        headers=read.table("headers"),
        disabled=read.flag("disabled"),
        trust=read.flag("trust"),
        include=read.texts("includeTools"),
        exclude=read.texts("excludeTools") or (),
        timeout=read.seconds("timeout"),
        auth=read.choice("auth", ("yandex",)),
        via=_via(read, url, where),
    )


def _via(read: _Reader, url: str, where: str) -> str | None:
    via = read.choice("via", ("responses",))
    if via and not url:
        raise ConfigError(_("{where}.via: only a remote server (url) can be called by Yandex").format(where=where))
    return via


def _transport(read: _Reader, url: str, http_url: bool) -> str:
    kind = read.choice("type", tuple(TRANSPORTS))
    if not url:
        return "stdio"
    if kind is not None and TRANSPORTS[kind] != "stdio":
        return TRANSPORTS[kind]
    return "http" if http_url or not url.rstrip("/").endswith("/sse") else "sse"


class _Reader:
    """Typed values of one entry; a wrong type is an error naming the key."""

    def __init__(self, entry: Mapping[str, Any], where: str) -> None:
        self.entry, self.where = entry, where

    def _bad(self, key: str, what: str) -> ConfigError:
        return ConfigError(_("{where}.{key} must be {what}").format(where=self.where, key=key, what=what))

    def text(self, key: str) -> str:
        value = self.entry.get(key, "")
        if not isinstance(value, str):
            raise self._bad(key, _("a string"))
        return value

    def texts(self, key: str) -> tuple[str, ...] | None:
        value = self.entry.get(key)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            raise self._bad(key, _("a list of strings"))
        return None if value is None else tuple(value)

    def table(self, key: str) -> dict[str, str]:
        value = self.entry.get(key, {})
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise self._bad(key, _("an object of strings"))
        return dict(value)

    def flag(self, key: str) -> bool:
        value = self.entry.get(key, False)
        if not isinstance(value, bool):
            raise self._bad(key, "true / false")
        return value

    def seconds(self, key: str) -> float:
        value = self.entry.get(key, DEFAULT_TIMEOUT)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 3600:
            raise self._bad(key, _("a number of seconds (0 < n ≤ 3600)"))
        return float(value)

    def choice(self, key: str, choices: tuple[str, ...]) -> str | None:
        value = self.entry.get(key)
        if value is not None and value not in choices:
            raise self._bad(key, _("one of: {choices}").format(choices=", ".join(choices)))
        return value if isinstance(value, str) else None


def expanded(server: Server, key: str, values: Mapping[str, str], env: Mapping[str, str]) -> dict[str, str]:
    """``${VAR}`` (required) and ``${VAR:-default}`` in values of ``env`` or ``headers``, taken
    from ychat's environment, so secrets stay out of the file (oterm's rule, TOOLS.md §4.3)."""

    def one(name: str, value: str) -> str:
        def swap(match: re.Match[str]) -> str:
            found = env.get(match[1], match[2])
            if found is None:
                raise ConfigError(
                    _("mcp.json: mcpServers.{server}.{key}.{name}: ${{{var}}} is not set").format(
                        server=server.name, key=key, name=name, var=match[1]
                    )
                )
            return found

        return VARIABLE.sub(swap, value)

    return {name: one(name, value) for name, value in values.items()}


def clean_environment(server: Server, env: Mapping[str, str]) -> dict[str, str]:
    """What a local server sees: PATH, HOME, LANG, the locale, and its own ``env`` — never
    ychat's credentials or the user's other secrets unless its ``env`` names them."""
    kept = {k: v for k, v in env.items() if k in ("PATH", "HOME", "LANG", "TZ") or k.startswith("LC_")}
    return kept | expanded(server, "env", server.env, env)


def log_folder() -> Path:
    """Where a local server's stderr goes: ``<user state dir>/ychat/mcp/NAME.log``."""
    from platformdirs import user_state_path

    return user_state_path("ychat") / "mcp"
