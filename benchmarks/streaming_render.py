"""Streaming render: CPU to show a Markdown reply that arrives in ~20-byte chunks, against
rendering the finished reply once, for replies of 10, 20, 40 and 80 KB.

The reply mixes headings, paragraphs, lists, a table and fenced code (python, bash, json).
Output goes to a discarded 100x40 true-colour terminal. Measured (CPU time, medians):
- ``once``: ``console.print(Markdown(reply))``, the finished reply rendered once;
- ``ychat`` at three speeds of arrival (a simulated clock, so no sleeping): ``200/s``, a fast
  model (the target: <= 3x ``once`` at 40 KB, growing linearly); ``25/s``, a slow one (every
  frame the 15 fps cap allows is drawn; shown as CPU share of one core while streaming);
  ``burst``, all chunks at once (frames then cost nothing: the floor);
- ``naive``: ``Live(Markdown(text)).update`` on every chunk, the whole reply re-rendered each
  time (quadratic: only up to --naive-max-kb, default 20; larger sizes take minutes).

    python benchmarks/streaming_render.py [--runs 5] [--naive-max-kb 20] [--json]
"""

from __future__ import annotations

import io
import itertools
import statistics
import time
from collections.abc import Callable

from _common import parser, report
from rich.console import Console
from rich.live import Live
from rich.markdown import Markdown

from ychat.core import Done, FinishReason, Usage
from ychat.render.markdown import MarkdownRenderer

SIZES_KB = (10, 20, 40, 80)
CHUNK = 20  # bytes: 40 KB in ~2 000 chunks, as a token stream delivers it
FAST, SLOW = 200.0, 25.0  # chunks per second


def section(n: int) -> str:
    """About 1.3 KB of typical assistant Markdown."""
    return f"""## Step {n}: configure the service

The service reads its settings from **environment variables** first, then from the
config file; a flag on the command line wins over both. See `config.toml` for details.

- Install the package with `pip install example`.
- Set `EXAMPLE_TOKEN` to a token with *read* access.
- Run the check below and compare the output.

| Setting | Default | Meaning |
|---------|---------|---------|
| timeout | 30 | seconds to wait for an answer |
| retries | {n % 5} | attempts after a failure |

```python
def retry(call, attempts={n % 5 + 1}):
    for attempt in range(attempts):
        try:
            return call()
        except TimeoutError:
            time.sleep(2 ** attempt)
    raise RuntimeError("gave up")
```

```bash
export EXAMPLE_TOKEN=...
example check --verbose | tee check-{n}.log
```

1. Open the log.
2. Look for `status: ok` in the **last** line.

"""


def reply_of(kb: int) -> str:
    text = "".join(itertools.takewhile(lambda _: True, (section(n) for n in range(kb * 1024 // 1000 + 2))))
    return text[: kb * 1024].rsplit("\n\n", 1)[0] + "\n\nThat is all."


def chunks(text: str) -> list[str]:
    return [text[i : i + CHUNK] for i in range(0, len(text), CHUNK)]


def console() -> Console:
    return Console(file=io.StringIO(), width=100, height=40, force_terminal=True, color_system="truecolor")


def cpu(action: Callable[[], object]) -> float:
    start = time.process_time()
    action()
    return time.process_time() - start


def once(text: str) -> None:
    console().print(Markdown(text))


def ychat(text: str, rate: float | None) -> tuple[int, int]:
    """Stream ``text`` at ``rate`` chunks per second of simulated time (None: all at once);
    the frames drawn and the bytes written to the terminal."""
    ticks = itertools.count()
    clock = (lambda: next(ticks) / rate) if rate else (lambda: 0.0)
    terminal = console()
    renderer = MarkdownRenderer(terminal, clock=clock)
    renderer.begin_reply()
    for piece in chunks(text):
        renderer.delta(piece)
    renderer.end_reply(Done(text, FinishReason.STOP, Usage(), "bench"))
    return renderer.frames, len(terminal.file.getvalue().encode())  # type: ignore[attr-defined]


def code_block_redraw() -> tuple[int, int]:
    """Issue 18's case: a ~1.3 KB fenced code block in 100 chunks, every chunk drawn (an idle
    machine draws as often as chunks come): (its size, the bytes written to the terminal)."""
    body = "\n".join(f"def handler_{n}(request, retries={n}):\n    return request.send(timeout=30)" for n in range(20))
    code = f"```python\n{body[:1280]}\n```\n"
    ticks = itertools.count()
    terminal = console()
    renderer = MarkdownRenderer(terminal, clock=lambda: float(next(ticks)))
    renderer.begin_reply()
    step = len(code) // 100 + 1
    for start in range(0, len(code), step):
        renderer.delta(code[start : start + step])
    renderer.end_reply(Done(code, FinishReason.STOP, Usage(), "bench"))
    return len(code.encode()), len(terminal.file.getvalue().encode())  # type: ignore[attr-defined]


def once_bytes(text: str) -> int:
    terminal = console()
    terminal.print(Markdown(text))
    return len(terminal.file.getvalue().encode())  # type: ignore[attr-defined]


def naive(text: str) -> None:
    so_far = ""
    with Live(Markdown(""), console=console(), auto_refresh=False, vertical_overflow="visible") as live:
        for piece in chunks(text):
            so_far += piece
            live.update(Markdown(so_far), refresh=True)


def measure(kb: int, runs: int, naive_max_kb: int) -> dict[str, float]:
    text = reply_of(kb)
    figures = {"bytes": float(len(text)), "chunks": float(len(chunks(text)))}
    figures["once_s"] = statistics.median(cpu(lambda: once(text)) for _ in range(runs))
    for name, rate in (("fast", FAST), ("slow", SLOW), ("burst", None)):
        figures[f"{name}_s"] = statistics.median(cpu(lambda rate=rate: ychat(text, rate)) for _ in range(runs))
        frames, written = ychat(text, rate)
        figures[f"{name}_frames"] = float(frames)
        figures[f"{name}_bytes_per_kb"] = written / (len(text) / 1024)
        figures[f"{name}_ratio"] = figures[f"{name}_s"] / figures["once_s"]
    figures["slow_cpu_share"] = figures["slow_s"] / (figures["chunks"] / SLOW)
    figures["once_bytes_per_kb"] = once_bytes(text) / (len(text) / 1024)
    if kb <= naive_max_kb:
        figures["naive_s"] = cpu(lambda: naive(text))
    return figures


def main() -> None:
    options = parser(__doc__, runs=3)
    options.add_argument("--naive-max-kb", type=int, default=20)
    args = options.parse_args()
    results = {f"{kb}kb": measure(kb, args.runs, args.naive_max_kb) for kb in SIZES_KB}
    rows = [
        "size  chunks    once |  200/s: CPU ratio frames |  25/s: CPU ratio share |  burst: CPU ratio |  naive",
    ]
    for kb in SIZES_KB:
        r = results[f"{kb}kb"]
        naive_text = f"{r['naive_s']:6.1f} s" if "naive_s" in r else "(skipped)"
        rows.append(
            f"{kb:2d} KB {r['chunks']:6.0f} {_ms(r['once_s'])} | {_ms(r['fast_s'])} {r['fast_ratio']:5.2f}"
            f" {r['fast_frames']:6.0f} | {_ms(r['slow_s'])} {r['slow_ratio']:5.2f} {r['slow_cpu_share']:5.1%}"
            f" | {_ms(r['burst_s'])} {r['burst_ratio']:5.2f} | {naive_text}"
        )
    growth = results["80kb"]["fast_s"] / results["40kb"]["fast_s"]
    results["growth_80_over_40"] = {"fast": growth}
    rows.append(
        "terminal output per KB of reply: "
        + ", ".join(
            f"{kb} KB: once {results[f'{kb}kb']['once_bytes_per_kb'] / 1024:.1f} KB, "
            f"200/s {results[f'{kb}kb']['fast_bytes_per_kb'] / 1024:.1f} KB, 25/s {results[f'{kb}kb']['slow_bytes_per_kb'] / 1024:.1f} KB"
            for kb in SIZES_KB[:2]
        )
    )
    size, written = code_block_redraw()
    results["code_block_redraw"] = {"bytes": size, "written": written, "ratio": written / size}
    rows.append(
        f"a {size:,}-byte code block in 100 chunks, every one drawn: {written:,} bytes written, {written / size:.1f}x its size (budget <= 25x)"
    )
    rows.append(
        f"ychat/once at 40 KB, 200 chunks/s: {results['40kb']['fast_ratio']:.2f} (target <= 3); "
        f"80 KB / 40 KB cost: {growth:.2f} (linear: ~2)"
    )
    report(results, rows, args.json)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:5.0f} ms"


if __name__ == "__main__":
    main()
