"""The test double's identity side: ``POST /iam/v1/tokens`` (OAuth tokens and service-account
JWTs, the signature checked with the test's public key) and the VM metadata endpoint, plus the
API's view of the IAM tokens it issued (expired or revoked -> 401), on an injectable clock."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from ychat.server.engine import BadRequest

AUDIENCE = "https://iam.api.cloud.yandex.net/iam/v1/tokens"
TOKENS_PATH = "/iam/v1/tokens"
METADATA_PATH = "/computeMetadata/v1/instance/service-accounts/default/token"


class IamDouble:
    def __init__(
        self,
        *,
        oauth_tokens: set[str] | None = None,
        public_keys: dict[str, tuple[str, str]] | None = None,  # key id -> (service account id, public PEM)
        lifetime: float = 12 * 3600,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.oauth_tokens = oauth_tokens or set()
        self.public_keys = public_keys or {}
        self.lifetime, self.clock = lifetime, clock
        self.issued: dict[str, float] = {}  # IAM token -> expiry
        self.exchanges: list[dict[str, Any]] = []  # what each exchange carried (for assertions)
        self._lock = threading.Lock()

    def issue(self) -> tuple[str, float]:
        token = "t1." + secrets.token_urlsafe(24)
        with self._lock:
            expires = self.clock() + self.lifetime
            self.issued[token] = expires
        return token, expires

    def revoke_all(self) -> None:
        with self._lock:
            self.issued.clear()

    def valid(self, token: str) -> bool:
        with self._lock:
            return self.issued.get(token, float("-inf")) > self.clock()

    def exchange(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise BadRequest(400, "request body must be a JSON object")
        self.exchanges.append(body)
        if "yandexPassportOauthToken" in body:
            if body["yandexPassportOauthToken"] not in self.oauth_tokens:
                raise BadRequest(401, "The token is invalid")
        elif "jwt" in body:
            self._verify(str(body["jwt"]))
        else:
            raise BadRequest(400, "one of yandexPassportOauthToken or jwt is required")
        token, expires = self.issue()
        moment = datetime.fromtimestamp(expires, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f000Z")
        return {"iamToken": token, "expiresAt": moment}

    def _verify(self, token: str) -> None:
        import jwt

        try:
            header = jwt.get_unverified_header(token)
            account, public = self.public_keys[header.get("kid", "")]
            claims = jwt.decode(
                token, public, algorithms=["PS256"], audience=AUDIENCE, options={"require": ["iss", "iat", "exp"]}
            )
        except (KeyError, jwt.PyJWTError) as exc:
            raise BadRequest(401, f"JWT rejected: {type(exc).__name__}") from None
        if claims["iss"] != account or claims["exp"] - claims["iat"] > 3600 or header.get("alg") != "PS256":
            raise BadRequest(401, "JWT rejected: wrong issuer, algorithm or lifetime")

    def metadata(self, headers: dict[str, str]) -> dict[str, Any]:
        if headers.get("metadata-flavor") != "Google":
            raise BadRequest(403, "Metadata-Flavor: Google is required")
        token, expires = self.issue()
        return {"access_token": token, "expires_in": int(expires - self.clock()), "token_type": "Bearer"}
