"""MCP tools as ychat's tools: ``-T NAME`` enables every tool of server NAME, ``-T NAME.TOOL``
one of them. The servers start in the background (``start``: at once for a one-off, once the
prompt is shown in the REPL); the first request waits for their lists (``collect``), saying which
server it waits for; one that fails or does not answer in time is left out with one note.

Imports no SDK: ``hub.py`` is loaded on the first ``start``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ychat.core import HostedMcp, ToolSpec
from ychat.errors import ConfigError
from ychat.i18n import _
from ychat.mcp.names import label, model_name
from ychat.mcp.servers import Server, load, mcp_file
from ychat.render.safe import for_terminal
from ychat.tools.builtin import Tool, ToolError

if TYPE_CHECKING:
    from ychat.config.settings import Settings
    from ychat.mcp.hub import AuthFor, Hub


class McpTools:
    """The servers ``-T`` named (with the tools it named of each; None: all of them)."""

    def __init__(
        self,
        servers: Mapping[str, Server],
        wanted: Mapping[str, set[str] | None],
        *,
        env: Mapping[str, str],
        note: Callable[[str], None],
        auth: AuthFor | None = None,
    ) -> None:
        self.servers, self.wanted, self.env, self.note, self.auth = servers, wanted, env, note, auth
        self._hub: Hub | None = None

    @property
    def hub(self) -> Hub:
        if self._hub is None:
            from ychat.mcp.sdk import client_side

            client_side()  # the SDK without its server side
            from ychat.mcp.hub import Hub

            self._hub = Hub({name: self.servers[name] for name in self.servers}, env=self.env, auth=self.auth)
        return self._hub

    def start(self) -> None:
        for name in self.wanted:
            self.hub.start(name)

    def collect(self, taken: set[str]) -> dict[str, Tool]:
        self.start()
        found: dict[str, Tool] = {}
        for name, only in self.wanted.items():
            found |= self._tools_of(name, only, taken | set(found))
        return found

    def _tools_of(self, name: str, only: set[str] | None, taken: set[str]) -> dict[str, Tool]:
        if not self.hub.links[name].settled.is_set():
            self.note(_("waiting for MCP server {name}…").format(name=name))
        link = self.hub.wait(name)
        if link.state != "ready":
            self.note(_("MCP server {name} is left out: {why}").format(name=name, why=for_terminal(link.why)))
            return {}
        server, tools = self.servers[name], dict[str, Tool]()
        for listed in link.tools:
            if server.offers(listed.name) and (only is None or listed.name in only):
                model = model_name(name, listed.name, taken | set(tools))
                spec = ToolSpec(model, listed.description, listed.schema)
                run, shown = self._runner(name, listed.name), label(name, listed.name)
                tools[model] = Tool(spec, run, asks=not server.trust, source=f"mcp:{name}", label=shown)
        for missing in sorted((only or set()) - {t.name for t in link.tools}):
            self.note(_("MCP server {name} has no tool {tool}").format(name=name, tool=for_terminal(missing)))
        return tools

    def _runner(self, server: str, tool: str) -> Callable[[Mapping[str, Any], float], str]:
        def run(arguments: Mapping[str, Any], timeout: float) -> str:
            result = self.hub.call(server, tool, arguments, timeout)
            if result.error:
                raise ToolError(result.text)
            return result.text

        return run

    def restart(self, name: str) -> None:
        if name in self.wanted:
            self.hub.restart(name)

    def report(self) -> list[str]:
        """A line per server in use (``s  stdio  ready``), then one per tool it offers."""
        lines = []
        for name in self.wanted:
            link, server = self.hub.links[name], self.servers[name]
            state = link.state + (f": {link.why}" if link.why else "")
            lines.append(f"{name}  {server.transport}  {state}")
            lines += [
                f"  {label(name, t.name):<28} {summary(t.description)}" for t in link.tools if server.offers(t.name)
            ]
        return [for_terminal(line) for line in lines]

    def close(self) -> None:
        if self._hub is not None:
            self._hub.close()


def summary(description: str) -> str:
    """A tool's description as one line (its first)."""
    return description.strip().split("\n", 1)[0]


def split_names(names: Sequence[str], servers: Mapping[str, Server]) -> tuple[dict[str, set[str] | None], list[str]]:
    """``-T`` names that are MCP servers (NAME) or their tools (NAME.TOOL), and those that are neither."""
    wanted: dict[str, set[str] | None] = {}
    unknown = []
    for name in names:
        server, dot, tool = name.partition(".")
        if server not in servers or (dot and not tool):
            unknown.append(name)
        elif servers[server].disabled:
            raise ConfigError(_("MCP server {name} is disabled in mcp.json").format(name=server))
        elif not dot:
            wanted[server] = None
        elif wanted.get(server, set()) is not None:
            wanted.setdefault(server, set()).add(tool)  # type: ignore[union-attr]
    return wanted, unknown


def for_names(
    names: Sequence[str],
    *,
    env: Mapping[str, str],
    note: Callable[[str], None],
    auth: AuthFor | None = None,
    own: Callable[[], str] | None = None,
) -> tuple[McpTools | None, list[str], list[str], tuple[HostedMcp, ...]]:
    """The MCP tools of ``names``, what is neither, the configured servers' names, and the
    servers Yandex calls for the model (``"via": "responses"``)."""
    servers = load(mcp_file(env))
    wanted, unknown = split_names(names, servers)
    hosted = tuple(hosted_mcp(servers[name], only, env, own) for name, only in wanted.items() if servers[name].via)
    local = {name: only for name, only in wanted.items() if not servers[name].via}
    tools = McpTools(servers, local, env=env, note=note, auth=auth) if local else None
    return tools, unknown, list(servers), hosted


def hosted_mcp(
    server: Server, only: set[str] | None, env: Mapping[str, str], own: Callable[[], str] | None
) -> HostedMcp:
    from ychat.mcp.servers import expanded

    headers = expanded(server, "headers", server.headers, env)
    tools = tuple(sorted(only)) if only is not None else server.include
    return HostedMcp(server.name, server.url, headers, tools, server.trust, own if server.auth == "yandex" else None)


def own_authorization(settings: Settings) -> Callable[[], str]:
    """ychat's own ``Authorization`` value for a hosted MCP server (``auth: "yandex"``), read afresh
    for every request (an IAM token refreshes); the credentials are resolved on first use."""
    made: list[Any] = []

    def value() -> str:
        if not made:
            from ychat.config.settings import require_credentials

            made.append(require_credentials(settings))
        return str(made[0].authorization())

    return value


def yandex_auth_for(settings: Settings) -> AuthFor:
    """``auth: "yandex"``: ychat's own current Yandex Cloud credentials (read when the server
    starts, so a chat that uses no such server needs none)."""

    def auth(server: Server) -> Any:
        if server.auth != "yandex":
            return None
        from ychat.api.http.mcp import yandex_auth
        from ychat.config.settings import require_credentials

        return yandex_auth(require_credentials(settings))

    return auth
