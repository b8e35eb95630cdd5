"""``ychat models [--json]``: the models this account (or server) offers, with their short names
and context windows where ychat knows them; offline, the local GGUF."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping

from ychat.config import Settings, default_config_file, load_settings
from ychat.window import window_of


def short_name(model: str) -> str:
    """``gpt://b1g…/yandexgpt-lite/latest`` -> ``yandexgpt-lite``; other ids stay as they are."""
    if "://" not in model:
        return model
    parts = model.split("://", 1)[1].split("/")
    name = parts[1] if len(parts) > 1 else parts[0]
    return name + (f"/{parts[2]}" if len(parts) > 2 and parts[2] not in ("latest", "") else "")


def listed(flags: Mapping[str, object], *, local: bool) -> list[tuple[str, int | None]]:
    """(model id, context window if known) of each model."""
    from ychat.backend import choose

    settings = load_settings(flags, env=os.environ, config_file=default_config_file(os.environ))
    if local:
        with choose(settings, local_requested=True, interactive=False, model_flag=None) as backend:
            return [(backend.model, backend.window)]
    return [(name, window_of(short_name(name), dialect="openai")) for name in _remote(settings)]


def _remote(settings: Settings) -> list[str]:
    from ychat.api.probe import models
    from ychat.api.transport import Transport, build_http_client
    from ychat.backend import credentials_for

    base = settings.endpoint if settings.api == "openai" else settings.endpoint.rstrip("/") + "/v1"
    transport = Transport(build_http_client(timeout=settings.timeout), credentials=credentials_for(settings))
    try:
        return models(transport, base_url=base, folder_id=settings.folder_id)
    finally:
        transport.close()


def show(say: Callable[[str], None], found: list[tuple[str, int | None]], *, as_json: bool) -> None:
    rows = [{"id": name, "name": short_name(name), "context_window": window} for name, window in found]
    if as_json:
        for row in rows:
            say(json.dumps(row, ensure_ascii=False))
        return
    for row in rows:
        window = f"{row['context_window']:,}" if row["context_window"] else "?"
        say(f"{row['name']:<28} {window:>9}  {row['id']}")
