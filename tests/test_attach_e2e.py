"""Issue 23 end to end: the real ``ychat`` command against the test double — a picture to a
model that sees, to a text-only one through OCR, a PDF, ``/paste`` and ``/attach`` at the REPL,
an unreadable file, a resumed conversation that sends its picture again, and the export."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from tests.conftest import ychat_env
from tests.helpers import Dialogue, assert_one_error_line, ychat
from tests.pictures import PDF, picture, size_of
from ychat.server.http import RunningServer
from ychat.testing import Reply
from ychat.testing.ocr import OcrReply

GEMMA = ("--api", "openai", "-m", "gemma-3-27b-it")


def chat_requests(server: RunningServer) -> list[dict]:
    return [r.body for r in server.emulator.requests if r.path.endswith(("completion", "chat/completions"))]


def data_url_picture(part: dict) -> tuple[str, bytes]:
    head, data = part["image_url"]["url"].split(",", 1)
    return head, base64.b64decode(data)


def test_a_photo_goes_to_gemma_as_a_scaled_jpeg_data_url(server: RunningServer, tmp_path: Path) -> None:
    (tmp_path / "photo.jpg").write_bytes(picture("JPEG", (4000, 3000)))
    server.emulator.enqueue(Reply.of("A gradient."))
    result = ychat(server.url + "/v1", tmp_path, *GEMMA, "-a", str(tmp_path / "photo.jpg"), "What is this?")
    assert result.returncode == 0 and result.stdout.decode() == "A gradient.\n", result.stderr
    text, image = chat_requests(server)[-1]["messages"][-1]["content"]
    assert text == {"type": "text", "text": "What is this?"}
    head, data = data_url_picture(image)
    assert head == "data:image/jpeg;base64" and size_of(data) == (896, 672)
    assert not server.emulator.ocr.requests  # a model that sees needs no OCR


def test_a_screenshot_to_yandexgpt_is_read_by_ocr_first(server: RunningServer, tmp_path: Path) -> None:
    shot = picture("PNG", (640, 400))
    (tmp_path / "error.png").write_bytes(shot)
    server.emulator.ocr.enqueue(OcrReply(markdown="# OSError\n\nNo space left on device", full_text="OSError"))
    server.emulator.enqueue(Reply.of("Your disk is full."))
    result = ychat(server.url, tmp_path, "-a", str(tmp_path / "error.png"), "What does this mean?")
    assert result.returncode == 0 and result.stdout.decode() == "Your disk is full.\n", result.stderr
    ocr = server.emulator.ocr.requests[-1]
    assert (ocr["mimeType"], ocr["model"], ocr["languageCodes"]) == ("PNG", "markdown", ["*"])
    assert base64.b64decode(ocr["content"]) == shot
    ocr_request = next(r for r in server.emulator.requests if r.path == "/ocr/v1/recognizeText")
    assert ocr_request.headers["x-folder-id"] and ocr_request.headers["authorization"].startswith("Api-Key ")
    question = chat_requests(server)[-1]["messages"][-1]["text"]
    assert question.startswith("What does this mean?") and "No space left on device" in question
    assert "error.png read by OCR: 34 characters" in result.stderr.decode()


def test_a_scanned_pdf_is_read_by_ocr_even_for_a_model_that_sees(server: RunningServer, tmp_path: Path) -> None:
    (tmp_path / "scan.pdf").write_bytes(PDF)
    server.emulator.ocr.enqueue(OcrReply(full_text="Invoice 42", framing="bare"))
    server.emulator.enqueue(Reply.of("It is invoice 42."))
    result = ychat(server.url + "/v1", tmp_path, *GEMMA, "-a", str(tmp_path / "scan.pdf"), "Which invoice?")
    assert result.returncode == 0, result.stderr
    assert server.emulator.ocr.requests[-1]["mimeType"] == "application/pdf"
    assert "Invoice 42" in json.dumps(chat_requests(server)[-1]["messages"][-1])


def test_a_picture_read_from_stdin(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(Reply.of("Seen."))
    result = ychat(server.url + "/v1", tmp_path, *GEMMA, "-a", "-", "Describe it", stdin=picture("PNG"))
    assert result.returncode == 0, result.stderr
    assert data_url_picture(chat_requests(server)[-1]["messages"][-1]["content"][1])[0] == "data:image/png;base64"
    alone = ychat(server.url + "/v1", tmp_path, *GEMMA, "-a", "-", stdin=picture("PNG"))
    assert alone.returncode == 2 and "needs a prompt" in alone.stderr.decode()


def test_what_cannot_be_attached_fails_before_any_request(server: RunningServer, tmp_path: Path) -> None:
    (tmp_path / "broken.png").write_bytes(picture("PNG")[:50])
    (tmp_path / "notes.txt").write_text("plain text")
    for name, fragment in (("broken.png", "cannot be read as a picture"), ("notes.txt", "not a picture or a PDF")):
        result = ychat(server.url + "/v1", tmp_path, *GEMMA, "-a", str(tmp_path / name), "hi")
        assert result.returncode == 2
        assert_one_error_line(result.stderr, fragment)
    no_ocr = ychat(server.url, tmp_path, "--no-ocr", "-a", str(tmp_path / "broken.png"), "hi")
    assert no_ocr.returncode == 2 and "--no-ocr" in no_ocr.stderr.decode()
    each = ychat(server.url, tmp_path, "--each-line", "-a", str(tmp_path / "broken.png"), stdin=b"q\n")
    assert each.returncode == 2 and "not for --each-line" in each.stderr.decode()
    assert not server.emulator.requests  # nothing was sent


def test_an_ocr_failure_is_one_line_and_no_chat_request(server: RunningServer, tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(picture("PNG"))
    server.emulator.ocr.enqueue(OcrReply(error="image is too small"))
    result = ychat(server.url, tmp_path, "-a", str(tmp_path / "a.png"), "hi")
    assert result.returncode == 1
    assert_one_error_line(result.stderr, "image is too small")
    assert not chat_requests(server)


def test_the_picture_is_saved_once_resent_by_continue_and_exported(server: RunningServer, tmp_path: Path) -> None:
    (tmp_path / "cat.png").write_bytes(picture("PNG", (120, 80)))
    server.emulator.enqueue(Reply.of("A cat."), Reply.of("Grey."))
    first = ychat(server.url + "/v1", tmp_path, *GEMMA, "-a", str(tmp_path / "cat.png"), "What is it?")
    assert first.returncode == 0, first.stderr
    again = ychat(server.url + "/v1", tmp_path, *GEMMA, "-c", "What colour?")
    assert again.returncode == 0, again.stderr
    messages = chat_requests(server)[-1]["messages"]
    assert messages[0]["content"][1] == chat_requests(server)[0]["messages"][-1]["content"][1]  # the same picture
    assert messages[-1] == {"role": "user", "content": "What colour?"}
    listed = ychat(None, tmp_path, "history", "list", "--json")
    cid = json.loads(listed.stdout.decode().splitlines()[0])["id"]
    shown = ychat(None, tmp_path, "history", "show", cid).stdout.decode()
    assert "- cat.png (image/png," in shown and "seen by the model)" in shown
    target = tmp_path / "out" / "cat-chat.md"
    target.parent.mkdir()
    assert ychat(None, tmp_path, "history", "export", cid, "-o", str(target)).returncode == 0
    files = list((tmp_path / "out" / "cat-chat_files").iterdir())
    assert len(files) == 1 and files[0].read_bytes() == (tmp_path / "cat.png").read_bytes()
    assert f"![cat.png](cat-chat_files/{files[0].name})" in target.read_text()
    assert oct(files[0].stat().st_mode & 0o777) == "0o600"


def fake_clipboard(folder: Path, data: bytes) -> str:
    """A ``xclip`` that prints ``data``, on a PATH of its own before the system's."""
    folder.mkdir()
    (folder / "shot.bin").write_bytes(data)
    (folder / "xclip").write_text(f"#!/bin/sh\nexec /bin/cat '{folder / 'shot.bin'}'\n")
    (folder / "xclip").chmod(0o755)
    return f"{folder}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}"


def test_paste_a_screenshot_and_ask_what_it_means(server: RunningServer, tmp_path: Path) -> None:
    """The issue's "done when": /paste, then the question, answered through OCR (YandexGPT)."""
    path = fake_clipboard(tmp_path / "bin", picture("PNG", (300, 200)))
    server.emulator.ocr.enqueue(OcrReply(markdown="PermissionError: [Errno 13] /etc/shadow"))
    server.emulator.enqueue(Reply.of("You may not read that file."))
    chat = Dialogue.start(ychat_env(tmp_path, server.url, PATH=path))
    chat.ask("/paste", "clipboard.png (", "goes with your next message.")
    chat.ask("what does this mean?", "clipboard.png read by OCR: 39 characters", "You may not read that file.")
    assert chat.leave() == 0
    assert "PermissionError" in chat_requests(server)[-1]["messages"][-1]["text"]


def test_attach_at_the_repl_for_gemma_then_usage(server: RunningServer, tmp_path: Path) -> None:
    (tmp_path / "plot.webp").write_bytes(picture("WEBP", (2000, 1000)))
    server.emulator.enqueue(Reply.of("A plot."))
    chat = Dialogue.start(ychat_env(tmp_path, server.url + "/v1"), *GEMMA)
    chat.ask(f"/attach {tmp_path / 'plot.webp'}", "plot.webp (")
    chat.ask("what is it?", "A plot.")
    assert chat.leave() == 0
    head, data = data_url_picture(chat_requests(server)[-1]["messages"][-1]["content"][1])
    assert head == "data:image/png;base64" and size_of(data) == (896, 448)


def test_offline_an_attachment_is_an_error_that_says_why(tmp_path: Path) -> None:
    from ychat import local

    if not local.available():
        pytest.skip("ychat-cli[local] is not installed")
    (tmp_path / "a.png").write_bytes(picture("PNG"))
    result = ychat(None, tmp_path, "--local", "-a", str(tmp_path / "a.png"), "What is it?", YC_API_KEY="")
    assert result.returncode == 2
    assert_one_error_line(result.stderr, "the embedded model reads no pictures")


def test_the_responses_api_gets_an_input_image(server: RunningServer, tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(picture("PNG", (1200, 900)))
    server.emulator.enqueue(Reply.of("Seen."))
    argv = ("--api", "responses", "-m", "gemma-3-27b-it", "-a", str(tmp_path / "a.png"), "What is it?")
    result = ychat(server.url, tmp_path, *argv)
    assert result.returncode == 0 and result.stdout.decode() == "Seen.\n", result.stderr
    body = next(r.body for r in server.emulator.requests if r.path == "/v1/responses")
    text, image = body["input"][-1]["content"]
    assert text == {"type": "input_text", "text": "What is it?"} and image["type"] == "input_image"
    head, data = image["image_url"].split(",", 1)
    assert head == "data:image/png;base64" and size_of(base64.b64decode(data)) == (896, 672)


def test_an_unreachable_ocr_host_is_one_line_and_the_chat_goes_on(server: RunningServer, tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(picture("PNG"))
    nowhere = {"YCHAT_OCR_ENDPOINT": "http://127.0.0.1:1"}
    result = ychat(server.url, tmp_path, "-a", str(tmp_path / "a.png"), "hi", **nowhere)
    assert result.returncode == 5
    assert_one_error_line(result.stderr, "127.0.0.1:1")
    server.emulator.enqueue(Reply.of("Still here."))
    chat = Dialogue.start(ychat_env(tmp_path, server.url, **nowhere))
    chat.ask(f"/attach {tmp_path / 'a.png'}", "a.png (")
    chat.ask("what is it?", "ychat: error:", "Your message is kept")
    chat.ask("/undo", "Dropped the unsent message.")  # and the picture with it
    chat.ask("hello", "Still here.")
    assert chat.leave() == 0


def test_escape_sequences_in_ocr_text_never_reach_the_terminal_raw(server: RunningServer, tmp_path: Path) -> None:
    """Text OCR read off a picture is text from a server: /history shows it neutralised."""
    path = fake_clipboard(tmp_path / "bin", picture("PNG"))
    server.emulator.ocr.enqueue(OcrReply(markdown="ok\x1b]0;pwned\x07\x1b[2J\x1b[31mred"))
    server.emulator.enqueue(Reply.of("Fine."))
    chat = Dialogue.start(ychat_env(tmp_path, server.url, PATH=path))
    chat.ask("/paste", "goes with your next message.")
    chat.ask("what is it?", "Fine.")
    chat.ask("/history", "red")
    assert chat.leave() == 0
    assert "\x1b]0;pwned" not in chat.shown and "\x1b[2J" not in chat.shown and "\x1b[31mred" not in chat.shown


def test_a_file_named_stdin_leaves_piped_text_to_the_message(server: RunningServer, tmp_path: Path) -> None:
    (tmp_path / "stdin").write_bytes(picture("PNG"))
    server.emulator.enqueue(Reply.of("Seen."))
    result = ychat(server.url + "/v1", tmp_path, *GEMMA, "-a", str(tmp_path / "stdin"), "Compare", stdin=b"my notes")
    assert result.returncode == 0, result.stderr
    assert chat_requests(server)[-1]["messages"][-1]["content"][0]["text"] == "Compare\n\nmy notes"
