"""Memory and long sessions: a 1 000-exchange conversation typed into the real REPL.

Each exchange is ~1 KB: a ~100-byte question typed into the pseudo-terminal, and a ~1 KB
Markdown reply (paragraph, list, code) streamed by the emulator on 127.0.0.1. Reported: the
ychat process's RSS every 100 exchanges and its peak (target: < 150 MB), the request size and
Enter -> request time as the history grows, and, in-process, the cost of building one
request (body + JSON) per exchange of history for 250..2 000 exchanges, which must stay flat
(O(history) per turn, no quadratic copies).

    python benchmarks/long_session.py [--exchanges 1000] [--json]
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import pexpect
from _common import PROMPT, cloud_env, parser, private_home, report, spawn_repl
from turn_overhead import TimedEmulator

from ychat.api.dialects.v1 import completion_body
from ychat.conversation import Conversation
from ychat.core import Options
from ychat.server.http import serve
from ychat.testing.script import Reply

QUESTION = "Question {n}: how do I rotate the service's API key without downtime, and what must I check?"


def answer(n: int) -> str:
    """About 1 KB of Markdown, ending in a marker the benchmark waits for."""
    code = "\n".join(f"yc iam api-key create --service-account-name bot-{n} --description key-{i}" for i in range(4))
    return (
        f"To rotate key **{n}**, create the new key first, deploy it, then revoke the old one.\n\n"
        "- Create the key and store it in the secret manager.\n"
        "- Roll the deployment so that every replica reads the new key.\n"
        "- Watch the error rate for `401` answers for a few minutes.\n\n"
        f"```bash\n{code}\n```\n\n"
        "Only then delete the old key; keep its id in the change log so the audit trail is complete. "
        f"Answer {n} ends here."
    )


def rss_kb(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def run_session(exchanges: int) -> dict[str, object]:
    emulator = TimedEmulator()
    emulator.enqueue(*(Reply.of(answer(n), chunks=12) for n in range(exchanges)))
    samples: list[dict[str, float]] = []
    with serve(emulator) as server, private_home() as base:
        child = spawn_repl(cloud_env(base, server.url), columns=120)
        child.expect_exact(PROMPT)
        start = time.perf_counter()
        for n in range(exchanges):
            child.send(QUESTION.format(n=n))
            child.expect_exact("must I check?")  # echoed: the typing is processed, now Enter alone
            arrived, pressed = len(emulator.arrivals), time.perf_counter()
            child.send("\r")
            child.expect_exact(f"Answer {n} ends here.", timeout=30)
            child.expect_exact(PROMPT, timeout=30)
            if (n + 1) % 100 == 0 or n == 0:
                request = emulator.requests[-1]
                samples.append(
                    {
                        "exchanges": n + 1,
                        "rss_mb": rss_kb(child.pid) / 1024,
                        "request_kb": len(json.dumps(request.body)) / 1024,
                        "enter_to_request_ms": (emulator.arrivals[arrived] - pressed) * 1000,
                    }
                )
            emulator.requests.clear()  # the emulator's log would hold every body ever sent
        elapsed = time.perf_counter() - start
        peak = rss_kb(child.pid, "VmHWM") / 1024
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
    return {"samples": samples, "peak_rss_mb": peak, "seconds": elapsed}


def build_cost(history: int, rounds: int = 5) -> float:
    """Microseconds per exchange of history to build one request (body + JSON encoding)."""
    conversation = Conversation()
    for n in range(history):
        conversation.record(QUESTION.format(n=n), answer(n))
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        body = completion_body("gpt://b1g/yandexgpt/latest", conversation.messages_for("next"), Options())
        json.dumps(body).encode()
        times.append(time.perf_counter() - start)
    return statistics.median(times) / history * 1e6


def main() -> None:
    options = parser(__doc__, runs=1)
    options.add_argument("--exchanges", type=int, default=1000)
    args = options.parse_args()
    figures = run_session(args.exchanges)
    figures["build_us_per_exchange"] = {str(h): build_cost(h) for h in (250, 500, 1000, 2000)}
    rows = ["exchanges  RSS MB  request KB  Enter->request ms"]
    for s in figures["samples"]:  # type: ignore[attr-defined]
        rows.append(
            f"{s['exchanges']:9.0f} {s['rss_mb']:7.1f} {s['request_kb']:11.0f} {s['enter_to_request_ms']:18.1f}"
        )
    cost = figures["build_us_per_exchange"]
    rows.append("request building, us per exchange of history: " + ", ".join(f"{h}: {c:.1f}" for h, c in cost.items()))  # type: ignore[attr-defined]
    rows.append(f"{args.exchanges} exchanges typed in {figures['seconds']:.0f} s")
    rows.append(f"peak RSS {figures['peak_rss_mb']:.1f} MB (target < 150 MB)")
    report(figures, rows, args.json)


if __name__ == "__main__":
    main()
