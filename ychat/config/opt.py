"""``Opt``: what the options schema (``options.py``) declares of one option. Stdlib only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ychat.api.registry import NAMES
from ychat.config import values as v


@dataclass(frozen=True)
class Opt:
    """One option. ``flags`` empty: set by the environment or the config file only. ``setting``
    False: a flag of this run only (``--continue``), never read from the environment or file.
    ``switch``: a flag without a value that sets the option to this value (``--no-stream``:
    False). ``kind`` is the flag's Python type; ``low``/``high`` its range (checked by the
    parser of the flag and, for every other source, by ``check``)."""

    name: str
    check: Callable[[object], Any] = v.text
    flags: tuple[str, ...] = ()
    help: str = ""
    env: tuple[str, ...] = ()
    kind: type = str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    metavar: str | None = None
    switch: bool | None = None
    setting: bool = True
    default: Any = None  # the flag's default when it is not a setting (settings default in Settings)
    multiple: bool = False  # the flag may be given several times (-T a -T b): a list
    dialects: tuple[str, ...] = NAMES  # the dialects that use it (others refuse it: settings.py)
