"""The Russian interface (ychat/i18n.py, ychat/locale/ru.po): every message ychat marks for
people has a translation with the same placeholders; the language is chosen from the
environment; the .po reader and compiler; the REPL in Russian under a pty.

``python tests/test_i18n.py`` prints .po entries for the messages that have none yet.
"""

from __future__ import annotations

import ast
import inspect
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
from hypothesis import given
from hypothesis import strategies as st

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
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t").replace("\b", "\\b") + '"'


if __name__ == "__main__":
    print(stubs())
