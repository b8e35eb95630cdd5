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


class PrivateFileHistory(FileHistory):
    """prompt_toolkit's FileHistory, but the file (0600) and its folder (0700) are created on
    the first entry, not at start-up; an existing file readable by others is made private
    before anything is added to it; a file that can't be written only loses history."""

    _created = False

    def store_string(self, string: str) -> None:
        try:
            if not self._created:
                path = Path(os.fsdecode(self.filename))
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                descriptor = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
                try:
                    if os.fstat(descriptor).st_mode & 0o077:
                        os.fchmod(descriptor, 0o600)
                finally:
                    os.close(descriptor)
                self._created = True
            super().store_string(string)
        except OSError:
            pass


def open_history(path: Path | None) -> History:
    """The input history kept in ``path`` (inputs can be private: see PrivateFileHistory)."""
    return InMemoryHistory() if path is None else PrivateFileHistory(str(path))


def key_bindings() -> KeyBindings:
    bindings = KeyBindings()

    @bindings.add("enter")
    def _send(event: KeyPressEvent) -> None:
        event.current_buffer.validate_and_handle()

    @bindings.add("escape", "enter")
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    return bindings


def make_reader(
    history: Path | None,
    *,
    input: Input | None = None,
    output: Output | None = None,
    on_ready: Callable[[], None] | None = None,
) -> Callable[[], str]:
    """A ``read_line`` for Session.run: raises KeyboardInterrupt on Ctrl-C, EOFError on Ctrl-D.
    ``on_ready`` is called once, when the first prompt is on screen."""
    session: PromptSession[str] = PromptSession(
        history=open_history(history),
        key_bindings=key_bindings(),
        multiline=True,
        prompt_continuation=CONTINUATION,
        enable_open_in_editor=False,
        input=input,
        output=output,
    )
    if on_ready is not None:
        session.app.after_render += _once(on_ready)
    return lambda: session.prompt(PROMPT)


def _once(action: Callable[[], None]) -> Callable[[object], None]:
    done = False

    def handler(_: object) -> None:
        nonlocal done
        if not done:
            done = True
            action()

    return handler
