"""What MCP costs (issue 21's budgets), with the scripted stdio server of the tests.

1. Importing the SDK beyond ``import ychat``, as ychat does (its client side: ychat/mcp/sdk.py) and
   whole (``import mcp``): paid once when the first server starts (in the REPL on the prefetch
   thread, after the prompt), never by ``--help``, a plain chat or a one-off without MCP.
2. Connecting: start, ``initialize`` and ``tools/list`` of one stdio server (process start included).
3. A call through a stdio server beyond the server's own time: ``Hub.call`` against a bare
   JSON-RPC round trip over pipes to the same server; target <= 5 ms.
4. The REPL prompt, launch to prompt, with three servers enabled against none (they start after
   the prompt): target unchanged.
5. ``ychat --help`` with an mcp.json of three servers against none: target unchanged.

    python benchmarks/mcp_overhead.py [--runs 15] [--json]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _common import PROMPT, PYTHON, YCHAT, cloud_env, interleaved, ms, parser, private_home, report, wall

SCRIPTED = Path(__file__).resolve().parent.parent / "tests" / "mcp_servers" / "scripted.py"
ENTRY = {"command": sys.executable, "args": [str(SCRIPTED)]}


def import_cost(light: bool) -> float:
    """Loading the SDK as ychat does (its client side only) or whole (``import mcp``)."""
    how = "from ychat.mcp.sdk import client_side; client_side(); import ychat.mcp.hub" if light else "import mcp"
    return wall([PYTHON, "-c", how], os.environ) - wall([PYTHON, "-c", "import ychat"], os.environ)


def connect_and_call(runs: int) -> dict[str, float]:
    from ychat.mcp.sdk import client_side
    from ychat.mcp.servers import parse

    client_side()
    from ychat.mcp.hub import Hub

    hub = Hub({"s": parse("s", ENTRY, "bench")}, env=os.environ)
    hub.call("s", "echo", {"text": "warm"}, 10)  # the loop and the SDK, loaded once

    def connect() -> float:
        hub.restart("s")
        start = time.perf_counter()
        hub.restart("s")
        return time.perf_counter() - start

    def call() -> float:
        start = time.perf_counter()
        hub.call("s", "echo", {"text": "hello"}, 10)
        return time.perf_counter() - start

    bare = Bare()
    try:
        return interleaved({"connect_s": connect, "call_s": call, "bare_round_trip_s": bare.round_trip}, runs)
    finally:
        bare.close()
        hub.close()


class Bare:
    """The same server over pipes, spoken to by hand: its own time plus the pipes'."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(SCRIPTED)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self.ask({"method": "initialize", "params": {"protocolVersion": "2025-06-18"}})
        self.next = 1

    def ask(self, message: dict[str, Any]) -> bytes:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"jsonrpc": "2.0", "id": 1, **message}).encode() + b"\n")
        self.process.stdin.flush()
        return self.process.stdout.readline()

    def round_trip(self) -> float:
        start = time.perf_counter()
        self.ask({"method": "tools/call", "params": {"name": "echo", "arguments": {"text": "hello"}}})
        return time.perf_counter() - start

    def close(self) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        self.process.wait()
        self.process.stdout.close()


def prompt_time(env: dict[str, str], args: list[str]) -> float:
    import pexpect

    start = time.perf_counter()
    child = pexpect.spawn(YCHAT, args, env=env, encoding="utf-8", dimensions=(40, 100), timeout=30)
    child.expect_exact(PROMPT)
    elapsed = time.perf_counter() - start
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    return elapsed


def main() -> None:
    args = parser(__doc__, runs=15).parse_args()
    figures = interleaved(
        {"sdk_import_s": lambda: import_cost(True), "sdk_whole_import_s": lambda: import_cost(False)},
        max(5, args.runs // 3),
    )
    figures |= connect_and_call(args.runs)
    with private_home() as base:
        env = cloud_env(base, "http://127.0.0.1:9")
        folder = Path(env["XDG_CONFIG_HOME"]) / "ychat"
        folder.mkdir(parents=True)
        (folder / "mcp.json").write_text(json.dumps({"mcpServers": {name: ENTRY for name in ("a", "b", "c")}}))
        three = ["-T", "a", "-T", "b", "-T", "c"]
        figures |= interleaved(
            {
                "prompt_no_servers_s": lambda: prompt_time(env, []),
                "prompt_three_servers_s": lambda: prompt_time(env, three),
                "help_s": lambda: wall([YCHAT, "--help"], env),
            },
            args.runs,
        )
        (folder / "mcp.json").unlink()
        figures |= interleaved({"help_no_mcp_file_s": lambda: wall([YCHAT, "--help"], env)}, args.runs)
    added = figures["call_s"] - figures["bare_round_trip_s"]
    figures["call_added_s"] = added
    lines = [
        f"SDK import, client side, beyond ychat     {ms(figures['sdk_import_s'])}   "
        f"(whole package: {ms(figures['sdk_whole_import_s'])})",
        f"connect one stdio server                  {ms(figures['connect_s'])}   (process start, initialize, tools/list)",
        f"a call through ychat                      {ms(figures['call_s'])}",
        f"  the same call over bare pipes           {ms(figures['bare_round_trip_s'])}",
        f"  added by ychat and the SDK              {ms(added)}   (target <= 5 ms)",
        f"REPL prompt, no servers / three           {ms(figures['prompt_no_servers_s'])} / "
        f"{ms(figures['prompt_three_servers_s'])}   (target: unchanged)",
        f"--help, mcp.json of three / none          {ms(figures['help_s'])} / {ms(figures['help_no_mcp_file_s'])}",
        f"medians of {args.runs} interleaved runs",
    ]
    report(figures, lines, args.json)


if __name__ == "__main__":
    main()
