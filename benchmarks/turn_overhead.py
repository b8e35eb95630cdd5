"""Per-turn overhead against the emulator on 127.0.0.1 with zero model latency.

1. One-off: ``ychat "hi"`` (process start to exit, stdout a pipe) against the floor of this
   stack, ``floor/typer_httpx.py`` (typer + httpx, stream the same request, print the
   deltas), and for information ``floor/stdlib.py`` (http.client only). Target: ychat/floor
   <= 1.2.
2. REPL: time from Enter to the request leaving, in-process (Session with the real client
   and Markdown renderer; "leaving" = httpx hands the request to its transport) and, end to
   end, in a pseudo-terminal (the keystroke written to the pty -> the emulator receiving the
   whole request: an upper bound). Target: under 5 ms. Each turn is the 2nd..Nth of one
   conversation, so keep-alive and the persistent client are in play.

    python benchmarks/turn_overhead.py [--runs 15] [--json]
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pexpect
from _common import PROMPT, PYTHON, YCHAT, cloud_env, interleaved, ms, parser, private_home, report, spawn_repl, wall
from rich.console import Console

from ychat.api.auth import ApiKey
from ychat.api.client import v1_client
from ychat.api.http.transport import build_http_client
from ychat.conversation import Conversation
from ychat.render.markdown import MarkdownRenderer
from ychat.repl.session import ChatOptions, Session
from ychat.server.http import serve
from ychat.testing import Emulator

FLOOR = Path(__file__).with_name("floor")


class TimedEmulator(Emulator):
    """Notes when each whole request reached the app (same clock as this process)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[float] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.arrivals.append(time.perf_counter())
        return super().__call__(environ, start_response)


class TimedTransport(httpx.BaseTransport):
    """The real transport, noting when httpx hands it a request."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.sent: list[float] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(time.perf_counter())
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def one_off(url: str, runs: int) -> dict[str, float]:
    with private_home() as base:
        env = cloud_env(base, url)
        return interleaved(
            {
                "ychat_one_off_s": lambda: wall([YCHAT, "hi"], env),
                "floor_typer_httpx_s": lambda: wall([PYTHON, str(FLOOR / "typer_httpx.py"), "hi"], env),
                "floor_stdlib_s": lambda: wall([PYTHON, str(FLOOR / "stdlib.py"), "hi"], env),
            },
            runs,
        )


def in_process(url: str, turns: int) -> float:
    """Median seconds from read_line returning to the request reaching the transport."""
    transport, entered = TimedTransport(), []
    client = v1_client(
        lambda: build_http_client(timeout=10, transport=transport),
        credentials=ApiKey("bench-key"),
        folder_id="b1gbench",
        endpoint=url,
    )
    console = Console(file=io.StringIO(), width=100, height=40, force_terminal=True)
    renderer = MarkdownRenderer(console)
    renderer.prepare()  # as the REPL's prefetch does while the user types
    session = Session(client, renderer, Conversation(), ChatOptions())

    def lines() -> Iterator[str]:
        for n in range(turns + 1):
            entered.append(time.perf_counter())
            yield f"question {n}"
        raise EOFError  # Ctrl-D

    session.run(lines().__next__)
    client.close()
    return statistics.median(s - e for s, e in list(zip(transport.sent, entered, strict=False))[1:])


def in_pty(server: Any, emulator: TimedEmulator, turns: int) -> float:
    """Median seconds from Enter written to the pty to the emulator receiving the request."""
    with private_home() as base:
        child = spawn_repl(cloud_env(base, server.url))
        child.expect_exact(PROMPT)
        time.sleep(0.5)  # the prefetch runs while a person would be typing
        delays = []
        for n in range(turns + 1):
            child.send(f"question {n}")
            child.expect_exact(f"question {n}")  # echoed: the typing is processed, now Enter alone
            before, pressed = len(emulator.arrivals), time.perf_counter()
            child.send("\r")
            child.expect_exact("Echo:", timeout=10)  # the EchoEngine's reply
            child.expect_exact(PROMPT, timeout=10)
            if n:
                delays.append(emulator.arrivals[before] - pressed)
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
        return statistics.median(delays)


def main() -> None:
    args = parser(__doc__, runs=15).parse_args()
    emulator = TimedEmulator()
    with serve(emulator) as server:
        figures = one_off(server.url, args.runs)
        figures["repl_enter_to_request_in_process_s"] = in_process(server.url, 50)
        figures["repl_enter_to_server_pty_s"] = in_pty(server, emulator, 20)
    figures["ratio_floor"] = figures["ychat_one_off_s"] / figures["floor_typer_httpx_s"]
    figures["ratio_stdlib"] = figures["ychat_one_off_s"] / figures["floor_stdlib_s"]
    report(
        figures,
        [
            f'ychat "hi" (one-off, whole process)     {ms(figures["ychat_one_off_s"])}',
            f"floor: typer + httpx script             {ms(figures['floor_typer_httpx_s'])}",
            f"stdlib http.client script               {ms(figures['floor_stdlib_s'])}",
            f"REPL Enter -> request (in-process)      {ms(figures['repl_enter_to_request_in_process_s'])}",
            f"REPL Enter -> emulator has it (pty)     {ms(figures['repl_enter_to_server_pty_s'])}",
            f"one-off medians of {args.runs} interleaved runs; REPL medians of 50 and 20 turns",
            f"ratio ychat/floor {figures['ratio_floor']:.2f} (target <= 1.2); "
            f"ychat/stdlib {figures['ratio_stdlib']:.2f} (information)",
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
