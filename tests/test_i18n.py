"""The Russian interface (ychat/i18n.py, ychat/locale/ru.po): every message ychat marks for
people has a translation with the same placeholders; the language is chosen from the
environment; the .po reader and compiler; the REPL in Russian under a pty.

``python tests/test_i18n.py`` prints .po entries for the messages that have none yet.
"""

from __future__ import annotations

import ast
import functools
import gettext
import inspect
import io
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import needs_model
from ychat import i18n

ROOT = Path(__file__).resolve().parent.parent / "ychat"
MARKERS = {"_": 1, "N_": 1, "ngettext": 2}


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _command_help(node: ast.FunctionDef) -> Iterator[str]:
    """A typer command's docstring is its --help text."""
    commands = [d for d in node.decorator_list if isinstance(d, ast.Call) and getattr(d.func, "attr", "") == "command"]
    doc = ast.get_docstring(node, clean=False)
    if commands and doc and not any(k.arg == "help" for d in commands for k in d.keywords):
        yield inspect.cleandoc(doc)


@functools.cache
def messages() -> dict[str, tuple[str, ...]]:
    """msgid -> (msgid,) or (singular, plural), from every module of ychat/ that speaks to people."""
    found: dict[str, tuple[str, ...]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MARKERS:
                texts = [_literal(arg) for arg in node.args[: MARKERS[node.func.id]]]
                if node.func.id == "_" and texts[0] is None:
                    continue  # _(NOTES[x]): a text marked with N_ where it was written
                assert all(texts), f"{path.name}:{node.lineno}: {node.func.id}() of something not a literal"
                found[str(texts[0])] = tuple(str(t) for t in texts)
            elif isinstance(node, ast.FunctionDef) and path.parent.name == "cli":
                found.update((text, (text,)) for text in _command_help(node))
    return found


def catalog() -> dict[str, dict[str, str]]:
    return {entry["msgid"]: entry for entry in i18n.entries(i18n.CATALOG.read_text(encoding="utf-8")) if entry["msgid"]}


def placeholders(text: str) -> list[str]:
    """{name}, {name!r:,} fields (str.format) and %s, %(name)s (click's); sorted."""
    fields = [
        f"{{{name}{'!' + conv if conv else ''}{':' + spec if spec else ''}}}"
        for _, name, spec, conv in string.Formatter().parse(text)
        if name is not None
    ]
    return sorted(fields + re.findall(r"%(?:\(\w+\))?[sdr]", text))


def test_every_message_has_a_russian_translation() -> None:
    known = catalog()
    missing = [msgid for msgid in messages() if msgid not in known or not _translations(known[msgid])]
    assert not missing, (
        f"{len(missing)} messages without Russian (python tests/test_i18n.py prints stubs):\n" + "\n".join(missing[:20])
    )


def test_translations_keep_the_placeholders() -> None:
    wrong = []
    for msgid, entry in catalog().items():
        for original in {msgid, entry.get("msgid_plural", msgid)}:
            wrong += [
                f"{original!r} -> {text!r}"
                for text in _translations(entry)
                if placeholders(text) != placeholders(original)
            ]
    assert not wrong, "\n".join(wrong)


def test_plural_messages_have_the_three_russian_forms() -> None:
    known = catalog()
    for msgid, forms in messages().items():
        if len(forms) == 2:
            assert known[msgid].get("msgid_plural") == forms[1], msgid
            assert len(_translations(known[msgid])) == 3, msgid


def _translations(entry: dict[str, str]) -> list[str]:
    if "msgid_plural" in entry:
        return [entry[key] for key in sorted(k for k in entry if k.startswith("msgstr[")) if entry[key]]
    return [entry["msgstr"]] if entry.get("msgstr") else []


@pytest.fixture
def russian() -> Iterator[None]:
    i18n.use("ru")
    yield
    i18n.use("en")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "en"),
        ({"LANG": "ru_RU.UTF-8"}, "ru"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "ru_RU.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, "en"),  # LC_MESSAGES before LANG
        ({"LC_MESSAGES": "ru_RU.UTF-8", "LC_ALL": "C"}, "en"),  # LC_ALL before both
        ({"LC_ALL": "", "LC_MESSAGES": "ru_RU"}, "ru"),  # an empty variable is not set
        ({"LC_ALL": "ru_RU.UTF-8", "YCHAT_LANG": "en"}, "en"),  # YCHAT_LANG first
        ({"LANG": "en_GB.UTF-8", "YCHAT_LANG": "ru"}, "ru"),
        ({"YCHAT_LANG": "RU"}, "ru"),
    ],
)
def test_the_language_comes_from_ychat_lang_then_the_locale(env: dict[str, str], expected: str) -> None:
    assert i18n.language(env) == expected


def test_english_never_reads_the_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "CATALOG", Path("/nonexistent/ru.po"))
    i18n.use("en")
    assert i18n._("Cancelled.") == "Cancelled." and i18n.ngettext("{n} reply", "{n} replies", 2) == "{n} replies"


def test_russian_messages_and_plurals(russian: None) -> None:
    from ychat.repl.commands import help_text, parse

    assert i18n._("Cancelled.") == "Отменено."
    forms = [i18n.ngettext("{n} reply", "{n} replies", n).format(n=n) for n in (1, 2, 5, 11, 21, 24)]
    assert forms == ["1 ответ", "2 ответа", "5 ответов", "11 ответов", "21 ответ", "24 ответа"]
    rows = help_text().split("\n\n")[0].splitlines()
    assert all(len(row) <= 80 for row in rows), [row for row in rows if len(row) > 80]
    assert "показать эту справку /помощь" in help_text()
    assert parse("/помощь").name == "help" and parse("/выход").name == "exit" and parse(".заново").name == "clear"


def test_the_offline_banner_in_russian_fits_80_columns(russian: None) -> None:
    from ychat.backend import OFFLINE_BANNER

    banner = i18n._(OFFLINE_BANNER)
    assert banner != OFFLINE_BANNER and len(banner) <= 80 and "YC_API_KEY" in banner


def test_an_error_from_the_server_is_shown_as_the_server_wrote_it(russian: None) -> None:
    from ychat.errors import APIError, describe

    line, _hint = describe(APIError("Internal error", http_status=500, request_id="r-1"))
    assert line == "ychat: ошибка: HTTP 500: Internal error (id запроса r-1)"


@pytest.mark.parametrize(
    ("args", "russian_line"),
    [
        (["a", "b"], "Ошибка: лишние аргументы (b)"),
        (
            ["--api", "x", "q"],
            "Ошибка: недопустимое значение '--api': 'x' — не одно из 'v1', 'v1alpha', 'openai', 'responses'.",
        ),
        (["-m"], "Ошибка: параметру '-m' нужно значение."),
        (["config", "bogus"], "Ошибка: нет такой команды 'bogus'."),
        (["--concurrency", "0"], "Ошибка: недопустимое значение '--concurrency': 0 вне диапазона 1<=x<=64."),
        (["--sys", "x"], "Ошибка: нет такого параметра: --sys (возможно: --async, --system, --yes)"),
    ],
)
def test_clicks_usage_errors_in_russian(args: list[str], russian_line: str, tmp_path: Path) -> None:
    """click's own messages (it writes them in English only) go through the catalog too."""
    from tests.helpers import ychat

    result = ychat(None, tmp_path, *args, LANG="ru_RU.UTF-8")
    assert result.returncode == 2 and result.stderr.decode().splitlines()[-1] == russian_line


def test_clicks_usage_errors_are_translated_inner_message_too(russian: None) -> None:
    from ychat.cli.localize import click_message

    message = "Invalid value for '--temperature' / '-t': 'abc' is not a valid float range."
    assert (
        click_message(message)
        == "недопустимое значение '--temperature' / '-t': 'abc' — недопустимое значение (float range)."
    )
    assert (
        click_message("something click said that ychat does not know")
        == "something click said that ychat does not know"
    )


po_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\x04"), max_size=40)
HEADER = 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n'  # GNUTranslations decodes as it says


@given(st.lists(st.tuples(po_text.filter(bool), po_text), max_size=8, unique_by=lambda pair: pair[0]))
def test_the_po_reader_reads_back_what_msgfmt_style_quoting_wrote(pairs: list[tuple[str, str]]) -> None:
    text = HEADER + "\n".join(
        f"# a comment\nmsgid {_quote(msgid)}\nmsgstr {_quote(msgstr)}\n" for msgid, msgstr in pairs
    )
    assert [(e["msgid"], e["msgstr"]) for e in i18n.entries(text)][1:] == pairs
    translations = gettext.GNUTranslations(io.BytesIO(i18n.compile_po(text)))
    assert all(translations.gettext(msgid) == (msgstr or msgid) for msgid, msgstr in pairs)


@pytest.mark.parametrize("text", ['msgid "a"\nbogus', '"x"\n', 'msgid "unterminated\n', 'msgid a"\n'])
def test_a_broken_po_line_is_an_error_naming_the_line(text: str) -> None:
    with pytest.raises(ValueError, match=r"ru\.po:\d+"):
        list(i18n.entries(text))


def stubs() -> str:
    known = catalog()
    out = []
    for msgid, forms in messages().items():
        if msgid in known and _translations(known[msgid]):
            continue
        if len(forms) == 2:
            out.append(
                f'msgid {_quote(forms[0])}\nmsgid_plural {_quote(forms[1])}\nmsgstr[0] ""\nmsgstr[1] ""\nmsgstr[2] ""\n'
            )
        else:
            out.append(f'msgid {_quote(msgid)}\nmsgstr ""\n')
    return "\n".join(out)


def _quote(text: str) -> str:
    return (
        '"'
        + text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\t", "\\t")
        .replace("\r", "\\r")
        .replace("\b", "\\b")
        + '"'
    )


if __name__ == "__main__":
    print(stubs())


def test_the_repl_speaks_russian_under_a_russian_locale(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import ychat_env
    from tests.helpers import ENTER, Dialogue, spawn
    from ychat.testing import HttpError

    server.emulator.enqueue(HttpError.documented(400, "Unknown model xyz"))
    chat = Dialogue(spawn(ychat_env(tmp_path, server.url, LANG="ru_RU.UTF-8"), dimensions=(60, 100)))
    assert "/help — команды, Ctrl-D — выход" in chat.shown
    chat.ask("/помощь", "показать эту справку /помощь", "Enter — отправить")
    chat.ask("/help", "выйти (также /quit, Ctrl-D)")  # the command names stay as they are
    chat.ask("привет", "ychat: ошибка: HTTP 400: Unknown model xyz")  # the server's words as it wrote them
    chat.ask("/async может быть", "ychat: ошибка: /async принимает on или off, а не 'может быть'")
    chat.ask("ещё раз", "Echo: ещё раз")  # an error ended the turn, not the session
    child = chat.child
    child.send("/выход" + ENTER)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_the_command_line_in_russian(tmp_path: Path) -> None:
    from tests.helpers import ychat

    russian = {"LANG": "ru_RU.UTF-8"}
    helped = ychat(None, tmp_path, "--help", **russian)
    out = helped.stdout.decode()
    assert helped.returncode == 0 and "Использование: ychat" in out and "Параметры:" in out
    assert "Показать эту справку и выйти." in out and "Системный промпт." in out
    wrong = ychat(None, tmp_path, "--bogus", **russian)
    assert wrong.returncode == 2 and wrong.stderr.decode().endswith("Ошибка: нет такого параметра: --bogus\n")
    config = ychat(None, tmp_path, "history", "--help", **russian)
    assert "Сохранённые разговоры: list, show, export, delete, search." in config.stdout.decode()
    english = ychat(None, tmp_path, "--bogus", LANG="ru_RU.UTF-8", YCHAT_LANG="en")
    assert english.stderr.decode().endswith("Error: No such option: --bogus\n")
    empty = ychat(None, tmp_path, "", **russian)
    assert empty.returncode == 2 and empty.stderr.decode() == "ychat: ошибка: пустой вопрос\n"


SPEAKERS = {"info", "_note", "_say", "say", "echo", "note", "append", "write", "Invalid"}  # what shows a text to people


def _error_classes() -> set[str]:
    import ychat.batch.run  # noqa: F401 (its BatchFailed)
    from ychat.errors import YChatError

    found, todo = set(), [YChatError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo += cls.__subclasses__()
    return found


def _unmarked(path: Path) -> Iterator[str]:
    """Literal texts with words handed straight to something that shows them, or to an error."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name not in SPEAKERS and not (
            name.endswith(("Error", "Credentials", "Failed", "Rejected")) or name == "TimedOut"
        ):
            continue
        first = node.args[0]
        parts = first.values if isinstance(first, ast.JoinedStr) else [first]
        text = "".join(p.value for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str))
        if re.search(r"[A-Za-z]{2,} [A-Za-z]{2,}", text):
            yield f"{path.relative_to(ROOT.parent)}:{node.lineno}: {text[:60]!r}"


def test_no_message_for_people_is_left_unmarked() -> None:
    """A sentence shown or raised without _() would stay English in Russian; the local server's
    own error bodies (server/, testing/) are a server's words and stay as written."""
    skipped = {"server", "testing", "i18n.py"}  # i18n.py: a broken catalog is the package's fault, not the user's
    found = [hit for path in sorted(ROOT.rglob("*.py")) if not skipped & set(path.parts) for hit in _unmarked(path)]
    assert not found, "\n".join(found)


@needs_model
def test_the_offline_banner_is_russian_under_a_russian_locale(tmp_path: Path) -> None:
    from tests.conftest import ychat_env
    from tests.helpers import PROMPT, spawn

    env = ychat_env(tmp_path, None, LANG="ru_RU.UTF-8", YC_API_KEY="", YC_FOLDER_ID="")
    child = spawn(env)
    child.expect_exact("Локальная модель: нет учётных данных.")
    child.expect_exact(PROMPT)
    child.sendeof()
    child.expect(pexpect.EOF)


def test_tab_completes_the_russian_words_only_in_russian(russian: None) -> None:
    from ychat.repl.commands import names

    assert "/помощь" in names() and "/help" in names()
    i18n.use("en")
    assert "/помощь" not in names() and "/help" in names()


def _help_texts(command: object, path: str) -> Iterator[tuple[str, str]]:
    for name in ("help", "short_help"):
        text = getattr(command, name, None)
        if text:
            yield f"{path} {name}", text
    for param in getattr(command, "params", []):
        if getattr(param, "help", None):
            yield f"{path} {param.name}", param.help
    for word, sub in getattr(command, "commands", {}).items():
        yield from _help_texts(sub, f"{path} {word}")


def test_every_commands_help_is_translated_and_the_chat_lists_every_subcommand() -> None:
    """The chat's help (its docstring is one msgid) lost its Russian when a line was added to it,
    and its list of commands left out ychat mcp and ychat index."""
    import importlib

    import typer.main

    from ychat.cli import SUBCOMMANDS
    from ychat.cli.chat import app

    known = catalog()
    commands = [("ychat", typer.main.get_command(app))] + [
        (f"ychat {word}", typer.main.get_command(importlib.import_module(f"ychat.cli.{word}").app))
        for word in SUBCOMMANDS
    ]
    untranslated = [
        where for path, command in commands for where, text in _help_texts(command, path) if text not in known
    ]
    assert not untranslated
    chat_help = typer.main.get_command(app).help or ""
    assert [word for word in SUBCOMMANDS if f"\n  ychat {word} " not in chat_help] == []
