"""Issue 18: no secret leaks, nothing opens a door, no data lost, bad files are one clear line.
JWTs and response headers masked; exports and config writes private and atomic; configs others
can write refused; concurrent config edits; literal id prefixes; /file, EDITOR and key files
checked before reading; the window trusts the server's count."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import in_process_client
from tests.helpers import Recorder, assert_one_error_line, ychat
from ychat.api.auth import mask, redact_headers
from ychat.conversation import Conversation
from ychat.history.store import Store
from ychat.models.windows import plan
from ychat.repl.session import ChatOptions, Session
from ychat.server.engine import BadRequest
from ychat.server.http import RunningServer, serve
from ychat.testing import Emulator, Raw
from ychat.testing.iam import IamDouble

# --- secrets ---------------------------------------------------------------------------------


class EchoingIam(IamDouble):
    """An IAM that quotes the request it refuses (as some proxies and gateways do)."""

    def exchange(self, body: Any) -> dict[str, Any]:
        self.exchanges.append(body)
        raise BadRequest(401, f"JWT rejected: {body.get('jwt')} in {json.dumps(body)}")


def rsa_key_file(tmp_path: Path) -> Path:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    return write_key(tmp_path, pem)


def write_key(tmp_path: Path, pem: str) -> Path:
    path = tmp_path / "key.json"
    path.write_text(json.dumps({"id": "ajekey1", "service_account_id": "ajeaccount", "private_key": pem}))
    return path


def test_a_signed_jwt_is_masked_when_iam_echoes_it(tmp_path: Path) -> None:
    iam = EchoingIam()
    with serve(Emulator(iam=iam)) as running:
        env = {
            "YC_API_KEY": "",
            "YCHAT_IAM_ENDPOINT": running.url,
            "YC_SERVICE_ACCOUNT_KEY_FILE": str(rsa_key_file(tmp_path)),
        }
        result = ychat(running.url, tmp_path, "--debug", "hi", **env)
    signed = iam.exchanges[0]["jwt"]
    output = result.stdout.decode() + result.stderr.decode()
    assert result.returncode == 3 and "JWT rejected: eyJ" in output
    assert signed not in output and signed.split(".")[2] not in output


def test_debug_redacts_secrets_in_response_headers(server: RunningServer, tmp_path: Path) -> None:
    key = "AQVN-the-secret-key-123"
    headers = (
        ("WWW-Authenticate", f'Api-Key realm="ai", error="invalid key {key}"'),
        ("Set-Cookie", "session=abcdef123456; HttpOnly"),
        ("X-Echo", f"your key was {key}"),
        ("X-Token", "eyJhbGciOiJQUzI1NiJ9.eyJpc3MiOiJhIn0.c2lnbmF0dXJlLXNpZ24"),
    )
    body = json.dumps({"error": {"grpcCode": 16, "httpCode": 401, "message": "Unknown api key"}})
    server.emulator.enqueue(Raw((body.encode(),), status=401, headers=headers))
    result = ychat(server.url, tmp_path, "--debug", "hi", YC_API_KEY=key)
    err = result.stderr.decode()
    assert result.returncode == 3 and "www-authenticate" in err.lower()
    for secret in (key, "abcdef123456", "c2lnbmF0dXJlLXNpZ24"):
        assert secret not in err, secret


def test_redaction_keeps_schemes_and_masks_values() -> None:
    redacted = redact_headers(
        {"Authorization": "Api-Key AQVN-xyz-123456", "X-Key": "is AQVN-xyz-123456"}, ["AQVN-xyz-123456"]
    )
    assert redacted == {"Authorization": "Api-Key <redacted>", "X-Key": "is AQVN…"}
    assert mask("token eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl here", []) == "token eyJh… here"


# --- files written private and whole ---------------------------------------------------------


def saved_conversation(server: RunningServer, tmp_path: Path) -> tuple[dict[str, str], str]:
    env = {"YCHAT_DATA_DIR": str(tmp_path / "data")}
    assert ychat(server.url, tmp_path, "hello", **env).returncode == 0
    cid = json.loads(ychat(None, tmp_path, "history", "list", "--json", **env).stdout)["id"]
    return env, cid


def test_export_replaces_a_file_or_link_with_a_private_one(server: RunningServer, tmp_path: Path) -> None:
    env, cid = saved_conversation(server, tmp_path)
    existing = tmp_path / "old.md"
    existing.write_text("old")
    existing.chmod(0o644)
    elsewhere = tmp_path / "elsewhere.md"
    elsewhere.write_text("not to be touched")
    elsewhere.chmod(0o644)
    link = tmp_path / "link.md"
    link.symlink_to(elsewhere)
    for target in (existing, link):
        assert ychat(None, tmp_path, "history", "export", cid, "-o", str(target), **env).returncode == 0
        assert not target.is_symlink() and stat.S_IMODE(target.stat().st_mode) == 0o600
        assert "Echo: hello" in target.read_text()
    assert elsewhere.read_text() == "not to be touched"


@pytest.mark.parametrize("case", ["folder", "missing folder", "dangling link"])
def test_export_onto_a_bad_target_is_one_line(server: RunningServer, tmp_path: Path, case: str) -> None:
    env, cid = saved_conversation(server, tmp_path)
    target = {"folder": tmp_path, "missing folder": tmp_path / "nope" / "x.md", "dangling link": tmp_path / "dl.md"}[
        case
    ]
    if case == "dangling link":
        target.symlink_to(tmp_path / "gone.md")
    result = ychat(None, tmp_path, "history", "export", cid, "-o", str(target), **env)
    assert result.returncode == 2
    assert_one_error_line(result.stderr, f"cannot write {target}")


def test_save_into_a_missing_folder_is_one_line_and_the_chat_goes_on(server: RunningServer, tmp_path: Path) -> None:
    renderer = Recorder()
    session = Session(in_process_client(server.emulator), renderer, Conversation(), ChatOptions("yandexgpt"))
    session.handle("hi")
    assert session.handle(f"/save {tmp_path / 'no' / 'such' / 'x.md'}")
    (error,) = renderer.named("error")
    assert "the folder" in str(error) and "does not exist" in str(error)


# --- config files ----------------------------------------------------------------------------


def config_env(path: Path) -> dict[str, str]:
    return {"YCHAT_CONFIG": str(path)}


@pytest.mark.parametrize("mode", [0o664, 0o646])
def test_a_config_others_can_write_is_refused(server: RunningServer, tmp_path: Path, mode: int) -> None:
    config = tmp_path / "config.toml"
    config.write_text('endpoint = "http://127.0.0.1:9/"\n')
    config.chmod(mode)
    result = ychat(server.url, tmp_path, "hi", **config_env(config))
    assert result.returncode == 2 and server.emulator.requests == []
    assert_one_error_line(result.stderr, f"{config} can be changed by other users")
    assert f"chmod go-w {config}" in result.stderr.decode()


def test_a_config_of_another_user_is_refused(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    config = tmp_path / "config.toml"
    config.write_text("")
    config.chmod(0o600)
    os.chown(config, 12345, 12345)
    result = ychat(None, tmp_path, "config", "show", **config_env(config))
    assert result.returncode == 2
    assert_one_error_line(result.stderr, "belongs to another user (uid 12345)")


def test_config_path_and_set_take_a_ychat_config_that_does_not_exist_yet(tmp_path: Path) -> None:
    config = tmp_path / "new" / "ychat.toml"
    assert ychat(None, tmp_path, "config", "path", **config_env(config)).stdout.decode() == f"{config}\n"
    result = ychat(None, tmp_path, "config", "set", "model", "yandexgpt-lite", **config_env(config))
    assert result.returncode == 0, result.stderr
    assert config.read_text() == 'model = "yandexgpt-lite"\n' and stat.S_IMODE(config.stat().st_mode) == 0o600
    other = tmp_path / "missing.toml"
    shown = ychat(None, tmp_path, "config", "show", **config_env(other))
    assert shown.returncode == 2 and "does not exist" in shown.stderr.decode()


def test_a_symlinked_config_is_edited_through_the_link(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "ychat.toml"
    real.parent.mkdir()
    real.write_text('# mine\nmodel = "yandexgpt"\n')
    real.chmod(0o600)
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    assert ychat(None, tmp_path, "config", "set", "temperature", "0.5", **config_env(link)).returncode == 0
    assert link.is_symlink() and real.read_text() == '# mine\nmodel = "yandexgpt"\ntemperature = 0.5\n'


SETTER = """
import os, sys
from ychat.cli import config as configcmd
configcmd.set_value(os.environ, sys.argv[1], sys.argv[2], sys.argv[3])
"""


def test_concurrent_config_sets_lose_no_update(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("")
    config.chmod(0o600)
    env = {**os.environ, "YCHAT_CONFIG": str(config)}
    setters = [
        subprocess.Popen([sys.executable, "-c", SETTER, "model", f"model-{n}", f"p{n}"], env=env) for n in range(8)
    ]
    assert [setter.wait(timeout=60) for setter in setters] == [0] * 8
    text = config.read_text()
    assert all(f"[profiles.p{n}]" in text and f'model = "model-{n}"' in text for n in range(8)), text


# --- literal prefixes ------------------------------------------------------------------------


def test_an_id_prefix_is_literal(tmp_path: Path) -> None:
    store = Store(tmp_path / "ychat.db")
    cid = store.create(title="t", dialect="v1", model="m", system=None, options={})
    for wildcard in ("%", "_", cid[:3] + "%", "_" * 4):
        with pytest.raises(Exception, match="no saved conversation"):
            store.resolve(wildcard)
    assert store.resolve(cid[:5]) == cid
    store.close()


# --- files that are no files -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/urandom", "fifo", "folder"])
def test_file_refuses_what_is_not_a_regular_file(tmp_path: Path, path: str) -> None:
    from ychat.errors import UsageError
    from ychat.repl.editor import read_attachment

    if path == "fifo":
        path = str(tmp_path / "fifo")
        os.mkfifo(path)
    elif path == "folder":
        path = str(tmp_path)
    with pytest.raises(UsageError, match=r"not a regular file|Is a directory"):
        read_attachment(path)


def test_file_reads_a_capped_amount(tmp_path: Path) -> None:
    from ychat.errors import UsageError
    from ychat.repl.editor import ATTACHMENT_LIMIT, read_attachment

    big = tmp_path / "big.txt"
    big.write_text("x" * (ATTACHMENT_LIMIT + 1))
    with pytest.raises(UsageError, match="larger than"):
        read_attachment(str(big))


def test_an_editor_with_an_unbalanced_quote_is_one_line(server: RunningServer) -> None:
    renderer = Recorder()
    session = Session(in_process_client(server.emulator), renderer, Conversation(), ChatOptions("yandexgpt"))
    os.environ["EDITOR"] = "vim '-c"
    try:
        assert session.handle("/edit")
    finally:
        del os.environ["EDITOR"]
    (error,) = renderer.named("error")
    assert "cannot read the editor command" in str(error)


@pytest.mark.parametrize("kind", ["ec", "fifo", "device"])
def test_a_bad_service_account_key_file_is_one_line(tmp_path: Path, kind: str) -> None:
    if kind == "ec":
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        pem = (
            ec.generate_private_key(ec.SECP256R1())
            .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
            .decode()
        )
        path = str(write_key(tmp_path, pem))
    elif kind == "fifo":
        path = str(tmp_path / "fifo")
        os.mkfifo(path)
    else:
        path = "/dev/zero"
    env = {"YC_API_KEY": "", "YC_SERVICE_ACCOUNT_KEY_FILE": path, "YCHAT_IAM_ENDPOINT": "http://127.0.0.1:9"}
    result = ychat("http://127.0.0.1:9", tmp_path, "hi", **env)
    assert result.returncode in (2, 3)
    assert_one_error_line(result.stderr, "service-account key")


# --- the window trusts the server's count ----------------------------------------------------


def test_the_measured_count_is_trusted_far_above_the_text() -> None:
    exchanges = [("q", "a")] * 10  # a few bytes of text, but the server counted 9 000 tokens
    dropped = plan(exchanges, "next", system=None, window=8_192, reply=1_000, measured=9_000).dropped
    assert dropped >= 2  # the 5x clamp kept every exchange and the request overflowed
