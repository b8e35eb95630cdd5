"""The live area (render/live.py): a frame rewrites only what changed; a width change erases the
rows the terminal rewrapped the old lines into."""

from __future__ import annotations

import io

from tests.helpers import screen_lines
from ychat.render.live import LiveArea


def frame(area: LiveArea, lines: list[str], width: int = 40) -> str:
    out = area.out
    assert isinstance(out, io.StringIO)
    before = len(out.getvalue())
    area.show(lines, [len(line) for line in lines], width=width)
    return out.getvalue()[before:]


def test_a_growing_last_line_rewrites_only_that_line() -> None:
    area = LiveArea(io.StringIO())
    frame(area, ["first line", "second"])
    written = frame(area, ["first line", "second line"])
    assert written == "\r\x1b[1A\x1b[6C line\n\x1b[J"  # up one row, past "second", only what is new


def test_new_lines_are_appended_without_rewriting_the_old_ones() -> None:
    area = LiveArea(io.StringIO())
    frame(area, ["a", "b"])
    written = frame(area, ["a", "b", "c"])
    assert written == "\r\x1b[J" + "c\n"


def test_what_a_person_sees_is_the_last_frame_once() -> None:
    out = io.StringIO()
    out.write("committed above\n")
    area = LiveArea(out)
    for n in range(1, 30):
        frame(area, [f"line {i}" for i in range(n // 3)] + [f"tail {n}"])
    area.clear()
    out.write("final text\n")
    shown = [line for line in screen_lines(out.getvalue(), 40, 12, cooked=True) if line]
    assert shown == ["committed above", "final text"]


def test_a_narrower_terminal_erases_the_rows_the_old_lines_were_rewrapped_into() -> None:
    area = LiveArea(io.StringIO())
    frame(area, ["x" * 100, "y" * 30], width=120)
    written = frame(area, ["x" * 40, "x" * 40, "x" * 20, "y" * 30], width=40)
    assert written.startswith("\r\x1b[4A\x1b[J")  # 100 cells at 40 columns: 3 rows, then 1


def test_the_rows_moved_up_never_exceed_the_screen() -> None:
    area = LiveArea(io.StringIO(), max_rows=5)
    frame(area, [str(n) for n in range(5)])
    written = frame(area, ["z" * 400], width=20)
    assert written.startswith("\r\x1b[5A")
