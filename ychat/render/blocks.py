"""Streamed Markdown cut into finished blocks, each character looked at once: pure text.

A block is finished by a blank line outside a code fence, or by its closing fence. The
terminal renderer prints finished blocks once and keeps only the open one live, so the
cost of a reply stays linear in its length, however it is chunked.

    >>> blocks = BlockSplitter()
    >>> blocks.feed("First.\\n\\nSec")
    'First.\\n\\n'
    >>> blocks.rest()
    'Sec'
"""

from __future__ import annotations

import re

FENCES = ("```", "~~~")


class BlockSplitter:
    """Feed text as it streams; get back the blocks it finished. The open block is kept as
    a list of lines, so appending to it never copies what came before."""

    def __init__(self) -> None:
        self._lines: list[str] = []  # complete lines of the open block, each ending in "\n"
        self._partial: list[str] = []  # pieces of the line still being written
        self._fence = ""  # the open code fence's marker, "" outside a fence
        self._header: list[str] = []  # lines kept above a cropped view: fence opener, or table head
        self._header_at = 0  # where the header starts in the open block
        self._content = False  # has the open block anything but blank lines?

    def feed(self, text: str) -> str:
        """Take more of the reply; return the blocks it finished ("" if none)."""
        finished: list[str] = []
        *complete, last = text.split("\n")
        for piece in complete:
            self._partial.append(piece)
            line = "".join(self._partial) + "\n"
            self._partial.clear()
            if self._end_line(line):
                finished.extend(self._lines)
                self._start_block()
        if last:
            self._partial.append(last)
        return "".join(finished)

    def rest(self) -> str:
        """The open block: everything fed and not yet returned by ``feed``."""
        return "".join(self._lines) + "".join(self._partial)

    def visible(self, lines: int) -> str:
        """The open block's last ``lines`` lines, under its fence opener or table head (if
        cropped), so the live view costs the same however long the block grows."""
        start = len(self._lines) - lines
        if start <= 0:
            return self.rest()
        head = self._header[: max(0, start - self._header_at)]  # only the part cropped away
        return "".join(head) + "".join(self._lines[start:]) + "".join(self._partial)

    def _set_header(self, line: str) -> None:
        self._header, self._header_at = [line], len(self._lines) - 1

    def _start_block(self) -> None:
        self._lines.clear()
        self._header = []
        self._content = False

    def _end_line(self, line: str) -> bool:
        """Add a complete line to the open block; True when that line finished the block."""
        self._lines.append(line)
        stripped = line.strip()
        if self._fence:
            if stripped.startswith(self._fence) and not stripped.strip(self._fence[0]):
                self._fence = ""
                return True
            return False
        if stripped.startswith(FENCES):
            marker = stripped[0]
            self._fence = marker * (len(stripped) - len(stripped.lstrip(marker)))
            self._set_header(line)
        elif not stripped:
            return self._content
        elif not self._content and stripped.startswith("|"):
            self._set_header(line)
        elif len(self._header) == 1 and not self._header[0].lstrip().startswith(FENCES):
            self._header.append(line)  # a table's delimiter row, under its head
        self._content = True
        return False


def block_boundary(text: str) -> int:
    """Where the last finished block of ``text`` ends (0 if none)."""
    return len(BlockSplitter().feed(text))


PLAIN_PARAGRAPH = re.compile(r"[^\s#>|`~*+\-\d][^\n*_`\[\]<>\\]*")  # one source line, no inline markup


def kept_paragraph(text: str, shown: list[str]) -> str | None:
    """A plain paragraph whose shown lines but the last are exactly its first words: the text
    the block restarts with (from its unfinished line)."""
    if not PLAIN_PARAGRAPH.fullmatch(text):
        return None
    kept = " ".join(shown[:-1]).split()
    tokens = list(re.finditer(r"\S+", text))
    if not kept or len(kept) >= len(tokens) or kept != [match.group() for match in tokens[: len(kept)]]:
        return None
    return text[tokens[len(kept)].start() :]


def kept_code(text: str, shown: list[str]) -> str | None:
    """A fenced code block whose shown lines but the last are its first lines: the text the
    block restarts with, under its fence opener so the rest is still code. (More may have
    been fed than the last frame showed: frames come at most 15 times a second.)"""
    opener, _, code = text.partition("\n")
    lines = code.split("\n")
    kept = len(shown) - 1
    if not opener.lstrip().startswith(("```", "~~~")) or kept < 1 or len(lines) <= kept:
        return None
    if [line.strip() for line in lines[:kept]] != shown[:kept]:
        return None
    return opener + "\n" + "\n".join(lines[kept:])
