"""The built-in tools: ``read_file``, ``list_dir``, ``run_command``, ``fetch_url``, ``current_time``.

Each is a function of its JSON arguments (already checked against its schema) and the call's
``timeout`` in seconds; it returns the text the model gets, or raises ToolError, whose message
the model gets instead. Only ``current_time`` runs without asking.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import signal
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ychat import interrupts
from ychat.core import ToolSpec
from ychat.errors import UsageError
from ychat.i18n import _
from ychat.privatefile import NotRegularFile, read_regular

READ_LIMIT = 256 * 1024  # bytes of a file read_file reads at most
SECRET_NAMES = ("YC_", "YCHAT_")  # ychat's own variables: a command never sees them
SECRET_SUFFIXES = ("_API_KEY", "_TOKEN", "_SECRET", "_PASSWORD")


class ToolError(Exception):
    """A call that could not do what it was asked; the message goes to the model."""


def no_such_tool(name: str, known: Iterable[str]) -> UsageError:
    """The one message for a tool name the user gave that names no tool (-T, /tools, ychat tools)."""
    return UsageError(_("no tool named {name}: the tools are {names}").format(name=name, names=", ".join(known)))


@dataclass(frozen=True)
class Tool:
    spec: ToolSpec
    run: Callable[[Mapping[str, Any], float], str]
    asks: bool = True  # needs the user's approval (or a rule) before it runs
    source: str = "built-in"
    brief: Callable[[str], str] | None = None  # what the outcome line says of a result besides its size
    label: str = ""  # what the user sees and rules name, when not the model's name (MCP: server.tool)
    origin: str = ""  # a --functions function's file, as given (``ychat tools allow`` needs it to know NAME)

    @property
    def shown_as(self) -> str:
        return self.label or self.spec.name


def _path(value: object) -> Path:
    return Path(str(value)).expanduser()


def read_file(arguments: Mapping[str, Any], timeout: float) -> str:
    path = _path(arguments["path"])
    try:
        data = read_regular(path, READ_LIMIT)
    except NotRegularFile:
        raise ToolError(_("{path} is not a regular file").format(path=path)) from None
    except OSError as exc:
        raise ToolError(_("cannot read {path}: {strerror}").format(path=path, strerror=exc.strerror)) from None
    if b"\x00" in data:
        raise ToolError(_("{path} looks binary (it holds NUL bytes)").format(path=path))
    text = data[:READ_LIMIT].decode("utf-8", errors="replace")
    return text if len(data) <= READ_LIMIT else text + "\n" + _("[cut at {limit:,} bytes]").format(limit=READ_LIMIT)


def list_dir(arguments: Mapping[str, Any], timeout: float) -> str:
    path = _path(arguments.get("path") or ".")
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError as exc:
        raise ToolError(_("cannot list {path}: {strerror}").format(path=path, strerror=exc.strerror)) from None
    lines = []
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            lines.append(f"{entry.name}/")
        else:
            size = entry.stat(follow_symlinks=False).st_size
            lines.append(f"{entry.name}\t{size}")
    return "\n".join(lines) or _("(empty)")


def clean_environment(env: Mapping[str, str]) -> dict[str, str]:
    """The environment without ychat's own variables and anything named like a secret."""
    return {
        name: value
        for name, value in env.items()
        if not name.startswith(SECRET_NAMES) and not name.upper().endswith(SECRET_SUFFIXES)
    }


def run_command(arguments: Mapping[str, Any], timeout: float) -> str:
    """A shell command in the current directory, in its own process group (killed whole on a
    timeout or Ctrl-C), without ychat's credentials in its environment."""
    command = str(arguments["command"])
    process: subprocess.Popen[bytes] | None = None
    try:
        with interrupts.held():  # a Ctrl-C while it starts lands below, once it can be stopped
            process = subprocess.Popen(  # noqa: S602 - the user approved this very command line
                command,
                shell=True,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=clean_environment(os.environ),
                start_new_session=True,
            )
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stopped = _("the command did not finish within {seconds:g} s and was stopped").format(seconds=timeout)
        raise ToolError(stopped) from None
    finally:
        if process is not None and process.poll() is None:
            _kill(process)  # a timeout or Ctrl-C: the command and whatever it started stop too
    parts = [_("exit status {code}").format(code=process.returncode)]
    for name, data in (("stdout", out), ("stderr", err)):
        if data:
            parts.append(f"{name}:\n" + data.decode("utf-8", errors="replace"))
    return "\n".join(parts)


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()  # reaps it and closes its pipes (the group is gone: they end now)


def fetch_url(arguments: Mapping[str, Any], timeout: float) -> str:
    """An HTTP GET of a public page (never a link-local address), HTML turned into text."""
    from ychat.api.http.web import fetch_text
    from ychat.errors import YChatError

    try:
        kind, text, cut = fetch_text(str(arguments["url"]), limit=READ_LIMIT, timeout=timeout)
    except YChatError as error:
        raise ToolError(str(error)) from None
    if "html" in kind:
        from ychat.tools.html import readable

        text = readable(text)
    return text + ("\n" + _("[cut at {limit:,} bytes]").format(limit=READ_LIMIT) if cut else "")


def current_time(arguments: Mapping[str, Any], timeout: float) -> str:
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def _spec(name: str, description: str, properties: dict[str, Any], required: list[str]) -> ToolSpec:
    return ToolSpec(name, description, {"type": "object", "properties": properties, "required": required})


PATH = {"type": "string", "description": "A file or folder path, relative to the current directory"}
BUILTIN: dict[str, Tool] = {
    "read_file": Tool(_spec("read_file", "Read a text file (at most 256 KB)", {"path": PATH}, ["path"]), read_file),
    "list_dir": Tool(
        _spec("list_dir", "List a folder: names, sizes in bytes, folders end in /", {"path": PATH}, []), list_dir
    ),
    "run_command": Tool(
        _spec(
            "run_command",
            "Run a shell command in the current directory; returns its exit status, stdout and stderr",
            {"command": {"type": "string", "description": "The command line, for /bin/sh"}},
            ["command"],
        ),
        run_command,
        brief=lambda text: text.split("\n", 1)[0],  # "exit status N"
    ),
    "fetch_url": Tool(
        _spec(
            "fetch_url",
            "Fetch a web page (HTTP GET) as readable text, at most 256 KB",
            {"url": {"type": "string", "description": "An http:// or https:// URL"}},
            ["url"],
        ),
        fetch_url,
    ),
    "current_time": Tool(_spec("current_time", "The current local date and time", {}, []), current_time, asks=False),
}
