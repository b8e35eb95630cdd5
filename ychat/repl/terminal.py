"""The REPL's input line (prompt_toolkit): key bindings and the persistent input history.

>>> read_line = make_reader(history_file())
>>> text = read_line()      # Enter sends; Esc Enter / Alt-Enter inserts a newline
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from prompt_toolkit import PromptSession, search
from prompt_toolkit.application import Application
from prompt_toolkit.completion import CompleteEvent, Completer, Completion, get_common_complete_suffix
from prompt_toolkit.document import Document
from prompt_toolkit.filters import is_searching
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.output import Output

from ychat import interrupts
from ychat.i18n import _

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

    def load_history_strings(self) -> Iterable[str]:
        try:
            return list(super().load_history_strings())
        except OSError:  # unreadable: this session starts with no history
            return []

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


def open_history(path: Path | None, note: Callable[[str], None] | None = None) -> History:
    """The input history kept in ``path`` (inputs can be private: see PrivateFileHistory). A
    path that is there but is no regular file (a folder, a FIFO that would block) gives an
    in-memory history and one ``note``."""
    if path is None:
        return InMemoryHistory()
    try:
        mode = path.stat().st_mode
    except OSError:
        mode = stat.S_IFREG  # absent (created on the first entry) or unreadable (only loses history)
    if not stat.S_ISREG(mode):
        if note is not None:
            note(
                _("The input history {path} is not a regular file; this session's history is kept in memory.").format(
                    path=path
                )
            )
        return InMemoryHistory()
    return PrivateFileHistory(str(path))


class CommandCompleter(Completer):
    """Tab after ``/``: command names; after ``/model ``: the model names, which ``models`` gives
    (a callable is asked on each such Tab: the REPL's catalog lists the server's models once)."""

    def __init__(self, commands: Sequence[str], models: Sequence[str] | Callable[[], Sequence[str]]) -> None:
        self.commands, self.models = commands, models

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        text = document.text_before_cursor
        if not text.startswith("/") or "\n" in text:
            return
        word, space, rest = text.partition(" ")
        if not space:
            yield from _starting(self.commands, word.lower())
        elif word.lower() == "/model" and " " not in rest:
            yield from _starting(self.models() if callable(self.models) else self.models, rest)


def _starting(words: Sequence[str], prefix: str) -> Iterable[Completion]:
    return (Completion(word, start_position=-len(prefix)) for word in words if word.startswith(prefix))


def key_bindings(completer: Completer | None = None) -> KeyBindings:
    bindings = KeyBindings()

    if completer is not None:

        @bindings.add("tab", filter=~is_searching)
        def _complete(event: KeyPressEvent) -> None:
            """At once, not in the background: one match is inserted, several their common part
            (then the menu lists them); a Tab already in the menu moves to the next one. In a
            message (not a command) Tab is a tab."""
            buffer = event.current_buffer
            if buffer.complete_state:
                buffer.complete_next()
                return
            found = list(completer.get_completions(buffer.document, CompleteEvent(completion_requested=True)))
            if not buffer.text.startswith("/"):
                buffer.insert_text("\t")
            elif len(found) == 1:
                buffer.apply_completion(found[0])
                return
            common = get_common_complete_suffix(buffer.document, found)
            if common:
                buffer.insert_text(common)
            elif found:
                buffer.start_completion(select_first=False)

    @bindings.add("enter", filter=~is_searching)
    def _send(event: KeyPressEvent) -> None:
        if _running(event.app):
            event.current_buffer.validate_and_handle()

    @bindings.add("c-c")
    def _interrupt(event: KeyPressEvent) -> None:
        """As prompt_toolkit's own Ctrl-C, but a burst of them read in one go leaves once: a
        second ``exit`` of an application that is leaving would print its traceback."""
        if _running(event.app):
            event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

    @bindings.add("enter", filter=is_searching)
    def _send_match(event: KeyPressEvent) -> None:
        """Ctrl-R … Enter: take the match and send it, as readline does."""
        search.accept_search()
        event.app.current_buffer.validate_and_handle()

    @bindings.add("escape", "enter")
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    return bindings


def _running(app: Application[object]) -> bool:
    """The prompt is still on screen: it has a result to wait for, not set yet."""
    return app.future is not None and not app.future.done()


def make_reader(
    history: Path | None,
    *,
    input: Input | None = None,
    output: Output | None = None,
    on_ready: Callable[[], None] | None = None,
    completer: Completer | None = None,
    note: Callable[[str], None] | None = None,
    toolbar: Callable[[], str] | None = None,
) -> Callable[[], str]:
    """A ``read_line`` for Session.run: raises KeyboardInterrupt on Ctrl-C, EOFError on Ctrl-D.
    ``on_ready`` is called once, when the first prompt is on screen; ``note`` tells the user of
    a history that cannot be a file."""
    session: PromptSession[str] = PromptSession(
        history=open_history(history, note),
        key_bindings=key_bindings(completer),
        completer=completer,
        complete_while_typing=False,
        multiline=True,
        prompt_continuation=CONTINUATION,
        enable_open_in_editor=True,  # Ctrl-X Ctrl-E: $VISUAL/$EDITOR on the input; saved, it is sent
        input=input,
        output=output,
        bottom_toolbar=(lambda: toolbar()) if toolbar is not None else None,
    )
    if on_ready is not None:
        session.app.after_render += _once(on_ready)

    def read_line() -> str:
        # Ctrl-C at the prompt is a key (raw mode). While prompt_toolkit sets up and tears down
        # there is no prompt yet, and the rest of a burst that cancelled a reply would break
        # its start-up: it is dropped then; after the prompt the next Ctrl-C counts again.
        # handle_sigint=False: at the prompt Ctrl-C is the key above; a SIGINT that comes while
        # the prompt sets up or ends is a straggler, ignored, rather than a key prompt_toolkit
        # would feed to an application that is no longer running (its traceback over the chat).
        # Ctrl-C is armed again only by what it can cancel: a turn or a command (session.py).
        interrupts.disarm()
        return session.prompt(PROMPT, handle_sigint=False)

    return read_line


def stop_prompt(error: BaseException) -> bool:
    """From a signal handler: make the prompt on screen leave with ``error`` (after restoring
    the terminal, as prompt_toolkit does when a prompt ends). False when no prompt is running."""
    from prompt_toolkit.application import get_app_or_none

    app = get_app_or_none()
    loop = app.loop if app is not None and app.is_running else None
    if app is None or loop is None:
        return False

    def leave() -> None:
        if not app.future or not app.future.done():
            app.exit(exception=error)

    loop.call_soon_threadsafe(leave)  # wakes the event loop, which may sit in select()
    return True


def _once(action: Callable[[], None]) -> Callable[[object], None]:
    done = False

    def handler(_: object) -> None:
        nonlocal done
        if not done:
            done = True
            action()

    return handler


@contextmanager
def output_kept_on_ctrl_c(fd: int | None) -> Iterator[None]:
    """A terminal discards the output it has not shown yet when Ctrl-C (INTR) arrives, unless
    NOFLSH is set (POSIX): in a burst of Ctrl-C, the "Cancelled." of one reply could vanish under
    the next key. For the REPL's run, NOFLSH is set on its terminal, then restored."""
    import termios

    saved = None
    if fd is not None:
        with contextlib.suppress(termios.error, OSError):
            saved = termios.tcgetattr(fd)
            kept = list(saved)
            kept[3] |= termios.NOFLSH
            termios.tcsetattr(fd, termios.TCSANOW, kept)
    try:
        yield
    finally:
        if saved is not None and fd is not None:
            with contextlib.suppress(termios.error, OSError):
                current = termios.tcgetattr(fd)
                current[3] = (current[3] & ~termios.NOFLSH) | (saved[3] & termios.NOFLSH)
                termios.tcsetattr(fd, termios.TCSANOW, current)
