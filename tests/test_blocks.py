"""render/blocks.py: streamed Markdown cut into finished blocks, whatever the chunking."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from ychat.render.blocks import BlockSplitter, block_boundary


def reference_boundary(text: str) -> int:
    """The definition, as a whole-text rescan (the renderer's first, quadratic version)."""
    boundary, fence, pos = 0, "", 0
    while (end := text.find("\n", pos)) >= 0:
        line = text[pos:end].strip()
        if fence:
            if line.startswith(fence) and not line.strip(fence[0]):
                fence, boundary = "", end + 1
        elif line.startswith(("```", "~~~")):
            marker = line[0]
            fence = marker * (len(line) - len(line.lstrip(marker)))
        elif not line and text[boundary:pos].strip():
            boundary = end + 1
        pos = end + 1
    return boundary


# Markdown-ish text: the characters and lines that matter to block boundaries
markdownish = st.lists(
    st.sampled_from(["\n", "\n\n", "```", "```py\n", "~~~", "~~~~\n", "| a |", "|---|", " ", "x", "word", "é", "- "]),
    max_size=40,
).map("".join)


def feed_in(splitter: BlockSplitter, text: str, cuts: list[int]) -> str:
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    return "".join(splitter.feed(text[a:b]) for a, b in itertools.pairwise(points))


@given(markdownish, st.lists(st.integers(min_value=0, max_value=10_000), max_size=12))
def test_blocks_do_not_depend_on_chunking(text: str, cuts: list[int]) -> None:
    splitter = BlockSplitter()
    finished = feed_in(splitter, text, cuts)
    assert finished + splitter.rest() == text
    assert len(finished) == block_boundary(text) == reference_boundary(text)


@given(markdownish, st.integers(min_value=1, max_value=6))
def test_visible_is_the_newest_lines_of_the_open_block(text: str, lines: int) -> None:
    splitter = BlockSplitter()
    splitter.feed(text)
    rest, shown = splitter.rest(), splitter.visible(lines)
    tail = rest.split("\n")[-(lines + 1) :]
    assert shown.endswith("\n".join(tail))
    assert len(shown.splitlines()) <= lines + 3  # plus at most a fence opener or a table head


def test_a_cropped_code_block_keeps_its_fence_opener() -> None:
    splitter = BlockSplitter()
    code = "".join(f"line {n}\n" for n in range(100))
    assert splitter.feed("Intro\n\n```python\n" + code) == "Intro\n\n"
    assert splitter.visible(3) == "```python\nline 97\nline 98\nline 99\n"
    assert splitter.feed("```\n") == "```python\n" + code + "```\n"
    assert splitter.rest() == ""


def test_a_cropped_table_keeps_its_head() -> None:
    splitter = BlockSplitter()
    splitter.feed("| a | b |\n|---|---|\n" + "".join(f"| {n} | x |\n" for n in range(50)) + "| 50")
    assert splitter.visible(2) == "| a | b |\n|---|---|\n| 48 | x |\n| 49 | x |\n| 50"


def test_an_uncropped_view_is_the_whole_open_block() -> None:
    splitter = BlockSplitter()
    splitter.feed("text\n```py\nx\n")
    assert splitter.visible(5) == splitter.rest() == "text\n```py\nx\n"
    assert splitter.visible(1) == "```py\nx\n"  # the opener, cropped away, comes back on top
    assert splitter.visible(2) == "```py\nx\n"  # and is not repeated while it is in view
