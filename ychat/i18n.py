"""Messages for people, in English or Russian (stdlib ``gettext``).

The English text is the message id; ``ychat/locale/ru.po`` holds the Russian, loaded (parsed
and handed to ``gettext.GNUTranslations``) the first time a Russian message is needed: an
English run never reads it. The language: ``YCHAT_LANG``, else the first of ``LC_ALL``,
``LC_MESSAGES``, ``LANG`` that is set (as POSIX locales do); ``ru…`` is Russian, anything else
English.

    >>> from ychat.i18n import _, ngettext
    >>> _("Cancelled.")
    'Cancelled.'
    >>> ngettext("{n} exchange", "{n} exchanges", 3).format(n=3)
    '3 exchanges'

``N_`` marks a text translated later (a table built at import, shown on demand).
"""

from __future__ import annotations

import gettext
import io
import os
import re
import struct
from collections.abc import Iterator, Mapping
from pathlib import Path

CATALOG = Path(__file__).with_name("locale") / "ru.po"
_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")

_chosen: str | None = None
_translations: gettext.NullTranslations | None = None


def language(env: Mapping[str, str] = os.environ) -> str:
    """``en`` or ``ru``, from YCHAT_LANG, then the locale variables."""
    value = env.get("YCHAT_LANG") or next((env[name] for name in _VARIABLES if env.get(name)), "")
    return "ru" if value.lower().startswith("ru") else "en"


def use(lang: str | None) -> None:
    """Speak ``lang`` from now on (None: as the environment says, asked again)."""
    global _chosen, _translations
    _chosen, _translations = lang, None


def current() -> str:
    global _chosen
    if _chosen is None:
        _chosen = language()
    return _chosen


def _(message: str) -> str:
    if current() == "en":
        return message
    return _catalog().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    if current() == "en":
        return singular if n == 1 else plural
    return _catalog().ngettext(singular, plural, n)


def N_(message: str) -> str:  # gettext's name for "mark, translate later"
    return message


def _catalog() -> gettext.NullTranslations:
    global _translations
    if _translations is None:
        _translations = gettext.GNUTranslations(io.BytesIO(compile_po(CATALOG.read_text(encoding="utf-8"))))
    return _translations


# The .po format (GNU gettext's manual, "The Format of PO Files"): entries of msgctxt / msgid /
# msgid_plural / msgstr / msgstr[N] keywords, each followed by one or more C-quoted strings;
# lines starting with # are comments (obsolete #~ entries too).
_KEYWORD = re.compile(r"msgctxt|msgid_plural|msgid|msgstr(\[\d+\])?")


def entries(text: str) -> Iterator[dict[str, str]]:
    """Each entry of a .po file as {keyword: text}."""
    entry: dict[str, str] = {}
    keyword = ""
    for number, line in enumerate(text.split("\n"), 1):
        line = line.strip(" \t\r")
        if not line or line[0] == "#":
            continue
        word, quoted = ("", line) if line[0] == '"' else line.split(None, 1) if " " in line else (line, "")
        if len(quoted) < 2 or quoted[0] != '"' or quoted[-1] != '"' or (word and not _KEYWORD.fullmatch(word)):
            raise ValueError(f"{CATALOG.name}:{number}: not a .po line: {line[:40]}")
        if word:
            if word in ("msgctxt", "msgid") and any(key.startswith("msgstr") for key in entry):
                yield entry
                entry = {}
            keyword = word
            entry[keyword] = ""
        elif not keyword:
            raise ValueError(f"{CATALOG.name}:{number}: a string before any keyword")
        entry[keyword] += _unquote(quoted[1:-1])
    if entry:
        yield entry


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", '"': '"', "\\": "\\"}


def _unquote(quoted: str) -> str:
    """The inside of a .po string with its C quoting undone (the escapes xgettext writes: \\n \\t \\r \\b \\" \\\\)."""
    text = quoted
    return re.sub(r"\\(.)", lambda match: _ESCAPES.get(match[1], match[0]), text) if "\\" in text else text


def compile_po(text: str) -> bytes:
    """A .po file's text -> the bytes of the equivalent .mo file (what msgfmt writes)."""
    pairs: dict[bytes, bytes] = {}
    for entry in entries(text):
        key = entry["msgid"]
        if "msgid_plural" in entry:
            key += "\0" + entry["msgid_plural"]
            forms = [entry[name] for name in sorted(k for k in entry if k.startswith("msgstr["))]
            value = "\0".join(forms) if all(forms) else ""
        else:
            value = entry.get("msgstr", "")
        if "msgctxt" in entry:
            key = entry["msgctxt"] + "\x04" + key
        if value or not key:  # untranslated: the English text is shown
            pairs[key.encode()] = value.encode()
    return _mo(pairs)


def _mo(pairs: dict[bytes, bytes]) -> bytes:
    keys = sorted(pairs)
    ids = b"".join(key + b"\0" for key in keys)
    strs = b"".join(pairs[key] + b"\0" for key in keys)
    start = 7 * 4 + 16 * len(keys)  # header, then the two tables of (length, offset)
    id_table, offset = [], start
    for key in keys:
        id_table += [len(key), offset]
        offset += len(key) + 1
    str_table = []
    for key in keys:
        str_table += [len(pairs[key]), offset]
        offset += len(pairs[key]) + 1
    header = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + 8 * len(keys), 0, 0)
    return header + struct.pack(f"{len(id_table + str_table)}i", *id_table, *str_table) + ids + strs
