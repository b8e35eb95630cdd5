"""What the ``ychat`` command does once its options are parsed: settings -> backend -> session.
No typer here (``cli/`` owns it); heavy libraries are imported only when a chat starts."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from ychat import __version__
from ychat.errors import UsageError
from ychat.i18n import _
from ychat.inputs import attachments, one_off_message, read_stdin, reads_stdin

if TYPE_CHECKING:
    from ychat.backend import Backend
    from ychat.config.settings import Settings
    from ychat.models.catalog import ModelCatalog
    from ychat.render import PlainRenderer
    from ychat.render.markdown import MarkdownRenderer
    from ychat.repl.ports import Renderer, Role
    from ychat.repl.session import Session
    from ychat.tools.runner import Toolbox


def silence_stdout() -> None:
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


def run(flags: Mapping[str, object], prompt: str | None, use_local: bool) -> None:
    from ychat.backend import choose
    from ychat.config.settings import default_config_file, load_settings
    from ychat.render import make_renderer

    env = os.environ
    _exit_on_hangup_and_term()
    settings = load_settings(flags, env=env, config_file=default_config_file(env))
    if flags.get("each_line"):
        return _each_line(flags, prompt, settings, use_local)
    piped = not sys.stdin.isatty()
    attached = attachments(flags.get("attach"), sys.stdin.buffer, piped=piped)
    stdin_taken = reads_stdin(flags.get("attach"))  # -a -: stdin is the picture
    stdin_text = read_stdin(sys.stdin.buffer) if piped and not stdin_taken else None
    message = one_off_message(prompt, stdin_text)
    if message is None and piped and attached:
        raise UsageError(_('-a - needs a prompt: ychat -a - "What is on this picture?" < photo.png'))
    if flags.get("json") and message is None:
        raise UsageError(_('--json is for a one-off: ychat --json "question"'))
    model_flag, timeout_flag = flags.get("model"), flags.get("timeout")
    backend = choose(
        settings,
        local_requested=use_local,
        interactive=message is None,
        model_flag=model_flag if isinstance(model_flag, str) else None,
        timeout_flag=timeout_flag if isinstance(timeout_flag, float) else None,
    )
    with backend, contextlib.ExitStack() as stack:
        renderer = make_renderer(sys.stdout, sys.stderr, markdown=sys.stdout.isatty())
        session = _build_session(settings, backend, renderer, ConfigProfiles(flags, env))
        session.ocr, session.pending = backend.ocr, attached  # -a: with the first message
        session.make_tools = lambda: _tools(settings, flags, renderer)
        session.tools = session.make_tools() if settings.tools or flags.get("functions") else None
        stack.callback(lambda: session.tools.close() if session.tools else None)  # MCP servers stop, always
        for note in backend.notes:
            renderer.info(note)
        if message is None:  # ychat -a PATH: the chat's first message carries them
            from ychat.repl.attaching import add

            session.pending = []
            for attachment in attached:
                add(session, attachment)
        _keep(session, settings, flags, stack)
        structured = _structured(session, flags)
        if message is not None:
            if flags.get("json"):
                session.renderer = _json_renderer(session)
            elif structured:
                from ychat.render.jsonout import Quiet

                session.renderer = Quiet(sys.stdout, sys.stderr)
            done = session.send(message)
            if structured and not flags.get("json"):
                from ychat.structured import check, emit

                emit(done.text, check(done.text, session.options.schema), sys.stdout)
        else:
            _repl(session, backend, renderer, status=settings.status)


def _repl(session: Session, backend: Backend, renderer: MarkdownRenderer | PlainRenderer, *, status: bool) -> None:
    """The prompt comes first; what the first reply needs is prepared while the user types."""
    from ychat.repl import commands
    from ychat.repl.prefetch import Prefetch
    from ychat.repl.terminal import CommandCompleter, history_file, make_reader, output_kept_on_ctrl_c, stop_prompt

    _exit_on_hangup_and_term(stop_prompt)
    renderer.info(
        _("ychat {version} · {model} · /help for commands, Ctrl-D to quit").format(
            version=__version__, model=session.options.model
        )
    )
    models = session.catalog.names if session.catalog and not backend.local else ()  # offline: one model
    completer = CommandCompleter(commands.names(), models)
    tools = [session.tools.warm_up] if session.tools else []  # MCP servers start once the prompt is shown
    keys = sys.stdin.fileno() if sys.stdin.isatty() else None
    with output_kept_on_ctrl_c(keys), Prefetch(*tools, *backend.warm_up, renderer.prepare) as prefetch:
        toolbar = session.status_line if status else None
        read_line = make_reader(
            history_file(), on_ready=prefetch.start, completer=completer, note=renderer.info, toolbar=toolbar
        )
        session.run(read_line)


def _each_line(flags: Mapping[str, object], prompt: str | None, settings: Settings, use_local: bool) -> None:
    from ychat.backend import choose
    from ychat.batch.run import run_each_line

    if flags.get("attach"):
        raise UsageError(_("-a/--attach goes with one message: it is not for --each-line"))
    backend = choose(settings, local_requested=use_local, interactive=False, model_flag=None)
    options = settings.request_options(stream=False)
    if flags.get("schema") or flags.get("json_object"):
        from ychat.structured import parse_spec

        spec = flags.get("schema")
        options = replace(
            options, schema=parse_spec(str(spec)) if spec else None, json_object=bool(flags.get("json_object"))
        )
    with backend:
        source, concurrency = flags.get("input"), flags.get("concurrency")
        run_each_line(
            backend.client,
            backend.model,
            options,
            system=settings.system,
            prompt=prompt,
            source=str(source) if source is not None else None,
            concurrency=int(concurrency) if isinstance(concurrency, int) else 4,
            as_json=bool(flags.get("json")),
        )


def _structured(session: Session, flags: Mapping[str, object]) -> bool:
    """--schema SPEC and --json-object: what each request asks the reply to be."""
    spec, session.options.json_object = flags.get("schema"), bool(flags.get("json_object"))
    if spec:
        from ychat.structured import parse_spec

        session.options.schema = parse_spec(str(spec))
    return bool(spec) or session.options.json_object


def _tools(settings: Settings, flags: Mapping[str, object], renderer: Renderer) -> Toolbox:
    from ychat.repl.approve import toolbox_for

    files = flags.get("functions")
    functions = [str(f) for f in files] if isinstance(files, tuple) else []
    return toolbox_for(settings, yes=bool(flags.get("yes")), note=renderer.info, functions=functions)


def _json_renderer(session: Session) -> Renderer:
    from ychat.render.jsonout import JsonRenderer

    cid = lambda: session.keeper.cid if session.keeper else None  # noqa: E731
    return JsonRenderer(sys.stdout, sys.stderr, cid, session.conversation)


def _keep(session: Session, settings: Settings, flags: Mapping[str, object], stack: contextlib.ExitStack) -> None:
    """The store: a conversation resumed from it (-c, --resume) and this one saved to it as it goes."""
    resume, again = flags.get("resume"), flags.get("continue")
    if not settings.save and not resume and not again:
        return
    from ychat.history.keeper import Keeper, existing_store, open_store, store_path
    from ychat.repl.resume import resumed

    path = store_path(os.environ)
    kind = session.options.names_from
    store = existing_store(path) if resume or again else None
    if store is not None:
        stack.callback(store.close)
    cid = resumed(store, flags, session) if resume or again else None
    if not settings.save:
        return
    if store is None:
        session.keeper = keeper = Keeper(lambda: open_store(path), dialect=kind, model=session.options.model)
        stack.callback(keeper.close)  # opened with the first message sent: the prompt never waits for SQLite
    else:
        session.keeper = Keeper(store, dialect=kind, model=session.options.model, cid=cid)


class ConfigProfiles:
    """The config file's profiles, each resolved with the same precedence as at start-up."""

    def __init__(self, flags: Mapping[str, object], env: Mapping[str, str]) -> None:
        self._flags, self._env = flags, env

    def names(self) -> list[str]:
        from ychat.config.file import read_config_file
        from ychat.config.settings import SOURCES, default_config_file

        return sorted(read_config_file(default_config_file(self._env), SOURCES).profiles)

    def get(self, name: str) -> Role:
        from ychat.config.settings import default_config_file, load_settings
        from ychat.repl.ports import Role

        config = default_config_file(self._env)
        settings = load_settings({**self._flags, "profile": name}, env=self._env, config_file=config)
        return Role(name, settings.model, settings.system, settings.temperature, settings.max_tokens)


def _build_session(
    settings: Settings, backend: Backend, renderer: Renderer, profiles: ConfigProfiles | None = None
) -> Session:
    from ychat.conversation import Conversation
    from ychat.core import Reasoning
    from ychat.repl.session import ChatOptions, Session

    options = ChatOptions(
        backend.model,
        settings.temperature,
        settings.max_tokens,
        settings.stream,
        model_fixed=backend.local,
        reasoning=Reasoning(settings.reasoning) if settings.reasoning else None,
        deferred=settings.deferred,
        deferred_available=backend.client.deferred is not None,
        window=settings.context_window or backend.window,
        dialect=settings.api,
        price_per_1k=settings.price_per_1k,
        context=settings.context,
        local=backend.local,
        server_state=settings.server_state,
        web_search=settings.web_search,
        file_search=_index(settings.index),
        code_interpreter=settings.code_interpreter,
        vision_models=settings.vision_models,
        ocr=settings.ocr,
    )
    session = Session(backend.client, renderer, Conversation(system=settings.system), options, profiles)
    session.profile = settings.profile
    session.catalog = _catalog(settings, backend)
    return session


def _catalog(settings: Settings, backend: Backend) -> ModelCatalog:
    """Offline, the one GGUF; else the names ychat knows and the server's ``GET /v1/models``."""
    from ychat.backend import server_models
    from ychat.models.catalog import ModelCatalog
    from ychat.repl import commands

    if backend.local:
        return ModelCatalog(lambda: [(backend.model, backend.window)])
    transport = backend.client.transport
    return ModelCatalog(lambda: server_models(settings, transport), known=commands.MODEL_NAMES)


def fetch_operation(operation_id: str, profile: str | None = None) -> None:
    """``ychat operation ID``: the reply of a deferred operation, on stdout."""
    from ychat.backend import choose
    from ychat.config.settings import default_config_file, load_settings
    from ychat.render import make_renderer

    settings = load_settings({"profile": profile}, env=os.environ, config_file=default_config_file(os.environ))
    backend = choose(settings, local_requested=False, interactive=False, model_flag=None)
    with backend:
        renderer = make_renderer(sys.stdout, sys.stderr, markdown=sys.stdout.isatty())
        _build_session(settings, backend, renderer).show(backend.client.follow(operation_id))


def _index(name: str | None) -> str | None:
    from ychat.hosted.indexes import index_id

    return index_id(os.environ, name) if name else None
