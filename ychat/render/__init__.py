"""Showing replies: live Markdown on a terminal (rich, ``render.markdown``), plain text for
pipes (``render.plain``, which never imports rich, so ``cmd | ychat`` starts faster).

    >>> renderer = make_renderer(sys.stdout, sys.stderr, markdown=sys.stdout.isatty())
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from ychat.render.plain import PlainRenderer

if TYPE_CHECKING:
    from ychat.render.markdown import MarkdownRenderer

__all__ = ["PlainRenderer", "make_renderer"]


def make_renderer(stdout: TextIO, stderr: TextIO, *, markdown: bool) -> MarkdownRenderer | PlainRenderer:
    """Markdown on a terminal, plain text otherwise. rich honours NO_COLOR by itself."""
    if not markdown:
        return PlainRenderer(stdout, stderr)
    from ychat.render.markdown import terminal_renderer

    return terminal_renderer(stdout, stderr)
