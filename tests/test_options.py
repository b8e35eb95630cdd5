"""Issue 19 (2): every option is declared once, in ychat/config/options.py, and the typer
options, the environment and config readers, --help's epilog, the REPL's /temperature, the shell
completion and the local server's ranges are all built from it."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer.main

from tests.conftest import ychat_env
from ychat.api.registry import OPENAI, REGISTRY, V1
from ychat.cli.chat import app, flags_of
from ychat.cli.completion import VALUES
from ychat.config.options import CHOICES, ENVIRONMENT, OPTIONS, SCHEMA, SETTINGS
from ychat.config.settings import SOURCES, load_settings
from ychat.errors import ConfigError, UsageError
from ychat.repl.handlers import parse_temperature


def _params() -> dict[str, list[str]]:
    command = typer.main.get_command(app)
    return {p.name or "": [*p.opts, *p.secondary_opts] for p in command.params if p.param_type_name == "option"}


def test_each_flag_of_the_schema_is_an_option_of_the_chat_and_nothing_else_is() -> None:
    declared = sorted(flag for opt in SCHEMA for spec in opt.flags for flag in spec.split("/"))
    built = sorted(flag for names in _params().values() for flag in names if flag not in ("--version", "-h", "--help"))
    assert built == declared


def test_the_schema_is_what_the_environment_and_the_config_file_read() -> None:
    assert list(SOURCES) == [opt.name for opt in SETTINGS]
    assert all(SOURCES[opt.name] == (opt.env, opt.check) for opt in SETTINGS)


def test_every_environment_variable_is_in_the_help_epilog(tmp_path) -> None:  # type: ignore[no-untyped-def]
    variables = {var for opt in SETTINGS for var in opt.env} - {"FOLDER_ID"}  # FOLDER_ID: an old alias
    assert variables <= set(ENVIRONMENT)
    result = subprocess.run(
        [sys.executable, "-m", "ychat", "--help"],
        env=ychat_env(tmp_path, None, COLUMNS="400"),
        capture_output=True,
        text=True,
    )
    for var in [*variables, "YCHAT_TEMPERATURE", "YCHAT_MAX_TOKENS", "YCHAT_REASONING", "YCHAT_ASYNC", "YCHAT_AUTH"]:
        assert var in result.stdout, var


def test_a_flag_left_out_says_nothing_so_lower_layers_may() -> None:
    command = typer.main.get_command(app)
    context = command.make_context("ychat", ["--no-stream", "--input", "qs.txt", "--api", "openai"])
    given = {k: v for k, v in context.params.items() if k != "prompt"}
    flags = flags_of(given)
    assert flags["stream"] is False and flags["save"] is None and flags["deferred"] is None
    assert flags["each_line"] is True and flags["input"] == "qs.txt" and flags["api"] == "openai"
    assert flags["concurrency"] == 4 and flags["temperature"] is None


def test_the_temperature_range_is_one_record_for_flag_environment_and_repl() -> None:
    opt = OPTIONS["temperature"]
    assert (opt.low, opt.high) == V1.temperature == (0.0, 1.0)
    with pytest.raises(ConfigError, match=r"YCHAT_TEMPERATURE=.1\.5. must be between 0 and 1"):
        load_settings({}, env={"YCHAT_TEMPERATURE": "1.5"}, config_file=None)
    with pytest.raises(UsageError, match=r"temperature must be between 0 and 1, not 1\.5"):
        parse_temperature("1.5")
    assert parse_temperature("0.7") == 0.7


def test_completion_offers_the_schemas_choices() -> None:
    assert VALUES is CHOICES and CHOICES["--api"] == tuple(REGISTRY) and CHOICES["--reasoning"] == ("hidden", "off")


def test_the_local_servers_ranges_are_the_registrys() -> None:
    """Decided: ychat serve's OpenAI route takes OpenAI's 0..2 (clamped to the engines' 0..1), the
    Yandex routes YandexGPT's 0..1; both read the range from the dialect's record."""
    from ychat.server.engine import BadRequest
    from ychat.server.routes import openai
    from ychat.server.routes.v1 import completion_args

    assert OPENAI.temperature == (0.0, 2.0)
    assert openai._temperature(2.0) == 1.0
    with pytest.raises(BadRequest, match="between 0 and 2"):
        openai._temperature(2.01)
    body = {"modelUri": "gpt://b1g/yandexgpt", "completionOptions": {"temperature": 1.01}, "messages": []}
    with pytest.raises(BadRequest, match=r"in \[0, 1\]"):
        completion_args(body)


def test_settings_has_a_typed_field_for_every_setting_of_the_schema() -> None:
    """Settings stays a plain dataclass (mypy checks its users); a schema option without its field,
    or a field no source sets, fails here rather than at a user's first use."""
    import dataclasses

    from ychat.config.settings import AUTH_KEYS, Settings

    fields = {f.name for f in dataclasses.fields(Settings)}
    derived = {"auth", "credentials", "openai_credentials", "profile"}  # resolved, not read as they are
    assert {opt.name for opt in SETTINGS} - set(AUTH_KEYS) == fields - derived


def test_options_only_some_dialects_take_are_refused_by_the_others() -> None:
    with pytest.raises(ConfigError, match="--reasoning is part of the v1 API"):
        load_settings({"api": "openai", "reasoning": "hidden"}, env={}, config_file=None)
    with pytest.raises(ConfigError, match="--async is part of the v1 API"):
        load_settings({"api": "v1alpha", "deferred": True}, env={}, config_file=None)
    assert OPTIONS["deferred"].dialects == OPTIONS["reasoning"].dialects == ("v1",)
