"""The chat command, ``ychat [PROMPT]``: options -> flags for ``ychat.program``.

Thin on purpose. Heavy libraries (httpx, rich, prompt_toolkit) are imported only once a
chat actually starts, so ``--help`` and ``--version`` stay fast.
"""

from __future__ import annotations

import enum
from typing import Annotated, Optional

import typer

from ychat import __version__
from ychat.api.registry import NAMES
from ychat.cli.common import guarded, typer_app
from ychat.i18n import N_

app = typer_app()


Api = enum.Enum("Api", {name: name for name in NAMES}, type=str)  # type: ignore[misc]  # --api: api/registry.py


class ReasoningMode(str, enum.Enum):
    hidden = "hidden"
    off = "off"


EPILOG = N_(
    "Environment: YC_API_KEY or YC_IAM_TOKEN (credentials), YC_FOLDER_ID, YCHAT_API, YCHAT_ENDPOINT, "
    "YCHAT_OPERATION_ENDPOINT, YCHAT_OPENAI_API_KEY, YCHAT_MODEL, "
    "YCHAT_TIMEOUT, YCHAT_MAX_TIME, YCHAT_LOCAL_MODEL, YCHAT_LOCAL_THREADS, YCHAT_CONFIG, YCHAT_LANG, NO_COLOR. "
    "Without credentials the chat runs on the local model (the local extra). "
    "Exit codes: 0 ok, 1 API error, 2 usage/config, 3 auth, 4 quota, 5 network, 130 interrupted, "
    "141 stdout closed. "
    "In the chat, type /help."
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ychat {__version__}")
        raise typer.Exit()


@app.command(epilog=EPILOG)
def chat(
    prompt: Annotated[
        Optional[str], typer.Argument(help=N_("Ask once and print the answer; omit for the chat."))
    ] = None,
    system: Annotated[Optional[str], typer.Option("--system", "-s", help=N_("System prompt."))] = None,
    model: Annotated[
        Optional[str],
        typer.Option(
            "--model",
            "-m",
            help=N_("yandexgpt, yandexgpt-lite, yandexgpt/rc… or a gpt:// URI [default: yandexgpt; v1alpha: general]."),
        ),
    ] = None,
    temperature: Annotated[
        Optional[float],
        typer.Option(
            "--temperature", "-t", min=0.0, max=1.0, help=N_("Sampling temperature [default: the server's, 0.3].")
        ),
    ] = None,
    max_tokens: Annotated[Optional[int], typer.Option("--max-tokens", min=1, help=N_("Reply length limit."))] = None,
    no_stream: Annotated[bool, typer.Option("--no-stream", help=N_("Wait for the whole reply."))] = False,
    folder_id: Annotated[Optional[str], typer.Option("--folder-id", help=N_("Yandex Cloud folder id."))] = None,
    endpoint: Annotated[
        Optional[str],
        typer.Option(
            "--endpoint",
            help=N_("Base URL of the chosen API [default: https://llm.api.cloud.yandex.net; openai: …/v1]."),
        ),
    ] = None,
    timeout: Annotated[
        Optional[float], typer.Option("--timeout", min=0.001, help=N_("Seconds to wait for each read [default: 60]."))
    ] = None,
    max_time: Annotated[
        Optional[float],
        typer.Option("--max-time", min=0.001, help=N_("Seconds one whole reply may take, retries too [default: 600].")),
    ] = None,
    api: Annotated[
        Optional[Api],
        typer.Option(
            "--api", help=N_("Wire protocol: v1, v1alpha (legacy), openai (OpenAI-compatible) [default: v1].")
        ),
    ] = None,
    deferred: Annotated[
        bool, typer.Option("--async", help=N_("Deferred replies (v1): half the price, polled; the id goes to stderr."))
    ] = False,
    reasoning: Annotated[
        Optional[ReasoningMode], typer.Option("--reasoning", help=N_("Reasoning before answering (v1): hidden or off."))
    ] = None,
    local: Annotated[
        bool, typer.Option("--local", help=N_("Chat offline with the local model (the local extra)."))
    ] = False,
    local_model: Annotated[
        Optional[str], typer.Option("--local-model", metavar="PATH.gguf", help=N_("Local GGUF model; implies --local."))
    ] = None,
    again: Annotated[
        bool, typer.Option("--continue", "-c", help=N_("Resume the most recent saved conversation (chat or one-off)."))
    ] = False,
    resume: Annotated[
        Optional[str],
        typer.Option("--resume", metavar="ID", help=N_("Resume a saved conversation (a prefix of its id).")),
    ] = None,
    status: Annotated[
        Optional[bool], typer.Option("--status/--no-status", help=N_("A bottom toolbar: model, context used, cost."))
    ] = None,
    each_line: Annotated[
        bool, typer.Option("--each-line", help=N_("Answer each line of stdin (or --input) on its own, in order."))
    ] = False,
    input_file: Annotated[
        Optional[str], typer.Option("--input", metavar="FILE", help=N_("--each-line: read the questions from FILE."))
    ] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=64, help=N_("--each-line: requests in flight at most."))
    ] = 4,
    as_json: Annotated[
        bool, typer.Option("--json", help=N_("One-off: print one JSON object (text, finish reason, usage, ids)."))
    ] = False,
    no_save: Annotated[bool, typer.Option("--no-save", help=N_("Keep this session out of the history store."))] = False,
    profile: Annotated[
        Optional[str],
        typer.Option("--profile", "-p", help=N_("A [profiles.NAME] of the config file (or YCHAT_PROFILE).")),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help=N_("Log requests (secrets redacted)."))] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help=N_("Show the version."))
    ] = False,
) -> None:
    """Chat with YandexGPT in the terminal, or ask it once: ychat "question", cat notes | ychat "summarize".

    \b
    Commands:
      ychat serve          the local model as a YandexGPT-compatible API (ychat serve --help)
      ychat operation ID   the reply of a deferred operation (--async), waiting for it if needed
      ychat history        saved conversations: list, show, export, delete, search
      ychat models         the models the account or server offers
      ychat config         the config file: path, show, set KEY VALUE, unset KEY
      ychat auth           credentials: status, login
      ychat completion     a shell completion script: bash, zsh or fish
    """
    flags = {
        "system": system,
        "model": model,
        "temperature": temperature,
        "max_tokens": max_tokens,
        "stream": False if no_stream else None,
        "folder_id": folder_id,
        "endpoint": endpoint,
        "timeout": timeout,
        "max_time": max_time,
        "local_model": local_model,
        "api": api.value if api else None,
        "deferred": True if deferred else None,
        "reasoning": reasoning.value if reasoning else None,
        "profile": profile,
        "save": False if no_save else None,
        "continue": again or None,
        "resume": resume,
        "json": as_json or None,
        "each_line": each_line or input_file is not None or None,
        "input": input_file,
        "concurrency": concurrency,
        "status": status,
    }
    use_local = local or local_model is not None
    from ychat.program import run

    raise typer.Exit(guarded(lambda: run(flags, prompt, use_local), debug=debug))


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
