"""The MCP servers of a run, on one background event loop: the only importer of the ``mcp`` SDK.

Each server is a task on that loop holding its connection (a process over stdio, or SSE, or
streamable HTTP) from ``start`` until ``close``; the main thread waits on what it needs with a
time limit, and Ctrl-C stops its wait (the loop's thread never takes a Ctrl-C). A server that
crashed, hung or answered garbage is stopped and started again on its next use.

    >>> hub = Hub(servers, env=os.environ)
    >>> hub.start("git")                 # returns at once; the prompt never waits
    >>> hub.wait("git").tools           # the first request waits for the tool list
    >>> hub.call("git", "git_status", {"repo_path": "."}, timeout=60)
    >>> hub.close()                      # every server stopped, no process left behind
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

from mcp import types
from mcp.client.session import ClientSession, LoggingFnT, MessageHandlerFnT
from mcp.client.sse import sse_client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import McpError

from ychat import interrupts
from ychat.i18n import _
from ychat.mcp.faults import bad_line, describe, quiet_sdk_logging, server_log
from ychat.mcp.results import Outcome, outcome
from ychat.mcp.servers import Server, clean_environment, expanded, log_folder

log = logging.getLogger("ychat")
AuthFor = Callable[[Server], Any]  # an httpx.Auth for a remote server (auth: "yandex"), or None


@dataclass(frozen=True)
class Listed:
    """A tool as the server lists it."""

    name: str
    description: str
    schema: dict[str, Any]


@dataclass
class Link:
    """One server: its state (stopped, starting, ready, failed), why it failed, its tools."""

    server: Server
    state: str = "stopped"
    why: str = ""
    tools: list[Listed] = field(default_factory=list)
    session: ClientSession | None = None
    settled: threading.Event = field(default_factory=threading.Event)
    task: asyncio.Task[None] | None = None
    calls: set[concurrent.futures.Future[Any]] = field(default_factory=set)  # in flight

    def fail(self, why: str) -> None:
        if self.state != "failed":
            self.state, self.why = "failed", why
            log.debug("mcp: %s: %s", self.server.name, why)
        self.settled.set()


class Hub:
    def __init__(self, servers: Mapping[str, Server], *, env: Mapping[str, str], auth: AuthFor | None = None) -> None:
        self.links = {name: Link(server) for name, server in servers.items()}
        self.env, self.auth = env, auth
        self._loop: asyncio.AbstractEventLoop | None = None
        self._logs: dict[str, TextIO] = {}
        quiet_sdk_logging()
        atexit.register(self.close)  # a crash of ychat leaves no server behind either

    def start(self, name: str) -> None:
        """Start ``name`` in the background, unless it runs or is starting."""
        link = self.links[name]
        if link.state in ("starting", "ready"):
            return
        link.state, link.why = "starting", ""
        link.settled.clear()
        log.debug("mcp: starting %s (%s: %s)", name, link.server.transport, link.server.where)
        self._submit(self._hold(link))

    def wait(self, name: str, timeout: float | None = None) -> Link:
        """The server, started (again) if needed, once it is ready or has failed."""
        link = self.links[name]
        if link.state in ("stopped", "failed"):
            self.start(name)
        limit = link.server.timeout if timeout is None else timeout
        if not link.settled.wait(limit):
            link.fail(_("it did not answer within {seconds:g} s").format(seconds=limit))
            self._stop(link)
        return link

    def call(self, name: str, tool: str, arguments: Mapping[str, Any], timeout: float) -> Outcome:
        """One ``tools/call``; a failure the model should hear of is an Outcome with ``error``."""
        link = self.wait(name)
        if link.state != "ready" or link.session is None:
            return Outcome(_("MCP server {name} is not running: {why}").format(name=name, why=link.why), True)
        future = self._submit(link.session.call_tool(tool, dict(arguments)))
        link.calls.add(future)
        if link.state != "ready":  # it wrote garbage before the call was in ``calls``: no one cancels it
            future.cancel()
        try:
            return outcome(future.result(timeout).model_dump(by_alias=True, mode="json"))
        except concurrent.futures.TimeoutError:
            return self._broken(link, future, _("it did not answer within {seconds:g} s").format(seconds=timeout))
        except concurrent.futures.CancelledError:  # it wrote garbage
            return self._broken(link, future, link.why)
        except BaseException as error:
            if isinstance(error, McpError) and error.error.code != types.CONNECTION_CLOSED:
                return Outcome(_("MCP error: {message}").format(message=error.error.message), True)
            if not isinstance(error, Exception):  # Ctrl-C: the call is cancelled, the server lives on
                future.cancel()
                raise
            return self._broken(link, future, self._described(link.server, error))
        finally:
            link.calls.discard(future)

    def _broken(self, link: Link, future: concurrent.futures.Future[Any], why: str) -> Outcome:
        """A crash, a hang or garbage: stop the server (its next use starts it again)."""
        future.cancel()
        link.fail(why)
        self._stop(link)
        return Outcome(_("MCP server {name} failed: {why}").format(name=link.server.name, why=why), True)

    def restart(self, name: str) -> Link:
        link = self.links[name]
        self._stop(link, wait=True)
        link.state = "stopped"
        return self.wait(name)

    def close(self) -> None:
        """Stop every server and the loop (their processes end: stdin closed, then terminated)."""
        if self._loop is None:
            return
        for link in self.links.values():
            self._stop(link, wait=False)
        with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
            self._submit(_all_done([link.task for link in self.links.values() if link.task])).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._loop = None
        for handle in self._logs.values():
            handle.close()

    def _stop(self, link: Link, *, wait: bool = False) -> None:
        task, loop = link.task, self._loop
        if task is None or loop is None or task.done():
            return
        loop.call_soon_threadsafe(task.cancel)
        if wait:
            with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
                self._submit(_all_done([task])).result(10)

    def _submit(self, work: Coroutine[Any, Any, Any]) -> concurrent.futures.Future[Any]:
        if self._loop is None:
            loop = asyncio.new_event_loop()
            interrupts.start(threading.Thread(target=_run, args=(loop,), name="ychat-mcp", daemon=True))
            self._loop = loop
        return asyncio.run_coroutine_threadsafe(work, self._loop)

    async def _hold(self, link: Link) -> None:
        """Connect, list the tools, then hold the connection until cancelled. A start that
        replaces a stopped run waits for it to end, and a run that was replaced touches nothing."""
        me, before = asyncio.current_task(), link.task
        link.task = me
        if before is not None and not before.done():
            await asyncio.wait([before])
        try:
            async with contextlib.AsyncExitStack() as stack:
                streams = await stack.enter_async_context(self._transport(link.server))
                session = await stack.enter_async_context(
                    ClientSession(
                        streams[0],
                        streams[1],
                        message_handler=self._garbage(link),
                        logging_callback=self._logged(link.server.name),
                    )
                )
                await session.initialize()
                link.tools = await _tools(session)
                link.session, link.state = session, "ready"
                link.settled.set()
                await asyncio.Event().wait()  # until cancelled (close, restart, a broken call)
        except asyncio.CancelledError:
            pass
        except BaseException as error:  # anyio's task groups wrap what failed
            if link.task is me:
                link.fail(self._described(link.server, error))
        finally:
            if link.task is me:
                link.session = None
                link.state = "stopped" if link.state in ("ready", "starting") else link.state
                link.settled.set()

    def _described(self, server: Server, error: BaseException) -> str:
        why = describe(error)
        if server.transport == "stdio" and why == "Connection closed":
            return _("it exited (its stderr is in {log})").format(log=log_folder() / f"{server.name}.log")
        return why

    def _logged(self, name: str) -> LoggingFnT:
        """A server's log notifications go to its log file, not over the chat."""

        async def write(params: types.LoggingMessageNotificationParams) -> None:
            handle = server_log(self._logs, name)
            handle.write(f"[{params.level}] {params.logger or name}: {params.data}\n")
            handle.flush()

        return write

    def _garbage(self, link: Link) -> MessageHandlerFnT:
        async def handle(message: Any) -> None:
            if isinstance(message, Exception):  # a line that is not JSON-RPC: the server is broken
                link.fail(_("it wrote something that is not MCP: {line}").format(line=bad_line(message)))
                for call in list(link.calls):
                    call.cancel()
                if link.task is not None:
                    link.task.cancel()

        return handle

    def _transport(self, server: Server) -> contextlib.AbstractAsyncContextManager[tuple[Any, ...]]:
        if server.transport == "stdio":
            params = StdioServerParameters(
                command=server.command, args=list(server.args), env=clean_environment(server, self.env), cwd=server.cwd
            )
            return stdio_client(params, errlog=server_log(self._logs, server.name))
        headers = expanded(server, "headers", server.headers, self.env)
        auth = self.auth(server) if self.auth is not None else None
        if server.transport == "sse":
            return sse_client(server.url, headers=headers, timeout=server.timeout, auth=auth)
        from ychat.api.http.mcp import http_client

        return streamable_http_client(server.url, http_client=http_client(headers, auth, server.timeout))


async def _tools(session: ClientSession) -> list[Listed]:
    listed: list[Listed] = []
    cursor: str | None = None
    while True:
        page = await session.list_tools(params=types.PaginatedRequestParams(cursor=cursor) if cursor else None)
        listed += [Listed(t.name, t.description or "", dict(t.inputSchema)) for t in page.tools]
        cursor = page.nextCursor
        if not cursor:
            return listed


def _run(loop: asyncio.AbstractEventLoop) -> None:
    try:
        loop.run_forever()
    finally:
        loop.close()


async def _all_done(tasks: list[asyncio.Task[None]]) -> None:
    await asyncio.gather(*tasks, return_exceptions=True)
