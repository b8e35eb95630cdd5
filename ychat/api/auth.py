"""Credentials -> ``Authorization`` header, token refresh, and masking of secrets in anything printed.

>>> ApiKey("AQVN-secret").authorization()
'Api-Key AQVN-secret'
>>> ApiKey("AQVN-secret")
ApiKey(<redacted>)
>>> mask("Unknown api key 'my-secret'", ["my-secret"])
"Unknown api key 'my-s…'"
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from ychat.i18n import N_

REFRESH_EVERY = 3600.0  # Yandex recommends a new IAM token every hour (REFERENCE.md §7)
EXPIRY_MARGIN = 300.0  # and never one about to expire


class Credentials:
    """A secret that knows its header scheme and never shows itself in repr or str."""

    scheme = ""
    source = "the credentials"  # says where it came from, for messages (never the value)
    refreshable = False
    hint_on_401: str | None = None  # what to do when the server refuses it

    def __init__(self, secret: str, *, source: str | None = None) -> None:
        self._secret = secret.strip()
        if source is not None:
            self.source = source

    def authorization(self) -> str:
        return f"{self.scheme} {self._secret}"

    def secrets(self) -> list[str]:
        """Every secret value this object holds: what ``mask`` must hide."""
        return [self._secret]

    def invalidate(self) -> None:
        """The server refused the token: forget it (a refreshable one fetches a new one)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<redacted>)"

    __str__ = __repr__


class ApiKey(Credentials):
    scheme = "Api-Key"


class IamToken(Credentials):
    scheme = "Bearer"
    hint_on_401 = N_(
        "An IAM token lasts at most 12 hours and ychat cannot renew one it was given: get a new "
        "one (yc iam create-token), or use YC_OAUTH_TOKEN, a service-account key or yc, which "
        "ychat refreshes."
    )


class BearerKey(Credentials):
    """An OpenAI-style API key (``YCHAT_OPENAI_API_KEY``): ``Authorization: Bearer …``."""

    scheme = "Bearer"


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: float | None  # Unix time; None: unknown (refreshed every hour)


class TokenSource(Protocol):
    """Where an exchanged IAM token comes from (OAuth, a service-account key, yc, the VM)."""

    name: str

    def fetch(self) -> Token: ...

    def secrets(self) -> list[str]: ...


class Refreshing(Credentials):
    """An IAM token from a source, fetched on first use and again before it expires (at most an
    hour after it was fetched, and ``EXPIRY_MARGIN`` before ``expires_at``), or after a 401."""

    scheme = "Bearer"
    refreshable = True

    def __init__(self, source: TokenSource, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__("", source=source.name)
        self._source, self._clock = source, clock
        self._token: Token | None = None
        self._fetched = 0.0
        self._lock = threading.Lock()

    def authorization(self) -> str:
        with self._lock:
            if self._token is None or self._due(self._token):
                self._token, self._fetched = self._source.fetch(), self._clock()
            return f"Bearer {self._token.value}"

    def _due(self, token: Token) -> bool:
        now = self._clock()
        stale = now - self._fetched >= REFRESH_EVERY
        return stale or (token.expires_at is not None and now >= token.expires_at - EXPIRY_MARGIN)

    @property
    def expires_at(self) -> float | None:
        return self._token.expires_at if self._token else None

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def secrets(self) -> list[str]:
        held = [self._token.value] if self._token else []
        return held + self._source.secrets()


SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "www-authenticate",  # a server may quote the credential it refused
        "proxy-authenticate",
        "x-yacloud-subjecttoken",
    }
)
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")  # Bearer, Api-Key: kept; anything else is the secret itself
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}")  # header.payload.signature


def redact_headers(
    headers: Iterable[tuple[str, str]] | Mapping[str, str], secrets: Iterable[str] = ()
) -> dict[str, str]:
    """A copy of the headers fit for debug output: secret headers keep only their scheme, and
    every other value has the secrets ychat holds (and anything shaped like a JWT) masked."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    held = list(secrets)
    return {name: mask(_redact(name, value), held) for name, value in items}


def _redact(name: str, value: str) -> str:
    if name.lower() not in SECRET_HEADERS:
        return value
    scheme, _, rest = value.partition(" ")
    return f"{scheme} <redacted>" if rest and SCHEME.fullmatch(scheme) else "<redacted>"


def mask(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret shown as its first four characters and an ellipsis (a server's
    401 quotes the key it refused: ``Unknown api key '<the key>'``); a signed JWT, whoever
    signed it, likewise."""
    for secret in sorted((s for s in secrets if len(s) >= 8), key=len, reverse=True):
        text = text.replace(secret, secret[:4] + "…")
    return JWT.sub(lambda found: found.group()[:4] + "…", text)
