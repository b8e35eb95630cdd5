"""Start-up: ``ychat --version``, ``ychat --help`` and launch-to-prompt of the REPL, against
the import of the four stack libraries measured in the same run.

Targets (issue 4): --version and --help <= 1.0x the stack import (aim <= 0.6x); the REPL's
prompt on screen <= 1.3x. The REPL runs in a pseudo-terminal with test credentials and the
real (https) endpoint, which this machine cannot reach: start-up must not touch the network.
Also shown: bare ``python -c pass`` for scale, and the offline REPL (no credentials, the
bundled model: the prompt comes first, the model loads while you type) when ychat-cli[local] is
installed; ``--help`` and the REPL in Russian (LANG=ru_RU.UTF-8: the catalog is read, since
they show messages), and what reading the catalog costs in-process (issue 13: < 2 ms, or only
when a message is first needed: an English run never reads it).

    python benchmarks/startup.py [--runs 15] [--json]
"""

from __future__ import annotations

import gettext
import io
import statistics
import time

import pexpect
from _common import PROMPT, PYTHON, YCHAT, cloud_env, interleaved, ms, parser, private_home, report, spawn_repl, wall

from ychat import i18n, local

STACK = "import rich, prompt_toolkit, httpx, typer"


def repl_prompt(env: dict[str, str]) -> float:
    """Seconds from launch to the REPL's prompt on the pty; then Ctrl-D."""
    start = time.perf_counter()
    child = spawn_repl(env)
    child.expect_exact(PROMPT)
    elapsed = time.perf_counter() - start
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    return elapsed


def catalog_load_ms(runs: int = 50) -> float:
    """Reading ru.po, compiling it and loading it into gettext, as the first Russian message does."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        gettext.GNUTranslations(io.BytesIO(i18n.compile_po(i18n.CATALOG.read_text(encoding="utf-8"))))
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    args = parser(__doc__, runs=15).parse_args()
    with private_home() as base:
        env = cloud_env(base)  # the real endpoint, unreachable here
        russian = {**env, "LANG": "ru_RU.UTF-8"}
        offline = {"offline_prompt_s": lambda: repl_prompt(base)} if local.available() else {}
        figures = interleaved(
            {
                **offline,
                "python_bare_s": lambda: wall([PYTHON, "-c", "pass"], env),
                "stack_import_s": lambda: wall([PYTHON, "-c", STACK], env),
                "version_s": lambda: wall([YCHAT, "--version"], env),
                "help_s": lambda: wall([YCHAT, "--help"], env),
                "repl_prompt_s": lambda: repl_prompt(env),
                "help_ru_s": lambda: wall([YCHAT, "--help"], russian),
                "repl_prompt_ru_s": lambda: repl_prompt(russian),
            },
            args.runs,
        )
    figures["catalog_load_ms"] = catalog_load_ms()
    stack = figures["stack_import_s"]
    for name in ("version", "help", "repl_prompt", "help_ru", "repl_prompt_ru"):
        figures[f"{name}_ratio"] = figures[f"{name}_s"] / stack
    report(
        figures,
        [
            f"python -c pass                  {ms(figures['python_bare_s'])}",
            f"python -c '{STACK}'  {ms(stack)}   (the reference)",
            f"ychat --version                 {ms(figures['version_s'])}",
            f"ychat --help                    {ms(figures['help_s'])}",
            f"ychat REPL, launch to prompt    {ms(figures['repl_prompt_s'])}",
            f"  the same, offline model       {ms(figures.get('offline_prompt_s', float('nan')))}",
            f"ychat --help, in Russian        {ms(figures['help_ru_s'])}",
            f"ychat REPL prompt, in Russian   {ms(figures['repl_prompt_ru_s'])}",
            f"reading the Russian catalog     {figures['catalog_load_ms']:8.1f} ms (in-process)",
            f"medians of {args.runs} interleaved runs",
            "ratio to the stack import: "
            f"--version {figures['version_ratio']:.2f}, --help {figures['help_ratio']:.2f} (target <= 1.0, aim 0.6); "
            f"REPL prompt {figures['repl_prompt_ratio']:.2f} (target <= 1.3); "
            f"in Russian: --help {figures['help_ru_ratio']:.2f}, REPL prompt {figures['repl_prompt_ru_ratio']:.2f}",
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
