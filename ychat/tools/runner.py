"""Running the model's calls: whether a call may run (a rule, ``--yes`` or the user's answer),
its arguments checked against the tool's schema, a time limit, a cap on what goes back.

Imports no UI library: asking is a callable handed in (``repl/approve.py`` asks on the terminal),
and what happens is told through ``note`` (a renderer's dim line).
"""

from __future__ import annotations

import contextlib
import enum
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from ychat.core import HostedMcp, Options, ToolCall, ToolResult, ToolSpec
from ychat.i18n import _
from ychat.render.safe import for_terminal
from ychat.tools.builtin import Tool, ToolError

RESULT_CAP = 64 * 1024  # characters of a result the model gets at most
SHOWN = 60  # characters of an argument value shown in a call's line


class Answer(enum.Enum):
    ONCE = "y"
    SESSION = "s"
    ALWAYS = "a"
    DENY = "n"


Ask = Callable[[ToolCall], tuple[Answer, Mapping[str, Any]]]  # the answer and the arguments (maybe edited)


class Later(Protocol):
    """Tools that arrive after start-up (an MCP server's list): ``collect`` waits for them."""

    def start(self) -> None: ...

    def collect(self, taken: set[str]) -> dict[str, Tool]: ...

    def close(self) -> None: ...


@dataclass
class Toolbox:
    """The tools enabled for a run, and how their calls are allowed."""

    tools: dict[str, Tool]  # every tool that can be enabled, by name
    enabled: set[str] = field(default_factory=set)  # what the model is offered now (-T, /tools on)
    ask: Ask | None = None  # None: there is no terminal to ask on
    yes: bool = False  # --yes: every call of this run is allowed
    allowed: set[str] = field(default_factory=set)  # tools allowed always (config) or for the session
    remember: Callable[[str], None] | None = None  # `a`: keep the rule (the config file)
    timeout: float = 60.0
    note: Callable[[str], None] = lambda text: None
    chain_limit: int = 10  # round trips per message
    choice: str | None = None  # --tool-choice: auto, required, none or a tool's name
    parallel: bool | None = None

    later: list[Later] = field(default_factory=list)  # collected (and enabled) before the first request
    hosted: tuple[HostedMcp, ...] = ()  # MCP servers Yandex calls; their calls are approved here

    def settle(self) -> None:
        """Wait for the tools still arriving; they are enabled, as ``-T`` asked."""
        while self.later:
            found = self.later[0].collect(set(self.tools))
            self.tools |= found
            self.enabled |= set(found)
            self.closing.append(self.later.pop(0))

    def sources(self) -> list[Later]:
        return [*self.later, *self.closing]

    def warm_up(self) -> None:
        """Start what ``settle`` will wait for (in the REPL: once the prompt is shown)."""
        for source in self.later:
            source.start()

    def close(self) -> None:
        for source in self.sources():
            source.close()

    closing: list[Later] = field(default_factory=list)

    def options(self, options: Options, *, following: bool = False) -> Options:
        """The request's options with the tools; ``none`` sends none at all (TOOLS.md §1.7).
        ``required`` or a tool's name forces the first request only (not one ``following`` with
        results), or the model would call again and again until the chain limit."""
        self.settle()
        options = replace(options, hosted_mcp=self.hosted) if self.hosted else options
        if self.choice == "none" or not self.enabled:
            return options
        choice = "auto" if following and self.choice not in (None, "auto") else self.choice
        return replace(options, tools=self.specs(), tool_choice=choice, parallel_tools=self.parallel)

    def specs(self) -> tuple[ToolSpec, ...]:
        self.settle()
        return tuple(tool.spec for name, tool in self.tools.items() if name in self.enabled)

    def run_all(self, calls: tuple[ToolCall, ...]) -> tuple[ToolResult, ...]:
        """Every call, in order (a Ctrl-C stops the one running and ends the turn)."""
        return tuple(self.run(call) for call in calls)

    def run(self, call: ToolCall) -> ToolResult:
        tool = (
            self._approval(call) if call.approval else self.tools.get(call.name) if call.name in self.enabled else None
        )
        seen = replace(call, name=tool.label) if tool is not None and tool.label else call  # MCP: server.tool
        if tool is not None:  # asked about with the values it would run with (2, not the wire's 2.0)
            with contextlib.suppress(ToolError):
                seen = replace(seen, arguments=checked(tool.spec, seen.arguments))
        self.note("⚙ " + shown(seen))
        if tool is None:
            return self._outcome(
                seen, ToolResult(call.id, call.name, _("no such tool: {name}").format(name=call.name), "error")
            )
        arguments = self._permitted(tool, seen)
        if arguments is None:
            declined = _("the user declined to run this call")
            return self._outcome(seen, ToolResult(call.id, call.name, declined, "declined"))
        try:
            text = tool.run(checked(tool.spec, arguments), self.timeout)
        except ToolError as error:
            return self._outcome(seen, ToolResult(call.id, call.name, capped(str(error)), "error"))
        brief = tool.brief(text) if tool.brief else ""
        return self._outcome(seen, ToolResult(call.id, call.name, capped(text)), brief)

    def _approval(self, call: ToolCall) -> Tool | None:
        """A hosted MCP server's call waiting for approval: "running" it approves it (Yandex runs it)."""
        server = next((h for h in self.hosted if h.label == call.approval), None)
        if server is None:
            return None
        spec = ToolSpec(call.name, "", {"type": "object"})
        return Tool(
            spec,
            lambda arguments, timeout: _("approved"),
            not server.trust,
            f"mcp:{server.label}",
            label=f"{server.label}.{call.name}",
        )

    def _permitted(self, tool: Tool, call: ToolCall) -> Mapping[str, Any] | None:
        """The arguments to run with, or None: declined."""
        if not tool.asks or self.yes or tool.shown_as in self.allowed:
            return call.arguments
        if self.ask is None:
            rule = tool.shown_as + (f" --functions {tool.origin}" if tool.origin else "")
            self.note(
                _("{name} was not run: nothing allowed it here (use --yes, or: ychat tools allow {rule})").format(
                    name=tool.shown_as, rule=rule
                )
            )
            return None
        answer, arguments = self.ask(call)
        if answer is Answer.DENY:
            return None
        if answer is not Answer.ONCE:
            self.allowed.add(tool.shown_as)
        if answer is Answer.ALWAYS and self.remember is not None:
            self.remember(tool.shown_as)
        return arguments

    def _outcome(self, seen: ToolCall, result: ToolResult, brief: str = "") -> ToolResult:
        size = _("{n:,} characters").format(n=len(result.content))
        said = ", ".join(filter(None, [for_terminal(brief)[:200], size]))
        if result.status != "ok":
            said = f"{result.status}: {for_terminal(result.content)[:200]}"
        self.note(f"  → {for_terminal(seen.name)}: {said}")
        return result


def shown(call: ToolCall) -> str:
    """``read_file path=notes.txt``: the call as a line, long values clipped, made safe."""
    parts = []
    for name, value in call.arguments.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        parts.append(f"{name}={text if len(text) <= SHOWN else text[: SHOWN - 1] + '…'}")
    return for_terminal(" ".join([call.name, *parts]))


def capped(text: str) -> str:
    if len(text) <= RESULT_CAP:
        return text
    return text[:RESULT_CAP] + "\n" + _("[the result was cut at {n:,} characters]").format(n=RESULT_CAP)


KINDS: dict[str, tuple[type, ...]] = {"string": (str,), "boolean": (bool,), "object": (dict,), "array": (list,)}


def checked(spec: ToolSpec, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments coerced to the schema's types (the native API sends every number as a
    float: TOOLS.md §1.9); a required one missing, or one of the wrong type, is a ToolError."""
    properties = spec.parameters.get("properties", {})
    for name in spec.parameters.get("required", []):
        if name not in arguments:
            raise ToolError(_("missing argument: {name}").format(name=name))
    found = dict(arguments)
    for name, value in arguments.items():
        kind = properties.get(name, {}).get("type") if isinstance(properties.get(name), dict) else None
        found[name] = _coerced(name, kind, value)
    return found


def _coerced(name: str, kind: object, value: Any) -> Any:
    if kind == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind in ("integer", "number") and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ToolError(_("argument {name} must be a number").format(name=name))
    if isinstance(kind, str) and kind in KINDS and not isinstance(value, KINDS[kind]):
        raise ToolError(_("argument {name} must be of type {kind}").format(name=name, kind=kind))
    return value
