"""Rendering (render/): plain text for pipes, committed-block Markdown for terminals."""

from __future__ import annotations

import io
import itertools

import pytest
from rich.console import Console

from tests.helpers import screen_lines
from ychat.conversation import Message
from ychat.core import Done, FinishReason, Retrying, Usage
from ychat.errors import AuthError
from ychat.render import PlainRenderer, make_renderer
from ychat.render.blocks import block_boundary
from ychat.render.markdown import MarkdownRenderer


def done(text: str, status: FinishReason = FinishReason.STOP) -> Done:
    return Done(text, status, Usage(), "v")


def plain() -> tuple[PlainRenderer, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return PlainRenderer(out, err), out, err


def play(renderer, deltas: list[str], status: FinishReason = FinishReason.STOP) -> None:
    renderer.begin_reply()
    for piece in deltas:
        renderer.delta(piece)
    renderer.end_reply(done("".join(deltas), status))


@pytest.mark.parametrize(
    ("deltas", "stdout"),
    [
        (["He", "llo **x**"], "Hello **x**\n"),
        (["ends with newline\n"], "ends with newline\n"),
        (["two\n\n"], "two\n\n"),
        ([], ""),
    ],
)
def test_plain_output_is_the_text_exactly_plus_a_final_newline(deltas: list[str], stdout: str) -> None:
    renderer, out, err = plain()
    play(renderer, deltas)
    assert out.getvalue() == stdout and err.getvalue() == ""


@pytest.mark.parametrize(
    ("status", "note"), [(FinishReason.LENGTH, "token limit"), (FinishReason.CONTENT_FILTER, "content filter")]
)
def test_plain_notes_go_to_stderr(status: str, note: str) -> None:
    renderer, out, err = plain()
    play(renderer, ["cut"], status)
    assert out.getvalue() == "cut\n" and note in err.getvalue()


def test_plain_replacement_is_reported_on_stderr() -> None:
    renderer, out, err = plain()
    renderer.begin_reply()
    renderer.delta("Bad wor")
    renderer.replace("Filtered.")
    renderer.end_reply(done("Filtered.", FinishReason.CONTENT_FILTER))
    assert out.getvalue() == "Bad wor\nFiltered.\n"
    assert "replaced" in err.getvalue() and "content filter" in err.getvalue()


def test_plain_errors_info_and_retries_stay_off_stdout() -> None:
    renderer, out, err = plain()
    renderer.error(AuthError("Unknown api key", http_status=401, request_id="r1"))
    renderer.info("hello")
    renderer.retrying(Retrying(1, 0.5, "busy"))
    assert out.getvalue() == ""
    first = err.getvalue().splitlines()[0]
    assert first == "ychat: error: HTTP 401: Unknown api key (request id r1)"
    assert "retrying in 0.5 s (attempt 2)" in err.getvalue()


def test_plain_history() -> None:
    renderer, out, _ = plain()
    renderer.show_history([Message("user", "q"), Message("assistant", "a")])
    assert out.getvalue() == "user: q\n\nassistant: a\n\n"


@pytest.mark.parametrize(
    ("text", "boundary"),
    [
        ("para", 0),
        ("para\n", 0),
        ("para\n\n", 6),
        ("para\n\nnext", 6),
        ("# Title\n\ntext\n\n", 15),
        ("```py\nx = 1\n\ny = 2\n", 0),  # a blank line inside an open fence is not a boundary
        ("```py\nx = 1\n```\n", 16),
        ("```py\nx\n```\nafter", 12),
        ("~~~~\na\n~~~\nb\n~~~~\n", 18),  # a shorter fence does not close a longer one
        ("\n\n\npara\n\n", 9),
        ("| a |\n|---|\n| 1 |\n\n", 19),
    ],
)
def test_block_boundary(text: str, boundary: int) -> None:
    assert block_boundary(text) == boundary


def markdown(
    width: int = 60, height: int = 20, color_system: str | None = None, frame_interval: float = 0.0
) -> tuple[MarkdownRenderer, io.StringIO]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, height=height, force_terminal=True, color_system=color_system)
    err = Console(file=io.StringIO(), width=width)
    return MarkdownRenderer(console, err, frame_interval=frame_interval), buffer


def test_markdown_renders_formatting_and_code() -> None:
    renderer, buffer = markdown(color_system="truecolor")
    reply = "# Title\n\nSome **bold** text.\n\n```python\nprint('hi')\n```\n\nThe end."
    play(renderer, [reply[i : i + 3] for i in range(0, len(reply), 3)])
    screen = pyte_screen(buffer.getvalue(), 60, 20)
    text = "\n".join(screen)
    assert "Title" in text and "Some bold text." in text and "print('hi')" in text and "The end." in text
    assert "**" not in text and "```" not in text
    assert "\x1b[" in buffer.getvalue()  # colours on a colour terminal


def test_no_color_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    buffer = io.StringIO()
    renderer = MarkdownRenderer(Console(file=buffer, width=60, force_terminal=True))
    play(renderer, ["```python\nprint('hi')\n```\n"])
    assert "\x1b[3" not in buffer.getvalue() and "\x1b[38" not in buffer.getvalue()


def pyte_screen(output: str, columns: int, lines: int) -> list[str]:
    """Every line that ended up on the terminal, scrollback first."""
    return screen_lines(output, columns, lines, cooked=True)


@pytest.mark.parametrize("chunks_per_frame", [1, 7, 1000])
def test_tall_reply_has_no_duplicated_or_torn_lines(chunks_per_frame: int) -> None:
    """Frames every chunk, or fewer (the 15 fps cap), with finished blocks batched between."""
    paragraphs = [f"Paragraph {n} says something unique." for n in range(40)]
    code = "\n".join(f"line_{n} = {n}" for n in range(60))
    items = [f"- Item {n} wraps: " + "words " * 15 + f"end {n}." for n in range(30)]  # taller than its lines
    reply = "\n\n".join(paragraphs) + f"\n\n```python\n{code}\n```\n\n" + "\n".join(items) + "\n\nDone."
    renderer, buffer = markdown(height=20, frame_interval=1.0)
    ticks = itertools.count()
    renderer.clock = lambda: next(ticks) / chunks_per_frame
    play(renderer, [reply[i : i + 5] for i in range(0, len(reply), 5)])
    shown = [line.strip() for line in pyte_screen(buffer.getvalue(), 60, 20) if line.strip()]
    for n in range(40):
        assert shown.count(f"Paragraph {n} says something unique.") == 1, n
    for n in range(60):
        assert shown.count(f"line_{n} = {n}") == 1, n
    for n in range(30):
        assert sum(line.startswith(f"• Item {n} wraps:") for line in shown) == 1, n
        assert sum(line.endswith(f" end {n}.") for line in shown) == 1, n
    assert shown[-1] == "Done."
    assert shown.index("Paragraph 39 says something unique.") < shown.index("line_0 = 0") < shown.index("line_59 = 59")


def test_finished_blocks_are_committed_once_while_streaming() -> None:
    renderer, buffer = markdown()
    renderer.begin_reply()
    renderer.delta("First paragraph.\n\nSecond")
    assert renderer.committed == len("First paragraph.\n\n")
    renderer.delta(" paragraph.\n\n")
    assert renderer.committed == len("First paragraph.\n\nSecond paragraph.\n\n")
    renderer.end_reply(done("First paragraph.\n\nSecond paragraph.\n\n"))
    assert buffer.getvalue().count("First paragraph.") == 1


def test_markdown_replace_and_notes() -> None:
    renderer, buffer = markdown()
    err = renderer.err.file
    renderer.begin_reply()
    renderer.delta("Something rude")
    renderer.replace("Filtered.")
    renderer.end_reply(done("Filtered.", FinishReason.CONTENT_FILTER))
    assert "replaced" in err.getvalue() and "content filter" in err.getvalue()
    assert "Filtered." in "\n".join(pyte_screen(buffer.getvalue(), 60, 20))


def test_retry_note_during_a_live_reply_is_not_overwritten() -> None:
    renderer, buffer = markdown()
    renderer.begin_reply()
    renderer.retrying(Retrying(1, 0.5, "busy"))
    renderer.delta("Answer text")
    renderer.end_reply(done("Answer text"))
    shown = pyte_screen(buffer.getvalue(), 60, 20)
    assert any("busy; retrying in 0.5 s" in line for line in shown)
    assert any("Answer text" in line for line in shown)


def test_markdown_abort_keeps_what_was_shown() -> None:
    renderer, buffer = markdown()
    renderer.begin_reply()
    renderer.delta("Partial answer")
    renderer.abort_reply()
    assert "Partial answer" in "\n".join(pyte_screen(buffer.getvalue(), 60, 20))


def test_make_renderer_picks_by_terminal() -> None:
    assert isinstance(make_renderer(io.StringIO(), io.StringIO(), markdown=False), PlainRenderer)
    assert isinstance(make_renderer(io.StringIO(), io.StringIO(), markdown=True), MarkdownRenderer)


def test_lines_are_not_padded_but_code_backgrounds_are_kept() -> None:
    import re

    buffer = io.StringIO()
    renderer = MarkdownRenderer(Console(file=buffer, width=60, force_terminal=True))
    play(renderer, ["A short paragraph.\n\n- an item\n\n```python\nx = 1\n```\n"])
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buffer.getvalue())
    prose = [line for line in plain.splitlines() if "paragraph" in line or "an item" in line]
    assert prose and all(line == line.rstrip() for line in prose)
    assert "x = 1" in plain


def test_keys_are_not_echoed_while_a_reply_is_live_and_echo_comes_back() -> None:
    import os
    import termios

    leader, follower = os.openpty()
    try:
        renderer = MarkdownRenderer(Console(file=io.StringIO(), width=60, force_terminal=True), keys=follower)
        echo = lambda: bool(termios.tcgetattr(follower)[3] & termios.ECHO)  # noqa: E731
        assert echo()
        renderer.begin_reply()
        renderer.delta("Hello")
        assert not echo()
        renderer.abort_reply()  # Ctrl-C, an error: the same path
        assert echo()
        renderer.begin_reply()
        renderer.end_reply(Done("Hello", FinishReason.STOP, Usage(), "v"))
        assert echo()
    finally:
        os.close(leader)
        os.close(follower)


def test_the_spinner_shows_seconds_waited_until_the_first_text_and_through_retries() -> None:
    now = [100.0]
    buffer = io.StringIO()
    renderer = MarkdownRenderer(Console(file=buffer, width=60, force_terminal=True), clock=lambda: now[0])
    renderer.begin_reply()
    now[0] += 2.0
    renderer.tick()
    assert "2.0 s" in buffer.getvalue()
    renderer.retrying(Retrying(1, 0.5, "HTTP 503: busy"))
    now[0] += 1.5
    renderer.tick()
    assert "3.5 s" in buffer.getvalue()
    renderer.delta("Hello")
    now[0] += 1.0
    renderer.tick()  # the text has come: no more spinner
    assert "4.5 s" not in buffer.getvalue()
    renderer.end_reply(done("Hello"))
    assert "Hello" in buffer.getvalue()


def test_a_width_change_mid_paragraph_keeps_the_shown_lines_and_draws_only_the_rest() -> None:
    """tmux moves rewrapped rows it cannot show into the scrollback, where no erase reaches:
    so the lines already shown stay, and are never written again."""
    import re

    buffer = io.StringIO()
    console = Console(file=buffer, width=120, height=40, force_terminal=True)
    renderer = MarkdownRenderer(console, frame_interval=0)
    words = [f"word{n}" for n in range(200)]
    renderer.begin_reply()
    for word in words[:100]:
        renderer.delta(word + " ")
    mark = len(buffer.getvalue())
    console.width = 60  # the window was narrowed
    for word in words[100:]:
        renderer.delta(word + " ")
    renderer.end_reply(done(" ".join(words)))
    after = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buffer.getvalue()[mark:])
    assert "word0 " not in after and "word50 " not in after  # the kept lines are not written again
    assert all(word in after for word in words[100:])
    assert after.split()[0].startswith("word") and int(after.split()[0][4:]) < 100  # the unfinished line came back


def test_a_width_change_redraws_what_is_not_a_plain_paragraph() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=120, height=40, force_terminal=True)
    renderer = MarkdownRenderer(console, frame_interval=0)
    renderer.begin_reply()
    renderer.delta("- **bold** item one\n- item two")
    mark = len(buffer.getvalue())
    console.width = 60
    renderer.delta(" and more")
    renderer.end_reply(done("- **bold** item one\n- item two and more"))
    assert "item one" in buffer.getvalue()[mark:]  # redrawn whole: a list is not kept line by line


def test_a_width_change_mid_code_block_keeps_the_shown_lines() -> None:
    import re

    buffer = io.StringIO()
    console = Console(file=buffer, width=120, height=40, force_terminal=True)
    renderer = MarkdownRenderer(console, frame_interval=0)
    code = "```python\n" + "".join(f"value_{n} = {n}\n" for n in range(20)) + "```\n"
    renderer.begin_reply()
    half = code.index("value_10")
    for i in range(0, half + 4, 3):
        renderer.delta(code[i : min(i + 3, half + 4)])
    mark = len(buffer.getvalue())
    console.width = 60
    renderer.delta(code[half + 4 :])
    renderer.end_reply(done(code))
    after = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buffer.getvalue()[mark:])
    assert "value_0 = 0" not in after and "value_9 = 9" not in after  # kept, not written again
    assert all(f"value_{n} = {n}" in after for n in range(10, 20))


def test_a_width_change_keeps_code_lines_when_more_was_fed_than_the_last_frame_showed() -> None:
    import re

    now = [0.0]
    buffer = io.StringIO()
    console = Console(file=buffer, width=120, height=40, force_terminal=True)
    renderer = MarkdownRenderer(console, clock=lambda: now[0])  # 15 frames a second at most
    code = "```python\n" + "".join(f"value_{n} = {n}\n" for n in range(20)) + "```\n"
    renderer.begin_reply()
    renderer.delta(code[: code.index("value_5")])
    now[0] += 1.0
    renderer.delta("v")  # a frame: five lines and a partial one shown
    renderer.delta(code[code.index("value_5") + 1 : code.index("value_9")])  # fed, not drawn yet
    mark = len(buffer.getvalue())
    console.width = 60
    now[0] += 1.0
    renderer.delta(code[code.index("value_9") :])
    renderer.end_reply(done(code))
    after = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", buffer.getvalue()[mark:])
    assert "value_0 = 0" not in after and "value_4 = 4" not in after
    assert all(f"value_{n} = {n}" in after for n in range(5, 20))


CODE_BLOCK = (
    "```python\n"
    + "\n".join(
        f"def handler_{n}(request, retries={n}):\n    return request.send(timeout=30, retries=retries)  # n={n}"
        for n in range(14)
    )
    + "\n```\n"
)


def test_a_code_block_streamed_in_100_chunks_costs_at_most_25_times_its_size() -> None:
    """Issue 18's redraw budget, every chunk drawn (as on an idle machine): a frame writes what
    is new on the changed line, styles joined; the finished block is not drawn a second time.
    The screen afterwards is what rendering the block once shows."""
    code = CODE_BLOCK[:1300]
    code = code[: code.rfind("\n") + 1] + "```\n"
    renderer, buffer = markdown(width=100, height=40, color_system="truecolor", frame_interval=1.0)
    ticks = itertools.count()
    renderer.clock = lambda: float(next(ticks))
    step = len(code) // 100 + 1
    play(renderer, [code[i : i + step] for i in range(0, len(code), step)])
    assert renderer.frames >= 90
    written = len(buffer.getvalue().encode())
    assert written <= 25 * len(code.encode()), written / len(code.encode())
    once, _ = markdown(width=100, height=40, color_system="truecolor")
    play(once, [code])
    assert pyte_screen(buffer.getvalue(), 100, 40) == pyte_screen(_.getvalue(), 100, 40)


def test_debug_logs_how_many_frames_a_reply_took(caplog) -> None:  # type: ignore[no-untyped-def]
    """Issue 19: the frame count is a statistic --debug shows, counted per reply."""
    import logging

    renderer, _ = markdown(width=100, height=40, frame_interval=1.0)
    ticks = itertools.count()
    renderer.clock = lambda: float(next(ticks))
    with caplog.at_level(logging.DEBUG, logger="ychat.render"):
        play(renderer, ["one ", "two ", "three"])
        play(renderer, ["four"])
    frames = [r.getMessage() for r in caplog.records if "frames" in r.getMessage()]
    assert frames == ["the reply was drawn in 3 frames", "the reply was drawn in 1 frames"]
