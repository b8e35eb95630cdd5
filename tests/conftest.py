from __future__ import annotations

import os

os.environ["YCHAT_LANG"] = "en"  # in-process tests read English whatever this machine's locale (test_i18n switches)

import functools
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ychat.api.auth import ApiKey
from ychat.api.client import ApiClient, v1_client
from ychat.api.retry import RetryPolicy
from ychat.server.http import RunningServer, serve
from ychat.testing import Emulator

VECTORS = Path(__file__).parent / "vectors"
FOLDER = "b1gtestfolder"


def vector(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


@pytest.fixture
def emulator() -> Emulator:
    return Emulator()


@pytest.fixture
def server(emulator: Emulator) -> Iterator[RunningServer]:
    with serve(emulator) as running:
        yield running


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def client_over(
    transport: httpx.BaseTransport, *, sleeps: Sleeps | None = None, retry: RetryPolicy | None = None
) -> ApiClient:
    """A v1 ApiClient on ``transport``, retries without jitter and without real sleeping."""
    return v1_client(
        httpx.Client(transport=transport, timeout=5.0),
        credentials=ApiKey("test-key"),
        folder_id=FOLDER,
        endpoint="http://api.test",
        retry=retry or RetryPolicy(jitter=0.0),
        sleep=sleeps if sleeps is not None else (lambda s: None),
    )


def in_process_client(app: Any, **options: Any) -> ApiClient:
    """Wired to ``app`` (a WSGI app, e.g. the emulator) through httpx's in-process transport."""
    return client_over(httpx.WSGITransport(app=app), **options)


def mock_client(handler: Any, **options: Any) -> ApiClient:
    return client_over(httpx.MockTransport(handler), **options)


def ychat_argv() -> list[str]:
    """The installed ``ychat`` console script beside this interpreter (else ``python -m ychat``)."""
    import shutil
    import sys

    script = Path(sys.executable).with_name("ychat")
    if script.exists():
        return [str(script)]
    found = shutil.which("ychat")
    return [found] if found else [sys.executable, "-m", "ychat"]


def ychat_env(tmp_path: Path, endpoint: str | None, **extra: str) -> dict[str, str]:
    """A clean environment: only 127.0.0.1, private dirs, test credentials."""
    import os

    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "LANG": "C.UTF-8",
        "TERM": "xterm-256color",
        "YC_API_KEY": "AQVN-test-secret-key",
        "YC_FOLDER_ID": FOLDER,
        "NO_PROXY": "127.0.0.1,localhost",
        "PROMPT_TOOLKIT_NO_CPR": "1",  # a pty from pexpect does not answer cursor-position requests
    }
    if endpoint:
        env["YCHAT_ENDPOINT"] = endpoint
        env["YCHAT_OCR_ENDPOINT"] = endpoint.removesuffix("/v1")  # the double answers OCR too; never Yandex's host
    env.update(extra)
    return {k: v for k, v in env.items() if v != ""}


@functools.cache
def shared_default_engine() -> Any:
    """One loaded copy of the bundled model for the whole test run (a test hook: it lives here,
    not in the shipped engine module)."""
    from ychat.local import default_model_path
    from ychat.local.engine import LlamaEngine

    return LlamaEngine(default_model_path())


@pytest.fixture(scope="session", autouse=True)
def _close_the_shared_model() -> Iterator[None]:
    yield
    if shared_default_engine.cache_info().currsize:
        shared_default_engine().close()


def _local_available() -> bool:
    from ychat import local

    return local.available()


needs_model = pytest.mark.skipif(not _local_available(), reason="ychat-cli[local] is not installed")


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The real ``ychat serve`` on a free port of 127.0.0.1 (needs the local extra)."""

    port = free_port()
    argv = ychat_argv()
    process = subprocess.Popen(
        [*argv, "serve", "--port", str(port), "--debug"],  # --debug: each finished generation is logged
        env=ychat_env(tmp_path, None),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    for line in process.stdout:  # wait for uvicorn's own word that it listens
        if b"Uvicorn running on" in line:
            break
    assert process.poll() is None, "ychat serve did not start"
    yield f"http://127.0.0.1:{port}", process
    if process.poll() is None:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()
