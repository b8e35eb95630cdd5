"""Which Yandex Cloud credentials to use: the documented order of sources, or the one chosen
with ``YCHAT_AUTH`` / config ``auth`` (docs/configuration.md). No I/O beyond reading a key file
and looking ``yc`` up on PATH; token exchanges happen on first use (``ychat.api.iam``).

    1 api-key          YC_API_KEY, API_KEY, else a key stored by ``ychat auth login`` (keyring)
    2 iam-token        YC_IAM_TOKEN, IAM_TOKEN (not refreshable)
    3 oauth            YC_OAUTH_TOKEN, exchanged for IAM tokens
    4 service-account  YC_SERVICE_ACCOUNT_KEY_FILE or service_account_key_file: a PS256 JWT
    5 yc               ``yc iam create-token``, when yc is on PATH
    6 metadata         the VM's metadata service: only when chosen, never probed
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ychat.api.auth import ApiKey, Credentials, IamToken, Refreshing
from ychat.config.options import AUTH_SOURCES
from ychat.config.values import HEADER_SAFE
from ychat.errors import ConfigError, MissingCredentials
from ychat.i18n import N_, _

KEY_PREAMBLE = "PLEASE DO NOT REMOVE THIS LINE!"
KEY_FIELDS = ("id", "service_account_id", "private_key")


@dataclass(frozen=True)
class AuthSettings:
    auth: str | None = None
    service_account_key_file: str | None = None
    yc_profile: str | None = None
    iam_endpoint: str = "https://iam.api.cloud.yandex.net"
    metadata_endpoint: str = "http://169.254.169.254"


def resolve(env: Mapping[str, str], options: AuthSettings) -> Credentials | None:
    """The chosen source's credentials (MissingCredentials if it has none), else the first found."""
    if options.auth is not None:
        found = SOURCES[options.auth](env, options)
        if found is None:
            raise MissingCredentials(
                _("YCHAT_AUTH={auth}: {needs}").format(auth=options.auth, needs=_(NEEDS[options.auth]))
            )
        return found
    for name in AUTH_SOURCES[:-1]:  # the metadata service only when chosen
        found = SOURCES[name](env, options)
        if found is not None:
            return found
    return None


def _secret(env: Mapping[str, str], *names: str) -> tuple[str, str] | None:
    for var in names:
        secret = env.get(var, "").strip()
        if secret:
            if not HEADER_SAFE.fullmatch(secret):  # never quote the value: it is a secret
                raise ConfigError(
                    _(
                        "{var} holds characters an HTTP header cannot carry (non-ASCII, spaces or control characters)"
                    ).format(var=var),
                    hint=_("Copy the key or token again, without quotes or line breaks."),
                )
            return var, secret
    return None


def _api_key(env: Mapping[str, str], options: AuthSettings) -> Credentials | None:
    found = _secret(env, "YC_API_KEY", "API_KEY")
    if found:
        return ApiKey(found[1], source=found[0])
    from ychat.config import keystore

    stored = keystore.read()
    return ApiKey(stored, source=_("the API key stored by ychat auth login")) if stored else None


def _iam_token(env: Mapping[str, str], options: AuthSettings) -> Credentials | None:
    found = _secret(env, "YC_IAM_TOKEN", "IAM_TOKEN")
    return IamToken(found[1], source=found[0]) if found else None


def _oauth(env: Mapping[str, str], options: AuthSettings) -> Credentials | None:
    found = _secret(env, "YC_OAUTH_TOKEN")
    if not found:
        return None
    from ychat.api.iam import OAuthSource

    return Refreshing(OAuthSource(found[1], iam_endpoint=options.iam_endpoint))


def _service_account(env: Mapping[str, str], options: AuthSettings) -> Credentials | None:
    path = env.get("YC_SERVICE_ACCOUNT_KEY_FILE", "").strip() or options.service_account_key_file
    if not path:
        return None
    from ychat.api.iam import ServiceAccountSource

    return Refreshing(ServiceAccountSource(read_key_file(Path(path)), path=path, iam_endpoint=options.iam_endpoint))


KEY_FILE_LIMIT = 64 * 1024  # an authorized key's JSON is about 3 KB


def read_key_file(path: Path) -> dict[str, str]:
    """An authorized key's JSON; the line Yandex puts before the PEM is dropped. Only a regular
    file of at most ``KEY_FILE_LIMIT`` bytes is read (a FIFO would wait, a device never end)."""
    try:
        data: Any = json.loads(_small_regular_file(path.expanduser(), KEY_FILE_LIMIT).decode("utf-8"))
    except OSError as exc:
        raise ConfigError(
            _("cannot read the service-account key {path}: {strerror}").format(path=path, strerror=exc.strerror)
        ) from None
    except ValueError:
        raise ConfigError(
            _("the service-account key {path} is not JSON (an authorized key from yc iam key create)").format(path=path)
        ) from None
    missing = [name for name in KEY_FIELDS if not isinstance(data, dict) or not isinstance(data.get(name), str)]
    if missing:
        raise ConfigError(
            _("the service-account key {path} has no {missing}").format(path=path, missing=", ".join(missing))
        )
    key = {name: str(data[name]) for name in KEY_FIELDS}
    lines = key["private_key"].strip().splitlines()
    if lines and lines[0].startswith(KEY_PREAMBLE):
        key["private_key"] = "\n".join(lines[1:]) + "\n"
    return key


def _small_regular_file(path: Path, limit: int) -> bytes:
    from ychat.privatefile import NotRegularFile, read_regular

    try:
        data = read_regular(path, limit)
    except NotRegularFile:
        raise ConfigError(_("the service-account key {path} is not a regular file").format(path=path)) from None
    if len(data) > limit:
        raise ConfigError(_("the service-account key {path} is too large to be a key").format(path=path))
    return data


def _yc(env: Mapping[str, str], options: AuthSettings) -> Credentials | None:
    executable = shutil.which("yc", path=env.get("PATH"))
    if executable is None:
        return None
    from ychat.api.iam import YcSource

    return Refreshing(YcSource(executable, profile=env.get("YC_PROFILE") or options.yc_profile))


def _metadata(env: Mapping[str, str], options: AuthSettings) -> Credentials | None:
    from ychat.api.iam import MetadataSource

    return Refreshing(MetadataSource(endpoint=options.metadata_endpoint))


SOURCES: dict[str, Callable[[Mapping[str, str], AuthSettings], Credentials | None]] = {
    "api-key": _api_key,
    "iam-token": _iam_token,
    "oauth": _oauth,
    "service-account": _service_account,
    "yc": _yc,
    "metadata": _metadata,
}
NEEDS = {
    "api-key": N_("set YC_API_KEY, or store a key with: ychat auth login"),
    "iam-token": N_("set YC_IAM_TOKEN (yc iam create-token prints one)"),
    "oauth": N_("set YC_OAUTH_TOKEN"),
    "service-account": N_("set YC_SERVICE_ACCOUNT_KEY_FILE (or service_account_key_file) to an authorized key's JSON"),
    "yc": N_("install the yc CLI and put it on PATH"),
    "metadata": "",
}
