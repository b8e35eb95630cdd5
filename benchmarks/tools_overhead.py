"""What tools cost beyond their own work (issue 20's budgets), against the emulator in-process.

1. A turn with the five built-in tools enabled (the model calls none) against the same turn with
   no tools: target <= 5 ms more.
2. A ten-call chain (the model calls ``current_time`` ten times, one call per reply, then
   answers): the whole turn minus ten plain turns and the tools' own time, per chain; target <= 20 ms.
3. The REPL prompt, launch to prompt, with the five tools enabled against none (a pseudo-terminal):
   target: unchanged.

    python benchmarks/tools_overhead.py [--runs 15] [--json]
"""

from __future__ import annotations

import io
import time
from typing import Any

from _common import PROMPT, YCHAT, cloud_env, interleaved, ms, parser, private_home, report, spawn_repl
from rich.console import Console

from ychat.conversation import Conversation
from ychat.render.markdown import MarkdownRenderer
from ychat.repl.session import ChatOptions, Session
from ychat.testing import Emulator, Reply
from ychat.tools.builtin import BUILTIN
from ychat.tools.runner import Toolbox

FIVE = ["read_file", "list_dir", "run_command", "fetch_url", "current_time"]


def session(emulator: Emulator, tools: list[str]) -> Session:
    import httpx

    from ychat.api.auth import ApiKey
    from ychat.api.client import v1_client
    from ychat.api.http.transport import build_http_client

    client = v1_client(
        lambda: build_http_client(timeout=10, transport=httpx.WSGITransport(app=emulator)),
        credentials=ApiKey("bench-key"),
        folder_id="b1gbench",
        endpoint="http://emulator",
    )
    renderer = MarkdownRenderer(Console(file=io.StringIO(), width=100, height=40, force_terminal=True))
    renderer.prepare()
    chat = Session(client, renderer, Conversation(), ChatOptions())
    if tools:
        chat.tools = Toolbox(dict(BUILTIN), set(tools), yes=True)
    return chat


def turn(chat: Session, emulator: Emulator, replies: list[Any]) -> float:
    emulator.enqueue(*replies)
    start = time.perf_counter()
    chat.send("question")
    return time.perf_counter() - start


def tool_time(runs: int) -> float:
    tool = BUILTIN["current_time"]
    start = time.perf_counter()
    for _ in range(runs):
        tool.run({}, 60)
    return (time.perf_counter() - start) / runs


def in_process(runs: int) -> dict[str, float]:
    emulator = Emulator()
    plain, five, chain = session(emulator, []), session(emulator, FIVE), session(emulator, ["current_time"])
    calls = [Reply.calling(("current_time", {})) for _ in range(10)]
    figures = interleaved(
        {
            "turn_no_tools_s": lambda: turn(plain, emulator, [Reply.of("Fine.")]),
            "turn_five_tools_s": lambda: turn(five, emulator, [Reply.of("Fine.")]),
            "chain_of_ten_s": lambda: turn(chain, emulator, [*calls, Reply.of("Fine.")]),
        },
        runs,
    )
    figures["tool_own_s"] = tool_time(100)
    return figures


def prompt_time(env: dict[str, str], args: list[str]) -> float:
    start = time.perf_counter()
    child = spawn_repl(env) if not args else _spawn(env, args)
    child.expect_exact(PROMPT)
    elapsed = time.perf_counter() - start
    child.close(force=True)
    return elapsed


def _spawn(env: dict[str, str], args: list[str]) -> Any:
    import pexpect

    return pexpect.spawn(YCHAT, args, env=env, encoding="utf-8", dimensions=(40, 100), timeout=30)


def main() -> None:
    args = parser(__doc__, runs=15).parse_args()
    figures = in_process(args.runs)
    with private_home() as base:
        env = cloud_env(base, "http://127.0.0.1:9")
        five = [word for name in FIVE for word in ("-T", name)]
        figures |= interleaved(
            {"prompt_no_tools_s": lambda: prompt_time(env, []), "prompt_five_tools_s": lambda: prompt_time(env, five)},
            args.runs,
        )
    added = figures["turn_five_tools_s"] - figures["turn_no_tools_s"]
    chain = figures["chain_of_ten_s"] - 11 * figures["turn_no_tools_s"] - 10 * figures["tool_own_s"]
    figures |= {"added_by_tools_s": added, "chain_overhead_s": chain}
    lines = [
        f"turn, no tools                      {ms(figures['turn_no_tools_s'])}",
        f"turn, five tools enabled            {ms(figures['turn_five_tools_s'])}   (+{ms(added)}, target <= 5 ms)",
        f"ten-call chain, whole turn          {ms(figures['chain_of_ten_s'])}",
        f"  its overhead beyond 11 requests and the tools   {ms(chain)} (target <= 20 ms)",
        f"REPL prompt, no tools / five tools  {ms(figures['prompt_no_tools_s'])} / {ms(figures['prompt_five_tools_s'])}",
        f"medians of {args.runs} interleaved runs; the emulator in-process, zero model latency",
    ]
    report(figures, lines, args.json)


if __name__ == "__main__":
    main()
