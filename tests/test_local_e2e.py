"""The offline chat in a pseudo-terminal, on the real SmolLM2 model."""

from __future__ import annotations

import ast
import re
import time
from pathlib import Path

import pexpect
import pytest

from tests.conftest import ychat_env
from tests.helpers import Dialogue
from tests.helpers import spawn as spawn_ychat
from ychat import local

pytestmark = pytest.mark.skipif(not local.available(), reason="ychat-cli[local] is not installed")
PROMPT = "›"
DEBUG = re.compile(r"ychat: debug: local (prompt|reply) \((\d+) tokens[^)]*\): (.*)")


def spawn(tmp_path: Path, *args: str, **env: str) -> pexpect.spawn:
    return spawn_ychat(ychat_env(tmp_path, None, **env), *args, dimensions=(40, 120), timeout=60)


def debug_records(text: str) -> list[tuple[str, str]]:
    return [(m.group(1), ast.literal_eval(m.group(3).strip())) for m in DEBUG.finditer(text)]


def test_two_turns_without_credentials_send_the_first_exchange_back(tmp_path: Path) -> None:
    child = spawn(tmp_path, "--debug", "--temperature", "0", "--max-tokens", "24", YC_API_KEY="", YC_FOLDER_ID="")
    child.expect_exact("Offline model (no credentials). For YandexGPT, set YC_API_KEY and YC_FOLDER_ID.")
    child.expect_exact(PROMPT)
    for question in ("What is the capital of France?", "And of Italy?"):
        child.send(question + "\r")
        child.expect(r"local reply \(\d+ tokens")
        child.expect_exact(PROMPT)
    child.send("\x04")
    child.expect(pexpect.EOF)
    records = debug_records(child.logfile_read.getvalue())
    prompts = [text for kind, text in records if kind == "prompt"]
    replies = [text for kind, text in records if kind == "reply"]
    assert len(prompts) == 2 and len(replies) == 2
    first_exchange = (
        "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n"
        f"<|im_start|>assistant\n{replies[0]}<|im_end|>\n"
        "<|im_start|>user\nAnd of Italy?<|im_end|>"
    )
    assert first_exchange in prompts[1]
    assert "What is the capital of France?" in prompts[0] and "Italy" not in prompts[0]


def test_ctrl_c_stops_generation_promptly(tmp_path: Path) -> None:
    child = Dialogue(spawn(tmp_path, "--local", "--max-tokens", "2000", "--temperature", "0.8"))
    child.send("Write a very long story about a dragon and a knight.\r")
    child.expect_exact("\x1b[?2004l")  # the prompt has handed the line over (bracketed paste off)
    child.expect(r"\w{4,}")  # the reply has started
    started = time.monotonic()
    child.send("\x03")
    child.expect_exact("Cancelled.")
    print(f"cancel latency: {time.monotonic() - started:.3f} s (a figure, not a test: benchmarks measure it)")
    child.expect_exact(PROMPT)
    # The model is free again: the next question is answered at once rather than after the
    # 2000 tokens the cancelled one asked for (a held model lock would queue it behind them).
    child.send("/temperature 0\r")
    child.expect_exact(PROMPT)
    child.send("Say hi.\r")
    child.expect_exact("\x1b[?2004l")
    child.expect(r"\w{2,}")
    child.expect_exact(PROMPT)
    child.send("/exit\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
