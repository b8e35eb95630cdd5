"""What only a real terminal emulator shows: narrowing the window while a reply streams and after
it (tmux rewraps its lines on resize; pyte cannot). Skipped without tmux (Debian's ``tmux``;
``.ci/run`` installs it)."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ychat_argv, ychat_env
from ychat.server.http import RunningServer
from ychat.testing import Reply

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
PARAGRAPH = "".join(f"Sentence number {n} of a long paragraph that keeps going. " for n in range(60))
LIST = "".join(f"- list item {n} with a few words\n" for n in range(10))


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True, timeout=30).stdout


@pytest.fixture
def pane(server: RunningServer, tmp_path: Path) -> Iterator[str]:
    name = f"ychat-{uuid.uuid4().hex[:8]}"
    env = ychat_env(tmp_path, server.url)
    command = "env -i " + " ".join(shlex.quote(f"{k}={v}") for k, v in env.items()) + " " + shlex.join(ychat_argv())
    tmux("new-session", "-d", "-s", name, "-x", "200", "-y", "40", command + "; sleep 60")
    try:
        yield name
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True, timeout=30)


def screen(name: str) -> list[str]:
    return [line for line in tmux("capture-pane", "-t", name, "-p", "-S", "-").splitlines() if line.strip()]


def wait_for(name: str, text: str, *, last_line: bool = False) -> list[str]:
    """Poll the pane (what tmux shows) until ``text`` appears; 20 s at most."""
    for _ in range(400):
        lines = screen(name)
        if (lines and lines[-1].startswith(text)) if last_line else any(text in line for line in lines):
            return lines
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared:\n" + "\n".join(screen(name)))


CODE = (
    "```python\n"
    + "".join(f"value_number_{n} = compute({n}, {n} * 2, {n} * 3) + another_call()\n" for n in range(30))
    + "```\n"
)


def test_narrowing_mid_code_block_leaves_every_line_once(server: RunningServer, pane: str) -> None:
    server.emulator.enqueue(Reply.of(CODE, chunks=200, delay=0.02))
    wait_for(pane, "›", last_line=True)
    tmux("send-keys", "-t", pane, "go", "Enter")
    wait_for(pane, "value_number_12 ")
    tmux("resize-window", "-t", pane, "-x", "50", "-y", "40")
    wait_for(pane, "›", last_line=True)
    squeezed = "".join("".join(screen(pane)).split())
    for n in range(30):
        assert squeezed.count(f"value_number_{n}=") == 1, n


def test_narrowing_mid_reply_and_after_leaves_every_line_once(server: RunningServer, pane: str) -> None:
    server.emulator.enqueue(Reply.of(PARAGRAPH + "\n\n" + LIST, chunks=300, delay=0.02))
    wait_for(pane, "›", last_line=True)
    tmux("send-keys", "-t", pane, "go", "Enter")
    wait_for(pane, "Sentence number 12 ")
    tmux("resize-window", "-t", pane, "-x", "80", "-y", "40")
    wait_for(pane, "›", last_line=True)
    tmux("resize-window", "-t", pane, "-x", "60", "-y", "40")  # after the reply, narrower still
    lines = screen(pane)
    squeezed = "".join("".join(lines).split())  # rows rewrapped by tmux split words anywhere
    for n in range(60):
        assert squeezed.count(f"Sentencenumber{n}of") == 1, n
    items = [n for n, line in enumerate(lines) if "list item" in line]
    assert len(items) == 10 and items == list(range(items[0], items[0] + 10)), lines  # no blank rows between
