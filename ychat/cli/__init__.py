"""The ``ychat`` command: options -> settings -> objects; errors -> one line and an exit code.

Thin on purpose. Heavy libraries (httpx, rich, prompt_toolkit) are imported only once a
chat actually starts, so ``--help`` and ``--version`` stay fast. One module per command
family: ``chat.py`` (the chat and one-offs), ``tools.py`` (subcommands), ``common.py``.
"""

from __future__ import annotations

import sys

from ychat.cli.chat import app
from ychat.cli.tools import auth_app, completion_app, config_app, history_app, models_app, operation_app, serve_app

SUBCOMMANDS = {
    "serve": serve_app,
    "operation": operation_app,
    "config": config_app,
    "auth": auth_app,
    "history": history_app,
    "completion": completion_app,
    "models": models_app,
}

__all__ = ["app", "main"]


def main() -> None:
    """``ychat serve``, ``operation``, ``config``, ``auth`` are subcommands; anything else is the
    chat (``ychat -- serve`` asks the word "serve")."""
    from ychat.cli.localize import run

    word = sys.argv[1] if len(sys.argv) > 1 else ""
    if word in SUBCOMMANDS:
        sys.exit(run(SUBCOMMANDS[word], sys.argv[2:], f"ychat {word}"))
    sys.exit(run(app, sys.argv[1:], "ychat"))
