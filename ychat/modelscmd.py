"""``ychat models [--json]``: the models this account (or server) offers, with their short names
and context windows where ychat knows them; offline, the local GGUF."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from ychat.api.registry import OPENAI, record
from ychat.config.settings import Settings, default_config_file, load_settings
from ychat.models.catalog import Listed, short_name
from ychat.models.windows import window_of

if TYPE_CHECKING:
    from ychat.api.http.transport import Transport

__all__ = ["listed", "remote", "short_name", "show"]


def listed(flags: Mapping[str, object], *, local: bool) -> Listed:
    """(model id, context window if known) of each model."""
    from ychat.backend import choose

    settings = load_settings(flags, env=os.environ, config_file=default_config_file(os.environ))
    if local:
        with choose(settings, local_requested=True, interactive=False, model_flag=None) as backend:
            return [(backend.model, backend.window)]
    from ychat.api.http.transport import Transport, build_http_client
    from ychat.backend import credentials_for

    transport = Transport(build_http_client(timeout=settings.timeout), credentials=credentials_for(settings))
    try:
        return remote(settings, transport)
    finally:
        transport.close()


def remote(settings: Settings, transport: Transport) -> Listed:
    """The OpenAI-compatible ``GET /v1/models`` of the configured endpoint, through ``transport``."""
    from ychat.api.dialects.probe import models

    base = record(settings.api).models_url(settings.endpoint)
    found = models(transport, base_url=base, folder_id=settings.folder_id)
    return [(name, window_of(short_name(name), dialect=OPENAI.name)) for name in found]  # listed by name


def show(say: Callable[[str], None], found: Listed, *, as_json: bool) -> None:
    rows = [{"id": name, "name": short_name(name), "context_window": window} for name, window in found]
    if as_json:
        for row in rows:
            say(json.dumps(row, ensure_ascii=False))
        return
    for row in rows:
        window = f"{row['context_window']:,}" if row["context_window"] else "?"
        say(f"{row['name']:<28} {window:>9}  {row['id']}")
