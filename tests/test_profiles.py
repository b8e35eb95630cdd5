"""Config profiles, the precedence table, ``ychat config`` and ``ychat auth`` (ychat/config.py,
configfile.py, configcmd.py, authcmd.py, keystore.py; /profile in session.py)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.conftest import ychat_env
from tests.helpers import Dialogue, assert_one_error_line, sent, ychat
from ychat.config.settings import load_settings
from ychat.errors import ConfigError
from ychat.server.http import RunningServer

COMMENTED = """\
# ychat settings
model = "yandexgpt-lite"   # cheaper
temperature = 0.5

[profiles.work]   # the day job
system = "Answer as a senior engineer."
model = "yandexgpt"

[profiles.translate]
system = "Translate to English."
temperature = 0.1
"""


def config_file(tmp_path: Path, text: str = COMMENTED) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


# flag > environment > profile > top level > default, for one setting (temperature)
PRECEDENCE = [
    # flag, env, profile, top level, expected
    (0.9, "0.8", "0.7", "0.6", 0.9),
    (None, "0.8", "0.7", "0.6", 0.8),
    (None, None, "0.7", "0.6", 0.7),
    (None, None, None, "0.6", 0.6),
    (None, None, None, None, None),  # the server's default
]


@pytest.mark.parametrize(("flag", "env", "profile", "top", "expected"), PRECEDENCE)
def test_the_precedence_table(tmp_path: Path, flag, env, profile, top, expected) -> None:  # type: ignore[no-untyped-def]
    lines = [f"temperature = {top}"] if top else []
    lines += ["[profiles.p]", f"temperature = {profile}"] if profile else ["[profiles.p]"]
    path = config_file(tmp_path, "\n".join(lines) + "\n")
    environment = {"YCHAT_TEMPERATURE": env} if env else {}
    settings = load_settings({"temperature": flag, "profile": "p"}, env=environment, config_file=path)
    assert settings.temperature == expected


def test_a_profile_sets_what_it_names_and_inherits_the_rest(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    work = load_settings({}, env={"YCHAT_PROFILE": "work"}, config_file=path)
    assert (work.model, work.temperature, work.system, work.profile) == (
        "yandexgpt",
        0.5,
        "Answer as a senior engineer.",
        "work",
    )
    assert load_settings({}, env={}, config_file=path).model == "yandexgpt-lite"


def test_an_unknown_profile_or_a_bad_value_names_the_file_and_line(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    with pytest.raises(ConfigError, match=r"no profile 'home'.*translate, work"):
        load_settings({"profile": "home"}, env={}, config_file=path)
    bad = config_file(tmp_path, COMMENTED.replace("temperature = 0.1", 'temperature = "hot"'))
    with pytest.raises(ConfigError) as caught:
        load_settings({"profile": "translate"}, env={}, config_file=bad)
    assert caught.value.message.startswith(f"{bad}:11: [profiles.translate] temperature=")


def run_config(tmp_path: Path, *args: str, **env: str):  # type: ignore[no-untyped-def]
    return ychat(None, tmp_path, "config", *args, YCHAT_CONFIG=str(tmp_path / "config.toml"), **env)


def test_config_set_changes_only_its_line_and_keeps_0600(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    result = run_config(tmp_path, "set", "-p", "work", "model", "yandexgpt/rc")
    assert result.returncode == 0, result.stderr
    before, after = COMMENTED.splitlines(), path.read_text().splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [('model = "yandexgpt"', 'model = "yandexgpt/rc"')]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    run_config(tmp_path, "set", "temperature", "0.3")
    assert path.read_text() == COMMENTED.replace("temperature = 0.5", "temperature = 0.3").replace(
        'model = "yandexgpt"\n', 'model = "yandexgpt/rc"\n'
    )


def test_config_set_then_unset_round_trips_byte_for_byte(tmp_path: Path) -> None:
    path = config_file(tmp_path)
    assert run_config(tmp_path, "set", "-p", "translate", "max_tokens", "500").returncode == 0
    assert "max_tokens = 500\n" in path.read_text()  # a TOML integer, not a string
    assert run_config(tmp_path, "unset", "-p", "translate", "max_tokens").returncode == 0
    assert path.read_text() == COMMENTED


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("set", "temperature", "hot"), "temperature='hot' is not a valid value"),
        (("set", "colour", "red"), "unknown setting 'colour'"),
        (("set", "api_key", "AQVN-x"), "'api_key' is a secret"),
        (("unset", "stream"), "stream is not set"),
    ],
)
def test_config_refuses_bad_edits_and_leaves_the_file(tmp_path: Path, args: tuple[str, ...], fragment: str) -> None:
    path = config_file(tmp_path)
    result = run_config(tmp_path, *args)
    assert result.returncode == 2
    assert_one_error_line(result.stderr, fragment)
    assert path.read_text() == COMMENTED


def test_config_set_on_a_broken_file_changes_nothing(tmp_path: Path) -> None:
    path = config_file(tmp_path, "model = \n")
    result = run_config(tmp_path, "set", "model", "yandexgpt")
    assert result.returncode == 2 and path.read_text() == "model = \n"


def test_config_set_creates_the_file_0600_in_a_0700_folder(tmp_path: Path) -> None:
    env = ychat_env(tmp_path, None)
    result = ychat(None, tmp_path, "config", "set", "folder_id", "b1gfolder")
    assert result.returncode == 0, result.stderr
    path = Path(env["XDG_CONFIG_HOME"]) / "ychat" / "config.toml"
    assert path.read_text() == 'folder_id = "b1gfolder"\n'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert ychat(None, tmp_path, "config", "path").stdout.decode().strip() == str(path)


def test_config_show_names_the_source_never_the_secret(tmp_path: Path) -> None:
    config_file(tmp_path)
    result = run_config(tmp_path, "show", "-p", "work", YC_API_KEY="AQVN-shown-nowhere-123")
    out = result.stdout.decode()
    assert result.returncode == 0 and 'model = "yandexgpt"' in out and "temperature = 0.5" in out
    assert "credentials: YC_API_KEY" in out and "AQVN-shown-nowhere-123" not in out + result.stderr.decode()


def test_profile_in_the_repl_switches_and_keeps_the_conversation(server: RunningServer, tmp_path: Path) -> None:
    path = config_file(tmp_path)
    chat = Dialogue.start(ychat_env(tmp_path, server.url, YCHAT_CONFIG=str(path)))
    chat.ask("/profile", "Profiles: translate, work")
    chat.ask("first", "Echo: first")
    chat.ask("/profile translate", "Profile translate: model yandexgpt-lite; system prompt: Translate to English.")
    chat.ask("second", "Echo: second")
    chat.ask("/profile nope", "no profile 'nope'")
    assert chat.leave() == 0
    assert sent(server.emulator) == [
        ("system", "Translate to English."),
        ("user", "first"),
        ("assistant", "Echo: first"),
        ("user", "second"),
    ]
    body = server.emulator.requests[-1].body
    assert body["completionOptions"]["temperature"] == 0.1


def test_auth_status_checks_with_tokenize_completion(server: RunningServer, tmp_path: Path) -> None:
    result = ychat(server.url, tmp_path, "auth", "status", YC_API_KEY="AQVN-status-secret-99")
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr
    assert "credentials: YC_API_KEY" in out and "folder: b1gtestfolder" in out and out.strip().endswith(")")
    assert "ok: the credentials work" in out
    assert server.emulator.requests[-1].path == "/foundationModels/v1/tokenizeCompletion"
    assert "AQVN-status-secret-99" not in out + result.stderr.decode()


def test_auth_status_with_refused_credentials_exits_3(server: RunningServer, tmp_path: Path) -> None:
    from ychat.testing import HttpError

    server.emulator.enqueue(HttpError.documented(401, "Unknown api key 'AQVN-refused-secret-1'"))
    result = ychat(server.url, tmp_path, "auth", "status", YC_API_KEY="AQVN-refused-secret-1")
    assert result.returncode == 3
    assert_one_error_line(result.stderr, "Unknown api key 'AQVN…'")


def test_auth_status_without_credentials_exits_2(tmp_path: Path) -> None:
    result = ychat(None, tmp_path, "auth", "status", YC_API_KEY="", PATH="/usr/bin:/bin")
    assert result.returncode == 2
    assert_one_error_line(result.stderr, "no Yandex Cloud credentials")


class MemoryKeyring:
    """An in-memory keyring backend for the tests."""

    def __init__(self) -> None:
        import keyring.backend

        class Backend(keyring.backend.KeyringBackend):
            priority = 1  # type: ignore[assignment]

            def __init__(self) -> None:
                super().__init__()
                self.store: dict[tuple[str, str], str] = {}

            def get_password(self, service: str, username: str) -> str | None:
                return self.store.get((service, username))

            def set_password(self, service: str, username: str, password: str) -> None:
                self.store[(service, username)] = password

            def delete_password(self, service: str, username: str) -> None:
                self.store.pop((service, username), None)

        self.backend = Backend()


def test_auth_login_stores_the_key_and_it_becomes_the_api_key_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    keyring = pytest.importorskip("keyring")
    from ychat.cli import auth as authcmd
    from ychat.config.credentials import AuthSettings, resolve

    memory = MemoryKeyring().backend
    previous = keyring.get_keyring()
    keyring.set_keyring(memory)
    try:
        said: list[str] = []
        authcmd.login(said.append, read_secret=lambda prompt: "  AQVN-from-the-keyring-7  ")
        assert memory.store == {("ychat", "yandex-cloud-api-key"): "AQVN-from-the-keyring-7"}
        assert "AQVN" not in " ".join(said)
        found = resolve({"YC_IAM_TOKEN": "t1.also-set"}, AuthSettings())
        assert found is not None and found.authorization() == "Api-Key AQVN-from-the-keyring-7"
        assert resolve({"YC_API_KEY": "AQVN-env-wins-1"}, AuthSettings()).source == "YC_API_KEY"
        with pytest.raises(ConfigError, match="no key was entered"):
            authcmd.login(said.append, read_secret=lambda prompt: "")
    finally:
        keyring.set_keyring(previous)


def test_auth_login_without_keyring_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from ychat.cli import auth as authcmd
    from ychat.config import keystore

    monkeypatch.setattr(keystore, "available", lambda: False)
    with pytest.raises(ConfigError) as caught:
        authcmd.login(print, read_secret=lambda prompt: "x")
    assert "keyring" in caught.value.message and "ychat-cli[keyring]" in (caught.value.hint or "")


def test_every_subcommand_takes_a_profile(tmp_path: Path) -> None:
    config_file(tmp_path)
    for args in (["config", "show", "-p", "nope"], ["auth", "status", "-p", "nope"], ["operation", "x", "-p", "nope"]):
        result = (
            run_config(tmp_path, *args[1:])
            if args[0] == "config"
            else ychat(None, tmp_path, *args, YCHAT_CONFIG=str(tmp_path / "config.toml"))
        )
        assert result.returncode == 2, args
        assert_one_error_line(result.stderr, "no profile 'nope'")


def test_auth_login_without_a_usable_keyring_says_so_before_asking(tmp_path: Path) -> None:
    pytest.importorskip("keyring")
    asked = ychat(
        None,
        tmp_path,
        "auth",
        "login",
        stdin=b"AQVN-never-asked-123\n",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    assert asked.returncode == 2 and "(not shown)" not in asked.stdout.decode() + asked.stderr.decode()
    assert_one_error_line(asked.stderr, "no OS keyring is available here")
    assert "YC_API_KEY" in asked.stderr.decode()


def test_auth_login_reads_the_key_from_a_pipe(tmp_path: Path) -> None:
    pytest.importorskip("keyring")
    backend = tmp_path / "filekeyring.py"
    backend.write_text(
        "import json, os\n"
        "from keyring.backend import KeyringBackend\n"
        "class Keyring(KeyringBackend):\n"
        "    priority = 1\n"
        "    path = os.environ['KEYRING_FILE']\n"
        "    def get_password(self, service, user):\n"
        "        return json.load(open(self.path)).get(user) if os.path.exists(self.path) else None\n"
        "    def set_password(self, service, user, password):\n"
        "        json.dump({user: password}, open(self.path, 'w'))\n"
        "    def delete_password(self, service, user):\n"
        "        os.remove(self.path)\n"
    )
    stored = tmp_path / "keys.json"
    result = ychat(
        None,
        tmp_path,
        "auth",
        "login",
        stdin=b"AQVN-from-a-pipe-123\n",
        PYTHON_KEYRING_BACKEND="filekeyring.Keyring",
        PYTHONPATH=str(tmp_path),
        KEYRING_FILE=str(stored),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(stored.read_text()) == {"yandex-cloud-api-key": "AQVN-from-a-pipe-123"}
    assert "AQVN-from-a-pipe-123" not in result.stdout.decode() + result.stderr.decode()
