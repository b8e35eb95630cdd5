"""``/edit``: the user's editor on a text, and ``/copy``: text to the clipboard (no UI library).

The editor is ``$VISUAL``, else ``$EDITOR`` (split like a shell would: ``code --wait`` works),
on a private temporary file. The clipboard is OSC 52 — an escape sequence the terminal itself
acts on, so it works over SSH — and a clipboard tool when one is installed.
"""

from __future__ import annotations

import base64
import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ychat.errors import UsageError
from ychat.i18n import _
from ychat.privatefile import NotRegularFile, read_regular

TOOLS = (("wl-copy",), ("xclip", "-selection", "clipboard"), ("xsel", "--clipboard", "--input"), ("pbcopy",))
ATTACHMENT_LIMIT = 1_000_000  # bytes: a /file beyond this would not fit any model's window anyway
OSC52_LIMIT = 100_000  # bytes of text; terminals cap the sequence (xterm: 100 000 by default)


def edit(initial: str, env: Mapping[str, str]) -> str:
    command = env.get("VISUAL") or env.get("EDITOR")
    if not command:
        raise UsageError(_("no editor: set VISUAL or EDITOR (e.g. export EDITOR=nano)"))
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise UsageError(
            _("cannot read the editor command {command!r}: {reason}").format(command=command, reason=exc)
        ) from None
    descriptor, name = tempfile.mkstemp(prefix="ychat-", suffix=".md")  # 0600
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(initial)
        try:
            done = subprocess.run([*argv, name], check=False)  # noqa: S603 - the user's own editor
        except OSError as exc:
            raise UsageError(
                _("cannot start the editor {command!r}: {strerror}").format(command=command, strerror=exc.strerror)
            ) from None
        if done.returncode != 0:
            raise UsageError(
                _("the editor exited with status {returncode}; nothing sent").format(returncode=done.returncode)
            )
        return Path(name).read_text(encoding="utf-8", errors="replace")
    finally:
        Path(name).unlink(missing_ok=True)


def osc52(text: str) -> str:
    """The sequence that asks the terminal to put ``text`` on the system clipboard."""
    return f"\x1b]52;c;{base64.b64encode(text.encode('utf-8')).decode('ascii')}\x07"


def copy_with_tool(text: str, env: Mapping[str, str]) -> str | None:
    """The name of the clipboard tool that took ``text``, or None when there is none."""
    for argv in TOOLS:
        found = shutil.which(argv[0], path=env.get("PATH"))
        if found is None:
            continue
        try:
            done = subprocess.run([found, *argv[1:]], input=text.encode(), check=False, timeout=5, capture_output=True)  # noqa: S603
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return argv[0]
    return None


def last_code_block(text: str) -> str | None:
    blocks: list[str] = []
    current: list[str] | None = None
    fence = ""
    for line in text.splitlines():
        stripped = line.strip()
        if current is None and stripped.startswith(("```", "~~~")):
            current, fence = [], stripped[:3]
        elif current is not None and stripped.startswith(fence):
            blocks.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    return blocks[-1] if blocks else None


def read_attachment(path: str) -> tuple[str, str]:
    """A text file for ``/file``: its name and contents. Only a regular file (a FIFO would wait,
    /dev/zero never ends), read up to ``ATTACHMENT_LIMIT``; binary or non-UTF-8 files are refused."""
    target = Path(path).expanduser()
    try:
        data = read_regular(target, ATTACHMENT_LIMIT)
    except NotRegularFile:
        raise UsageError(_("{path} is not a regular file: /file attaches text files only").format(path=path)) from None
    except OSError as exc:
        raise UsageError(_("cannot read {path}: {strerror}").format(path=path, strerror=exc.strerror)) from None
    if len(data) > ATTACHMENT_LIMIT:
        raise UsageError(
            _("{path} is larger than {limit:,} bytes: /file attaches what fits a message").format(
                path=path, limit=ATTACHMENT_LIMIT
            )
        )
    if b"\x00" in data:
        raise UsageError(
            _("{path} looks binary (it holds NUL bytes): /file attaches text files only").format(path=path)
        )
    try:
        return target.name, data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(_("{path} is not UTF-8 text: /file attaches text files only").format(path=path)) from None
