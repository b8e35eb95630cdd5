"""Token sources: an OAuth token, a service-account key, the ``yc`` CLI or the VM's metadata
service, each exchanged for an IAM token (REFERENCE.md §7). ``auth.Refreshing`` calls ``fetch``
when a token is due. PyJWT and cryptography are imported only to sign a service-account JWT.

    >>> Refreshing(OAuthSource("y0_…", iam_endpoint=IAM_ENDPOINT)).authorization()
    'Bearer t1.…'
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ychat.api.auth import Token, mask
from ychat.api.dialects.yandex import error_from_body, load_object
from ychat.api.http.edge import fetch
from ychat.errors import CredentialsRejected, ProtocolError, YChatError
from ychat.i18n import N_, _

IAM_ENDPOINT = "https://iam.api.cloud.yandex.net"
METADATA_ENDPOINT = "http://169.254.169.254"
TOKENS_PATH = "/iam/v1/tokens"
METADATA_PATH = "/computeMetadata/v1/instance/service-accounts/default/token"
JWT_LIFETIME = 3600  # exp - iat may not exceed an hour


def _call(what: str, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    """One small request; a refusal is CredentialsRejected naming ``what`` (exit 3)."""
    status, content = fetch(method, url, **kwargs)
    if status != 200:
        error = error_from_body(content, http_status=status)
        raise CredentialsRejected(f"{what}: {error.message} (HTTP {status})")
    try:
        return load_object(content.decode("utf-8", errors="replace"))
    except ProtocolError as error:
        raise ProtocolError(f"{what}: {error.message}") from None


def _iam_token(body: Mapping[str, Any], what: str) -> Token:
    token = body.get("iamToken")
    if not isinstance(token, str) or not token:
        raise ProtocolError(_("{what}: the answer holds no iamToken").format(what=what))
    return Token(token, _rfc3339(body.get("expiresAt")))


def _rfc3339(value: object) -> float | None:
    """``2025-01-01T12:00:00.000000000Z`` -> Unix time (nanoseconds cut to what Python reads)."""
    if not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    if "." in text:
        whole, _, rest = text.partition(".")
        digits = "".join(ch for ch in rest if ch.isdigit())
        text = f"{whole}.{digits[:6]}{rest[len(digits) :]}"
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


class OAuthSource:
    name = "YC_OAUTH_TOKEN"

    def __init__(self, oauth_token: str, *, iam_endpoint: str = IAM_ENDPOINT) -> None:
        self._oauth, self._url = oauth_token, iam_endpoint.rstrip("/") + TOKENS_PATH

    def fetch(self) -> Token:
        what = _("OAuth token rejected by IAM")
        return _iam_token(_call(what, "POST", self._url, json={"yandexPassportOauthToken": self._oauth}), what)

    def secrets(self) -> list[str]:
        return [self._oauth]


class ServiceAccountSource:
    """An authorized key (``id``, ``service_account_id``, ``private_key``) signs a PS256 JWT."""

    def __init__(
        self,
        key: Mapping[str, str],
        *,
        path: str,
        iam_endpoint: str = IAM_ENDPOINT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = _("the service-account key {path}").format(path=path)
        self._key, self._clock = key, clock
        self._signed: list[str] = []  # JWTs signed so far: secrets too, masked wherever they could show
        self._url = iam_endpoint.rstrip("/") + TOKENS_PATH
        self._audience = IAM_ENDPOINT + TOKENS_PATH  # the JWT's aud is always the public URL

    def jwt(self) -> str:
        import jwt

        now = int(self._clock())
        payload = {"iss": self._key["service_account_id"], "aud": self._audience, "iat": now, "exp": now + JWT_LIFETIME}
        try:
            signed = jwt.encode(payload, self._key["private_key"], algorithm="PS256", headers={"kid": self._key["id"]})
        except (ValueError, TypeError, NotImplementedError, jwt.PyJWTError) as exc:  # not a PEM key, or not RSA
            raise CredentialsRejected(
                _("{name}: its private_key cannot sign ({kind})").format(name=self.name, kind=type(exc).__name__)
            ) from None
        self._signed = [*self._signed[-1:], signed]
        return signed

    def fetch(self) -> Token:
        what = _("{name} was rejected by IAM").format(name=self.name)
        signed = self.jwt()
        try:
            return _iam_token(_call(what, "POST", self._url, json={"jwt": signed}), what)
        except YChatError as error:  # an IAM that echoes the request would show the JWT
            error.message = mask(error.message, [signed])
            error.args = (error.message,)
            raise

    def secrets(self) -> list[str]:
        return [self._key["private_key"], *self._signed]


class YcSource:
    """``yc iam create-token --no-user-output [--profile P]``: the last line of its output."""

    def __init__(self, executable: str, *, profile: str | None = None) -> None:
        self.name = "yc iam create-token" + (f" --profile {profile}" if profile else "")
        self._argv = [executable, "iam", "create-token", "--no-user-output"] + (
            ["--profile", profile] if profile else []
        )

    def fetch(self) -> Token:
        try:
            done = subprocess.run(self._argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)  # noqa: S603
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise CredentialsRejected(_("{name} failed: {exc}").format(name=self.name, exc=exc)) from None
        lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
        if done.returncode != 0 or not lines:
            said = (
                done.stderr.strip().splitlines() or [_("exit status {returncode}").format(returncode=done.returncode)]
            )[-1]
            raise CredentialsRejected(_("{name} failed: {said}").format(name=self.name, said=said))
        return Token(lines[-1], None)

    def secrets(self) -> list[str]:
        return []


class MetadataSource:
    """The VM's service account, from the metadata service (only when chosen: ``YCHAT_AUTH=metadata``)."""

    name = N_("the VM metadata service")

    def __init__(self, *, endpoint: str = METADATA_ENDPOINT, clock: Callable[[], float] = time.time) -> None:
        self._url, self._clock = endpoint.rstrip("/") + METADATA_PATH, clock

    def fetch(self) -> Token:
        what = _("the VM metadata service refused a token")
        body = _call(what, "GET", self._url, headers={"Metadata-Flavor": "Google"})
        token, lifetime = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not token:
            raise ProtocolError(_("{what}: the answer holds no access_token").format(what=what))
        expires = (
            self._clock() + lifetime if isinstance(lifetime, (int, float)) and not isinstance(lifetime, bool) else None
        )
        return Token(token, expires)

    def secrets(self) -> list[str]:
        return []


__all__ = ["MetadataSource", "OAuthSource", "ServiceAccountSource", "YcSource"]
