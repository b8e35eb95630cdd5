"""What every ``ychat`` command shares: how a typer app is made, and the one place where
errors become a message and an exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated, Optional

import typer

from ychat.errors import ExitCode, YChatError, describe
from ychat.i18n import N_, _


class Template(str):
    """A help text with its ``{fields}`` filled in (``--help``'s list of environment variables);
    shown in Russian, the template is translated, then filled in the same way."""

    def __new__(cls, template: str, **fields: str) -> Template:
        made = super().__new__(cls, template.format(**fields))
        made.template, made.fields = template, fields
        return made

    template: str
    fields: dict[str, str]

    def translated(self) -> str:
        return _(self.template).format(**self.fields)


def typer_app(*, commands: bool = False, help: str | None = None) -> typer.Typer:
    """``commands``: an app of named subcommands (``ychat config set``), else a single command."""
    return typer.Typer(
        no_args_is_help=commands,
        help=help,
        add_completion=False,
        context_settings={"help_option_names": ["-h", "--help"]},
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
    )


def say(text: str, *, err: bool = False, nl: bool = True) -> None:
    """One line of output, made safe when it goes to a terminal (exact to a pipe or a file)."""
    from ychat.render.safe import for_stream

    stream = sys.stderr if err else sys.stdout  # not click.echo, which drops escape sequences from pipes
    stream.write(for_stream(text, stream) + ("\n" if nl else ""))
    stream.flush()


def guarded(action: Callable[[], None], *, debug: bool) -> int:
    """The single place where errors become messages and exit codes."""
    if debug:
        import logging

        logging.basicConfig(stream=sys.stderr, format="ychat: debug: %(message)s")
        logging.getLogger("ychat").setLevel(logging.DEBUG)
    from ychat import interrupts

    interrupts.arm()  # one Ctrl-C interrupts; a burst of them does not break the clean-up
    try:
        action()
    except YChatError as error:
        if debug:
            import traceback

            traceback.print_exception(error, file=sys.stderr)
        line, hint = describe(error)
        say(line + (f"\n{hint}" if hint else ""), err=True)
        return int(error.exit_code)
    except KeyboardInterrupt:
        typer.echo("", err=True)
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:  # `ychat q | head -1`: the reader left; say nothing, like a SIGPIPE death
        from ychat.program import silence_stdout

        silence_stdout()
        return int(ExitCode.PIPE)
    except Exception as error:  # a bug: still one line, the traceback only with --debug
        if debug:
            raise
        text = _("ychat: internal error: {kind}: {error} (--debug shows where)")
        say(text.format(kind=type(error).__name__, error=error), err=True)
        return int(ExitCode.ERROR)
    return int(ExitCode.OK)


Debug = Annotated[bool, typer.Option("--debug", help=N_("Log requests (secrets redacted)."))]
Profile = Annotated[
    Optional[str], typer.Option("--profile", "-p", help=N_("A [profiles.NAME] of the config file (or YCHAT_PROFILE)."))
]
Json = Annotated[bool, typer.Option("--json", help=N_("JSON (one object per line for a list)."))]
Limit = Annotated[int, typer.Option("--limit", "-n", min=1, help=N_("How many at most."))]
