from __future__ import annotations

import pytest

from ychat.repl.commands import COMMANDS, ChatText, Command, UnknownCommand, help_text, parse


@pytest.mark.parametrize(
    ("line", "parsed"),
    [
        ("/help", Command("help")),
        ("  /HELP  ", Command("help")),
        ("/exit", Command("exit")),
        ("/quit", Command("exit")),
        ("/system You are terse", Command("system", "You are terse")),
        ("/model   yandexgpt/rc ", Command("model", "yandexgpt/rc")),
        ("/temperature 0.2", Command("temperature", "0.2")),
        # Russian layout: the same keys typed with ЙЦУКЕН on; "/" types "."
        ("/рудз", Command("help")),
        (".рудз", Command("help")),
        ("/учше", Command("exit")),
        (".учше", Command("exit")),
        (".сдуфк", Command("clear")),
        (".ьщвуд нфтвучпзе", Command("model", "нфтвучпзе")),
        ("/РУДЗ", Command("help")),
        ("/foo", UnknownCommand("/foo")),
        ("/фыв", UnknownCommand("/фыв")),
        ("//etc/hosts?", ChatText("/etc/hosts?")),
        (".net is fine", ChatText(".net is fine")),
        (".привет", ChatText(".привет")),
        ("hello", ChatText("hello")),
        ("two\nlines", ChatText("two\nlines")),
    ],
)
def test_parse(line: str, parsed: object) -> None:
    assert parse(line) == parsed


def test_help_lists_every_command() -> None:
    text = help_text()
    assert all(f"/{name}" in text for name in COMMANDS)
    assert "Esc Enter" in text


def test_help_rows_fit_80_columns() -> None:
    rows = help_text().split("\n\n")[0].splitlines()
    assert all(len(row) <= 80 for row in rows), [row for row in rows if len(row) > 80]
