"""Which API ychat talks to: YandexGPT in the cloud, or the local model in-process.

Both are an ApiClient speaking the same wire protocol; the local one reaches the
local server (ychat.server) with a real engine through an in-process transport (no socket), so streaming,
cancelling, history and rendering are the same code.

    >>> backend = choose(settings, local_requested=False, interactive=True, model_flag=None)
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ychat import local
from ychat.api.auth import ApiKey, Credentials
from ychat.api.client import ApiClient, dialect_for
from ychat.api.dialects.yandex import is_yandex
from ychat.api.http.transport import Transport, build_http_client
from ychat.api.registry import DEFAULT_ENDPOINT, OPENAI, record
from ychat.config.settings import Settings, require_credentials
from ychat.i18n import N_, _
from ychat.models.catalog import Listed, short_name
from ychat.models.windows import window_of

if TYPE_CHECKING:
    from ychat.api.dialects.deferred import Deferred
    from ychat.attach.route import Reader

LOCAL_ENDPOINT = "http://ychat.local"
OFFLINE_BANNER = N_(
    "Offline model (no credentials). For YandexGPT, set YC_API_KEY and YC_FOLDER_ID."
)  # fits 80 columns


@dataclass
class Backend:
    """The client to chat through, the model's display name, notes for the user, and work the
    first reply needs that the REPL may do ahead (``warm_up``, on a worker thread); close it after."""

    client: ApiClient
    model: str
    local: bool = False
    window: int | None = None  # known for sure (the local GGUF's context); else by model name
    notes: list[str] = field(default_factory=list)
    closers: list[Callable[[], None]] = field(default_factory=list)
    warm_up: list[Callable[[], object]] = field(default_factory=list)
    ocr: Callable[[], Reader] | None = None  # Yandex OCR, built when first used; None: offline

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.client.close()
        for close in self.closers:
            close()


def choose(
    settings: Settings,
    *,
    local_requested: bool,
    interactive: bool,
    model_flag: str | None,
    timeout_flag: float | None = None,
) -> Backend:
    """``--local`` -> the local model; no credentials in the REPL -> the local model with a
    banner (when the extra is installed); otherwise the cloud, which needs credentials."""
    if local_requested:
        return _local(settings, model_flag=model_flag, timeout_flag=timeout_flag, eager=not interactive)
    if settings.credentials is None and _needs_yandex(settings) and interactive and local.available():
        backend = _local(settings, model_flag=model_flag, timeout_flag=timeout_flag, eager=False)
        backend.notes.append(_(OFFLINE_BANNER))
        return backend
    return _cloud(settings)


def _cloud(settings: Settings) -> Backend:
    dialect = dialect_for(
        settings.api, endpoint=settings.endpoint, folder_id=settings.folder_id, data_logging=settings.data_logging
    )
    credentials = credentials_for(settings)
    dialect.check_model(settings.model)  # bad model/folder: exit 2 now
    transport = Transport(
        functools.partial(build_http_client, timeout=settings.timeout),
        credentials=credentials,
        max_time=settings.max_time,
    )
    client = ApiClient(transport, dialect, deferred=_deferred(settings, settings.operation_endpoint))
    warm_up: list[Callable[[], object]] = [client.prepare]
    if credentials is not None and credentials.refreshable:
        warm_up.append(credentials.authorization)  # the token exchange, while the user types
    made: list[Transport] = []  # OCR's own transport, when it needs one: closed with the backend
    ocr = functools.cache(functools.partial(_ocr, settings, transport, made))
    return Backend(client, settings.model, warm_up=warm_up, ocr=ocr, closers=[functools.partial(_close, made)])


def _needs_yandex(settings: Settings) -> bool:
    """Yandex's hosts need Yandex credentials; another OpenAI-compatible server may need none."""
    return not record(settings.api).any_server or is_yandex(settings.endpoint)


def _close(transports: list[Transport]) -> None:
    for transport in transports:
        transport.close()


def _ocr(settings: Settings, transport: Transport, made: list[Transport]) -> Reader:
    """Yandex Vision OCR with Yandex's credentials: the chat's own transport when it talks to
    Yandex; else (another OpenAI-compatible server) its own, which needs them (a clear error)."""
    from ychat.api.ocr import DEFAULT_OCR_ENDPOINT, Ocr

    if not _needs_yandex(settings):
        transport = Transport(
            functools.partial(build_http_client, timeout=settings.timeout),
            credentials=require_credentials(settings),
            max_time=settings.max_time,
        )
        made.append(transport)
    endpoint = settings.ocr_endpoint or DEFAULT_OCR_ENDPOINT
    ocr = Ocr(transport, endpoint=endpoint, folder_id=settings.folder_id, data_logging=settings.data_logging)
    return ocr.recognize


def credentials_for(settings: Settings) -> Credentials | None:
    return require_credentials(settings) if _needs_yandex(settings) else settings.openai_credentials


def _deferred(settings: Settings, operations: str | None) -> Callable[[], Deferred] | None:
    """v1's deferred mode, built when first used."""
    return functools.partial(_build_deferred, settings, operations) if record(settings.api).deferred else None


def _build_deferred(settings: Settings, operations: str | None) -> Deferred:
    """The operations service is Yandex's unless the endpoint is not."""
    from ychat.api.dialects.deferred import DEFAULT_OPERATIONS, Deferred

    if operations is None:
        operations = DEFAULT_OPERATIONS if settings.endpoint == DEFAULT_ENDPOINT else settings.endpoint
    return Deferred(
        endpoint=settings.endpoint,
        operations_endpoint=operations,
        folder_id=settings.folder_id,
        data_logging=settings.data_logging,
    )


def _local(settings: Settings, *, model_flag: str | None, timeout_flag: float | None, eager: bool) -> Backend:
    """``eager``: load the model now (a one-off needs it at once, and a model that cannot load is
    then one line and exit 2); the REPL loads it while the user types."""
    local.require()
    from ychat.local.engine import LlamaEngine
    from ychat.server.app import LocalAPI

    path = local.model_path(settings.local_model)
    engine = LlamaEngine(path, threads=settings.local_threads)
    if eager:
        engine.load()
    logging.getLogger("ychat.server").addHandler(logging.NullHandler())  # in-process: its errors reach the chat
    app = LocalAPI(engine=engine)
    transport = Transport(
        build_http_client(timeout=settings.timeout, wsgi_app=app),
        credentials=ApiKey("local"),
        max_time=settings.max_time,
    )
    endpoint = LOCAL_ENDPOINT + record(settings.api).local_path
    local_settings = dataclasses.replace(settings, endpoint=LOCAL_ENDPOINT, folder_id="local")
    dialect = dialect_for(settings.api, endpoint=endpoint, folder_id="local")
    client = ApiClient(transport, dialect, deferred=_deferred(local_settings, LOCAL_ENDPOINT))
    backend = Backend(
        client,
        engine.model_version,
        local=True,
        window=engine.context,
        closers=[engine.close],
        warm_up=[client.prepare, engine.load],
    )
    if model_flag:
        backend.notes.append(
            _("--model {model} is ignored offline; the model is {name}.").format(model=model_flag, name=path.name)
        )
    if timeout_flag is not None:
        backend.notes.append(_("--timeout does not apply offline (no network); --max-time does."))
    return backend


def server_models(settings: Settings, transport: Transport) -> Listed:
    """The OpenAI-compatible ``GET /v1/models`` of the configured endpoint, through ``transport``."""
    from ychat.api.dialects.openai import list_models

    base = record(settings.api).models_url(settings.endpoint)
    found = list_models(transport, base_url=base, folder_id=settings.folder_id)
    return [(name, window_of(short_name(name), dialect=OPENAI.name)) for name in found]  # listed by name
