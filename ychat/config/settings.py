"""Settings from one precedence chain: flag > environment > profile > config file > default.

Secrets (API key, tokens) come from the environment (or the keyring) only: never from argv
(visible in ``ps``) and never from the config file (which is easy to share by accident).
Which credentials are used is ``ychat.config.credentials``' business.

    >>> load_settings({"model": "yandexgpt-lite"}, env={"YC_FOLDER_ID": "b1g"}, config_file=None).model
    'yandexgpt-lite'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ychat.api import registry
from ychat.api.auth import BearerKey, Credentials
from ychat.api.registry import DEFAULT_ENDPOINT
from ychat.config import credentials as auth
from ychat.config.file import ConfigFile, default_config_file, read_config_file
from ychat.config.options import SETTINGS

__all__ = ["Settings", "default_config_file", "load_settings", "require_credentials"]
from ychat.config import values as v
from ychat.config.values import HEADER_SAFE, Invalid
from ychat.core import Options, Reasoning, WebSearch
from ychat.errors import ConfigError, MissingCredentials
from ychat.i18n import _


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
    data_logging: bool = False  # x-data-logging-enabled
    save: bool = True  # conversations go to the store (--no-save)
    context_window: int | None = None  # overrides the model's window (ychat/window.py)
    price_per_1k: float | None = None  # ₽ per 1 000 tokens, overrides ychat/cost.py's table
    status: bool = False  # the REPL's bottom toolbar (--status)
    context: str = "drop"  # an overflowing window: drop the oldest exchanges, or "summarize" them
    tools: tuple[str, ...] = ()  # -T: the tools the model may call
    tool_choice: str | None = None
    chain_limit: int = 10
    tool_timeout: float = 60.0
    allowed_tools: tuple[str, ...] = ()  # tools that run without asking
    parallel_tools: bool | None = None  # --no-parallel-tools: False
    server_state: bool = False  # --server-state (Responses): the server keeps the conversation
    web_search: WebSearch | None = None  # --web-search, or [web_search] enabled = true
    index: str | None = None  # --index NAME: a search index the model may search (file_search)
    code_interpreter: bool = False  # --code-interpreter: the hosted code interpreter
    ocr: bool | None = None  # --ocr / --no-ocr; None: OCR for a model that reads text only
    ocr_endpoint: str | None = None  # Yandex Vision OCR's host (YCHAT_OCR_ENDPOINT); None: Yandex's
    vision_models: tuple[str, ...] = ()  # more models that see pictures
    profile: str | None = None
    auth: auth.AuthSettings = field(default_factory=auth.AuthSettings)
    credentials: Credentials | None = None
    openai_credentials: Credentials | None = None  # YCHAT_OPENAI_API_KEY, for OpenAI-compatible servers

    def request_options(self, *, stream: bool) -> Options:
        """What each request of this run is generated with."""
        reasoning = Reasoning(self.reasoning) if self.reasoning else None
        return Options(
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            stream=stream,
            reasoning=reasoning,
            deferred=self.deferred,
        )


# setting -> (environment variables, in order of preference; validator): the options schema's
Source = tuple[tuple[str, ...], Callable[[object], Any]]
SOURCES: dict[str, Source] = {opt.name: (opt.env, opt.check) for opt in SETTINGS}
AUTH_KEYS = ("auth", "service_account_key_file", "yc_profile", "iam_endpoint", "metadata_endpoint")


def load_settings(flags: Mapping[str, object], *, env: Mapping[str, str], config_file: Path | None) -> Settings:
    """Resolve every setting: the first source that has it wins; each value is validated."""
    config = read_config_file(config_file, SOURCES) if config_file else ConfigFile()
    profile = _profile(flags, env)
    layers = [(config.layer(profile), profile), (config.top, None)]
    values: dict[str, Any] = {}
    for name, (env_names, validate) in SOURCES.items():
        source, raw = _pick(name, flags, env, env_names, layers, config)
        if raw is not None:
            values[name] = validated(validate, raw, source)
    if flags.get("web_search"):  # the flag takes the [web_search] table's settings, enabled or not
        table = next((t["web_search"] for t, _p in layers if isinstance(t.get("web_search"), dict)), None)
        values["web_search"] = validated(v.web_search_table, table, "[web_search]") if table else WebSearch()
    _dialect_defaults(values)
    options = auth.AuthSettings(**{key: values.pop(key) for key in AUTH_KEYS if key in values})
    credentials = auth.resolve(env, options)
    return Settings(
        **values, profile=profile, auth=options, credentials=credentials, openai_credentials=_openai_key(env)
    )


def _profile(flags: Mapping[str, object], env: Mapping[str, str]) -> str | None:
    chosen = flags.get("profile") or env.get("YCHAT_PROFILE") or None
    return str(chosen) if chosen is not None else None


def _dialect_defaults(values: dict[str, Any]) -> None:
    """The model and endpoint a dialect starts from, and its own limits. A hosted tool (web
    search) chooses the Responses dialect unless a dialect was named."""
    if any(values.get(hosted) for hosted in ("web_search", "index", "code_interpreter")) and "api" not in values:
        values["api"] = registry.RESPONSES.name
    dialect = registry.record(values.get("api", registry.V1.name))
    values.setdefault("model", dialect.default_model)
    values.setdefault("endpoint", dialect.default_endpoint)
    limit = dialect.token_limit
    if limit is not None and values.get("max_tokens", 0) > limit:
        raise ConfigError(
            _("--max-tokens {max_tokens} is above {api}'s limit of {limit} (prompt and reply together)").format(
                max_tokens=values["max_tokens"], api=dialect.name, limit=limit
            )
        )
    for opt in SETTINGS:  # an option some dialects do not take (--reasoning, --async: v1's; -T)
        if values.get(opt.name) and dialect.name not in opt.dialects and opt.dialects != ("v1",):
            takes = ", ".join(opt.dialects)
            raise ConfigError(
                _("{flag} works with --api {takes}, not with {api}").format(
                    flag=opt.flags[0], takes=takes, api=dialect.name
                )
            )
        if values.get(opt.name) and dialect.name not in opt.dialects:
            raise ConfigError(
                _("{flag} is part of the v1 API (--api v1), not of {api}").format(flag=opt.flags[0], api=dialect.name)
            )


def _openai_key(env: Mapping[str, str]) -> Credentials | None:
    secret = env.get("YCHAT_OPENAI_API_KEY", "").strip()
    if not secret:
        return None
    if not HEADER_SAFE.fullmatch(secret):
        raise ConfigError(_("YCHAT_OPENAI_API_KEY holds characters an HTTP header cannot carry"))
    return BearerKey(secret)  # "Authorization: Bearer …", as OpenAI clients send it


def _pick(
    name: str,
    flags: Mapping[str, object],
    env: Mapping[str, str],
    env_names: tuple[str, ...],
    layers: list[tuple[Mapping[str, object], str | None]],
    config: ConfigFile,
) -> tuple[str, object]:
    """flag > environment > the profile's table > the file's top level."""
    if flags.get(name) is not None:
        return f"--{name.replace('_', '-')}", flags[name]
    for var in env_names:
        if env.get(var):
            return var, env[var]
    for table, profile in layers:
        if name in table:
            where = f"[profiles.{profile}] " if profile else ""
            return f"{config.where(name, profile)}: {where}{name}", table[name]
    return "", None


def validated(validate: Callable[[object], Any], raw: object, source: str) -> Any:
    try:
        return validate(raw)
    except ValueError as exc:
        reason = str(exc) if isinstance(exc, Invalid) else _("is not a valid value")
        raise ConfigError(f"{source}={raw!r} {reason}") from None


def require_credentials(settings: Settings) -> Credentials:
    if settings.credentials is None:
        raise MissingCredentials(
            _("no Yandex Cloud credentials found"),
            hint=_(
                "Set YC_API_KEY (an API key), YC_IAM_TOKEN, YC_OAUTH_TOKEN or "
                "YC_SERVICE_ACCOUNT_KEY_FILE, and YC_FOLDER_ID; or use --local for the offline model "
                "(docs/configuration.md)."
            ),
        )
    return settings.credentials
