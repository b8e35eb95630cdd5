"""``--each-line`` memory: the peak traced memory answering 10 000 and 1 000 000 questions
(a client that answers at once, so only the batch's own bookkeeping is measured). The input
is streamed, so the two peaks should be about equal (target: flat).

    python benchmarks/batch_memory.py [--json]
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Generator, Iterator, Sequence

from _common import parser, report

from ychat.batch.pool import Batch, questions
from ychat.core import Done, Event, FinishReason, Message, Options, Usage


class Instant:
    def complete(self, model: str, messages: Sequence[Message], options: Options) -> Generator[Event, None, None]:
        yield Done("answer " + messages[-1].text, FinishReason.STOP, Usage(5, 2, total_tokens=7))


def lines(count: int) -> Iterator[str]:
    return (f"question number {n}: what is the capital of country {n}?\n" for n in range(count))


def peak_mb(count: int) -> float:
    answered = 0

    def emit(answer: object) -> None:
        nonlocal answered
        answered += 1

    tracemalloc.start()
    Batch(Instant(), "m", Options(stream=False), system=None, concurrency=4).run(questions(lines(count), None), emit)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert answered == count
    return peak / 1e6


def main() -> None:
    args = parser(__doc__, runs=1).parse_args()
    small, large = peak_mb(10_000), peak_mb(1_000_000)
    figures = {"peak_mb_10k": small, "peak_mb_1m": large, "ratio": large / small}
    lines_out = [
        f"10 000 questions     peak {small:6.2f} MB",
        f"1 000 000 questions  peak {large:6.2f} MB",
        f"ratio 1M/10k {large / small:.2f} (target: about 1)",
    ]
    report(figures, lines_out, args.json)


if __name__ == "__main__":
    main()
