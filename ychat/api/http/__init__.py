"""The transport: the only importers of httpx (``transport.py``, ``edge.py``).

httpx's ``__init__`` imports its command-line tool, ``httpx._main``, which imports click, rich's
console, progress and syntax, and pygments (about 50 ms, a sixth of a one-off's run) whenever
click is installed (encode/httpx#3547, not merged). ychat never runs that tool, so ``httpx._main``
is a stand-in until something calls its ``main``, which then loads the real one.
"""

from __future__ import annotations

import importlib
import sys
import types


def _cli_on_demand() -> None:
    def main(*args: object, **kwargs: object) -> object:
        sys.modules.pop("httpx._main", None)
        return importlib.import_module("httpx._main").main(*args, **kwargs)

    stand_in = types.ModuleType("httpx._main", "httpx's command-line tool, loaded when first run")
    stand_in.main = main  # type: ignore[attr-defined]
    sys.modules["httpx._main"] = stand_in


if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
    _cli_on_demand()
