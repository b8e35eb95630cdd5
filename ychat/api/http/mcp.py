"""HTTP for the MCP SDK's remote transports: the client it is given (streamable HTTP), and
``auth: "yandex"`` — ychat's own Yandex Cloud Authorization, read afresh for every request
(an IAM token refreshes) and, on a 401, invalidated and sent again once."""

from __future__ import annotations

from collections.abc import Generator, Mapping

import httpx

from ychat.api.auth import Credentials

SSE_READ = 300.0  # a server may hold its event stream open this long without a word


class YandexAuth(httpx.Auth):
    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self.credentials.authorization()
        response = yield request
        if response.status_code == 401 and self.credentials.refreshable:
            self.credentials.invalidate()
            request.headers["Authorization"] = self.credentials.authorization()
            yield request


def http_client(headers: Mapping[str, str], auth: httpx.Auth | None, timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(headers=dict(headers), auth=auth, timeout=httpx.Timeout(timeout, read=SSE_READ))


def yandex_auth(credentials: Credentials) -> httpx.Auth:
    return YandexAuth(credentials)
