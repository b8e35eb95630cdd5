"""``ychat --each-line`` throughput: 200 questions at concurrency 8 against the emulator on
127.0.0.1, each reply taking 100 ms. Ideal: 200 × 0.1 / 8 = 2.5 s; target: within 1.15× the
ideal. Shown twice: for the whole command (its start-up, ~0.3 s here, included) and from the
first request to the exit (the batching itself), and against the floor of this stack,
``floor/batch_httpx.py`` (httpx and 8 threads, no typer, no retries), run interleaved. Also
ychat's CPU time per question (user + system of the child process, start-up included).

    python benchmarks/batch.py [--runs N] [--json]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from _common import PYTHON, YCHAT, cloud_env, parser, private_home, report

from ychat.server.http import serve
from ychat.testing import EchoEngine, Emulator

QUESTIONS, CONCURRENCY, LATENCY = 200, 8, 0.1
FLOOR = Path(__file__).with_name("floor") / "batch_httpx.py"


class Slow(EchoEngine):
    """The echo engine, each generation taking LATENCY seconds before its first word; notes
    when the first one began."""

    first: float | None = None

    def generate(self, messages: Any, *, temperature: Any = None, max_tokens: Any = None) -> Any:
        if self.first is None:
            self.first = time.perf_counter()
        threading.Event().wait(LATENCY)
        yield from super().generate(messages, temperature=temperature, max_tokens=max_tokens)


STDIN = "".join(f"question {n}\n" for n in range(QUESTIONS)).encode()


def floor(url: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        [PYTHON, str(FLOOR), str(CONCURRENCY)], input=STDIN, env=cloud_env(env, url), capture_output=True, check=True
    )
    assert result.stdout.decode().count("Echo: question") == QUESTIONS
    return time.perf_counter() - start


def one_batch(url: str, env: dict[str, str], engine: Slow) -> tuple[float, float, float]:
    """(wall seconds, seconds from the first request, CPU seconds) of one ``ychat --each-line`` run."""
    command = [YCHAT, "--each-line", "--concurrency", str(CONCURRENCY), "--no-save"]
    before = os.times()
    engine.first = None
    start = time.perf_counter()
    result = subprocess.run(command, input=STDIN, env=cloud_env(env, url), capture_output=True, check=True)
    elapsed = time.perf_counter() - start
    after = os.times()
    assert result.stdout.decode().count("Echo: question") == QUESTIONS
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return elapsed, start + elapsed - (engine.first or start), cpu


def main() -> None:
    args = parser(__doc__, runs=3).parse_args()
    ideal = QUESTIONS * LATENCY / CONCURRENCY
    engine = Slow()
    with private_home() as env, serve(Emulator(engine=engine)) as server:
        runs, floors = [], []
        for _ in range(args.runs):  # interleaved, so the machine's load hits both alike
            runs.append(one_batch(server.url, env, engine))
            floors.append(floor(server.url, env))
    elapsed, batching, cpu = (statistics.median(run[k] for run in runs) for k in range(3))
    floor_s = statistics.median(floors)
    cpu_ms = cpu / QUESTIONS * 1000
    figures = {
        "seconds": elapsed,
        "batching_seconds": batching,
        "ideal_seconds": ideal,
        "ratio": elapsed / ideal,
        "batching_ratio": batching / ideal,
        "floor_seconds": floor_s,
        "floor_ratio": floor_s / ideal,
        "ychat_to_floor": elapsed / floor_s,
        "cpu_ms_per_question": cpu_ms,
    }
    lines = [
        f"{QUESTIONS} questions, concurrency {CONCURRENCY}, {LATENCY * 1000:.0f} ms per reply; ideal {ideal:.2f} s",
        f"whole command            {elapsed:6.2f} s   {elapsed / ideal:.3f}× the ideal",
        f"first request -> exit    {batching:6.2f} s   {batching / ideal:.3f}× the ideal",
        f"floor (httpx + threads)  {floor_s:6.2f} s   {floor_s / ideal:.3f}× the ideal",
        f"ychat CPU                {cpu_ms:6.2f} ms per question (start-up included)",
        f"ratio {elapsed / ideal:.3f} (target: ≤ 1.15); ychat/floor {elapsed / floor_s:.3f}",
    ]
    report(figures, lines, args.json)


if __name__ == "__main__":
    main()
