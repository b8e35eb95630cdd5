"""Files that hold conversations or settings: written whole and private, or not at all; and
small files read only when they are what they claim (``read_regular``).

A new file is written beside the target (0600 from its first byte), flushed to disk, then
renamed over it: a crash or a full disk leaves the old file as it was, and a file that existed
with wider permissions, or a symlink planted where the file goes, is replaced, not written
through. ``follow_link`` is for a file the user links on purpose (a config kept in dotfiles):
the link stays and its target is replaced.

    >>> write_private(Path("notes.md"), "# Notes\\n")
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from ychat.errors import UsageError, YChatError
from ychat.i18n import _

__all__ = ["NotRegularFile", "read_regular", "write_private"]


def write_private(path: Path, text: str | bytes, *, follow_link: bool = False, make_folder: bool = False) -> None:
    target = _target(path, follow_link=follow_link)
    if make_folder:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    elif not target.parent.is_dir():
        raise UsageError(
            _("cannot write {path}: the folder {folder} does not exist").format(path=path, folder=target.parent)
        )
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _failed(path, exc) from None
    try:
        raw = text if isinstance(text, bytes) else text.encode("utf-8")
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise _failed(path, exc) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _target(path: Path, *, follow_link: bool) -> Path:
    if path.is_symlink() and not path.exists():
        raise UsageError(_("cannot write {path}: it is a link to a file that does not exist").format(path=path))
    if path.is_dir():
        raise UsageError(_("cannot write {path}: it is a folder").format(path=path))
    return path.resolve() if follow_link and path.is_symlink() else path


def _failed(path: Path, exc: OSError) -> YChatError:
    return YChatError(_("cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc))


class NotRegularFile(Exception):
    """A FIFO, a device or a folder where a file was expected."""


def read_regular(path: Path, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of a regular file (a caller sees by the length that it is too
    large). Opened without waiting, so a FIFO is refused rather than waited on, and checked by
    type before anything is read (``/dev/zero`` never ends). OSError for what cannot be opened."""
    with open(path, "rb", buffering=0, opener=lambda name, flags: os.open(name, flags | os.O_NONBLOCK)) as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise NotRegularFile(path)
        return handle.read(limit + 1)
