"""Credentials -> ``Authorization`` header, and redaction of secrets in anything printed.

>>> ApiKey("AQVN-secret").authorization()
'Api-Key AQVN-secret'
>>> ApiKey("AQVN-secret")
ApiKey(<redacted>)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class Credentials:
    """A secret that knows its header scheme and never shows itself in repr or str."""

    scheme = ""

    def __init__(self, secret: str) -> None:
        self._secret = secret.strip()

    def authorization(self) -> str:
        return f"{self.scheme} {self._secret}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<redacted>)"

    __str__ = __repr__


class ApiKey(Credentials):
    scheme = "Api-Key"


class IamToken(Credentials):
    scheme = "Bearer"


class BearerKey(Credentials):
    """An OpenAI-style API key (``YCHAT_OPENAI_API_KEY``): ``Authorization: Bearer …``."""

    scheme = "Bearer"


SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})


def redact_headers(headers: Iterable[tuple[str, str]] | Mapping[str, str]) -> dict[str, str]:
    """A copy of the headers fit for debug output: secret values keep only their scheme."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {name: _redact(name, value) for name, value in items}


def _redact(name: str, value: str) -> str:
    if name.lower() not in SECRET_HEADERS:
        return value
    scheme, _, rest = value.partition(" ")
    return f"{scheme} <redacted>" if rest else "<redacted>"
