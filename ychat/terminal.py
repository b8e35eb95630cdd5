"""The REPL's input line (prompt_toolkit): key bindings and the persistent input history.

>>> read_line = make_reader(history_file())
>>> text = read_line()      # Enter sends; Esc Enter / Alt-Enter inserts a newline
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.output import Output

PROMPT = "› "
CONTINUATION = "… "


def history_file() -> Path:
    """``<user data dir>/ychat/history`` (platformdirs; honours XDG_DATA_HOME)."""
    from platformdirs import user_data_path

    return user_data_path("ychat") / "history"


def open_history(path: Path | None) -> History:
    """A FileHistory created 0600 in a 0700 folder (inputs can be private); memory if that fails."""
    if path is None:
        return InMemoryHistory()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600))
    except OSError:
        return InMemoryHistory()
    return FileHistory(str(path))


def key_bindings() -> KeyBindings:
    bindings = KeyBindings()

    @bindings.add("enter")
    def _send(event: KeyPressEvent) -> None:
        event.current_buffer.validate_and_handle()

    @bindings.add("escape", "enter")
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    return bindings


def make_reader(history: Path | None, *, input: Input | None = None, output: Output | None = None) -> Callable[[], str]:
    """A ``read_line`` for Session.run: raises KeyboardInterrupt on Ctrl-C, EOFError on Ctrl-D."""
    session: PromptSession[str] = PromptSession(
        history=open_history(history),
        key_bindings=key_bindings(),
        multiline=True,
        prompt_continuation=CONTINUATION,
        enable_open_in_editor=False,
        input=input,
        output=output,
    )
    return lambda: session.prompt(PROMPT)
