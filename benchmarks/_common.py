"""What the benchmark scripts share: the environment a measured ``ychat`` runs in, timing of
whole processes, the emulator on 127.0.0.1, and output (a table, or ``--json``).

Every figure is a median over interleaved runs, so drift in the machine's load hits the
compared commands alike.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PYTHON = sys.executable
YCHAT = str(Path(sys.executable).with_name("ychat"))
PROMPT = "›"


def parser(doc: str | None, runs: int) -> argparse.ArgumentParser:
    """``--runs`` and ``--json``, common to every script."""
    result = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    result.add_argument("--runs", type=int, default=runs, help=f"repetitions (default {runs})")
    result.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    return result


@contextmanager
def private_home() -> Iterator[dict[str, str]]:
    """An environment for a measured ychat: a throwaway HOME/XDG tree, no config, no credentials."""
    with tempfile.TemporaryDirectory(prefix="ychat-bench-") as home:
        yield {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": home,
            "XDG_CONFIG_HOME": f"{home}/config",
            "XDG_DATA_HOME": f"{home}/data",
            "XDG_CACHE_HOME": f"{home}/cache",
            "LANG": "C.UTF-8",
            "TERM": "xterm-256color",
            "PROMPT_TOOLKIT_NO_CPR": "1",  # nobody answers cursor-position requests in a pty
        }


def cloud_env(base: Mapping[str, str], endpoint: str | None = None) -> dict[str, str]:
    """Test credentials (and an endpoint; None: the real one), so ychat takes the cloud path."""
    env = {**base, "YC_API_KEY": "bench-key", "YC_FOLDER_ID": "b1gbench"}
    return env | ({"YCHAT_ENDPOINT": endpoint} if endpoint else {})


def spawn_repl(env: Mapping[str, str], columns: int = 100) -> Any:
    """The ``ychat`` REPL in a 40-row pseudo-terminal (a pexpect child; the prompt is PROMPT)."""
    import pexpect

    child = pexpect.spawn(YCHAT, env=dict(env), encoding="utf-8", dimensions=(40, columns), timeout=20)
    child.delaybeforesend = None  # pexpect otherwise sleeps 50 ms before every send
    return child


def wall(command: Sequence[str], env: Mapping[str, str]) -> float:
    """Seconds from launch to exit of one process; its output is discarded."""
    start = time.perf_counter()
    subprocess.run(command, env=dict(env), check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def interleaved(measures: Mapping[str, Callable[[], float]], runs: int, warmup: int = 1) -> dict[str, float]:
    """Median of each measure over ``runs`` rounds, all measures once per round."""
    samples: dict[str, list[float]] = {name: [] for name in measures}
    for round_ in range(warmup + runs):
        for name, measure in measures.items():
            value = measure()
            if round_ >= warmup:
                samples[name].append(value)
    return {name: statistics.median(values) for name, values in samples.items()}


@contextmanager
def emulator_server(**options: Any) -> Iterator[Any]:
    """The emulator served on 127.0.0.1 (zero model latency); yields a RunningServer."""
    from ychat.server.http import serve
    from ychat.testing import Emulator

    with serve(Emulator(**options)) as server:
        yield server


def report(figures: dict[str, Any], lines: Sequence[str], as_json: bool) -> None:
    """The table (its last line is the ratio) or one JSON object."""
    if as_json:
        print(json.dumps(figures, sort_keys=True))
    else:
        print("\n".join(lines))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"
