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

from ychat.errors import UsageError
from ychat.i18n import N_, _, current

# name -> (argument placeholder or "", one-line description); order is /help's order.
COMMANDS: dict[str, tuple[str, str]] = {
    "help": ("", N_("show this help")),
    "exit": ("", N_("quit (also /quit, Ctrl-D)")),
    "clear": ("", N_("a new conversation (also /new; the old one stays saved)")),
    "system": ("TEXT", N_("set the system prompt (alone: show it; --clear: remove it)")),
    "model": ("NAME", N_("switch the model: a short name or gpt:// URI (alone: show)")),
    "temperature": ("X", N_("set the temperature, 0..1 (alone: show; --clear: default)")),
    "profile": ("NAME", N_("use a config profile for the next turns (alone: list them)")),
    "async": ("on|off", N_("deferred replies, half price (v1; alone: show the mode)")),
    "retry": ("", N_("regenerate the last reply, or resend a failed message")),
    "title": ("TEXT", N_("name this conversation (ychat history lists them)")),
    "fork": ("", N_("a saved copy of the conversation, continued from here")),
    "load": ("ID", N_("switch to a saved conversation (a prefix of its id)")),
    "save": ("[FILE]", N_("export this conversation as Markdown (or JSON: FILE.json)")),
    "undo": ("", N_("drop the last exchange")),
    "history": ("", N_("show the conversation so far")),
    "edit": ("", N_("write the message in $EDITOR (also Ctrl-X Ctrl-E)")),
    "copy": ("[code]", N_("copy the last reply (or its last code block)")),
    "file": ("PATH", N_("attach a text file to your next message")),
    "compact": ("", N_("replace the oldest exchanges by the model's summary")),
    "usage": ("", N_("tokens and estimated cost (₽) of the last reply and session")),
}
CLEAR = "--clear"  # the explicit argument that removes a setting
ALIASES = {"quit": "exit", "q": "exit", "?": "help", "new": "clear", "reset": "clear"}
# Russian words for the common commands (typed as is, or after "." with the Russian layout on)
RUSSIAN = {
    "помощь": "help",
    "выход": "exit",
    "заново": "clear",
    "система": "system",
    "модель": "model",
    "повтор": "retry",
    "отмена": "undo",
    "история": "history",
    "расход": "usage",
    "файл": "file",
    "копия": "copy",
}
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


def parse_temperature(arg: str) -> float:
    try:
        value = float(arg)
    except ValueError:
        raise UsageError(_("temperature must be a number between 0 and 1, not {arg!r}").format(arg=arg)) from None
    if not 0.0 <= value <= 1.0:
        raise UsageError(_("temperature must be between 0 and 1, not {arg}").format(arg=arg))
    return value


def clip(text: str, limit: int = 60) -> str:
    """One line of at most ``limit`` characters (a long message shown in a note)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
