"""The command line in the interface's language: typer's help texts are translated when
--help shows them (so a run that shows none reads no catalog), and click's own words (Usage,
Options, its usage errors) through the same catalog. English runs go through ``invoke`` too,
with every text as written."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

from ychat import i18n
from ychat.cli.common import Template
from ychat.i18n import N_, _

# click's messages, as its code writes them; each {field} matches any text
CLICK = [
    N_("No such option: {name} (Possible options: {names})"),
    N_("No such option: {name}"),
    N_("No such command {name}."),
    N_("Missing command."),
    N_("Invalid value for {param}: {message}"),
    N_("Invalid value: {message}"),
    N_("Missing argument {param}."),
    N_("Missing option {param}."),
    N_("Missing parameter: {param}"),
    N_("Option {name} requires an argument."),
    N_("Option {name} does not take a value."),
    N_("Got unexpected extra argument(s) ({args})"),
    N_("{value} is not a valid {kind}."),
    N_("{value} is not in the range {range}."),
    N_("{value} is not one of {choices}."),
    N_("{value} is not a valid boolean. Recognized values: {values}"),
]
HEADINGS = {"Options": N_("Options"), "Arguments": N_("Arguments"), "Commands": N_("Commands")}
WORDS = (N_("Show this message and exit."), N_("[default: "), N_("[required]"))  # in help records


@functools.cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    """Each of CLICK as a regular expression: its {field}s match any text."""
    return [
        (re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+?)", re.escape(text)) + "$", re.S), text)
        for text in CLICK
    ]


def click_message(message: str) -> str:
    """One of click's messages in the interface's language (its inner message too)."""
    if i18n.current() == "en":
        return message
    for pattern, template in _patterns():
        match = pattern.match(message)
        if match:
            fields = {
                key: click_message(value) if key == "message" else value for key, value in match.groupdict().items()
            }
            return _(template).format(**fields)
    return message


def run(app: Any, args: Sequence[str], prog_name: str) -> int:
    """Run a typer app and return its exit status."""
    import typer.main

    return invoke(typer.main.get_command(app), args, prog_name)


def invoke(command: Any, args: Sequence[str], prog_name: str) -> int:
    """Run a click command (typer's) and return its exit status; usage errors are shown here,
    in the interface's language."""
    if i18n.current() != "en":
        _translated_help(command)
    usage, click_error, abort = _exceptions()
    try:
        code = command.main(args=list(args), prog_name=prog_name, standalone_mode=False)
    except usage as error:
        _show_usage_error(error)
        return int(error.exit_code)
    except click_error as error:
        _echo(_("Error: {message}").format(message=click_message(error.format_message())))
        return int(error.exit_code)
    except abort:
        _echo(_("Aborted!"))
        return 1
    return code if isinstance(code, int) else 0


def _exceptions() -> tuple[type[Any], type[Any], type[Any]]:
    """click's UsageError, ClickException and Abort, from typer's (it may bundle its own click)."""
    import typer

    bases = {cls.__name__: cls for cls in typer.BadParameter.__mro__}
    return bases["UsageError"], bases["ClickException"], typer.Abort


def _show_usage_error(error: Any) -> None:
    if type(error).__name__ == "NoArgsIsHelpError":  # `ychat config`: its help, as the message
        _echo(error.format_message())
        return
    context = error.ctx
    if context is not None:
        hint = ""
        if context.command.get_help_option(context) is not None:
            hint = _("Try '{command} {option}' for help.").format(
                command=context.command_path, option=context.help_option_names[0]
            )
        _echo(f"{_usage(context.get_usage())}\n{hint}\n" if hint else f"{_usage(context.get_usage())}\n")
    _echo(_("Error: {message}").format(message=click_message(error.format_message())))


def _usage(text: str) -> str:
    return _("Usage: {rest}").format(rest=text.removeprefix("Usage: ")) if text.startswith("Usage: ") else text


def _echo(text: str) -> None:
    import sys

    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _translated_help(command: Any) -> None:
    """Each command's format_help translates its texts first (once), and its output's headings."""
    original: Callable[[Any, Any], None] = command.format_help

    def format_help(context: Any, formatter: Any) -> None:
        _translate_texts(command, context)
        original(context, formatter)
        formatter.buffer[:] = [_piece(piece) for piece in formatter.buffer]

    command.format_help = format_help
    for sub in getattr(command, "commands", {}).values():
        _translated_help(sub)


def _translate_texts(command: Any, context: Any) -> None:
    for item in [command, *getattr(command, "commands", {}).values()]:
        for name in ("help", "short_help", "epilog"):
            text = getattr(item, name, None)
            if text:
                setattr(item, name, text.translated() if isinstance(text, Template) else _(text))
    for param in command.get_params(context):
        if getattr(param, "help", None):
            param.help = _(param.help)


def _piece(piece: str) -> str:
    """What click wrote, its own words translated: a heading ("Options:") on its own, the usage
    ("Usage: …"), the help option's text, [default: …] and [required]."""
    stripped = piece.strip()
    if stripped.endswith(":") and stripped[:-1] in HEADINGS:
        return piece.replace(stripped, _(HEADINGS[stripped[:-1]]) + ":")
    if piece.lstrip().startswith("Usage: "):
        return _usage(piece)
    for words in WORDS:
        piece = piece.replace(words, _(words))
    return piece
