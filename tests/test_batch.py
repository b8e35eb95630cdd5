"""``ychat --each-line`` (ychat/batch.py, batchrun.py): order, the concurrency bound seen by the
server, failures, exit codes, JSON lines, and Ctrl-C in a pseudo-terminal."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pexpect

from tests.conftest import ychat_env
from tests.helpers import assert_one_error_line, spawn, ychat
from ychat.batch.pool import exit_code, questions
from ychat.errors import APIError, AuthError
from ychat.server.engine import BadRequest
from ychat.server.http import serve
from ychat.testing import EchoEngine, Emulator, HttpError


class Crowded(EchoEngine):
    """Each generation waits until ``width`` are running at once (proof of the concurrency),
    counts the most ever running, and refuses a question holding FAIL."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.barrier = threading.Barrier(width, timeout=20)
        self.lock = threading.Lock()
        self.running = self.most = 0

    def generate(self, messages, *, temperature=None, max_tokens=None):  # type: ignore[no-untyped-def]
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            self.barrier.wait()
            if "FAIL" in messages[-1]["text"]:
                raise BadRequest(400, "this question is refused")
            yield from list(super().generate(messages, temperature=temperature, max_tokens=max_tokens))
        finally:
            with self.lock:
                self.running -= 1


def test_twenty_questions_in_order_at_most_four_at_once(tmp_path: Path) -> None:
    engine = Crowded(4)
    lines = [f"question {n}" if n != 7 else "question 7 FAIL" for n in range(1, 21)]
    with serve(Emulator(engine=engine)) as server:
        result = ychat(
            server.url, tmp_path, "--each-line", "--json", "--concurrency", "4", stdin="\n".join(lines).encode()
        )
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [r["index"] for r in records] == list(range(1, 21))  # input order, whatever finished first
    assert [r["answer"] for r in records if r["index"] != 7] == [f"Echo: question {n}" for n in range(1, 21) if n != 7]
    assert records[6]["error"].startswith("HTTP 400: this question is refused") and records[6]["answer"] is None
    assert engine.most == 4  # four at once (the barrier), never more
    assert result.returncode == 1
    stderr = result.stderr.decode()
    assert "question 7: HTTP 400" in stderr and "1 of 20 questions failed" in stderr and "Traceback" not in stderr


def test_plain_output_and_the_prompt_joined_before_each_line(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = ychat(server.url, tmp_path, "--each-line", "Say:", stdin=b"one\n\n  \ntwo\n")
    assert result.returncode == 0
    assert result.stdout.decode() == "Echo: Say:\n\none\n\nEcho: Say:\n\ntwo\n"
    assert sorted(r.body["messages"][-1]["text"] for r in server.emulator.requests) == ["Say:\n\none", "Say:\n\ntwo"]


def test_all_failing_the_same_way_exits_with_that_code(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server.emulator.enqueue(HttpError.documented(401), HttpError.documented(401))
    result = ychat(server.url, tmp_path, "--each-line", "--concurrency", "1", stdin=b"a\nb\n")
    assert result.returncode == 3
    assert result.stderr.decode().count("ychat: error: question") == 2


def test_input_file_and_the_quota_warning(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "questions.txt").write_text("alpha\nbeta\n")
    result = ychat(server.url, tmp_path, "--input", str(tmp_path / "questions.txt"), "--concurrency", "12")
    assert result.returncode == 0 and result.stdout.decode() == "Echo: alpha\n\nEcho: beta\n"
    assert "above the documented quota of 10" in result.stderr.decode()


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    missing = ychat(None, tmp_path, "--input", str(tmp_path / "absent.txt"))
    assert missing.returncode == 2
    assert_one_error_line(missing.stderr, "cannot read")


def test_a_line_that_is_not_utf8_fails_alone(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "latin1.txt").write_bytes("ok\ncaf\xe9\nfine\n".encode("latin-1"))
    bad = ychat(server.url, tmp_path, "--input", str(tmp_path / "latin1.txt"))
    assert bad.returncode == 1 and bad.stdout.decode() == "Echo: ok\n\nEcho: fine\n"
    assert "question 2: " in bad.stderr.decode() and "line 2: not valid UTF-8" in bad.stderr.decode()
    as_json = ychat(server.url, tmp_path, "--input", str(tmp_path / "latin1.txt"), "--json")
    records = [json.loads(line) for line in as_json.stdout.decode().splitlines()]
    assert [r["status"] for r in records] == ["answered", "failed", "answered"]


class Stuck(EchoEngine):
    """Answers the first two questions; every later one waits until the test ends."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def generate(self, messages, *, temperature=None, max_tokens=None):  # type: ignore[no-untyped-def]
        if messages[-1]["text"] not in ("q1", "q2"):
            self.release.wait(30)
        yield from super().generate(messages, temperature=temperature, max_tokens=max_tokens)


def test_ctrl_c_mid_batch_prints_what_finished_and_exits_130(tmp_path: Path) -> None:
    engine = Stuck()
    (tmp_path / "questions.txt").write_text("\n".join(f"q{n}" for n in range(1, 9)) + "\n")
    with serve(Emulator(engine=engine)) as server:
        child = spawn(ychat_env(tmp_path, server.url), "--input", str(tmp_path / "questions.txt"), "--concurrency", "2")
        child.expect_exact("Echo: q2")
        child.expect_exact("answering")  # the progress bar on the terminal's stderr
        child.sendcontrol("c")
        child.expect(pexpect.EOF)
        child.close()
        engine.release.set()
    assert child.exitstatus == 130
    output = child.logfile_read.getvalue()
    assert "Echo: q1" in output and "Echo: q3" not in output and "Traceback" not in output
    read = [n for n in range(3, 9) if f"question {n}: not sent: interrupted" in output]
    assert read and read == list(range(3, 3 + len(read)))  # every question read has its fate, in order
    assert f"stopped after question {read[-1]} (interrupted)" in output


def test_ctrl_c_with_json_gives_every_read_line_a_record(tmp_path: Path) -> None:
    engine = Stuck()
    (tmp_path / "questions.txt").write_text("\n".join(f"q{n}" for n in range(1, 9)) + "\n")
    with serve(Emulator(engine=engine)) as server:
        child = spawn(
            ychat_env(tmp_path, server.url), "--input", str(tmp_path / "questions.txt"), "--concurrency", "2", "--json"
        )
        child.expect_exact('"answer": "Echo: q2"')
        child.expect_exact("answering")
        child.sendcontrol("c")
        child.expect(pexpect.EOF)
        child.close()
        engine.release.set()
    output = child.logfile_read.getvalue()
    decoder, records, at = json.JSONDecoder(), [], output.find('{"index"')
    while at >= 0:
        record, end = decoder.raw_decode(output, at)
        records.append(record)
        at = output.find('{"index"', end)
    assert [r["index"] for r in records] == list(range(1, len(records) + 1)) and len(records) >= 3
    assert [r["status"] for r in records[:2]] == ["answered", "answered"]
    assert {r["status"] for r in records[2:]} == {"not sent"}


def test_a_server_refusing_every_connection_stops_the_batch_early(tmp_path: Path) -> None:
    import socket

    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    (tmp_path / "questions.txt").write_text("\n".join(f"q{n}" for n in range(1, 201)) + "\n")
    result = ychat(url, tmp_path, "--input", str(tmp_path / "questions.txt"), "--concurrency", "1", "--json")
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert result.returncode == 5 and 3 <= len(records) < 20  # not 200 questions retried one by one
    assert [r["status"] for r in records[:3]] == ["failed"] * 3 and "127.0.0.1" in records[0]["error"]
    assert "refused 3 connections in a row" in result.stderr.decode()


def test_questions_and_exit_codes() -> None:
    assert list(questions(["a\n", "\n", "  \n", "b\r\n"], None)) == [(1, "a"), (2, "b")]
    assert list(questions(["a"], "P")) == [(1, "P\n\na")]
    auth = AuthError("no", http_status=401)
    assert exit_code([], 3) == 0 and exit_code([auth, auth], 2) == 3
    assert exit_code([auth], 2) == 1 and exit_code([auth, APIError("x", http_status=500)], 2) == 1


def test_the_progress_bar_shows_done_of_total_failures_and_tokens() -> None:
    import io

    from rich.console import Console

    from ychat.render.progress import BatchProgress

    bar = BatchProgress(io.StringIO())
    for _ in range(3):
        bar.read()
    bar.answered(failed=False, tokens=1200)
    bar.answered(failed=True, tokens=0)
    screen = Console(file=io.StringIO(), width=100, record=True)
    screen.print(bar._progress.get_renderable())
    shown = screen.export_text()
    assert "2/3" in shown and "1 failed" in shown and "1,200 tokens" in shown and "0:00:0" in shown
