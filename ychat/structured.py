"""Structured output: ``--schema SPEC`` (a JSON Schema file, inline JSON, or llm's concise form
``name, age int, bio: a short bio``) and ``--json-object``; the reply checked against the schema
(``jsonschema``, imported only then) and printed as received to a pipe, indented on a terminal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from ychat.errors import ProtocolError, UsageError
from ychat.i18n import _
from ychat.render.safe import for_stream

TYPES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}


class SchemaMismatch(ProtocolError):
    """The reply is not JSON, or not JSON of the asked schema (exit 1)."""


def parse_spec(spec: str) -> dict[str, Any]:
    """The JSON Schema a ``--schema`` SPEC stands for."""
    text = spec.strip()
    if text.startswith("{"):
        return _object(text, _("--schema"))
    path = Path(text).expanduser()
    if path.suffix == ".json" or path.is_file():
        try:
            return _object(path.read_text(encoding="utf-8"), str(path))
        except OSError as exc:
            raise UsageError(_("cannot read {path}: {strerror}").format(path=path, strerror=exc.strerror)) from None
    return concise(text)


def _object(text: str, where: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise UsageError(_("{where} is not valid JSON: {reason}").format(where=where, reason=exc)) from None
    if not isinstance(value, dict):
        raise UsageError(_("{where} must be a JSON Schema object").format(where=where))
    return value


def concise(text: str) -> dict[str, Any]:
    """llm's concise schema: fields by commas or lines, each ``name [type][: description]``."""
    properties: dict[str, Any] = {}
    for field in (f.strip() for f in text.replace("\n", ",").split(",")):
        if not field:
            continue
        head, _colon, description = field.partition(":")
        words = head.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1] not in TYPES):
            raise UsageError(
                _("--schema field {field!r}: write NAME [str|int|float|bool][: description]").format(field=field)
            )
        schema: dict[str, Any] = {"type": TYPES[words[1]] if len(words) == 2 else "string"}
        if description.strip():
            schema["description"] = description.strip()
        properties[words[0]] = schema
    if not properties:
        raise UsageError(_("--schema names no field"))
    return {"type": "object", "properties": properties, "required": list(properties)}


def check(text: str, schema: dict[str, Any] | None) -> Any:
    """The reply's JSON value, or SchemaMismatch naming the first error's path."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise SchemaMismatch(_("the reply is not JSON: {reason}").format(reason=exc)) from None
    if schema is not None:
        import jsonschema

        error = next(iter(sorted(jsonschema.Draft202012Validator(schema).iter_errors(value), key=str)), None)
        if error is not None:
            where = "/" + "/".join(str(part) for part in error.absolute_path)
            raise SchemaMismatch(
                _("the reply does not match the schema at {where}: {message}").format(
                    where=where, message=error.message
                )
            )
    return value


def emit(text: str, value: Any, out: TextIO) -> None:
    """The JSON as received to a pipe or a file; indented, and made safe, on a terminal."""
    shown = json.dumps(value, ensure_ascii=False, indent=2) if out.isatty() else text
    out.write(for_stream(shown, out) + ("" if shown.endswith("\n") else "\n"))
    out.flush()
