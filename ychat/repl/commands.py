"""REPL input -> a command or a chat message. Pure; knows the Russian keyboard layout.

>>> parse("/model yandexgpt-lite")
Command(name='model', arg='yandexgpt-lite')
>>> parse(".рудз")      # "/help" typed with the Russian layout on: "/" types "."
Command(name='help', arg='')
>>> parse("//etc is a folder")
ChatText(text='/etc is a folder')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ychat.i18n import N_, _, current
from ychat.repl import attaching, tooling
from ychat.repl import handlers as slash

if TYPE_CHECKING:
    from ychat.repl.ports import ReplSession

Handler = Callable[["ReplSession", str], None]


@dataclass(frozen=True)
class Row:
    """One REPL command: its argument's placeholder, its /help line, what it does (None: /exit
    leaves the loop), and its Russian word when it has one."""

    arg: str
    help: str
    handler: Handler | None
    russian: str | None = None


def _help(session: ReplSession, arg: str) -> None:
    session.renderer.info(help_text())


# every REPL command, in /help's order
TABLE: dict[str, Row] = {
    "help": Row("", N_("show this help"), _help, "помощь"),
    "exit": Row("", N_("quit (also /quit, Ctrl-D)"), None, "выход"),
    "clear": Row("", N_("a new conversation (also /new; the old one stays saved)"), slash.clear, "заново"),
    "system": Row("TEXT", N_("set the system prompt (alone: show it; --clear: remove it)"), slash.system, "система"),
    "model": Row("NAME", N_("switch the model: a short name or gpt:// URI (alone: show)"), slash.model, "модель"),
    "temperature": Row("X", N_("set the temperature, 0..1 (alone: show; --clear: default)"), slash.temperature),
    "profile": Row("NAME", N_("use a config profile for the next turns (alone: list them)"), slash.profile),
    "async": Row("on|off", N_("deferred replies, half price (v1; alone: show the mode)"), slash.async_),
    "retry": Row("", N_("regenerate the last reply, or resend a failed message"), slash.retry, "повтор"),
    "title": Row("TEXT", N_("name this conversation (ychat history lists them)"), slash.title),
    "fork": Row("", N_("a saved copy of the conversation, continued from here"), slash.fork),
    "load": Row("ID", N_("switch to a saved conversation (a prefix of its id)"), slash.load),
    "save": Row("[FILE]", N_("export this conversation as Markdown (or JSON: FILE.json)"), slash.save),
    "undo": Row("", N_("drop the last exchange"), slash.undo, "отмена"),
    "history": Row("", N_("show the conversation so far"), slash.history, "история"),
    "edit": Row("", N_("write the message in $EDITOR (also Ctrl-X Ctrl-E)"), slash.edit),
    "copy": Row("[code]", N_("copy the last reply (or its last code block)"), slash.copy, "копия"),
    "file": Row("PATH", N_("attach a text file to your next message"), slash.file, "файл"),
    "attach": Row("PATH", N_("attach a picture or a PDF to your next message"), attaching.attach, "вложить"),
    "paste": Row("", N_("attach the picture on the clipboard (a screenshot)"), attaching.paste, "вставить"),
    "compact": Row("", N_("replace the oldest exchanges by the model's summary"), slash.compact),
    "usage": Row("", N_("tokens and estimated cost (₽) of the last reply and session"), slash.usage, "расход"),
    "tools": Row("on|off NAME", N_("the model's tools (alone: list them)"), tooling.tools, "инструменты"),
    "mcp": Row("[restart NAME]", N_("the MCP servers in use: state and tools"), tooling.mcp),
    "index": Row("NAME|off", N_("the model searches this index of your files"), tooling.index),
}
COMMANDS = {name: (row.arg, row.help) for name, row in TABLE.items()}  # name -> (argument, help line)
ALIASES = {"quit": "exit", "q": "exit", "?": "help", "new": "clear", "reset": "clear"}
# Russian words for the common commands (typed as is, or after "." with the Russian layout on)
RUSSIAN = {row.russian: name for name, row in TABLE.items() if row.russian}
ALIASES |= RUSSIAN
MODEL_NAMES = ("yandexgpt", "yandexgpt-lite", "yandexgpt/rc", "yandexgpt-lite/rc", "llama-lite", "llama")

_RU = "йцукенгшщзхъфывапролджэячсмитьбюё"
_EN = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
_RU_TO_EN = str.maketrans(_RU + _RU.upper(), _EN + _EN.upper())


@dataclass(frozen=True)
class Command:
    name: str
    arg: str = ""


@dataclass(frozen=True)
class UnknownCommand:
    word: str


@dataclass(frozen=True)
class ChatText:
    text: str


Parsed = Command | UnknownCommand | ChatText


def parse(line: str) -> Parsed:
    """Classify one submitted input. ``//text`` sends ``/text`` as a message."""
    stripped = line.strip()
    if stripped.startswith("//"):
        return ChatText(stripped[1:])
    if stripped.startswith("/"):
        word, _, arg = stripped[1:].partition(" ")
        return _resolve(word, arg) or UnknownCommand("/" + word)
    if stripped.startswith(".") and _is_cyrillic(stripped[1:].partition(" ")[0]):
        word, _, arg = stripped[1:].partition(" ")
        return _resolve(word, arg) or ChatText(line)
    return ChatText(line)


def _resolve(word: str, arg: str) -> Command | None:
    for candidate in (word.lower(), word.translate(_RU_TO_EN).lower()):
        name = ALIASES.get(candidate, candidate)
        if name in COMMANDS:
            return Command(name, arg.strip())
    return None


def _is_cyrillic(word: str) -> bool:
    return bool(word) and all(ch.lower() in _RU for ch in word)


def names() -> list[str]:
    """Every command as typed, for Tab completion: ``/help``, ``/exit``, …, ``/quit`` (and the
    Russian words when the interface is Russian)."""
    return (
        [f"/{name}" for name in COMMANDS] + ["/quit"] + ([f"/{word}" for word in RUSSIAN] if current() == "ru" else [])
    )


def help_text() -> str:
    """/help: each command, its Russian word when there is one, in the interface's language."""
    russian = {name: word for word, name in RUSSIAN.items()}
    rows = []
    for name, (arg, text) in COMMANDS.items():
        word = f" /{russian[name]}" if name in russian and current() == "ru" else ""
        rows.append(f"/{name} {arg}".ljust(20) + _(text) + word)
    keys = _(
        "Enter sends · Esc Enter or Alt-Enter: new line · Up/Down: earlier inputs · Ctrl-R: search them · "
        "Tab: complete commands and model names · Ctrl-C: cancel the reply or clear the line · "
        "Ctrl-D: quit · //text sends a message that starts with /"
    )
    return "\n".join([*rows, "", keys])
