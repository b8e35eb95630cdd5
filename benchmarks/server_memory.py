"""Server memory and threads: RSS over 500 distinct 100 kB requests, and threads after 200
deferred operations, for ``ychat serve`` (the real model, when ychat-cli[local] is installed), the
shipped app on the echo engine, and the scripted test double (which keeps every request).

Each server runs in its own process on 127.0.0.1; RSS and the thread count are read from
/proc. The last line compares the shipped server's growth with the test double's.

    python benchmarks/server_memory.py [--requests 500] [--json]
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from _common import PYTHON, YCHAT, parser, private_home

HEADERS = {"Authorization": "Api-Key bench"}
PATH = "/foundationModels/v1/completion"
SERVE_APP = """
import sys, threading
from ychat.testing import {cls}
from ychat.server.http import serve
with serve({cls}(), port=int(sys.argv[1])):
    print("Uvicorn running on", flush=True)
    threading.Event().wait()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def proc_status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def start(argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    for line in process.stdout:
        if b"Uvicorn running on" in line:
            break
    subprocess.Popen(["cat"], stdin=process.stdout, stdout=subprocess.DEVNULL)  # keep its log pipe drained
    return process


def body(n: int, size: int) -> dict[str, Any]:
    text = f"request {n}: " + "слово word " * (size // 16)
    return {
        "modelUri": "gpt://f/m",
        "completionOptions": {"stream": False, "maxTokens": "1"},
        "messages": [{"role": "user", "text": text}],
    }


def measure(process: subprocess.Popen[bytes], url: str, requests: int) -> dict[str, Any]:
    samples = []
    with httpx.Client(headers=HEADERS, timeout=120) as http:
        http.post(url + PATH, json=body(-1, 100))  # warm up
        samples.append(proc_status(process.pid, "VmRSS"))
        for n in range(requests):
            http.post(url + PATH, json=body(n, 100_000))
            if (n + 1) % (requests // 5) == 0:
                samples.append(proc_status(process.pid, "VmRSS"))
        operations = [http.post(url + "/foundationModels/v1/completionAsync", json=body(n, 100)) for n in range(200)]
        threads = proc_status(process.pid, "Threads")
    refused = sum(1 for r in operations if r.status_code == 429)
    return {
        "rss_kb": samples,
        "growth_kb": samples[-1] - samples[0],
        "after_warm_up_kb": samples[-1] - samples[1],
        "threads_after_200_operations": threads,
        "operations_refused": refused,
    }


def run(name: str, argv: list[str], env: dict[str, str], port: int, requests: int) -> dict[str, Any]:
    process = start(argv, env)
    try:
        return {"server": name, **measure(process, f"http://127.0.0.1:{port}", requests)}
    finally:
        process.kill()
        process.wait()


def main() -> None:
    args = parser(__doc__, runs=1)
    args.add_argument("--requests", type=int, default=500)
    options = args.parse_args()
    results = []
    with private_home() as env:
        env = {**env, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        for cls in ("LocalAPI", "Emulator"):
            port = free_port()
            argv = [PYTHON, "-c", SERVE_APP.format(cls=cls), str(port)]
            results.append(run(f"{cls} (echo engine)", argv, env, port, options.requests))
        from ychat import local

        if local.available():
            port = free_port()
            results.append(
                run("ychat serve (SmolLM2)", [YCHAT, "serve", "--port", str(port)], env, port, options.requests)
            )
    if options.json:
        print(json.dumps(results))
        return
    for result in results:
        rss = " → ".join(f"{kb / 1024:.1f}" for kb in result["rss_kb"])
        print(
            f"{result['server']:<24} RSS MB {rss}  (+{result['growth_kb'] / 1024:.1f} MB over {options.requests} requests)"
        )
        print(
            f"{'':<24} threads after 200 operations: {result['threads_after_200_operations']}, "
            f"refused (429): {result['operations_refused']}"
        )
    shipped, double = results[0], results[1]
    rest = options.requests - options.requests // 5
    print(
        f"growth over the last {rest} requests: shipped app +{shipped['after_warm_up_kb'] / 1024:.1f} MB, "
        f"test double +{double['after_warm_up_kb'] / 1024:.1f} MB (target: shipped flat)"
    )


if __name__ == "__main__":
    sys.exit(main())
