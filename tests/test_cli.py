"""The real ``ychat`` command, one-off and piped, against the emulator on 127.0.0.1."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import FOLDER, ychat_argv, ychat_env
from tests.helpers import assert_one_error_line, sent
from tests.helpers import ychat as run_ychat
from ychat import __version__
from ychat.errors import UsageError
from ychat.program import one_off_message
from ychat.server.http import RunningServer
from ychat.testing import HttpError, Reply, Silent


def ychat(server: RunningServer | None, tmp_path: Path, *args: str, stdin: bytes = b"", **env: str):
    return run_ychat(server.url if server else None, tmp_path, *args, stdin=stdin, **env)


def test_one_off_with_system(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(Reply.of("Paris is the capital.", chunks=5))
    result = ychat(server, tmp_path, "--system", "Be brief", "Capital of France?")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"Paris is the capital.\n"
    assert sent(server.emulator) == [("system", "Be brief"), ("user", "Capital of France?")]
    request = server.emulator.requests[-1]
    assert request.headers["authorization"] == "Api-Key AQVN-test-secret-key"
    assert request.headers["x-folder-id"] == FOLDER
    assert request.headers["x-data-logging-enabled"] == "false"
    assert request.headers["user-agent"] == f"ychat/{__version__}"
    assert request.headers["x-client-request-id"]
    assert request.body["modelUri"] == f"gpt://{FOLDER}/yandexgpt/latest"


def test_stdin_alone_is_the_message(server: RunningServer, tmp_path: Path) -> None:
    result = ychat(server, tmp_path, stdin=b"notes line 1\nnotes line 2\n")
    assert result.returncode == 0, result.stderr
    assert sent(server.emulator) == [("user", "notes line 1\nnotes line 2")]
    assert result.stdout == b"Echo: notes line 1\nnotes line 2\n"
    assert b"\x1b" not in result.stdout


def test_prompt_then_blank_line_then_stdin(server: RunningServer, tmp_path: Path) -> None:
    result = ychat(server, tmp_path, "summarize", stdin="Привет, мир".encode())
    assert result.returncode == 0, result.stderr
    assert sent(server.emulator) == [("user", "summarize\n\nПривет, мир")]


def test_options_reach_the_request(server: RunningServer, tmp_path: Path) -> None:
    args = ["-m", "yandexgpt/rc", "-t", "0.2", "--max-tokens", "50", "--no-stream", "--folder-id", "b1gflag", "q"]
    result = ychat(server, tmp_path, *args)
    assert result.returncode == 0, result.stderr
    body = server.emulator.requests[-1].body
    assert body["modelUri"] == "gpt://b1gflag/yandexgpt/rc"
    assert body["completionOptions"] == {"stream": False, "temperature": 0.2, "maxTokens": "50"}
    assert result.stdout == b"Echo: q\n"


def test_endpoint_flag_beats_environment(server: RunningServer, tmp_path: Path) -> None:
    result = ychat(None, tmp_path, "--endpoint", server.url, "q", YCHAT_ENDPOINT="http://127.0.0.1:9")
    assert result.returncode == 0 and len(server.emulator.requests) == 1


def test_iam_token_and_seed_names(server: RunningServer, tmp_path: Path) -> None:
    result = ychat(server, tmp_path, "q", YC_API_KEY="", YC_FOLDER_ID="", IAM_TOKEN="t1.token", FOLDER_ID="b1gseed")
    assert result.returncode == 0, result.stderr
    request = server.emulator.requests[-1]
    assert request.headers["authorization"] == "Bearer t1.token" and request.headers["x-folder-id"] == "b1gseed"


@pytest.mark.parametrize(
    ("scripted", "code", "fragment"),
    [
        ([HttpError.documented(401, "Unknown api key 'AQVN…'")], 3, "HTTP 401: Unknown api key"),
        ([HttpError.documented(403)], 3, "HTTP 403: Permission denied"),
        ([HttpError.documented(429, retry_after=0)] * 4, 4, "HTTP 429"),
        ([HttpError.documented(500)], 1, "HTTP 500: Fatal internal error"),
        ([HttpError.documented(503, retry_after=0)] * 4, 1, "HTTP 503: Service is unavailable"),
        ([HttpError.documented(400, "number of input tokens must be no more than 8192, got 28498")], 1, "8192"),
        (
            [
                Reply.of(
                    "half an answer", chunks=2, error={"error": {"grpcCode": 13, "httpCode": 500, "message": "boom"}}
                )
            ],
            1,
            "boom",
        ),
        ([Reply.of("half an answer", chunks=2, drop=True)], 5, "dropped"),
        ([Reply.of("half an answer", chunks=2, garbage=b"{oops")], 1, "malformed JSON"),
    ],
)
def test_faults_give_one_line_and_the_documented_exit_code(
    server: RunningServer, tmp_path: Path, scripted: list, code: int, fragment: str
) -> None:
    server.emulator.enqueue(*scripted)
    result = ychat(server, tmp_path, "q")
    assert result.returncode == code, result.stderr
    assert_one_error_line(result.stderr, fragment)
    assert b"AQVN-test-secret-key" not in result.stderr + result.stdout


def test_error_message_carries_the_request_id(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(HttpError.documented(500))
    result = ychat(server, tmp_path, "q")
    assert b"(request id " in result.stderr


def test_server_that_never_answers(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(Silent(30))
    result = ychat(server, tmp_path, "--timeout", "0.5", "q")
    assert result.returncode == 5
    assert_one_error_line(result.stderr, "no answer")


def test_connection_refused(tmp_path: Path) -> None:
    result = ychat(None, tmp_path, "q", YCHAT_ENDPOINT="http://127.0.0.1:9")
    assert result.returncode == 5
    assert_one_error_line(result.stderr, "cannot connect to 127.0.0.1:9:")  # host and port


def test_no_credentials_exit_2_before_any_request(server: RunningServer, tmp_path: Path) -> None:
    result = ychat(server, tmp_path, "q", YC_API_KEY="")
    assert result.returncode == 2
    assert_one_error_line(result.stderr, "no Yandex Cloud credentials")
    assert b"YC_API_KEY" in result.stderr and b"YC_IAM_TOKEN" in result.stderr
    assert server.emulator.requests == []


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["-t", "1.5", "q"], {}),
        (["--max-tokens", "0", "q"], {}),
        (["--bogus"], {}),
        (["q"], {"YCHAT_TEMPERATURE": "warm"}),
        (["q"], {"YC_FOLDER_ID": ""}),
        (["--timeout", "inf", "q"], {}),
        (["--timeout", "1e10", "q"], {}),
        (["--max-time", "inf", "q"], {}),
        (["q"], {"YCHAT_TIMEOUT": "inf"}),
        (["--endpoint", "http://[::1", "q"], {}),
        (["--endpoint", "http://:0", "q"], {}),
    ],
)
def test_bad_usage_exit_2(server: RunningServer, tmp_path: Path, args: list[str], env: dict[str, str]) -> None:
    result = ychat(server, tmp_path, *args, **env)
    assert result.returncode == 2, result.stderr
    assert b"Traceback" not in result.stderr and server.emulator.requests == []


def test_bad_stdin(server: RunningServer, tmp_path: Path) -> None:
    assert ychat(server, tmp_path, stdin=b"\xff\xfe bad").returncode == 2
    assert ychat(server, tmp_path, stdin=b"").returncode == 2
    assert server.emulator.requests == []


def test_debug_redacts_the_secret(server: RunningServer, tmp_path: Path) -> None:
    result = ychat(server, tmp_path, "--debug", "q")
    assert result.returncode == 0
    assert b"Api-Key <redacted>" in result.stderr and b"AQVN-test-secret-key" not in result.stderr


def test_truncated_reply_note(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(Reply.of("cut short", status="ALTERNATIVE_STATUS_TRUNCATED_FINAL"))
    result = ychat(server, tmp_path, "q")
    assert result.returncode == 0 and result.stdout == b"cut short\n" and b"token limit" in result.stderr


def test_version_and_help(tmp_path: Path) -> None:
    version = ychat(None, tmp_path, "--version")
    assert version.returncode == 0 and version.stdout.decode().strip() == f"ychat {__version__}"
    help_ = ychat(None, tmp_path, "--help")
    assert help_.returncode == 0
    for option in (
        "--system",
        "--model",
        "--temperature",
        "--max-tokens",
        "--no-stream",
        "--folder-id",
        "--endpoint",
        "--timeout",
        "--max-time",
    ):
        assert option.encode() in help_.stdout
    text = " ".join(help_.stdout.decode().split())
    assert "ychat serve" in text and "Commands:" in text  # the subcommand is listed
    assert "Sampling temperature" in text  # -t has words
    assert "[default: yandexgpt; v1alpha: general]" in text and "[default: 60]" in text and "[default: 600]" in text
    for option in ("--api", "--async", "--reasoning"):  # the dialects (docs/dialects.md)
        assert option in text
    assert "ychat operation ID" in text


def test_a_config_file_named_in_the_environment_must_exist(server: RunningServer, tmp_path: Path) -> None:
    result = ychat(server, tmp_path, "q", YCHAT_CONFIG=str(tmp_path / "nonexistent.toml"))
    assert result.returncode == 2
    assert_one_error_line(result.stderr, "nonexistent.toml, which does not exist")


def test_python_dash_m(server: RunningServer, tmp_path: Path) -> None:
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "ychat", "q"], capture_output=True, env=ychat_env(tmp_path, server.url), timeout=60
    )
    assert result.returncode == 0 and result.stdout == b"Echo: q\n"


@pytest.mark.parametrize(
    ("prompt", "stdin", "message"),
    [("p", None, "p"), (None, "s", "s"), ("p", "s", "p\n\ns"), ("p", "  ", "p"), (None, None, None)],
)
def test_one_off_message(prompt, stdin, message) -> None:
    assert one_off_message(prompt, stdin) == message


def test_one_off_message_errors() -> None:
    with pytest.raises(UsageError):
        one_off_message(None, "")
    with pytest.raises(UsageError):
        one_off_message("  ", None)


def test_reader_closing_the_pipe_early_gives_no_traceback(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(Reply.of("".join(f"line {n}\n" for n in range(20_000)), chunks=200))
    process = subprocess.Popen(
        [*ychat_argv(), "q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=ychat_env(tmp_path, server.url),
    )
    assert process.stdout.readline() == b"line 0\n"
    process.stdout.close()  # like `ychat q | head -1`
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 141, stderr  # 128 + SIGPIPE, as `yes | head -1` ends
    assert stderr == b""


def test_options_before_a_subcommand_go_to_it_never_to_the_model(server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import ychat

    server.emulator.models = ["qwen3-235b-a22b-fp8/latest"]
    listed = ychat(None, tmp_path, "--api", "openai", "--endpoint", server.url + "/v1", "models")
    assert listed.returncode == 0 and "qwen3-235b-a22b-fp8" in listed.stdout.decode()
    assert ychat(None, tmp_path, "models", "--api", "openai", "--endpoint", server.url + "/v1").stdout == listed.stdout
    refused = ychat(server.url, tmp_path, "-s", "Be brief", "history")
    assert refused.returncode == 2 and "No such option" in refused.stderr.decode()
    asked = ychat(server.url, tmp_path, "--", "models")
    assert asked.stdout.decode() == "Echo: models\n"
    chats = [r for r in server.emulator.requests if r.path.endswith("/completion")]
    assert [r.body["messages"][-1]["text"] for r in chats] == ["models"]  # only when asked for with --
    assert "Traceback" not in refused.stderr.decode()


def test_help_lists_every_command(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import ychat

    shown = ychat(None, tmp_path, "--help").stdout.decode()
    for word in ("serve", "operation", "history", "models", "config", "auth", "completion"):
        assert f"ychat {word}" in shown, word
