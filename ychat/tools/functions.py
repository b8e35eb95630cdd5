"""``--functions FILE.py``: each top-level function of a Python file with type hints and a
docstring becomes a tool, as llm's ``--functions`` does: its signature is the JSON Schema, its
docstring the description. The file runs as the user's own code (it is theirs); a file that
does not import, or a function whose hints cannot become a schema, is an error naming file:line.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import sys
import traceback
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ychat.core import ToolSpec
from ychat.errors import UsageError
from ychat.i18n import _
from ychat.tools.builtin import Tool, ToolError

SIMPLE: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    dict: {"type": "object"},
    list: {"type": "array"},
}


def load(path: str) -> dict[str, Tool]:
    """The tools of the file at ``path``, by function name."""
    module = _imported(Path(path).expanduser())
    found: dict[str, Tool] = {}
    for name, function in vars(module).items():
        if name.startswith("_") or not inspect.isfunction(function) or function.__module__ != module.__name__:
            continue
        found[name] = Tool(
            _spec(path, function), _runner(function), source=f"functions: {Path(path).name}", origin=path
        )
    if not found:
        raise UsageError(_("{path}: no top-level function to offer as a tool").format(path=path))
    return found


def _imported(path: Path) -> types.ModuleType:
    name = f"ychat_functions_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise UsageError(_("{path}: not a Python file ychat can load").format(path=path))
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        raise UsageError(f"{path}:{error.lineno}: {error.msg}") from None
    except FileNotFoundError:
        raise UsageError(_("{path}: no such file").format(path=path)) from None
    except Exception as error:
        line = next(
            (f.lineno for f in reversed(traceback.extract_tb(error.__traceback__)) if f.filename == str(path)), 0
        )
        raise UsageError(f"{path}:{line}: {type(error).__name__}: {error}") from None
    sys.modules[name] = module
    return module


def _spec(path: str, function: Callable[..., Any]) -> ToolSpec:
    where = f"{path}:{function.__code__.co_firstlineno}"
    doc = inspect.getdoc(function)
    if not doc:
        raise UsageError(
            _("{where}: function {name} has no docstring to describe it").format(where=where, name=function.__name__)
        )
    try:
        hints = typing.get_type_hints(function)
    except Exception as error:
        raise UsageError(f"{where}: {function.__name__}: {error}") from None
    properties: dict[str, Any] = {}
    required: list[str] = []
    for parameter in inspect.signature(function).parameters.values():
        if parameter.name not in hints:
            raise UsageError(
                _("{where}: parameter {param} of {name} has no type hint").format(
                    where=where, param=parameter.name, name=function.__name__
                )
            )
        schema, optional = _schema(hints[parameter.name])
        if schema is None:
            raise UsageError(
                _("{where}: the type of {param} ({hint}) cannot become a JSON Schema").format(
                    where=where, param=parameter.name, hint=hints[parameter.name]
                )
            )
        properties[parameter.name] = schema
        if parameter.default is inspect.Parameter.empty and not optional:
            required.append(parameter.name)
    return ToolSpec(
        function.__name__, doc.split("\n\n")[0], {"type": "object", "properties": properties, "required": required}
    )


def _schema(hint: Any) -> tuple[dict[str, Any] | None, bool]:
    """A hint's JSON Schema, and whether None is allowed (``X | None``, ``Optional[X]``)."""
    if hint in SIMPLE:
        return dict(SIMPLE[hint]), False
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return (_schema(rest[0])[0], True) if len(rest) == 1 else (None, True)
    if origin is list and len(args) == 1:
        item, _none = _schema(args[0])
        return ({"type": "array", "items": item} if item else None), False
    if origin is dict:
        return {"type": "object"}, False
    if origin is typing.Literal and all(isinstance(a, str) for a in args):
        return {"type": "string", "enum": list(args)}, False
    return None, False


def _runner(function: Callable[..., Any]) -> Callable[[Mapping[str, Any], float], str]:
    def run(arguments: Mapping[str, Any], timeout: float) -> str:
        try:
            value = function(**arguments)
        except KeyboardInterrupt:
            raise
        except Exception as error:
            raise ToolError(f"{type(error).__name__}: {error}") from None
        if value is None or isinstance(value, str):
            return value or ""
        return json.dumps(value, ensure_ascii=False, default=str)

    return run
