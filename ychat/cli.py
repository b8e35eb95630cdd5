"""The ``ychat`` command: options -> settings -> objects; errors -> one line and an exit code.

Thin on purpose. Heavy libraries (httpx, rich, prompt_toolkit) are imported only once a
chat actually starts, so ``--help`` and ``--version`` stay fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, BinaryIO, Optional

import typer

from ychat import __version__
from ychat.errors import ExitCode, UsageError, YChatError, describe

if TYPE_CHECKING:
    from ychat.backend import Backend
    from ychat.config import Settings
    from ychat.render import PlainRenderer
    from ychat.render.markdown import MarkdownRenderer
    from ychat.session import Renderer, Session


def _typer_app() -> typer.Typer:
    return typer.Typer(
        add_completion=False,
        context_settings={"help_option_names": ["-h", "--help"]},
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
    )


app = _typer_app()
serve_app = _typer_app()

EPILOG = (
    "Environment: YC_API_KEY or YC_IAM_TOKEN (credentials), YC_FOLDER_ID, YCHAT_ENDPOINT, YCHAT_MODEL, "
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
            "--model", "-m", help="yandexgpt, yandexgpt-lite, yandexgpt/rc… or a gpt:// URI [default: yandexgpt]."
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
        Optional[str], typer.Option("--endpoint", help="API base URL [default: https://llm.api.cloud.yandex.net].")
    ] = None,
    timeout: Annotated[
        Optional[float], typer.Option("--timeout", min=0.001, help="Seconds to wait for each read [default: 60].")
    ] = None,
    max_time: Annotated[
        Optional[float],
        typer.Option("--max-time", min=0.001, help="Seconds one whole reply may take, retries too [default: 600]."),
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
      ychat serve   the local model as a YandexGPT-compatible API (ychat serve --help)
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
    }
    use_local = local or local_model is not None
    raise typer.Exit(_guarded(lambda: _run(flags, prompt, use_local), debug=debug))


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
        _silence_stdout()
        return int(ExitCode.PIPE)
    except Exception as error:  # a bug: still one line, the traceback only with --debug
        if debug:
            raise
        typer.echo(f"ychat: internal error: {type(error).__name__}: {error} (--debug shows where)", err=True)
        return int(ExitCode.ERROR)
    return int(ExitCode.OK)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's last flush does not fail again (exit 120)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _exit_on_hangup_and_term(stop_prompt: Callable[[BaseException], bool] | None = None) -> None:
    """SIGTERM and SIGHUP end ychat as an exception would, so every ``finally`` runs: a live
    reply shows the cursor and echo again; the prompt (``stop_prompt``: asks a running one to
    leave, as Ctrl-D would) restores raw mode and bracketed paste. The exit status is still
    128 + the signal (143, 129)."""
    import signal

    def leave(signum: int, frame: object) -> None:
        error = SystemExit(128 + signum)
        if stop_prompt is None or not stop_prompt(error):
            raise error

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, leave)


def _run(flags: Mapping[str, object], prompt: str | None, use_local: bool) -> None:
    from ychat.backend import choose
    from ychat.config import default_config_file, load_settings
    from ychat.render import make_renderer

    env = os.environ
    _exit_on_hangup_and_term()
    settings = load_settings(flags, env=env, config_file=default_config_file(env))
    piped = not sys.stdin.isatty()
    message = one_off_message(prompt, _read_stdin(sys.stdin.buffer) if piped else None)
    model_flag, timeout_flag = flags.get("model"), flags.get("timeout")
    backend = choose(
        settings,
        local_requested=use_local,
        interactive=message is None,
        model_flag=model_flag if isinstance(model_flag, str) else None,
        timeout_flag=timeout_flag if isinstance(timeout_flag, float) else None,
    )
    with backend:
        renderer = make_renderer(sys.stdout, sys.stderr, markdown=sys.stdout.isatty())
        session = _build_session(settings, backend, renderer)
        for note in backend.notes:
            renderer.info(note)
        if message is not None:
            session.send(message)
        else:
            _repl(session, backend, renderer)


def _repl(session: Session, backend: Backend, renderer: MarkdownRenderer | PlainRenderer) -> None:
    """The prompt comes first; what the first reply needs is prepared while the user types."""
    from ychat import commands
    from ychat.prefetch import Prefetch
    from ychat.terminal import CommandCompleter, history_file, make_reader, stop_prompt

    _exit_on_hangup_and_term(stop_prompt)
    renderer.info(f"ychat {__version__} · {backend.model} · /help for commands, Ctrl-D to quit")
    models = () if backend.local else commands.MODEL_NAMES
    completer = CommandCompleter(commands.names(), models)
    with Prefetch(*backend.warm_up, renderer.prepare) as prefetch:  # the request needs the client first
        read_line = make_reader(history_file(), on_ready=prefetch.start, completer=completer, note=renderer.info)
        session.run(read_line)


def _build_session(settings: Settings, backend: Backend, renderer: Renderer) -> Session:
    from ychat.conversation import Conversation
    from ychat.session import ChatOptions, Session

    options = ChatOptions(
        backend.model, settings.temperature, settings.max_tokens, settings.stream, model_fixed=backend.local
    )
    return Session(backend.client, renderer, Conversation(system=settings.system), options)


def one_off_message(prompt: str | None, stdin_text: str | None) -> str | None:
    """PROMPT; or the stdin text; or both, PROMPT first, a blank line between. None: the REPL."""
    if stdin_text is not None and stdin_text.strip():
        return f"{prompt}\n\n{stdin_text}" if prompt else stdin_text
    if prompt is not None:
        if not prompt.strip():
            raise UsageError("the prompt is empty")
        return prompt
    if stdin_text is not None:
        raise UsageError("nothing to send: standard input was empty", hint='Pass a prompt: ychat "question".')
    return None


def _read_stdin(stream: BinaryIO) -> str:
    try:
        return stream.read().decode("utf-8").rstrip("\n")
    except UnicodeDecodeError:
        raise UsageError("standard input is not valid UTF-8 text") from None


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


def main() -> None:
    """``ychat serve …`` runs the server; anything else is the chat (``ychat -- serve`` asks "serve")."""
    if sys.argv[1:2] == ["serve"]:
        serve_app(args=sys.argv[2:], prog_name="ychat serve")
    else:
        app()
