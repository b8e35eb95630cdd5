"""Search indexes by name: ``indexes.json`` in ychat's data folder (0600, written atomically)
maps each NAME the user gave to the index's id and the files in it; ``build`` uploads files and
makes an index, waiting until it is ready (``ychat index create``).

    >>> remember(env, "docs", {"id": "vs1", "files": ["a.pdf"]})
    >>> index_id(env, "docs")
    'vs1'
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ychat.errors import UsageError, YChatError
from ychat.i18n import _

MAX_FILE = 128 * 1024 * 1024  # bytes: the Files API's limit per file (RESPONSES.md §8.2)
POLL = 1.0  # seconds between two looks at an index being built


def registry_path(env: Mapping[str, str] = os.environ) -> Path:
    """Beside the conversation store (``YCHAT_DATA_DIR``, else the user data folder)."""
    from ychat.history.keeper import store_path

    return store_path(env).parent / "indexes.json"


def known(env: Mapping[str, str] = os.environ) -> dict[str, dict[str, Any]]:
    path = registry_path(env)
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise YChatError(_("cannot read {path}: {error}").format(path=path, error=error)) from None
    return found if isinstance(found, dict) else {}


def _write(found: Mapping[str, Any], env: Mapping[str, str]) -> None:
    from ychat.privatefile import write_private

    write_private(registry_path(env), json.dumps(found, ensure_ascii=False, indent=2) + "\n", make_folder=True)


def remember(env: Mapping[str, str], name: str, entry: Mapping[str, Any]) -> None:
    _write({**known(env), name: dict(entry)}, env)


def forget(env: Mapping[str, str], name: str) -> None:
    found = known(env)
    found.pop(name, None)
    _write(found, env)


def index_id(env: Mapping[str, str], name: str) -> str:
    """The id of the index called ``name``; an unknown name is a usage error listing the known ones."""
    found = known(env)
    if name not in found:
        names = ", ".join(found) or _("none yet: ychat index create NAME FILE...")
        raise UsageError(_("no search index named {name}; the indexes are: {names}").format(name=name, names=names))
    return str(found[name]["id"])


def read_files(paths: Sequence[str]) -> list[tuple[Path, bytes]]:
    """Every file, read before anything is uploaded: a missing, unreadable or too large one is an error."""
    found = []
    for given in paths:
        path = Path(given).expanduser()
        try:
            if path.stat().st_size > MAX_FILE:
                raise UsageError(_("{path} is larger than 128 MB, the most an index takes per file").format(path=given))
            found.append((path, path.read_bytes()))
        except OSError as error:
            raise UsageError(
                _("cannot read {path}: {error}").format(path=given, error=error.strerror or error)
            ) from None
    return found


def build(
    indexes: Any,
    name: str,
    files: Sequence[tuple[Path, bytes]],
    step: Callable[[str, int], None],
    *,
    index: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Upload ``files``, then make the index (or add them to ``index``) and wait until it is ready."""
    ids = []
    for done, (path, data) in enumerate(files):
        step(_("uploading {name}").format(name=path.name), done)
        ids.append(indexes.upload(path, data))
    if index is None:
        index = str(indexes.create(name, ids))
    else:
        for file_id in ids:
            indexes.add(index, file_id)
    while True:
        state = indexes.state(index)
        step(_("indexing"), len(files))
        if state.status == "completed":
            return index
        if state.status in ("failed", "expired", "cancelled"):
            raise YChatError(
                _("the search index {name} could not be built: {status}").format(name=name, status=state.status)
            )
        sleep(POLL)
