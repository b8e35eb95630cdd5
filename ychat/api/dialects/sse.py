"""Server-sent events (the OpenAI-compatible stream): lines -> the ``data`` of each event.

Per the HTML spec's event-stream rules: ``data:`` with or without the space after the colon,
several ``data`` lines in one event joined by ``\\n``, comment lines (``:`` first, keep-alives)
and other fields (``event``, ``id``, ``retry``) skipped, a blank line ends an event.

    >>> list(events(["data: {\\"a\\": 1}", "", ": keep-alive", "", "data:[DONE]", ""]))
    ['{"a": 1}', '[DONE]']
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator


def events(lines: Iterable[str]) -> Iterator[str]:
    data: list[str] | None = None
    for line in lines:
        if not line:
            if data is not None:
                yield "\n".join(data)
            data = None
            continue
        field, colon, value = line.partition(":")
        if not colon or field != "data":
            continue  # a comment (empty field), or a field ychat does not use
        data = [*(data or []), value.removeprefix(" ")]
    if data is not None:  # the stream ended without the blank line
        yield "\n".join(data)
