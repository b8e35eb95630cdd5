"""Real YandexGPT client libraries from PyPI against the shipped local server on 127.0.0.1.

``yandexgptlite`` hard-codes Yandex's hosts; the test points its ``requests.post`` at
127.0.0.1 (the IAM exchange at a stub answering the documented body, the completion at
``LocalAPI``), so nothing leaves the machine. What it checks is what the library really sends:
``temperature`` as a JSON string, ``maxTokens`` as a string, a Bearer IAM token.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import vector
from tests.sockets import read_request, tcp_server
from ychat.server.http import RunningServer, serve
from ychat.testing import LocalAPI

yandexgptlite = pytest.importorskip("yandexgptlite", reason="yandexgptlite (the test extra) is not installed")
IAM = vector("v7-iam.json")


def iam_stub(conn: socket.socket, number: int) -> None:
    read_request(conn)
    body = json.dumps(
        {**IAM["response"]["body"], "iamToken": "t1.local-token"}
    ).encode()  # the vector's is clipped: "…"
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    conn.close()


@pytest.fixture
def local_hosts(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[RunningServer[LocalAPI], list[dict[str, Any]]]]:
    """``requests.post`` with Yandex's hosts swapped for servers on 127.0.0.1; bodies recorded."""
    import requests

    real_post = requests.post
    bodies: list[dict[str, Any]] = []
    with serve(LocalAPI()) as api, tcp_server(iam_stub) as (iam_url, _):
        hosts = {"https://llm.api.cloud.yandex.net": api.url, "https://iam.api.cloud.yandex.net": iam_url}

        def post(url: str, *args: Any, **kwargs: Any) -> Any:
            for real, local in hosts.items():
                if url.startswith(real):
                    url = local + url[len(real) :]
                    break
            else:
                raise AssertionError(f"the test would have reached {url}")
            if "/foundationModels/" in url:
                bodies.append(json.loads(kwargs["data"]))
            return real_post(url, *args, **kwargs)

        monkeypatch.setattr(requests, "post", post)
        yield api, bodies


def test_yandexgptlite_chats_with_the_local_server(local_hosts) -> None:
    _, bodies = local_hosts
    client = yandexgptlite.YandexGPTLite("b1gfolder", "y0_fake-oauth-token")
    answer = client.create_completion("Hello there", "0.6", system_prompt="Be brief", max_tokens=50)
    assert answer == "Echo: Hello there"  # not an error message: the string temperature was accepted
    assert bodies[0]["completionOptions"] == {"stream": False, "temperature": "0.6", "maxTokens": "50"}
    assert bodies[0]["modelUri"] == "gpt://b1gfolder/yandexgpt-lite/latest"
