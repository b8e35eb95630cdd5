"""``/paste``: the picture on the clipboard, through the platform's clipboard tool (a terminal
cannot read a picture from the clipboard itself; OSC 52 carries text only).

    Wayland   wl-paste --type image/png     (wl-clipboard)
    X11       xclip -selection clipboard -t image/png -o, or xsel --clipboard --output
    macOS     pngpaste -
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping

from ychat.attach.files import EXTENSIONS, MAX_BYTES, Attachment, sniff
from ychat.errors import UsageError
from ychat.i18n import _

TOOLS = (
    ("wl-paste", "--no-newline", "--type", "image/png"),
    ("xclip", "-selection", "clipboard", "-t", "image/png", "-o"),
    ("xsel", "--clipboard", "--output"),
    ("pngpaste", "-"),
)
WAIT = 5.0  # seconds a clipboard tool may take (one that waits for a selection owner gives up)


def paste(env: Mapping[str, str]) -> Attachment:
    """The clipboard's picture, from the first tool that has one; a clear error otherwise."""
    found = [(path, argv) for argv in TOOLS if (path := shutil.which(argv[0], path=env.get("PATH")))]
    if not found:
        raise UsageError(
            _("no clipboard tool to paste from"),
            hint=_("install wl-clipboard (Wayland), xclip (X11) or pngpaste (macOS), or use /attach PATH"),
        )
    for path, argv in found:
        data = _run([path, *argv[1:]], env)
        mime = sniff(data) if data else None
        if mime is not None and mime != "application/pdf" and len(data) <= MAX_BYTES:
            return Attachment(f"clipboard.{EXTENSIONS[mime]}", mime, data)
    names = ", ".join(argv[0] for _path, argv in found)
    raise UsageError(
        _("the clipboard holds no picture (asked {names})").format(names=names),
        hint=_("copy a screenshot first, or use /attach PATH"),
    )


def _run(argv: list[str], env: Mapping[str, str]) -> bytes:
    try:
        done = subprocess.run(argv, capture_output=True, timeout=WAIT, check=False, env=dict(env))  # noqa: S603
    except (OSError, subprocess.TimeoutExpired):
        return b""
    return done.stdout if done.returncode == 0 else b""
