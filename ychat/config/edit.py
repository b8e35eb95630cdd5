"""Editing the config file in place: read, change and write under a lock, keeping comments,
order and layout (tomlkit, imported only here), 0600 and atomic (a new file renamed over it).
``ychat config set|unset`` and ``ychat tools allow|forget`` write through it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ychat.config.file import read_regular_file
from ychat.errors import ConfigError
from ychat.i18n import _


def edit(target: Path, profile: str | None, change: Callable[[Any], None], done: str) -> str:
    """Read, change and write under a lock: two ``ychat config set`` at once lose no update.
    A symlinked config is edited through the link (the link stays)."""
    with locked(target):
        _write(target, _changed(target, profile, change))
    return _("{done} in {target}").format(done=done, target=target) + (
        _(" [profiles.{profile}]").format(profile=profile) if profile else ""
    )


def _changed(target: Path, profile: str | None, change: Callable[[Any], None]) -> str:
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        text = read_regular_file(target).decode("utf-8")
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(_("cannot read config file {path}: {strerror}").format(path=target, strerror=exc)) from None
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ConfigError(
            _("{target} is not valid TOML: {exc}; it was left as it is").format(target=target, exc=exc)
        ) from None
    change(_table(document, profile))
    updated = tomlkit.dumps(document)
    if updated and not updated.endswith("\n"):
        updated += "\n"  # removing the last key can take the file's final newline with it
    return updated


@contextmanager
def locked(target: Path) -> Iterator[None]:
    """An exclusive lock on a file beside the config (the config itself is replaced by a rename)."""
    import fcntl

    folder = target.resolve().parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(folder / f".{target.resolve().name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def _table(document: Any, profile: str | None) -> Any:
    import tomlkit

    if profile is None:
        return document
    profiles = document.setdefault("profiles", tomlkit.table(is_super_table=True))
    if profile not in profiles:
        profiles[profile] = tomlkit.table()
    return profiles[profile]


def _write(target: Path, text: str) -> None:
    from ychat.privatefile import write_private

    write_private(target, text, follow_link=True, make_folder=True)
