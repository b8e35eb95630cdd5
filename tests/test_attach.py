"""Issue 23, attachments: recognising untrusted bytes, scaling pictures, routing them to a model
that sees or to OCR, reading OCR replies in every framing, and the wire parts they become."""

from __future__ import annotations

import base64
import contextlib
import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.pictures import PDF, first_pixel, picture, size_of
from ychat.api.dialects.openai import chat_body
from ychat.api.dialects.responses import input_json
from ychat.api.http.transport import clip_body
from ychat.api.ocr import request_body, text_of
from ychat.api.registry import Vision, vision
from ychat.attach import clipboard
from ychat.attach.files import KINDS, MAX_BYTES, Attachment, read, recognised, sniff
from ychat.attach.pictures import check, fit, for_ocr
from ychat.attach.route import Router, Target
from ychat.core import Image, Message, Options
from ychat.errors import APIError, ProtocolError, UsageError, YChatError
from ychat.models.windows import plan

SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
    b"%PDF-": "application/pdf",
}


@given(st.binary(max_size=64))
def test_sniffing_any_bytes_names_a_known_kind_or_none(data: bytes) -> None:
    assert sniff(data) in (*KINDS, None)


@given(st.sampled_from(sorted(SIGNATURES)), st.binary(max_size=64))
def test_a_signature_decides_whatever_follows(signature: bytes, rest: bytes) -> None:
    assert sniff(signature + rest) == SIGNATURES[signature]


@given(st.binary(min_size=4, max_size=4), st.binary(max_size=32))
def test_webp_is_a_riff_container_that_says_webp(size: bytes, rest: bytes) -> None:
    assert sniff(b"RIFF" + size + b"WEBP" + rest) == "image/webp"
    assert sniff(b"RIFF" + size + b"WAVE" + rest) is None  # a RIFF that is a sound is no picture


@given(st.text(max_size=40))
def test_text_is_never_a_picture(text: str) -> None:
    data = text.encode()
    assert sniff(data) is None or data.startswith((b"GIF8", b"%PDF-", b"RIFF"))


def test_what_cannot_be_attached_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is empty"):
        recognised("empty.png", b"")
    with pytest.raises(UsageError, match="not a picture or a PDF") as caught:
        recognised("notes.txt", b"hello")
    assert caught.value.hint and "/file" in caught.value.hint
    with pytest.raises(UsageError, match="at most"):
        recognised("huge.png", b"\x89PNG\r\n\x1a\n" + bytes(MAX_BYTES))
    with pytest.raises(UsageError, match="No such file"):
        read(str(tmp_path / "missing.png"))
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(UsageError, match="not a regular file"):
        read(str(tmp_path / "pipe"))  # never waits on a FIFO
    (tmp_path / "photo.png").write_bytes(picture("JPEG"))
    assert read(str(tmp_path / "photo.png")).mime == "image/jpeg"  # by its bytes, not its name


def test_a_large_photo_is_scaled_to_the_models_side_as_jpeg() -> None:
    scaled = fit(Attachment("photo.jpg", "image/jpeg", picture("JPEG", (4000, 3000))), 896)
    assert scaled.mime == "image/jpeg" and size_of(scaled.data) == (896, 672)


def test_a_small_picture_goes_as_it_is_and_a_large_screenshot_as_png() -> None:
    small = picture("PNG", (300, 200))
    assert fit(Attachment("a.png", "image/png", small), 896).data == small
    wide = fit(Attachment("shot.webp", "image/webp", picture("WEBP", (1800, 300))), 896)
    assert wide.mime == "image/png" and size_of(wide.data) == (896, 149)


def test_a_gif_sends_its_first_frame() -> None:
    animated = picture("GIF", (40, 30), frames=3)
    sent = fit(Attachment("a.gif", "image/gif", animated), 896)
    assert sent.mime == "image/png" and size_of(sent.data) == (40, 30)
    assert first_pixel(sent.data) != (255, 0, 0)  # the gradient, not the red frames after it


def test_a_damaged_picture_is_refused_before_any_request() -> None:
    cut = picture("PNG")[:40]
    for call in (lambda a: fit(a, 896), check, for_ocr):
        with pytest.raises(UsageError, match="cannot be read as a picture"):
            call(Attachment("shot.png", "image/png", cut))


def test_ocr_takes_jpeg_png_and_pdf_as_they_are_and_the_rest_as_png() -> None:
    jpeg = picture("JPEG")
    assert for_ocr(Attachment("a.jpg", "image/jpeg", jpeg)) == ("image/jpeg", jpeg)
    assert for_ocr(Attachment("a.pdf", "application/pdf", PDF)) == ("application/pdf", PDF)
    mime, data = for_ocr(Attachment("a.webp", "image/webp", picture("WEBP")))
    assert mime == "image/png" and sniff(data) == "image/png"


def test_the_registry_says_which_models_see() -> None:
    assert vision("openai", "gemma-3-27b-it") == Vision(896, 256)
    assert vision("openai", "gpt://b1g/gemma-3-27b-it/latest") == Vision(896, 256)
    assert vision("responses", "gemma-3-27b-it") is not None
    assert vision("v1", "gemma-3-27b-it") is None  # the native API carries no pictures
    assert vision("openai", "yandexgpt") is None
    assert vision("openai", "qwen2.5-vl", ("qwen2.5-vl",)) == Vision()  # config vision_models


class FakeOcr:
    def __init__(self, text: str = "# Error\n\nDisk full") -> None:
        self.calls: list[tuple[str, bytes]] = []
        self.text = text

    def __call__(self, data: bytes, mime: str) -> str:
        self.calls.append((mime, data))
        return self.text


def router(ocr: FakeOcr | None, notes: list[str]) -> Router:
    return Router(lambda: ocr, notes.append)


def test_a_picture_goes_to_a_model_that_sees_and_is_read_by_ocr_for_one_that_does_not() -> None:
    ocr, notes = FakeOcr("x" * 1240), []
    shot = Attachment("shot.png", "image/png", picture("PNG", (1000, 500)))
    seen = router(ocr, notes).route([shot], Target("openai", "gemma-3-27b-it"))
    assert [size_of(image.data) for image in seen.shown] == [(896, 448)] and not ocr.calls
    read_ = router(ocr, notes).route([shot], Target("v1", "yandexgpt"))
    assert read_.texts == [("shot.png (read by OCR)", "x" * 1240)] and read_.ocr_calls == 1
    assert ocr.calls == [("image/png", shot.data)] and read_.read[0].data == shot.data
    assert notes == ["shot.png read by OCR: 1 240 characters"]


def test_ocr_and_no_ocr_decide_for_every_model() -> None:
    ocr, notes = FakeOcr(), []
    shot = Attachment("shot.png", "image/png", picture("PNG"))
    forced = router(ocr, notes).route([shot], Target("openai", "gemma-3-27b-it", ocr=True))
    assert not forced.shown and forced.texts and len(ocr.calls) == 1
    with pytest.raises(UsageError, match="--no-ocr"):
        router(ocr, notes).route([shot], Target("v1", "yandexgpt", ocr=False))
    pdf = router(ocr, notes).route([Attachment("scan.pdf", "application/pdf", PDF)], Target("openai", "gemma-3-27b-it"))
    assert pdf.texts and not pdf.shown and ocr.calls[-1][0] == "application/pdf"  # a PDF is always read


def test_offline_an_attachment_is_an_error_that_says_why() -> None:
    shot = Attachment("shot.png", "image/png", picture("PNG"))
    with pytest.raises(UsageError, match="embedded model reads no pictures"):
        router(FakeOcr(), []).route([shot], Target("v1", "local-model", local=True))


def test_a_retry_does_not_pay_for_the_same_recognition_twice() -> None:
    ocr = FakeOcr()
    shared = router(ocr, [])  # the same router for both sends, as a session keeps it
    shot = [Attachment("shot.png", "image/png", picture("PNG"))]
    first, again = shared.route(shot, Target("v1", "yandexgpt")), shared.route(shot, Target("v1", "yandexgpt"))
    assert len(ocr.calls) == 1 and (first.ocr_calls, again.ocr_calls) == (1, 0) and again.texts == first.texts


def line(record: object) -> str:
    return json.dumps(record)


def test_an_ocr_reply_reads_in_every_framing_the_sources_show() -> None:
    annotation = {"fullText": "plain", "markdown": "# Title", "blocks": []}
    assert text_of(line({"result": {"textAnnotation": annotation, "page": "0"}})) == "# Title"
    assert text_of(line({"textAnnotation": annotation, "page": "0"})) == "# Title"  # bare, as the API ref shows
    snake = {"result": {"text_annotation": {"full_text": "plain only"}, "page": "0"}}
    assert text_of(line(snake)) == "plain only"  # no markdown: fullText
    two = "\n".join(line({"result": {"textAnnotation": {"markdown": p}}}) for p in ("one", "two"))
    assert text_of(two + "\n") == "one\n\ntwo"  # pages apart by a blank line
    assert text_of(line({"result": {"textAnnotation": {"fullText": ""}}})) == ""


def test_an_ocr_failure_line_is_an_error_and_a_strange_line_a_protocol_error() -> None:
    with pytest.raises(APIError, match="bad image"):
        text_of(line({"error": {"grpcCode": 3, "httpCode": 400, "message": "bad image"}}))
    for body in ("not json", "[1, 2]", line({"result": {"page": "0"}})):
        with pytest.raises(ProtocolError):
            text_of(body)


@given(st.text(max_size=200))
def test_any_ocr_body_reads_or_fails_cleanly(body: str) -> None:
    with contextlib.suppress(YChatError):
        assert isinstance(text_of(body), str)


def test_the_ocr_request_is_the_documented_one() -> None:
    body = request_body(b"\xff\xd8\xffdata", "image/jpeg")
    assert body == {
        "mimeType": "JPEG",
        "languageCodes": ["*"],
        "model": "markdown",
        "content": base64.b64encode(b"\xff\xd8\xffdata").decode(),
    }
    assert request_body(PDF, "application/pdf")["mimeType"] == "application/pdf"


def test_a_picture_becomes_an_image_url_part_and_an_input_image() -> None:
    image = Image("a.png", "image/png", b"\x89PNG\r\n\x1a\nrest")
    url = "data:image/png;base64," + base64.b64encode(image.data).decode()
    body = chat_body("gemma-3-27b-it", [Message("user", "What is it?", images=(image,))], Options())
    assert body["messages"] == [
        {
            "role": "user",
            "content": [{"type": "text", "text": "What is it?"}, {"type": "image_url", "image_url": {"url": url}}],
        }
    ]
    _, items = input_json([Message("user", "What is it?", images=(image,))])
    assert items == [
        {
            "role": "user",
            "content": [{"type": "input_text", "text": "What is it?"}, {"type": "input_image", "image_url": url}],
        }
    ]
    assert chat_body("m", [Message("user", "plain")], Options())["messages"][0]["content"] == "plain"


def test_debug_output_clips_pictures_and_ocr_content() -> None:
    image = Image("a.png", "image/png", bytes(10_000))
    logged = clip_body(chat_body("gemma-3-27b-it", [Message("user", "hi", images=(image,))], Options()))
    assert len(logged) < 1_000 and "characters)" in logged
    assert len(clip_body(request_body(bytes(10_000), "image/png"))) < 1_000


def test_the_window_counts_each_picture_as_the_models_tokens() -> None:
    without = plan([("q", "a")], "new", system=None, window=10_000, reply=100)
    shown = plan([("q", "a")], "new", system=None, window=10_000, reply=100, pictures=[256], new_pictures=512)
    assert shown.size - without.size == 768
    assert plan([("q", "a")], "new", system=None, window=600, reply=100, pictures=[256], new_pictures=256).dropped == 1


def fake_tool(folder: Path, name: str, output: bytes, status: int = 0) -> None:
    (folder / (name + ".out")).write_bytes(output)
    script = folder / name
    script.write_text(f"#!/bin/sh\n/bin/cat '{folder / (name + '.out')}'\nexit {status}\n")
    script.chmod(0o755)


def test_paste_takes_the_picture_from_the_first_clipboard_tool_that_has_one(tmp_path: Path) -> None:
    png = picture("PNG")
    fake_tool(tmp_path, "wl-paste", b"", status=1)  # no Wayland here: it fails
    fake_tool(tmp_path, "xclip", png)
    pasted = clipboard.paste({"PATH": str(tmp_path)})
    assert (pasted.name, pasted.mime, pasted.data) == ("clipboard.png", "image/png", png)


def test_paste_says_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no clipboard tool") as caught:
        clipboard.paste({"PATH": str(tmp_path)})
    assert caught.value.hint and "xclip" in caught.value.hint
    fake_tool(tmp_path, "xsel", b"just some copied text")
    with pytest.raises(UsageError, match=r"holds no picture \(asked xsel\)"):
        clipboard.paste({"PATH": str(tmp_path)})
