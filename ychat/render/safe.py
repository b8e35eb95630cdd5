"""Text that is not ychat's, made safe for a terminal; pipes and files get it byte for byte.

A reply, a server's error, a model id, a saved title or a tool's output may carry escape
sequences (OSC 52 writes the clipboard, OSC 0/2 retitle the window, OSC 8 hides a link, CSI moves
the cursor and clears the screen) or bidi overrides that make text read backwards. On a
terminal every control character but newline and tab is shown as a visible symbol (ESC as ``␛``,
so ``␛]52;c;…`` is plain text), C1 controls and bidi overrides as ``⟨U+202E⟩``; CR LF becomes a
newline. Nothing else changes, so Markdown still renders.

    >>> for_terminal("hi\\x1b]0;owned\\x07")
    'hi␛]0;owned␇'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

__all__ = ["for_stream", "for_terminal", "shown_on"]

# C0 but \t and \n, DEL, C1, the bidi embeddings/overrides/isolates, and the line/paragraph separators
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


class _Stream(Protocol):
    def isatty(self) -> bool: ...


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control pictures: ␛ ␇ ␍ …
    if code == 0x7F:
        return "␡"
    return f"⟨U+{code:04X}⟩"


def for_terminal(text: str) -> str:
    """``text`` with every control character, escape sequence and bidi override made visible."""
    if UNSAFE.search(text) is None:
        return text
    return UNSAFE.sub(_visible, text.replace("\r\n", "\n"))


def for_stream(text: str, stream: _Stream) -> str:
    """Made safe when ``stream`` is a terminal; exact for a pipe or a file."""
    return shown_on(stream)(text)


def shown_on(stream: _Stream) -> Callable[[str], str]:
    """What text written to ``stream`` goes through: ``for_terminal`` on a terminal, nothing on a
    pipe or a file. Asked once per stream by writers on a hot path (each streamed chunk)."""
    try:
        terminal = stream.isatty()
    except (ValueError, OSError):  # a closed stream: it shows nothing either way
        terminal = False
    return for_terminal if terminal else _exact


def _exact(text: str) -> str:
    return text
