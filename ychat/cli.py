"""The ``ychat`` command: options -> settings -> objects; errors -> one line and an exit code.

Thin on purpose. Heavy libraries (httpx, rich, prompt_toolkit) are imported only once a
chat actually starts, so ``--help`` and ``--version`` stay fast.
"""

from __future__ import annotations

import enum
import os
import sys
from collections.abc import Callable
from typing import Annotated, Optional

import typer

from ychat import __version__
from ychat.errors import ExitCode, YChatError, describe


def _typer_app() -> typer.Typer:
    return typer.Typer(
        add_completion=False,
        context_settings={"help_option_names": ["-h", "--help"]},
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
    )


app = _typer_app()
serve_app = _typer_app()
operation_app = _typer_app()


class Api(str, enum.Enum):
    v1 = "v1"
    v1alpha = "v1alpha"
    openai = "openai"


class ReasoningMode(str, enum.Enum):
    hidden = "hidden"
    off = "off"


EPILOG = (
    "Environment: YC_API_KEY or YC_IAM_TOKEN (credentials), YC_FOLDER_ID, YCHAT_API, YCHAT_ENDPOINT, "
    "YCHAT_OPERATION_ENDPOINT, YCHAT_OPENAI_API_KEY, YCHAT_MODEL, "
    "YCHAT_TIMEOUT, YCHAT_MAX_TIME, YCHAT_LOCAL_MODEL, YCHAT_LOCAL_THREADS, YCHAT_CONFIG, NO_COLOR. "
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
    prompt: Annotated[Optional[str], typer.Argument(help="Ask once and print the answer; omit for the chat.")] = None,
    system: Annotated[Optional[str], typer.Option("--system", "-s", help="System prompt.")] = None,
    model: Annotated[
        Optional[str],
        typer.Option(
            "--model",
            "-m",
            help="yandexgpt, yandexgpt-lite, yandexgpt/rc… or a gpt:// URI [default: yandexgpt; v1alpha: general].",
        ),
    ] = None,
    temperature: Annotated[
        Optional[float],
        typer.Option(
            "--temperature", "-t", min=0.0, max=1.0, help="Sampling temperature [default: the server's, 0.3]."
        ),
    ] = None,
    max_tokens: Annotated[Optional[int], typer.Option("--max-tokens", min=1, help="Reply length limit.")] = None,
    no_stream: Annotated[bool, typer.Option("--no-stream", help="Wait for the whole reply.")] = False,
    folder_id: Annotated[Optional[str], typer.Option("--folder-id", help="Yandex Cloud folder id.")] = None,
    endpoint: Annotated[
        Optional[str],
        typer.Option(
            "--endpoint", help="Base URL of the chosen API [default: https://llm.api.cloud.yandex.net; openai: …/v1]."
        ),
    ] = None,
    timeout: Annotated[
        Optional[float], typer.Option("--timeout", min=0.001, help="Seconds to wait for each read [default: 60].")
    ] = None,
    max_time: Annotated[
        Optional[float],
        typer.Option("--max-time", min=0.001, help="Seconds one whole reply may take, retries too [default: 600]."),
    ] = None,
    api: Annotated[
        Optional[Api],
        typer.Option("--api", help="Wire protocol: v1, v1alpha (legacy), openai (OpenAI-compatible) [default: v1]."),
    ] = None,
    deferred: Annotated[
        bool, typer.Option("--async", help="Deferred replies (v1): half the price, polled; the id goes to stderr.")
    ] = False,
    reasoning: Annotated[
        Optional[ReasoningMode], typer.Option("--reasoning", help="Reasoning before answering (v1): hidden or off.")
    ] = None,
    local: Annotated[
        bool, typer.Option("--local", help="Chat offline with the local model (the local extra).")
    ] = False,
    local_model: Annotated[
        Optional[str], typer.Option("--local-model", metavar="PATH.gguf", help="Local GGUF model; implies --local.")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Log requests (secrets redacted).")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Chat with YandexGPT in the terminal, or ask it once: ychat "question", cat notes | ychat "summarize".

    \b
    Commands:
      ychat serve          the local model as a YandexGPT-compatible API (ychat serve --help)
      ychat operation ID   the reply of a deferred operation (--async), waiting for it if needed
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
    }
    use_local = local or local_model is not None
    from ychat.run import run

    raise typer.Exit(_guarded(lambda: run(flags, prompt, use_local), debug=debug))


def _guarded(action: Callable[[], None], *, debug: bool) -> int:
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
        typer.echo(line + (f"\n{hint}" if hint else ""), err=True)
        return int(error.exit_code)
    except KeyboardInterrupt:
        typer.echo("", err=True)
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:  # `ychat q | head -1`: the reader left; say nothing, like a SIGPIPE death
        from ychat.run import silence_stdout

        silence_stdout()
        return int(ExitCode.PIPE)
    except Exception as error:  # a bug: still one line, the traceback only with --debug
        if debug:
            raise
        typer.echo(f"ychat: internal error: {type(error).__name__}: {error} (--debug shows where)", err=True)
        return int(ExitCode.ERROR)
    return int(ExitCode.OK)


@serve_app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on; non-loopback prints a warning.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port", min=0, max=65535)] = 8787,
    local_model: Annotated[Optional[str], typer.Option("--local-model", metavar="PATH.gguf")] = None,
    threads: Annotated[
        Optional[int], typer.Option("--threads", min=1, help="llama.cpp threads [default: half the cores].")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug")] = False,
) -> None:
    """Serve the local model over the YandexGPT v1 API (completion, tokenize, completionAsync, operations)."""

    def action() -> None:
        from ychat import local
        from ychat.config import default_config_file, load_settings

        local.require()
        from ychat.local.serve import run

        flags = {"local_model": local_model, "local_threads": threads}
        settings = load_settings(flags, env=os.environ, config_file=default_config_file(os.environ))
        run(host, port, local.model_path(settings.local_model), threads=settings.local_threads)

    raise typer.Exit(_guarded(action, debug=debug))


@operation_app.command()
def operation(
    operation_id: Annotated[str, typer.Argument(metavar="ID", help="The id --async printed.")],
    debug: Annotated[bool, typer.Option("--debug")] = False,
) -> None:
    """Print a deferred operation's reply, waiting while it runs (credentials and endpoints as for the chat)."""
    from ychat.run import fetch_operation

    raise typer.Exit(_guarded(lambda: fetch_operation(operation_id), debug=debug))


def main() -> None:
    """``ychat serve …`` runs the server, ``ychat operation ID`` fetches a deferred reply; anything
    else is the chat (``ychat -- serve`` asks the word "serve")."""
    if sys.argv[1:2] == ["serve"]:
        serve_app(args=sys.argv[2:], prog_name="ychat serve")
    elif sys.argv[1:2] == ["operation"]:
        operation_app(args=sys.argv[2:], prog_name="ychat operation")
    else:
        app()
