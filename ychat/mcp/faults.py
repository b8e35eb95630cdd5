"""What goes wrong with MCP servers, in one line each, and where their own words go: a local
server's stderr to ``<state dir>/ychat/mcp/NAME.log``, the SDK's log (tracebacks included) to
``mcp.log`` there; never over the chat. No SDK import: errors are read by their shape."""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path
from typing import TextIO

from ychat.i18n import _
from ychat.mcp.servers import log_folder

if sys.version_info < (3, 11):  # pragma: no cover - anyio brings the backport there
    from exceptiongroup import BaseExceptionGroup  # type: ignore[import-not-found,unused-ignore]


def describe(error: BaseException) -> str:
    """One line for what went wrong: the innermost error of anyio's exception groups."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    if isinstance(error, FileNotFoundError):
        return _("command not found: {name}").format(name=error.filename or error)
    sent = getattr(error, "error", None)  # the SDK's McpError: a JSON-RPC error from the server
    if sent is not None and isinstance(getattr(sent, "message", None), str):
        return str(sent.message)
    return _first_line(error) or type(error).__name__


def bad_line(error: Exception) -> str:
    """The line itself, when the SDK's parse error carries it (pydantic's ``input``)."""
    errors = getattr(error, "errors", None)
    with contextlib.suppress(Exception):
        found = errors()[0].get("input") if callable(errors) else None
        if isinstance(found, str):
            return repr(found[:80])
    return _first_line(error)


def _first_line(error: BaseException) -> str:
    return str(error).strip().split("\n", 1)[0][:200]


def quiet_sdk_logging() -> None:
    """The SDK logs with tracebacks (a bad line from a server); they go to ``mcp.log`` in the
    state folder, never over the chat."""
    sdk = logging.getLogger("mcp")
    if sdk.handlers:
        return
    sdk.propagate = False
    try:
        folder = log_folder()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        sdk.addHandler(logging.FileHandler(Path(folder) / "mcp.log", encoding="utf-8", delay=True))
    except OSError:
        sdk.addHandler(logging.NullHandler())


def server_log(open_logs: dict[str, TextIO], name: str) -> TextIO:
    """The server's stderr, appended to ``<state dir>/ychat/mcp/NAME.log`` (0600)."""
    if name not in open_logs:
        folder = log_folder()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / f"{name}.log"
        descriptor = path.open("a", encoding="utf-8")
        path.chmod(0o600)
        open_logs[name] = descriptor
    return open_logs[name]
