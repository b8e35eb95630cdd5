"""The names the model sees for MCP tools: ``^[a-zA-Z0-9_-]{1,64}$`` (the OpenAI-compatible
rule; the MCP Gateway's own names are ``[a-zA-Z][-a-zA-Z0-9_]{0,63}``), unique across servers
and built-in tools. The user always sees ``server.tool``.

    >>> model_name("time", "get_current_time", taken=set())
    'time_get_current_time'
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Set

LIMIT = 64
UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
VALID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def model_name(server: str, tool: str, taken: Set[str]) -> str:
    """``server_tool``, characters outside the rule replaced by ``_``; a name too long or taken
    is shortened and ends in a short hash of ``server.tool``, so it stays stable from run to run."""
    name = UNSAFE.sub("_", f"{server}_{tool}").strip("_") or "tool"
    if len(name) <= LIMIT and name not in taken:
        return name
    for salt in range(100):
        digest = hashlib.sha256(f"{server}.{tool}.{salt}".encode()).hexdigest()[:8]
        candidate = f"{name[: LIMIT - 9]}_{digest}"
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover - 100 sha256 clashes


def label(server: str, tool: str) -> str:
    """What the user sees: ``server.tool``."""
    return f"{server}.{tool}"
