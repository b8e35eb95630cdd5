"""Every Yandex Cloud credential source (ychat/credentials.py, api/iam.py, api/auth.py) against the
test double's IAM and metadata endpoints on 127.0.0.1: exchange, refresh (an injected clock, no
sleeping), the retry after a 401, and secrets never shown anywhere."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.conftest import FOLDER
from tests.helpers import assert_one_error_line, ychat
from ychat.api.auth import Refreshing, Token, mask
from ychat.api.client import ApiClient, dialect_for
from ychat.api.http.transport import Transport, build_http_client
from ychat.api.iam import OAuthSource, ServiceAccountSource
from ychat.config.credentials import AuthSettings, read_key_file, resolve
from ychat.core import Done, Message, Options
from ychat.errors import ConfigError, MissingCredentials
from ychat.server.http import RunningServer, serve
from ychat.testing import Emulator, Raw
from ychat.testing.iam import IamDouble

OAUTH = "y0_AgAAAAsecret-oauth-token-0123456789"
API_KEY = "AQVN-api-key-secret-0123456789"


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def key_pair() -> tuple[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return pem, public


@pytest.fixture
def iam_server(key_pair: tuple[str, str]):  # type: ignore[no-untyped-def]
    iam = IamDouble(oauth_tokens={OAUTH}, public_keys={"ajekey1": ("ajeaccount", key_pair[1])})
    with serve(Emulator(iam=iam)) as running:
        yield running


def key_file(tmp_path: Path, pem: str, *, preamble: bool = True) -> Path:
    text = ("PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <ajekey1>\n" if preamble else "") + pem
    path = tmp_path / "authorized_key.json"
    body = {
        "id": "ajekey1",
        "service_account_id": "ajeaccount",
        "created_at": "2025-01-01T00:00:00Z",
        "key_algorithm": "RSA_2048",
        "public_key": "-----BEGIN PUBLIC KEY-----…",
        "private_key": text,
    }
    path.write_text(json.dumps(body))
    return path


def fake_yc(tmp_path: Path, *, token: str = "t1.from-yc", fail: bool = False) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    script = folder / "yc"
    body = 'echo "ERROR: profile is not configured" >&2; exit 1' if fail else f'echo "some notice"; echo "{token}"'
    script.write_text(f'#!/bin/sh\necho "$@" > "{folder}/argv"\n{body}\n')
    script.chmod(0o755)
    return folder


def env_for(tmp_path: Path, server: RunningServer, **extra: str) -> dict[str, str]:
    base = {"YC_API_KEY": "", "YCHAT_IAM_ENDPOINT": server.url, "YCHAT_METADATA_ENDPOINT": server.url}
    return {**base, **extra}


def no_secret_anywhere(secret: str, result, home: Path) -> None:  # type: ignore[no-untyped-def]
    assert secret not in result.stdout.decode() and secret not in result.stderr.decode()
    for path in home.rglob("*"):
        if path.is_file() and path.name != "authorized_key.json":
            assert secret not in path.read_text(errors="replace"), path


# --- choosing a source -----------------------------------------------------------------------


def test_the_documented_order(tmp_path: Path) -> None:
    both = {"YC_API_KEY": API_KEY, "YC_IAM_TOKEN": "t1.iam", "YC_OAUTH_TOKEN": OAUTH, "PATH": str(fake_yc(tmp_path))}
    assert resolve(both, AuthSettings()).source == "YC_API_KEY"
    assert resolve({**both, "YC_API_KEY": ""}, AuthSettings()).source == "YC_IAM_TOKEN"
    assert resolve({"YC_OAUTH_TOKEN": OAUTH, "PATH": both["PATH"]}, AuthSettings()).source == "YC_OAUTH_TOKEN"
    assert resolve({"PATH": both["PATH"]}, AuthSettings()).source == "yc iam create-token"
    assert resolve({"PATH": str(tmp_path / "empty")}, AuthSettings()) is None  # metadata is never probed


def test_a_chosen_source_is_the_only_one(tmp_path: Path) -> None:
    env = {"YC_API_KEY": API_KEY, "YC_OAUTH_TOKEN": OAUTH}
    assert resolve(env, AuthSettings(auth="oauth")).source == "YC_OAUTH_TOKEN"
    with pytest.raises(MissingCredentials, match="YCHAT_AUTH=iam-token: set YC_IAM_TOKEN"):
        resolve(env, AuthSettings(auth="iam-token"))
    assert resolve({}, AuthSettings(auth="metadata")).source == "the VM metadata service"


def test_the_key_file_preamble_is_stripped_and_bad_files_are_one_line(tmp_path: Path, key_pair) -> None:  # type: ignore[no-untyped-def]
    key = read_key_file(key_file(tmp_path, key_pair[0]))
    assert key["private_key"].startswith("-----BEGIN PRIVATE KEY-----") and key["id"] == "ajekey1"
    (tmp_path / "bad.json").write_text('{"id": "x"}')
    with pytest.raises(ConfigError, match="has no service_account_id, private_key"):
        read_key_file(tmp_path / "bad.json")
    with pytest.raises(ConfigError, match="cannot read"):
        read_key_file(tmp_path / "absent.json")


# --- refresh ---------------------------------------------------------------------------------


class Counting:
    name = "counting"

    def __init__(self, clock: Clock, lifetime: float | None) -> None:
        self.clock, self.lifetime, self.fetched = clock, lifetime, 0

    def fetch(self) -> Token:
        self.fetched += 1
        expires = self.clock() + self.lifetime if self.lifetime is not None else None
        return Token(f"t1.token-{self.fetched}", expires)

    def secrets(self) -> list[str]:
        return []


def test_tokens_are_refreshed_hourly_and_before_they_expire() -> None:
    clock = Clock()
    hourly = Counting(clock, lifetime=12 * 3600)
    credentials = Refreshing(hourly, clock=clock)
    assert credentials.authorization() == "Bearer t1.token-1"
    clock.now += 3599
    assert credentials.authorization() == "Bearer t1.token-1" and hourly.fetched == 1
    clock.now += 1
    assert credentials.authorization() == "Bearer t1.token-2"
    short = Counting(clock, lifetime=600)  # expires sooner than an hour
    early = Refreshing(short, clock=clock)
    early.authorization()
    clock.now += 301  # within the 5-minute margin of expiresAt
    assert early.authorization() == "Bearer t1.token-2"


def test_a_repl_open_for_a_day_never_fails_on_an_expired_token() -> None:
    clock = Clock()
    iam = IamDouble(oauth_tokens={OAUTH}, lifetime=2 * 3600, clock=clock)  # short-lived tokens
    with serve(Emulator(iam=iam)) as running:
        credentials = Refreshing(OAuthSource(OAUTH, iam_endpoint=running.url), clock=clock)
        transport = Transport(build_http_client(timeout=10), credentials=credentials)
        client = ApiClient(transport, dialect_for("v1", endpoint=running.url, folder_id=FOLDER))
        for hour in range(25):
            clock.now += 3600 if hour else 0
            events = list(client.complete("yandexgpt", [Message("user", f"hour {hour}")], Options()))
            assert isinstance(events[-1], Done)
        client.close()
    assert 24 <= len(iam.exchanges) <= 26  # about one exchange an hour, never per turn


def test_a_401_fetches_a_new_token_and_retries_once(iam_server: RunningServer) -> None:
    credentials = Refreshing(OAuthSource(OAUTH, iam_endpoint=iam_server.url))
    client = ApiClient(
        Transport(build_http_client(timeout=10), credentials=credentials),
        dialect_for("v1", endpoint=iam_server.url, folder_id=FOLDER),
    )
    list(client.complete("yandexgpt", [Message("user", "one")], Options()))
    iam_server.emulator.iam.revoke_all()  # the token is refused from now on
    events = list(client.complete("yandexgpt", [Message("user", "two")], Options()))
    assert events[-1].text == "Echo: two" and len(iam_server.emulator.iam.exchanges) == 2
    client.close()


def test_the_exchange_turns_at_most_one_401_into_a_retry(iam_server: RunningServer) -> None:
    from ychat.errors import AuthError

    iam_server.emulator.enqueue(*[Raw((b'{"error":{"httpCode":401,"message":"no"}}',), status=401)] * 3)
    credentials = Refreshing(OAuthSource(OAUTH, iam_endpoint=iam_server.url))
    client = ApiClient(
        Transport(build_http_client(timeout=10), credentials=credentials),
        dialect_for("v1", endpoint=iam_server.url, folder_id=FOLDER),
    )
    with pytest.raises(AuthError):
        list(client.complete("yandexgpt", [Message("user", "x")], Options()))
    assert len([r for r in iam_server.emulator.requests if r.path.endswith("/completion")]) == 2
    client.close()


def test_a_service_account_jwt_is_ps256_with_kid_iss_aud_exp(iam_server: RunningServer, key_pair, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import jwt

    source = ServiceAccountSource(
        read_key_file(key_file(tmp_path, key_pair[0])), path="k.json", iam_endpoint=iam_server.url
    )
    token = source.jwt()
    header, claims = jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})
    assert header["alg"] == "PS256" and header["kid"] == "ajekey1"
    assert claims["iss"] == "ajeaccount" and claims["aud"] == "https://iam.api.cloud.yandex.net/iam/v1/tokens"
    assert claims["exp"] - claims["iat"] == 3600
    assert source.fetch().value.startswith("t1.")  # the double verified the signature


def test_mask_keeps_four_characters() -> None:
    assert mask(f"Unknown api key '{API_KEY}'", [API_KEY]) == "Unknown api key 'AQVN…'"


# --- end to end: the real command, each source -------------------------------------------------


@pytest.mark.parametrize("source", ["api-key", "iam-token", "oauth", "service-account", "yc", "metadata"])
def test_each_source_chats_and_no_secret_leaks(
    source: str, iam_server: RunningServer, tmp_path: Path, key_pair
) -> None:  # type: ignore[no-untyped-def]
    iam = iam_server.emulator.iam
    token, _ = iam.issue()
    env = env_for(tmp_path, iam_server)
    secret = {
        "api-key": API_KEY,
        "iam-token": token,
        "oauth": OAUTH,
        "service-account": key_pair[0].splitlines()[1],
    }.get(source)
    if source == "api-key":
        env["YC_API_KEY"] = API_KEY
    elif source == "iam-token":
        env["YC_IAM_TOKEN"] = token
    elif source == "oauth":
        env["YC_OAUTH_TOKEN"] = OAUTH
    elif source == "service-account":
        env["YC_SERVICE_ACCOUNT_KEY_FILE"] = str(key_file(tmp_path, key_pair[0]))
    elif source == "yc":
        env["PATH"] = f"{fake_yc(tmp_path, token=token)}{os.pathsep}{os.environ['PATH']}"
        env["YC_PROFILE"] = "work"
    else:
        env["YCHAT_AUTH"] = "metadata"
    result = ychat(iam_server.url, tmp_path, "--debug", "hello", **env)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode() == "Echo: hello\n"
    if secret:
        no_secret_anywhere(secret, result, tmp_path)
    if source == "yc":
        assert (tmp_path / "bin" / "argv").read_text().split() == [
            "iam",
            "create-token",
            "--no-user-output",
            "--profile",
            "work",
        ]


def test_a_rejected_oauth_token_is_one_line_naming_the_source(iam_server: RunningServer, tmp_path: Path) -> None:
    result = ychat(
        iam_server.url, tmp_path, "hi", **env_for(tmp_path, iam_server, YC_OAUTH_TOKEN="y0_wrong-token-123456")
    )
    assert result.returncode == 3
    assert_one_error_line(result.stderr, "OAuth token rejected by IAM: The token is invalid")
    assert "y0_wrong-token-123456" not in result.stderr.decode()


def test_a_failing_yc_is_one_line(iam_server: RunningServer, tmp_path: Path) -> None:
    env = env_for(tmp_path, iam_server, PATH=f"{fake_yc(tmp_path, fail=True)}{os.pathsep}{os.environ['PATH']}")
    result = ychat(iam_server.url, tmp_path, "hi", **env)
    assert result.returncode == 3
    assert_one_error_line(result.stderr, "yc iam create-token failed: ERROR: profile is not configured")


def test_an_expired_iam_token_says_how_to_get_a_new_one(iam_server: RunningServer, tmp_path: Path) -> None:
    result = ychat(
        iam_server.url, tmp_path, "hi", **env_for(tmp_path, iam_server, YC_IAM_TOKEN="t1.expired-token-1234")
    )
    assert result.returncode == 3
    assert "yc iam create-token" in result.stderr.decode() and "12 hours" in result.stderr.decode()


def test_a_server_quoting_the_key_shows_it_masked(server: RunningServer, tmp_path: Path) -> None:
    body = json.dumps({"error": {"grpcCode": 16, "httpCode": 401, "message": f"Unknown api key '{API_KEY}'"}})
    server.emulator.enqueue(Raw((body.encode(),), status=401))
    result = ychat(server.url, tmp_path, "--debug", "hi", YC_API_KEY=API_KEY)
    assert result.returncode == 3 and "Unknown api key 'AQVN…'" in result.stderr.decode()
    assert API_KEY not in result.stderr.decode() + result.stdout.decode()


def test_metadata_is_never_asked_unless_chosen(server: RunningServer, tmp_path: Path) -> None:
    result = ychat(server.url, tmp_path, "hi", YC_API_KEY="", YCHAT_METADATA_ENDPOINT=server.url, PATH="/usr/bin:/bin")
    assert result.returncode == 2  # no credentials: the message, not a probe
    assert not any("computeMetadata" in r.path for r in server.emulator.requests)


def test_a_secret_in_the_config_file_points_at_auth_login(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('model = "yandexgpt"\napi_key = "AQVN-x"\n')
    result = ychat(None, tmp_path, "hi", YCHAT_CONFIG=str(config))
    assert result.returncode == 2
    assert_one_error_line(result.stderr, f"{config}:2: 'api_key' is a secret")
    assert "ychat auth login" in result.stderr.decode()
    assert stat.S_IMODE(config.stat().st_mode) != 0  # untouched


def test_auth_status_shows_an_exchanged_tokens_expiry(iam_server: RunningServer, tmp_path: Path) -> None:
    env = env_for(tmp_path, iam_server, YC_OAUTH_TOKEN=OAUTH)
    result = ychat(iam_server.url, tmp_path, "auth", "status", **env)
    out = result.stdout.decode()
    assert result.returncode == 0 and "credentials: YC_OAUTH_TOKEN" in out and "token expires: 20" in out
    assert OAUTH not in out + result.stderr.decode()
