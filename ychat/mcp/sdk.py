"""Loading the MCP SDK's client side only.

``import mcp`` runs the package's ``__init__``, which imports the server side as well (FastMCP,
its low-level server, SSE and starlette pieces): 460 ms here, of which ychat, a client, needs the
client modules only. ``client_side()`` registers the package without running its ``__init__`` —
its submodules import as usual — so starting the first server costs about 250 ms instead
(docs/performance.md, benchmarks/mcp_overhead.py). It also installs ychat's stand-in for httpx's
command-line tool (``ychat/api/http/__init__.py``) before the SDK imports httpx: 50 ms more.
"""

from __future__ import annotations

import importlib.util
import sys

from ychat.errors import UsageError
from ychat.i18n import _


def client_side() -> None:
    import ychat.api.http  # noqa: F401 - httpx's CLI stays a stand-in

    if "mcp" in sys.modules:
        return
    spec = importlib.util.find_spec("mcp")
    if spec is None or spec.submodule_search_locations is None:
        raise UsageError(
            _("MCP servers need the MCP SDK, which is not installed"),
            hint=_("Install ychat with its mcp extra: pip install 'ychat-cli[mcp]'"),
        )
    sys.modules["mcp"] = importlib.util.module_from_spec(spec)
