"""The subcommands: ``ychat serve``, ``ychat operation ID``, ``ychat config …``, ``ychat auth …``.

Each takes ``-p/--profile``; the work is done in ``ychat.program``, ``configcmd`` and ``authcmd``."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Optional

import typer

from ychat.cli.common import guarded, say, typer_app
from ychat.i18n import N_

serve_app = typer_app()
operation_app = typer_app()
config_app = typer_app(commands=True, help=N_("The config file: path, show, set KEY VALUE, unset KEY."))
completion_app = typer_app()
models_app = typer_app()
history_app = typer_app(commands=True, help=N_("Saved conversations: list, show, export, delete, search."))
auth_app = typer_app(
    commands=True, help=N_("Credentials: status (which and whether they work), login (store an API key).")
)
Debug = Annotated[bool, typer.Option("--debug", help=N_("Log requests (secrets redacted)."))]
Profile = Annotated[
    Optional[str], typer.Option("--profile", "-p", help=N_("A [profiles.NAME] of the config file (or YCHAT_PROFILE)."))
]


@serve_app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help=N_("Address to listen on; non-loopback prints a warning."))] = (
        "127.0.0.1"
    ),
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help=N_("Port to listen on (0: any free one)."))
    ] = 8787,
    local_model: Annotated[
        Optional[str], typer.Option("--local-model", metavar="PATH.gguf", help=N_("The GGUF model to serve."))
    ] = None,
    threads: Annotated[
        Optional[int], typer.Option("--threads", min=1, help=N_("llama.cpp threads [default: half the cores]."))
    ] = None,
    debug: Debug = False,
    profile: Profile = None,
) -> None:
    """Serve the local model over the YandexGPT v1 API (completion, tokenize, completionAsync, operations)."""

    def action() -> None:
        from ychat import local
        from ychat.config.settings import default_config_file, load_settings

        local.require()
        from ychat.local.serve import run

        flags = {"local_model": local_model, "local_threads": threads, "profile": profile}
        settings = load_settings(flags, env=os.environ, config_file=default_config_file(os.environ))
        run(host, port, local.model_path(settings.local_model), threads=settings.local_threads)

    raise typer.Exit(guarded(action, debug=debug))


@operation_app.command()
def operation(
    operation_id: Annotated[str, typer.Argument(metavar="ID", help=N_("The id --async printed."))],
    debug: Debug = False,
    profile: Profile = None,
) -> None:
    """Print a deferred operation's reply, waiting while it runs (credentials and endpoints as for the chat)."""
    from ychat.program import fetch_operation

    raise typer.Exit(guarded(lambda: fetch_operation(operation_id, profile), debug=debug))


@config_app.command("path")
def config_path(profile: Profile = None) -> None:  # one file for every profile
    """Print where the config file is (YCHAT_CONFIG overrides it)."""
    from ychat import configcmd

    raise typer.Exit(guarded(lambda: say(configcmd.path(os.environ)), debug=False))


@config_app.command("show")
def config_show(profile: Profile = None) -> None:
    """Print the settings in effect and where credentials come from (never their values)."""
    from ychat import configcmd

    raise typer.Exit(guarded(lambda: say(configcmd.show(os.environ, profile)), debug=False))


@config_app.command("set")
def config_set(key: str, value: str, profile: Profile = None) -> None:
    """Set KEY to VALUE (validated), keeping the rest of the file as it is."""
    from ychat import configcmd

    raise typer.Exit(guarded(lambda: say(configcmd.set_value(os.environ, key, value, profile)), debug=False))


@config_app.command("unset")
def config_unset(key: str, profile: Profile = None) -> None:
    """Remove KEY from the file (or from the profile)."""
    from ychat import configcmd

    raise typer.Exit(guarded(lambda: say(configcmd.unset(os.environ, key, profile)), debug=False))


@auth_app.command("status")
def auth_status(profile: Profile = None, debug: Debug = False) -> None:
    """Which credentials and folder ychat would use, then one cheap check that they work."""
    from ychat import authcmd

    raise typer.Exit(guarded(lambda: authcmd.status(os.environ, profile, say), debug=debug))


@auth_app.command("login")
def auth_login(profile: Profile = None) -> None:  # one stored key for every profile
    """Store an API key in the OS keyring (read without echo; never from the command line)."""
    from ychat import authcmd

    raise typer.Exit(guarded(lambda: authcmd.login(say), debug=False))


Json = Annotated[bool, typer.Option("--json", help=N_("JSON (one object per line for a list)."))]
Limit = Annotated[int, typer.Option("--limit", "-n", min=1, help=N_("How many at most."))]


@history_app.command("list")
def history_list(limit: Limit = 20, as_json: Json = False) -> None:
    """The most recent saved conversations: id, date, model, title."""
    from ychat import historycmd

    raise typer.Exit(guarded(lambda: historycmd.list_(say, limit=limit, as_json=as_json), debug=False))


@history_app.command("show")
def history_show(
    conversation: Annotated[str, typer.Argument(metavar="ID")],
    as_json: Json = False,
    every: Annotated[
        bool, typer.Option("--all", help=N_("Also failed, cancelled, undone and replaced messages, marked."))
    ] = False,
) -> None:
    """A saved conversation as it stands (what /history shows and -c sends)."""
    from ychat import historycmd

    raise typer.Exit(guarded(lambda: historycmd.show(say, conversation, as_json=as_json, every=every), debug=False))


@history_app.command("export")
def history_export(
    conversation: Annotated[str, typer.Argument(metavar="ID")],
    output: Annotated[Optional[str], typer.Option("--output", "-o", help=N_("FILE.md or FILE.json"))] = None,
) -> None:
    """Markdown on stdout, or to FILE (JSON when it ends in .json)."""
    from ychat import historycmd

    raise typer.Exit(guarded(lambda: historycmd.export(say, conversation, output), debug=False))


@history_app.command("delete")
def history_delete(conversation: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Delete a saved conversation."""
    from ychat import historycmd

    raise typer.Exit(guarded(lambda: historycmd.delete(say, conversation), debug=False))


@history_app.command("search")
def history_search(text: str, limit: Limit = 20) -> None:
    """Saved conversations with a message containing TEXT: id, title, date and the matching line."""
    from ychat import historycmd

    raise typer.Exit(guarded(lambda: historycmd.search(say, text, limit=limit), debug=False))


@completion_app.command()
def completion(
    shell: Annotated[str, typer.Argument(metavar="bash|zsh|fish", help=N_("Your shell ('profiles': the config's)."))],
) -> None:
    """Print a completion script: source <(ychat completion bash)."""

    def action() -> None:
        from ychat import completion as scripts

        if shell in scripts.WORDS:  # what Tab offers, read at Tab time
            sys.stdout.write("".join(f"{word}\n" for word in scripts.words(shell)))
            return
        if shell not in scripts.SCRIPTS:
            from ychat.errors import UsageError
            from ychat.i18n import _

            raise UsageError(_("no completion for {shell!r}: bash, zsh or fish").format(shell=shell))
        from ychat.cli.chat import option_names

        typer.echo(scripts.SCRIPTS[shell](option_names()), nl=False)

    raise typer.Exit(guarded(action, debug=False))


@models_app.command()
def models(
    as_json: Json = False,
    local: Annotated[bool, typer.Option("--local", help=N_("The local model (the local extra)."))] = False,
    api: Annotated[
        Optional[str],
        typer.Option("--api", metavar="v1|v1alpha|openai", help=N_("Wire protocol [default: v1].")),
    ] = None,
    endpoint: Annotated[Optional[str], typer.Option("--endpoint", help=N_("Base URL of the chosen API."))] = None,
    profile: Profile = None,
    debug: Debug = False,
) -> None:
    """The models the account (or the OpenAI-compatible server) offers: name, context window, id."""
    from ychat import modelscmd

    def action() -> None:
        names = modelscmd.listed({"profile": profile, "api": api, "endpoint": endpoint}, local=local)
        modelscmd.show(say, names, as_json=as_json)

    raise typer.Exit(guarded(action, debug=debug))
