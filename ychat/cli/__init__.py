"""The ``ychat`` command: options -> settings -> objects; errors -> one line and an exit code.

Thin on purpose. Heavy libraries (httpx, rich, prompt_toolkit) are imported only once a
chat actually starts, so ``--help`` and ``--version`` stay fast. One module per command:
``chat.py`` (the chat and one-offs) and one per subcommand (``serve.py``, ``operation.py``,
``config.py``, ``auth.py``, ``history.py``, ``completion.py``, ``models.py``), imported only
when its word is given; ``common.py`` what they share; ``localize.py`` the help in Russian.
"""

from __future__ import annotations

import importlib
import sys

from ychat.cli.chat import app

SUBCOMMANDS = ("serve", "operation", "config", "auth", "history", "completion", "models", "tools", "mcp", "index")

__all__ = ["SUBCOMMANDS", "app", "main"]


def main() -> None:
    """``ychat serve``, ``operation``, ``config``, ``auth`` are subcommands; anything else is the
    chat (``ychat -- serve`` asks the word "serve")."""
    from ychat.cli.localize import run

    args = sys.argv[1:]
    found = subcommand_at(args)
    if found is not None:
        word, at = found
        command = importlib.import_module(f"ychat.cli.{word}").app
        sys.exit(run(command, [*args[at + 1 :], *args[:at]], f"ychat {word}"))
    sys.exit(run(app, args, "ychat"))


def subcommand_at(args: list[str]) -> tuple[str, int] | None:
    """The subcommand and where it stands, also after the chat's options (``ychat --api openai
    models``): those options then go to the subcommand, which takes them or says it does not;
    never is its name sent to the model as a question. ``--`` ends the options."""
    if not any(arg in SUBCOMMANDS for arg in args):  # the common case costs nothing
        return None
    from ychat.cli.chat import valued_options

    valued = valued_options()
    skip = False
    for at, arg in enumerate(args):
        if skip:
            skip = False
        elif arg == "--" or not arg.startswith("-"):
            return (arg, at) if arg in SUBCOMMANDS else None
        elif "=" not in arg and arg in valued:
            skip = True
    return None
