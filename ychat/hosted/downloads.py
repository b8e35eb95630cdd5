"""Files a hosted tool wrote (the code interpreter), downloaded into the current folder after the
reply — never over an existing file (``chart.png`` taken: ``chart (1).png``), under a name made
safe (no folders, no control characters, no leading dot) — and listed under the reply."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ychat.core import Produced
from ychat.errors import YChatError
from ychat.i18n import _

UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]+")


def safe_name(name: str) -> str:
    cleaned = UNSAFE.sub("_", Path(name.replace("\\", "/")).name).lstrip(".").strip()
    return cleaned[:200] or "file"


def save(folder: Path, name: str, data: bytes) -> Path:
    """``data`` as a new file in ``folder``: ``name``, else ``name (1)``, ``name (2)``…"""
    stem, suffix = os.path.splitext(safe_name(name))
    for n in range(10_000):
        path = folder / (f"{stem} ({n}){suffix}" if n else f"{stem}{suffix}")
        try:
            with open(path, "xb") as out:  # x: never over an existing file, even one made just now
                out.write(data)
            return path
        except FileExistsError:
            continue
    raise YChatError(_("no free name for {name} in {folder}").format(name=name, folder=folder))


def fetch(
    files: Sequence[Produced], client: Any, say: Callable[[str], None], fail: Callable[[YChatError], None]
) -> None:
    """Download each file through the client; one that fails is one error line, the rest go on."""
    download: Callable[[str, str], bytes] | None = getattr(client, "download", None)  # the Responses API's client
    for produced in files:
        try:
            if download is None:
                raise YChatError(
                    _("{name} was not downloaded: this client cannot fetch files").format(name=produced.filename)
                )
            data = download(produced.file_id, produced.container_id)
            path = save(Path.cwd(), produced.filename, data)
        except YChatError as error:
            fail(error)
            continue
        except OSError as error:
            fail(YChatError(_("cannot save {name}: {error}").format(name=produced.filename, error=error.strerror)))
            continue
        say(_("saved {path} ({size:,} bytes)").format(path=path.name, size=len(data)))
