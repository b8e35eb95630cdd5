"""REPL input -> a command or a chat message. Pure; knows the Russian keyboard layout.

>>> parse("/model yandexgpt-lite")
Command(name='model', arg='yandexgpt-lite')
>>> parse(".рудз")      # "/help" typed with the Russian layout on: "/" types "."
Command(name='help', arg='')
>>> parse("//etc is a folder")
ChatText(text='/etc is a folder')
"""

from __future__ import annotations

from dataclasses import dataclass

# name -> (argument placeholder or "", one-line description); order is /help's order.
COMMANDS: dict[str, tuple[str, str]] = {
    "help": ("", "show this help"),
    "exit": ("", "quit (also /quit, Ctrl-D)"),
    "clear": ("", "a new conversation (also /new; the old one stays saved)"),
    "system": ("TEXT", "set the system prompt (alone: show it; --clear: remove it)"),
    "model": ("NAME", "switch the model: a short name or gpt:// URI (alone: show)"),
    "temperature": ("X", "set the temperature, 0..1 (alone: show; --clear: default)"),
    "profile": ("NAME", "use a config profile for the next turns (alone: list them)"),
    "async": ("on|off", "deferred replies, half price (v1; alone: show the mode)"),
    "retry": ("", "regenerate the last reply, or resend a failed message"),
    "title": ("TEXT", "name this conversation (ychat history lists them)"),
    "fork": ("", "a saved copy of the conversation, continued from here"),
    "load": ("ID", "switch to a saved conversation (a prefix of its id)"),
    "save": ("[FILE]", "export this conversation as Markdown (or JSON: FILE.json)"),
    "undo": ("", "drop the last exchange"),
    "history": ("", "show the conversation so far"),
    "edit": ("", "write the message in $EDITOR (also Ctrl-X Ctrl-E)"),
    "copy": ("[code]", "copy the last reply (or its last code block)"),
    "file": ("PATH", "attach a text file to your next message"),
    "compact": ("", "replace the oldest exchanges by the model's summary"),
    "usage": ("", "tokens and estimated cost (₽) of the last reply and session"),
}
CLEAR = "--clear"  # the explicit argument that removes a setting
ALIASES = {"quit": "exit", "q": "exit", "?": "help", "new": "clear", "reset": "clear"}
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
    """Every command as typed, for Tab completion: ``/help``, ``/exit``, …, ``/quit``."""
    return [f"/{name}" for name in COMMANDS] + ["/quit"]


def help_text() -> str:
    rows = [f"/{name} {arg}".ljust(20) + text for name, (arg, text) in COMMANDS.items()]
    keys = (
        "Enter sends · Esc Enter or Alt-Enter: new line · Up/Down: earlier inputs · Ctrl-R: search them · "
        "Tab: complete commands and model names · Ctrl-C: cancel the reply or clear the line · "
        "Ctrl-D: quit · //text sends a message that starts with /"
    )
    return "\n".join([*rows, "", keys])
