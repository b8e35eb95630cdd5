"""Saved conversations: what the store costs a turn, resuming a long one, and searching many.

Reported (medians unless said):
- ``save_ms_p95``: one exchange saved (the user message, then the reply; SQLite WAL,
  synchronous=FULL, so each write is fsynced), p95 of 200 (target <= 5 ms);
- ``resume_ratio``: ``ychat -c`` on a 1 000-exchange conversation, launch to prompt, over a
  fresh REPL's (target <= 1.3);
- ``search_ms``: ``Store.search`` for a word over 10 000 conversations, 100 000 messages
  (FTS5; target <= 100 ms);
- ``enter_to_request_ms``: in-process, Enter -> the request's bytes ready at 1 000 exchanges
  (~830 KB of history; target <= 3 ms), and what re-encoding it whole costs.

    python benchmarks/conversations.py [--runs 5] [--json]
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from _common import PROMPT, YCHAT, cloud_env, interleaved, parser, private_home, report

from ychat.api.dialects.v1 import Encoded, completion_body
from ychat.conversation import Conversation
from ychat.core import Done, FinishReason, Options, Usage
from ychat.history.keeper import Keeper
from ychat.history.store import Store

ANSWER = "To rotate the key, create the new key first, deploy it, then revoke the old one. " * 12


def save_p95(folder: Path) -> float:
    store = Store(folder / "save.db")
    keeper = Keeper(store, dialect="v1", model="yandexgpt")
    times = []
    for n in range(200):
        start = time.perf_counter()
        keeper.sent(f"question {n}", system=None, model="yandexgpt")
        keeper.replied(Done(ANSWER, FinishReason.STOP, Usage(10, 100, total_tokens=110), "v"))
        times.append(time.perf_counter() - start)
    store.close()
    return statistics.quantiles(times, n=20)[-1] * 1000


def long_conversation(path: Path, exchanges: int) -> None:
    store = Store(path)
    cid = store.create(title="long", dialect="v1", model="yandexgpt", system=None, options={})
    with store._write() as db:  # one transaction: set-up speed, not what is measured
        for n in range(exchanges):
            for role, text in (("user", f"question {n}"), ("assistant", ANSWER)):
                db.execute(
                    "INSERT INTO messages (conversation_id, role, text, created) VALUES (?, ?, ?, ?)",
                    (cid, role, text, time.time()),
                )
    store.close()


def many_conversations(path: Path, conversations: int, per: int) -> Store:
    store = Store(path)
    with store._write() as db:
        for c in range(conversations):
            cid = f"{c:032x}"
            db.execute("INSERT INTO conversations VALUES (?, ?, 'v1', 'm', NULL, '{}', ?, ?)", (cid, f"t{c}", c, c))
            for m in range(per):
                word = f"platypus{c}" if m == per - 1 else "monotreme"
                cursor = db.execute(
                    "INSERT INTO messages (conversation_id, role, text, created) VALUES (?, 'user', ?, ?)",
                    (cid, f"message {m} about the {word} and its eggs", c),
                )
                db.execute(
                    "INSERT INTO messages_fts(rowid, text) VALUES (?, ?)",
                    (cursor.lastrowid, f"message {m} about the {word} and its eggs"),
                )
    return store


def prompt_seconds(args: list[str], env: dict[str, str]) -> float:
    import pexpect

    start = time.perf_counter()
    child = pexpect.spawn(YCHAT, args, env=env, encoding="utf-8", dimensions=(40, 100), timeout=30)
    child.expect_exact(PROMPT)
    elapsed = time.perf_counter() - start
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    return elapsed


def enter_to_request(exchanges: int) -> tuple[float, float]:
    conversation = Conversation()
    for n in range(exchanges):
        conversation.record(f"question {n}: " + "how do I rotate the key? " * 4, ANSWER)
    encoded, once, whole = Encoded(), [], []
    for turn in range(21):
        text = f"next {turn}"
        start = time.perf_counter()
        messages = conversation.messages_for(text)
        head = completion_body("gpt://b1g/yandexgpt/latest", (), Options())
        del head["messages"]
        encoded.body(head, messages)
        once.append(time.perf_counter() - start)
        start = time.perf_counter()
        json.dumps(completion_body("gpt://b1g/yandexgpt/latest", messages, Options())).encode()
        whole.append(time.perf_counter() - start)
        conversation.record(text, ANSWER)
    return statistics.median(once[1:]) * 1000, statistics.median(whole[1:]) * 1000


def main() -> None:
    args = parser(__doc__, runs=5).parse_args()
    with tempfile.TemporaryDirectory(prefix="ychat-bench-") as name, private_home() as base:
        folder = Path(name)
        figures: dict[str, float] = {"save_ms_p95": save_p95(folder)}
        env = {**cloud_env(base), "YCHAT_DATA_DIR": str(folder / "data")}
        long_conversation(folder / "data" / "ychat.db", 1000)
        times = interleaved(
            {"fresh": lambda: prompt_seconds([], env), "resume": lambda: prompt_seconds(["-c"], env)}, args.runs
        )
        figures["fresh_prompt_ms"], figures["resume_prompt_ms"] = times["fresh"] * 1000, times["resume"] * 1000
        figures["resume_ratio"] = times["resume"] / times["fresh"]
        store = many_conversations(folder / "many.db", 10_000, 10)
        searches = []
        for n in range(args.runs * 4):
            start = time.perf_counter()
            store.search(f"platypus{n * 97}")
            searches.append(time.perf_counter() - start)
        figures["search_ms"] = statistics.median(searches) * 1000
        common = []
        for _ in range(args.runs):
            start = time.perf_counter()
            store.search("monotreme eggs")  # in 90 000 of the 100 000 messages
            common.append(time.perf_counter() - start)
        figures["search_common_ms"] = statistics.median(common) * 1000
        store.close()
        figures["enter_to_request_ms"], figures["reencode_whole_ms"] = enter_to_request(1000)
    lines = [
        f"save one exchange, p95 (fsync on)      {figures['save_ms_p95']:7.2f} ms   (target <= 5)",
        f"ychat -c, 1 000 exchanges, to prompt   {figures['resume_prompt_ms']:7.1f} ms",
        f"fresh REPL, to prompt                  {figures['fresh_prompt_ms']:7.1f} ms",
        f"search, 10 000 conversations           {figures['search_ms']:7.2f} ms   (target <= 100)",
        f"  the same, a word in 90% of messages  {figures['search_common_ms']:7.2f} ms",
        f"Enter -> request bytes, 1 000 exch.    {figures['enter_to_request_ms']:7.2f} ms   (target <= 3; "
        f"re-encoding all: {figures['reencode_whole_ms']:.2f} ms)",
        f"ratio resume/fresh {figures['resume_ratio']:.2f} (target <= 1.3)",
    ]
    report(figures, lines, args.json)


if __name__ == "__main__":
    main()
