"""The chat command, ``ychat [PROMPT]``: options -> flags for ``ychat.program``.

Its options are not written here: they are built from the one options schema
(``ychat.config.options``), as are ``--help``'s list of environment variables and the shell
completion's values. Thin on purpose. Heavy libraries (httpx, rich, prompt_toolkit) are imported
only once a chat actually starts, so ``--help`` and ``--version`` stay fast.
"""

from __future__ import annotations

import enum
import inspect
import keyword
from typing import Annotated, Any, Optional

import typer

from ychat import __version__
from ychat.cli.common import Template, guarded, typer_app
from ychat.config.options import ENVIRONMENT, SCHEMA, Opt
from ychat.i18n import N_

app = typer_app()


EPILOG_TEXT = N_(
    "Environment: YC_API_KEY or YC_IAM_TOKEN (credentials), {variables}. "
    "Without credentials the chat runs on the local model (the local extra). "
    "Exit codes: 0 ok, 1 API error, 2 usage/config, 3 auth, 4 quota, 5 network, 130 interrupted, "
    "141 stdout closed. "
    "In the chat, type /help."
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ychat {__version__}")
        raise typer.Exit()


def _python_name(opt: Opt) -> str:
    return opt.name + "_" if keyword.iskeyword(opt.name) else opt.name


def _annotation(opt: Opt) -> tuple[Any, Any]:
    """The parameter's type and default, as typer reads them."""
    if opt.switch is not None or (opt.kind is bool and "/" not in opt.flags[0]):
        return bool, False  # a flag without a value
    if opt.multiple:
        return Optional[list[str]], None
    kind: Any = enum.Enum(opt.name.title(), {c: c for c in opt.choices}, type=str) if opt.choices else opt.kind
    return (kind, opt.default) if opt.default is not None else (Optional[kind], None)


def _parameter(opt: Opt) -> inspect.Parameter:
    kind, default = _annotation(opt)
    info = typer.Option(*opt.flags, help=opt.help, min=opt.low, max=opt.high, metavar=opt.metavar)
    return inspect.Parameter(
        _python_name(opt), inspect.Parameter.KEYWORD_ONLY, default=default, annotation=Annotated[kind, info]
    )


PROMPT = inspect.Parameter(
    "prompt",
    inspect.Parameter.POSITIONAL_OR_KEYWORD,
    default=None,
    annotation=Annotated[Optional[str], typer.Argument(help=N_("Ask once and print the answer; omit for the chat."))],
)
VERSION = inspect.Parameter(
    "version",
    inspect.Parameter.KEYWORD_ONLY,
    default=False,
    annotation=Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help=N_("Show the version."))
    ],
)


def flags_of(given: dict[str, Any]) -> dict[str, object]:
    """What the command line said, by option name; None where it said nothing (a switch not
    given, an option left out), so the environment and the config file may say it."""
    flags: dict[str, object] = {}
    for opt in SCHEMA:
        if not opt.flags:
            continue
        value = given[_python_name(opt)]
        if opt.switch is not None:
            value = opt.switch if value else None
        elif opt.multiple:
            value = tuple(value) if value else None
        flags[opt.name] = value.value if isinstance(value, enum.Enum) else value
    if flags["input"] is not None:
        flags["each_line"] = True
    return flags


def chat(prompt: Optional[str] = None, **given: Any) -> None:
    """Chat with YandexGPT in the terminal, or ask it once: ychat "question", cat notes | ychat "summarize".

    \b
    Commands:
      ychat serve          the local model as a YandexGPT-compatible API (ychat serve --help)
      ychat operation ID   the reply of a deferred operation (--async), waiting for it if needed
      ychat history        saved conversations: list, show, export, delete, search
      ychat models         the models the account or server offers
      ychat config         the config file: path, show, set KEY VALUE, unset KEY
      ychat auth           credentials: status, login
      ychat tools          the model's tools: list, allow NAME, forget [NAME]
      ychat mcp            MCP servers: add, remove, list, import
      ychat index          search indexes over your files: create, list, add, delete
      ychat completion     a shell completion script: bash, zsh or fish
    """
    flags = flags_of(given)
    use_local, debug = flags.pop("local") is not None or flags["local_model"] is not None, bool(flags.pop("debug"))
    from ychat.program import run

    raise typer.Exit(guarded(lambda: run(flags, prompt, use_local), debug=debug))


chat.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [PROMPT, *(_parameter(opt) for opt in SCHEMA if opt.flags), VERSION]
)
app.command(epilog=Template(EPILOG_TEXT, variables=", ".join(ENVIRONMENT)))(chat)


def option_names() -> list[str]:
    """Every option of the chat command, for the completion scripts."""
    import typer.main

    command = typer.main.get_command(app)
    options = [p for p in command.params if p.param_type_name == "option"]
    return sorted({name for param in options for name in [*param.opts, *param.secondary_opts]} | {"-h", "--help"})


def valued_options() -> set[str]:
    """The chat's options that take a value (``-s TEXT``), to tell them from a subcommand's name."""
    import typer.main

    command = typer.main.get_command(app)
    return {name for param in command.params if not getattr(param, "is_flag", False) for name in param.opts}
