"""What the MCP tests share: mcp.json in a test's config folder, the scripted server, and the
real servers from PyPI in virtualenvs of their own (``.test-venvs/``, made once: mcp-server-time
and mcp-server-git need the 2.x SDK, mcp-proxy 0.13 the 1.x one, as ychat does)."""

from __future__ import annotations

import fcntl
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTED = Path(__file__).resolve().parent / "mcp_servers" / "scripted.py"
VENVS = ROOT / ".test-venvs"
PACKAGES = {
    "servers": ["mcp-server-time==2026.10.19", "mcp-server-git==2026.10.19"],
    "proxy": ["mcp-proxy==0.13.0"],
}


def write_servers(tmp_path: Path, servers: dict[str, Any]) -> Path:
    """``mcp.json`` where ychat_env's ychat finds it (XDG_CONFIG_HOME/ychat)."""
    path = tmp_path / "config" / "ychat" / "mcp.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"mcpServers": servers}))
    path.chmod(0o600)
    return path


def scripted(*args: str, **entry: Any) -> dict[str, Any]:
    return {"command": sys.executable, "args": [str(SCRIPTED), *args], **entry}


def venv_bin(name: str) -> Path:
    """The virtualenv's bin folder, made (once, under a lock) with pip from the registry."""
    folder = VENVS / name
    marker, wanted = folder / ".installed", " ".join(PACKAGES[name])
    VENVS.mkdir(exist_ok=True)
    with open(VENVS / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (marker.exists() and marker.read_text() == wanted):
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(folder)], check=True)
            pip = [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
            done = subprocess.run([*pip, *PACKAGES[name]], capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                pytest.fail(f"could not install {wanted}: {done.stderr[-2000:]}")
            marker.write_text(wanted)
    return folder / "bin"


@contextmanager
def proxy(*command: str) -> Iterator[str]:
    """mcp-proxy serving a stdio server over SSE (``/sse``) and streamable HTTP (``/mcp``) on
    127.0.0.1; yields its base URL once uvicorn says it listens (an event, not a sleep)."""
    process = subprocess.Popen(
        [str(venv_bin("proxy") / "mcp-proxy"), "--host", "127.0.0.1", "--port", "0", *command],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    drain = threading.Thread(target=lambda: process.stderr and process.stderr.read(), daemon=True)
    try:
        assert process.stderr is not None
        for line in process.stderr:
            found = re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", line)
            if found:
                drain.start()  # never a full pipe
                yield found[1]
                return
        pytest.fail("mcp-proxy ended before it listened")
    finally:
        process.terminate()
        process.wait(timeout=30)
        if drain.is_alive():
            drain.join()
        if process.stderr is not None:
            process.stderr.close()


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def tool_results(request: Any) -> list[dict[str, Any]]:
    """The functionResults of the last message of a v1 request."""
    return [r["functionResult"] for r in request.body["messages"][-1]["toolResultList"]["toolResults"]]
