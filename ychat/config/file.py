"""The configuration file: where it is, and reading it safely (a regular file, valid TOML), with
its named profiles and the line of each key for error messages."""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ychat.errors import ConfigError
from ychat.i18n import _

SECRET_KEYS = frozenset({"api_key", "iam_token", "token", "oauth_token", "private_key", "password"})


def default_config_file(env: Mapping[str, str], *, must_exist: bool = True) -> Path:
    """``YCHAT_CONFIG`` (which must exist to be read: a path given on purpose; ``config path``
    and ``config set`` take it as it is), else the platform's file."""
    if env.get("YCHAT_CONFIG"):
        path = Path(env["YCHAT_CONFIG"]).expanduser()
        if must_exist and not path.exists():
            raise ConfigError(_("YCHAT_CONFIG names {path}, which does not exist").format(path=path))
        return path
    from platformdirs import user_config_path

    return user_config_path("ychat") / "config.toml"


@dataclass(frozen=True)
class ConfigFile:
    """Top-level settings and named profiles (``[profiles.NAME]``), with where each key is."""

    path: Path | None = None
    top: Mapping[str, object] = field(default_factory=dict)
    profiles: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    text: str = ""

    def layer(self, profile: str | None) -> Mapping[str, object]:
        """The chosen profile's table (empty when none is chosen); an unknown one is an error."""
        if profile is None:
            return {}
        if profile not in self.profiles:
            known = ", ".join(sorted(self.profiles)) or "none"
            raise ConfigError(
                _("no profile {profile!r} in {path} (profiles: {known})").format(
                    profile=profile, path=self.path, known=known
                )
            )
        return self.profiles[profile]

    def where(self, key: str, profile: str | None = None) -> str:
        """``path:line`` of ``key`` (in the profile's table when given), for error messages."""
        return f"{self.path}:{_line_of(self.text, key, profile)}"


def _line_of(text: str, key: str, profile: str | None) -> int:
    section = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped.strip("[]").strip()
        elif re.match(rf"{re.escape(key)}\s*=", stripped) and section == (f"profiles.{profile}" if profile else None):
            return number
    return 1


def read_config_file(path: Path, known: Collection[str]) -> ConfigFile:
    """The file's settings; a missing file is an empty one. Unknown keys and secrets are errors."""
    try:
        data = read_regular_file(path)
    except FileNotFoundError:
        return ConfigFile(path)
    except OSError as exc:
        raise ConfigError(
            _("cannot read config file {path}: {strerror}").format(path=path, strerror=exc.strerror)
        ) from None
    table = _parse_toml(data, path)
    profiles = table.pop("profiles", {})
    config = ConfigFile(path, table, _profiles(profiles, path), data.decode("utf-8"))
    _check_keys(config, table, known, None)
    for name, layer in config.profiles.items():
        _check_keys(config, layer, known, name)
    return config


def _profiles(raw: object, path: Path) -> dict[str, Mapping[str, object]]:
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise ConfigError(_("{path}: 'profiles' must hold tables: [profiles.NAME]").format(path=path))
    return raw


def _check_keys(config: ConfigFile, table: Mapping[str, object], known: Collection[str], profile: str | None) -> None:
    for key in table:
        check_key(key, known, f"{config.where(key, profile)}: ")


def check_key(key: str, known: Collection[str], where: str = "") -> None:
    """A key the config file may hold: never a secret, never an unknown one."""
    if key in SECRET_KEYS:
        raise ConfigError(
            _("{where}{key!r} is a secret and the config file is no place for it").format(where=where, key=key),
            hint=_("Put it in the environment (YC_API_KEY, YC_IAM_TOKEN, YC_OAUTH_TOKEN) or run: ychat auth login"),
        )
    if key not in known:
        raise ConfigError(
            _("{where}unknown setting {key!r} (known: {known})").format(where=where, key=key, known=", ".join(known))
        )


def read_regular_file(path: Path) -> bytes:
    """Only a regular file: opening a FIFO would wait for a writer, a device could be endless."""
    status = path.stat()
    if not stat.S_ISREG(status.st_mode):
        raise ConfigError(_("config file {path} is not a regular file").format(path=path))
    check_private(path, status)
    return path.read_bytes()


def check_private(path: Path, status: os.stat_result) -> None:
    """A file that can send credentials elsewhere (an endpoint, an MCP server) must be the
    user's own and writable by no one else, as ssh insists for its config."""
    if status.st_uid not in (os.getuid(), 0):
        raise ConfigError(
            _("{path} belongs to another user (uid {uid}); ychat reads only a config file of your own").format(
                path=path, uid=status.st_uid
            ),
            hint=_("Check where it came from, then: chown {user} {path}").format(user=os.getuid(), path=path),
        )
    if status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ConfigError(
            _("{path} can be changed by other users, who could point ychat's credentials elsewhere").format(path=path),
            hint=_("Make it yours alone: chmod go-w {path}").format(path=path),
        )


def _parse_toml(data: bytes, path: Path) -> dict[str, object]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
    try:
        table: dict[str, object] = tomllib.loads(data.decode("utf-8"))
        return table
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(_("{path} is not valid TOML: {exc}").format(path=path, exc=exc)) from None
