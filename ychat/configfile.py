"""The configuration file: where it is, and reading it safely (a regular file, valid TOML)."""

from __future__ import annotations

import stat
import sys
from collections.abc import Collection, Mapping
from pathlib import Path

from ychat.errors import ConfigError

SECRET_KEYS = frozenset({"api_key", "iam_token", "token", "oauth_token"})


def default_config_file(env: Mapping[str, str]) -> Path:
    """``YCHAT_CONFIG`` (which must exist: a path given on purpose), else the platform's file."""
    if env.get("YCHAT_CONFIG"):
        path = Path(env["YCHAT_CONFIG"]).expanduser()
        if not path.exists():
            raise ConfigError(f"YCHAT_CONFIG names {path}, which does not exist")
        return path
    from platformdirs import user_config_path

    return user_config_path("ychat") / "config.toml"


def read_config_file(path: Path, known: Collection[str]) -> dict[str, object]:
    """The ``[ychat]``-less flat TOML table; a missing file is an empty one."""
    try:
        data = _read_regular_file(path)
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    table = _parse_toml(data, path)
    for key in table:
        if key in SECRET_KEYS:
            raise ConfigError(f"{path}: {key!r} is a secret; set it in the environment (YC_API_KEY / YC_IAM_TOKEN)")
        if key not in known:
            raise ConfigError(f"{path}: unknown setting {key!r} (known: {', '.join(known)})")
    return table


def _read_regular_file(path: Path) -> bytes:
    """Only a regular file: opening a FIFO would wait for a writer, a device could be endless."""
    if not stat.S_ISREG(path.stat().st_mode):
        raise ConfigError(f"config file {path} is not a regular file")
    return path.read_bytes()


def _parse_toml(data: bytes, path: Path) -> dict[str, object]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
    try:
        table: dict[str, object] = tomllib.loads(data.decode("utf-8"))
        return table
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
