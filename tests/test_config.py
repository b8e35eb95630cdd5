"""One precedence: flag > environment > config file > default (config.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ychat.api.auth import ApiKey, IamToken
from ychat.config.settings import Settings, default_config_file, load_settings, require_credentials
from ychat.errors import ConfigError, ExitCode, MissingCredentials


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults() -> None:
    settings = load_settings({}, env={}, config_file=None)
    assert settings == Settings()
    assert settings.model == "yandexgpt" and settings.endpoint == "https://llm.api.cloud.yandex.net"
    assert settings.stream is True and settings.credentials is None


@pytest.mark.parametrize(
    ("flag", "env", "file", "expected"),
    [
        ("flag-model", "env-model", "file-model", "flag-model"),
        (None, "env-model", "file-model", "env-model"),
        (None, None, "file-model", "file-model"),
        (None, None, None, "yandexgpt"),
    ],
)
def test_precedence(tmp_path: Path, flag, env, file, expected: str) -> None:
    config = write(tmp_path, f'model = "{file}"\n' if file else "")
    settings = load_settings({"model": flag}, env={"YCHAT_MODEL": env} if env else {}, config_file=config)
    assert settings.model == expected


def test_every_setting_from_each_source(tmp_path: Path) -> None:
    config = write(
        tmp_path,
        'temperature = 0.2\nmax_tokens = 50\nfolder_id = "file"\nendpoint = "http://file"\ntimeout = 9\nstream = false\nsystem = "Be brief"\n',
    )
    env = {"YC_FOLDER_ID": "env-folder", "YCHAT_ENDPOINT": "http://127.0.0.1:9/"}
    settings = load_settings({"max_tokens": 7}, env=env, config_file=config)
    assert settings.temperature == 0.2 and settings.max_tokens == 7 and settings.folder_id == "env-folder"
    assert settings.endpoint == "http://127.0.0.1:9" and settings.timeout == 9.0
    assert settings.stream is False and settings.system == "Be brief"


def test_seed_variable_names_are_fallbacks() -> None:
    settings = load_settings({}, env={"FOLDER_ID": "seed", "API_KEY": "k"}, config_file=None)
    assert settings.folder_id == "seed" and isinstance(settings.credentials, ApiKey)
    settings = load_settings({}, env={"YC_FOLDER_ID": "yc", "FOLDER_ID": "seed"}, config_file=None)
    assert settings.folder_id == "yc"


@pytest.mark.parametrize(
    ("env", "kind", "header"),
    [
        ({"YC_API_KEY": "AQVNsecret1"}, ApiKey, "Api-Key AQVNsecret1"),
        ({"YC_IAM_TOKEN": "t1.secret2"}, IamToken, "Bearer t1.secret2"),
        ({"IAM_TOKEN": "t1.secret3"}, IamToken, "Bearer t1.secret3"),
        ({"YC_API_KEY": "AQVNsecret4", "YC_IAM_TOKEN": "t1.x"}, ApiKey, "Api-Key AQVNsecret4"),
        ({"API_KEY": "AQVNsecret5", "YC_IAM_TOKEN": "t1.x"}, ApiKey, "Api-Key AQVNsecret5"),
    ],
)
def test_credentials(env: dict[str, str], kind: type, header: str) -> None:
    credentials = load_settings({}, env=env, config_file=None).credentials
    assert isinstance(credentials, kind) and credentials.authorization() == header
    secret = header.split(" ", 1)[1]
    assert repr(credentials) == str(credentials) == f"{kind.__name__}(<redacted>)"
    assert secret not in repr(credentials)


def test_missing_credentials_names_the_variables() -> None:
    with pytest.raises(MissingCredentials) as info:
        require_credentials(load_settings({}, env={"YC_API_KEY": "  "}, config_file=None))
    assert info.value.exit_code == ExitCode.USAGE
    assert "YC_API_KEY" in info.value.hint and "YC_IAM_TOKEN" in info.value.hint


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"YCHAT_TEMPERATURE": "hot"}, "YCHAT_TEMPERATURE='hot'"),
        ({"YCHAT_TEMPERATURE": "1.5"}, "between 0 and 1"),
        ({"YCHAT_MAX_TOKENS": "0"}, "positive whole number"),
        ({"YCHAT_ENDPOINT": "ftp://x"}, "http://"),
        ({"YCHAT_TIMEOUT": "-1"}, "positive"),
    ],
)
def test_bad_environment_values(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        load_settings({}, env=env, config_file=None)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("model = [", "not valid TOML"),
        ('colour = "red"', "unknown setting 'colour'"),
        ('api_key = "AQVN"', "secret"),
        ("temperature = 3", "between 0 and 1"),
        ("stream = 5", "true or false"),
    ],
)
def test_bad_config_files(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        load_settings({}, env={}, config_file=write(tmp_path, text))


def test_missing_config_file_is_fine(tmp_path: Path) -> None:
    assert load_settings({}, env={}, config_file=tmp_path / "absent.toml") == Settings()


def test_a_config_file_named_by_yc_config_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        default_config_file({"YCHAT_CONFIG": str(tmp_path / "absent.toml")})


def test_config_file_location(tmp_path: Path) -> None:
    (tmp_path / "c.toml").touch()
    assert default_config_file({"YCHAT_CONFIG": str(tmp_path / "c.toml")}) == tmp_path / "c.toml"
    assert default_config_file({}).name == "config.toml"


@pytest.mark.parametrize("value", ["inf", "1e10", "nan", "-1", "86401"])
@pytest.mark.parametrize("name", ["timeout", "max_time"])
def test_seconds_must_be_finite_and_bounded(tmp_path: Path, name: str, value: str) -> None:
    flag = f"--{name.replace('_', '-')}"
    env_var = f"YCHAT_{name.upper()}"
    for flags, env, config in [
        ({name: float(value)}, {}, None),
        ({}, {env_var: value}, None),
        ({}, {}, write(tmp_path, f"{name} = {value}\n")),
    ]:
        with pytest.raises(ConfigError) as caught:
            load_settings(flags, env=env, config_file=config)
        source = flag if flags else env_var if env else f"{config}:1: {name}"  # the file, its line, the key
        assert caught.value.message.startswith(source) and "seconds" in caught.value.message


@pytest.mark.parametrize(
    "url", ["http://[::1", "http://:0", "http://", "http://host:99999", "https://a b", "http://h:0"]
)
def test_bad_endpoints_are_refused_when_read(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"endpoint": url}, env={}, config_file=None)
    assert caught.value.message.startswith("--endpoint=") and caught.value.exit_code == ExitCode.USAGE


@pytest.mark.parametrize("url", ["http://[::1]:8787", "https://llm.api.cloud.yandex.net", "http://127.0.0.1:8787/"])
def test_good_endpoints(url: str) -> None:
    assert load_settings({"endpoint": url}, env={}, config_file=None).endpoint == url.rstrip("/")


@pytest.mark.parametrize(
    "line", ["system = 42", "model = 5", "system = {a = 1}", "folder_id = 7", "local_model = true"]
)
def test_string_settings_of_another_type_are_refused(tmp_path: Path, line: str) -> None:
    with pytest.raises(ConfigError, match="must be a string"):
        load_settings({}, env={}, config_file=write(tmp_path, line + "\n"))


def test_a_config_file_that_is_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        load_settings({}, env={}, config_file=fifo)


@pytest.mark.parametrize("secret", ["ключ", "key with space", "key\nnext", "key\rnext", "key\x00"])
def test_secrets_must_fit_in_a_header_and_are_never_quoted(secret: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({}, env={"YC_API_KEY": secret}, config_file=None)
    assert "YC_API_KEY" in caught.value.message and secret not in caught.value.message + str(caught.value.hint)


def test_local_threads_and_max_time() -> None:
    settings = load_settings({}, env={"YCHAT_LOCAL_THREADS": "3", "YCHAT_MAX_TIME": "30"}, config_file=None)
    assert settings.local_threads == 3 and settings.max_time == 30.0
    assert Settings().max_time == 600.0 and Settings().local_threads is None
