"""The ``ychat`` command: options -> settings -> objects; errors -> one line and an exit code.

Thin on purpose. Heavy libraries (httpx, rich, prompt_toolkit) are imported only once a
chat actually starts, so ``--help`` and ``--version`` stay fast. One module per command
family: ``chat.py`` (the chat and one-offs), ``tools.py`` (subcommands), ``common.py``.
"""

from __future__ import annotations

import sys

from ychat.cli.chat import app
from ychat.cli.tools import operation_app, serve_app

__all__ = ["app", "main"]


def main() -> None:
    """``ychat serve …`` runs the server, ``ychat operation ID`` fetches a deferred reply; anything
    else is the chat (``ychat -- serve`` asks the word "serve")."""
    if sys.argv[1:2] == ["serve"]:
        serve_app(args=sys.argv[2:], prog_name="ychat serve")
    elif sys.argv[1:2] == ["operation"]:
        operation_app(args=sys.argv[2:], prog_name="ychat operation")
    else:
        app()
