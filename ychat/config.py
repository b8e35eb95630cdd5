"""Settings from one precedence chain: flag > environment > config file > default.

Secrets (API key, IAM token) come from the environment only: never from argv (visible in
``ps``) and never from the config file (which is easy to share by accident).

    >>> load_settings({"model": "yandexgpt-lite"}, env={"YC_FOLDER_ID": "b1g"}, config_file=None).model
    'yandexgpt-lite'
"""

from __future__ import annotations

import math
import re
import stat
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ychat.api.auth import ApiKey, BearerKey, Credentials, IamToken
from ychat.api.yandex import DEFAULT_ENDPOINT
from ychat.errors import ConfigError, MissingCredentials

# --api NAME -> (default model, default endpoint); the endpoint is that dialect's base URL
DIALECT_DEFAULTS = {
    "v1": ("yandexgpt", DEFAULT_ENDPOINT),
    "v1alpha": ("general", DEFAULT_ENDPOINT),
    "openai": ("yandexgpt", DEFAULT_ENDPOINT + "/v1"),
}
V1ALPHA_MAX_TOKENS = 7400  # prompt and reply together (REFERENCE.md §3)
REASONING = ("hidden", "off")

MAX_SECONDS = 86_400.0  # one day: a wait longer than that is a mistake (and overflows some system calls)
HEADER_SAFE = re.compile(r"[\x21-\x7e]+")  # visible ASCII: what an HTTP header value can carry as is

CREDENTIAL_VARS = (("YC_API_KEY", ApiKey), ("API_KEY", ApiKey), ("YC_IAM_TOKEN", IamToken), ("IAM_TOKEN", IamToken))
SECRET_KEYS = frozenset({"api_key", "iam_token", "token", "oauth_token"})


@dataclass(frozen=True)
class Settings:
    """Everything a run needs, already validated."""

    model: str = "yandexgpt"
    system: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    stream: bool = True
    folder_id: str | None = None
    endpoint: str = DEFAULT_ENDPOINT
    timeout: float = 60.0
    max_time: float = 600.0
    local_model: str | None = None
    local_threads: int | None = None
    api: str = "v1"
    reasoning: str | None = None
    deferred: bool = False  # --async
    operation_endpoint: str | None = None  # deferred mode's operations service; None: by the endpoint
    credentials: Credentials | None = None
    openai_credentials: Credentials | None = None  # YCHAT_OPENAI_API_KEY, for OpenAI-compatible servers


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def _text(value: object) -> str:
    text = _string(value).strip()
    if not text:
        raise ValueError("must not be empty")
    return text


def _header_text(value: object) -> str:
    """A value sent in a header (the folder id): visible ASCII, no spaces or control characters."""
    text = _text(value)
    if not HEADER_SAFE.fullmatch(text):
        raise ValueError("must be visible ASCII characters only (no spaces, control or non-ASCII characters)")
    return text


def _temperature(value: object) -> float:
    number = float(str(value))
    if not 0.0 <= number <= 1.0:
        raise ValueError("must be between 0 and 1")
    return number


def _positive_int(value: object) -> int:
    if isinstance(value, bool) or not str(value).strip().isdigit() or int(str(value)) <= 0:
        raise ValueError("must be a positive whole number")
    return int(str(value))


def _seconds(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError("must be a number of seconds")
    number = float(str(value))
    if not (number > 0 and math.isfinite(number) and number <= MAX_SECONDS):
        raise ValueError(f"must be a positive number of seconds, at most {MAX_SECONDS:.0f}")
    return number


def _endpoint(value: object) -> str:
    from urllib.parse import urlsplit

    url = _text(value).rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    if not HEADER_SAFE.fullmatch(url):
        raise ValueError("must not contain spaces, control or non-ASCII characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"must be a valid URL ({exc})") from None
    if not parts.hostname or port == 0:
        raise ValueError("must name a host (and a port other than 0)")
    return url


def _choice(*allowed: str) -> Callable[[object], str]:
    def validate(value: object) -> str:
        text = _text(value).lower()
        if text not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return text

    return validate


def _boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
        raise ValueError("must be true or false")
    return text in {"1", "true", "yes", "on"}


# setting -> (environment variables, in order of preference; validator)
SOURCES: dict[str, tuple[tuple[str, ...], Callable[[object], Any]]] = {
    "model": (("YCHAT_MODEL",), _text),
    "system": ((), _string),
    "temperature": (("YCHAT_TEMPERATURE",), _temperature),
    "max_tokens": (("YCHAT_MAX_TOKENS",), _positive_int),
    "stream": ((), _boolean),
    "folder_id": (("YC_FOLDER_ID", "FOLDER_ID"), _header_text),
    "endpoint": (("YCHAT_ENDPOINT",), _endpoint),
    "timeout": (("YCHAT_TIMEOUT",), _seconds),
    "max_time": (("YCHAT_MAX_TIME",), _seconds),
    "local_model": (("YCHAT_LOCAL_MODEL",), _text),
    "local_threads": (("YCHAT_LOCAL_THREADS",), _positive_int),
    "api": (("YCHAT_API",), _choice(*DIALECT_DEFAULTS)),
    "reasoning": (("YCHAT_REASONING",), _choice(*REASONING)),
    "operation_endpoint": (("YCHAT_OPERATION_ENDPOINT",), _endpoint),
    "deferred": (("YCHAT_ASYNC",), _boolean),
}


def default_config_file(env: Mapping[str, str]) -> Path:
    """``YCHAT_CONFIG`` (which must exist: a path given on purpose), else the platform's file."""
    if env.get("YCHAT_CONFIG"):
        path = Path(env["YCHAT_CONFIG"]).expanduser()
        if not path.exists():
            raise ConfigError(f"YCHAT_CONFIG names {path}, which does not exist")
        return path
    from platformdirs import user_config_path

    return user_config_path("ychat") / "config.toml"


def load_settings(flags: Mapping[str, object], *, env: Mapping[str, str], config_file: Path | None) -> Settings:
    """Resolve every setting: the first source that has it wins; each value is validated."""
    from_file = read_config_file(config_file) if config_file else {}
    values: dict[str, Any] = {}
    for name, (env_names, validate) in SOURCES.items():
        source, raw = _pick(name, flags, env, env_names, from_file, config_file)
        if raw is not None:
            values[name] = _validate(validate, raw, source)
    _dialect_defaults(values)
    return Settings(**values, credentials=credentials_from(env), openai_credentials=_openai_key(env))


def _dialect_defaults(values: dict[str, Any]) -> None:
    """The model and endpoint a dialect starts from, and its own limits."""
    api = values.get("api", "v1")
    model, endpoint = DIALECT_DEFAULTS[api]
    values.setdefault("model", model)
    values.setdefault("endpoint", endpoint)
    if api == "v1alpha" and values.get("max_tokens", 0) > V1ALPHA_MAX_TOKENS:
        raise ConfigError(
            f"--max-tokens {values['max_tokens']} is above v1alpha's limit of {V1ALPHA_MAX_TOKENS} "
            "(prompt and reply together)"
        )
    for name, flag in (("reasoning", "--reasoning"), ("deferred", "--async")):
        if values.get(name) and api != "v1":
            raise ConfigError(f"{flag} is part of the v1 API (--api v1), not of {api}")


def _openai_key(env: Mapping[str, str]) -> Credentials | None:
    secret = env.get("YCHAT_OPENAI_API_KEY", "").strip()
    if not secret:
        return None
    if not HEADER_SAFE.fullmatch(secret):
        raise ConfigError("YCHAT_OPENAI_API_KEY holds characters an HTTP header cannot carry")
    return BearerKey(secret)  # "Authorization: Bearer …", as OpenAI clients send it


def _pick(
    name: str,
    flags: Mapping[str, object],
    env: Mapping[str, str],
    env_names: tuple[str, ...],
    from_file: Mapping[str, object],
    config_file: Path | None,
) -> tuple[str, object]:
    if flags.get(name) is not None:
        return f"--{name.replace('_', '-')}", flags[name]
    for var in env_names:
        if env.get(var):
            return var, env[var]
    if name in from_file:
        return f"{config_file}: {name}", from_file[name]
    return "", None


def _validate(validate: Callable[[object], Any], raw: object, source: str) -> Any:
    try:
        return validate(raw)
    except ValueError as exc:
        reason = str(exc) if "must" in str(exc) else "is not a valid value"
        raise ConfigError(f"{source}={raw!r} {reason}") from None


def read_config_file(path: Path) -> dict[str, object]:
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
        if key not in SOURCES:
            raise ConfigError(f"{path}: unknown setting {key!r} (known: {', '.join(SOURCES)})")
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


def credentials_from(env: Mapping[str, str]) -> Credentials | None:
    """API key first, then IAM token (the official SDK's order); seed names as fallbacks."""
    for var, kind in CREDENTIAL_VARS:
        secret = env.get(var, "").strip()
        if secret:
            if not HEADER_SAFE.fullmatch(secret):  # never quote the value: it is a secret
                raise ConfigError(
                    f"{var} holds characters an HTTP header cannot carry (non-ASCII, spaces or control characters)",
                    hint="Copy the key or token again, without quotes or line breaks.",
                )
            return kind(secret)
    return None


def require_credentials(settings: Settings) -> Credentials:
    if settings.credentials is None:
        raise MissingCredentials(
            "no Yandex Cloud credentials found",
            hint="Set YC_API_KEY (an API key) or YC_IAM_TOKEN (an IAM token), and YC_FOLDER_ID; "
            "or use --local for the offline model.",
        )
    return settings.credentials
