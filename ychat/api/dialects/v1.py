"""The v1 ``completion`` dialect: ``POST /foundationModels/v1/completion`` (REFERENCE.md §1).

Streams are NDJSON, one ``{"result": …}`` per line with cumulative text; a non-streaming reply
is one such object. Statuses map to the core's FinishReason here and nowhere else.

    >>> completion_body("gpt://b1g/yandexgpt/latest", [Message("user", "Hi")], Options(max_tokens=50))
    {'modelUri': 'gpt://b1g/yandexgpt/latest', 'completionOptions': {'stream': True, 'maxTokens': '50'}, \
'messages': [{'role': 'user', 'text': 'Hi'}]}
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ychat.api.dialects.ndjson import Cumulative, one_line, split_lines
from ychat.api.dialects.reply import cut_short, finished
from ychat.api.dialects.yandex import (
    YandexWire,
    clip,
    count_listed,
    error_from_record,
    expand_model_uri,
    int64,
    yandex_headers,
)
from ychat.api.dialects.yandex import load_object as _load_object
from ychat.api.registry import DEFAULT_ENDPOINT
from ychat.api.request import HttpRequest
from ychat.core import Done, Event, FinishReason, Message, Options, Reasoning, ToolCall, Usage, call_id
from ychat.errors import ProtocolError
from ychat.i18n import _

if TYPE_CHECKING:
    from ychat.api.http.transport import Transport

COMPLETION_PATH = "/foundationModels/v1/completion"
TOKENIZE_PATH = "/foundationModels/v1/tokenizeCompletion"

STATUS_PARTIAL = "ALTERNATIVE_STATUS_PARTIAL"
DEBUG = functools.partial(logging.getLogger("ychat.api").isEnabledFor, logging.DEBUG)  # --debug logs the body
FINISH_OF_STATUS = {
    "ALTERNATIVE_STATUS_FINAL": FinishReason.STOP,
    "ALTERNATIVE_STATUS_TRUNCATED_FINAL": FinishReason.LENGTH,
    "ALTERNATIVE_STATUS_CONTENT_FILTER": FinishReason.CONTENT_FILTER,
    "ALTERNATIVE_STATUS_TOOL_CALLS": FinishReason.TOOL_CALLS,
}
STATUS_OF_FINISH = {finish: status for status, finish in FINISH_OF_STATUS.items()}
REASONING_MODES = {Reasoning.HIDDEN: "ENABLED_HIDDEN", Reasoning.OFF: "DISABLED"}


def completion_body(model_uri: str, messages: Sequence[Message], options: Options) -> dict[str, Any]:
    """The JSON body of ``POST /foundationModels/v1/completion`` (and ``completionAsync``)."""
    completion: dict[str, Any] = {"stream": options.stream}
    if options.temperature is not None:
        completion["temperature"] = options.temperature
    if options.max_tokens is not None:
        completion["maxTokens"] = str(options.max_tokens)  # int64 travels as a JSON string
    if options.reasoning is not None:
        completion["reasoningOptions"] = {"mode": REASONING_MODES[options.reasoning]}
    body = {"modelUri": model_uri, "completionOptions": completion, "messages": [message_json(m) for m in messages]}
    return body | tools_json(options) | format_json(options)


def format_json(options: Options) -> dict[str, Any]:
    """``jsonSchema`` or ``jsonObject`` (TOOLS.md §3.1)."""
    if options.schema is not None:
        return {"jsonSchema": {"schema": dict(options.schema)}}
    return {"jsonObject": True} if options.json_object else {}


def tools_json(options: Options) -> dict[str, Any]:
    """``tools``, ``toolChoice`` and ``parallelToolCalls`` (TOOLS.md §1.1); nothing without tools.
    ``toolChoice: NONE`` is never sent: the model then writes fake calls as text (§1.7)."""
    if not options.tools:
        return {}
    specs = [
        {"function": {"name": s.name, "description": s.description, "parameters": s.parameters}} for s in options.tools
    ]
    found: dict[str, Any] = {"tools": specs}
    if options.tool_choice in ("auto", "required"):
        found["toolChoice"] = {"mode": options.tool_choice.upper()}
    elif options.tool_choice:
        found["toolChoice"] = {"functionName": options.tool_choice}
    if options.parallel_tools is not None:
        found["parallelToolCalls"] = options.parallel_tools
    return found


def message_json(message: Message) -> dict[str, Any]:
    """A message as v1 sends it: text, the calls an assistant message asked for (as received), or
    the results, in call order, in one user message (§1.4; results are tied to calls by name)."""
    if message.tool_calls:
        calls = [{"functionCall": {"name": c.name, "arguments": dict(c.arguments)}} for c in message.tool_calls]
        return {"role": message.role, "toolCallList": {"toolCalls": calls}}
    if message.tool_results:
        results = [{"functionResult": {"name": r.name, "content": r.content}} for r in message.tool_results]
        return {"role": message.role, "toolResultList": {"toolResults": results}}
    return {"role": message.role, "text": message.text}


def _tool_calls(message: Mapping[str, Any]) -> tuple[ToolCall, ...]:
    listed = message.get("toolCallList")
    if listed is None:
        return ()
    calls = listed.get("toolCalls") if isinstance(listed, dict) else None
    if not isinstance(calls, list):
        raise ProtocolError(_("reply's toolCallList has no toolCalls"))
    found = []
    for call in calls:
        function = call.get("functionCall") if isinstance(call, dict) else None
        if not (isinstance(function, dict) and isinstance(function.get("name"), str)):
            raise ProtocolError(_("reply's tool call has no function name"))
        arguments = function.get("arguments", {})
        found.append(ToolCall(call_id(), function["name"], arguments if isinstance(arguments, dict) else {}))
    return tuple(found)


@dataclass(frozen=True)
class Chunk:
    """One ``result`` object: the cumulative text so far and where generation stands."""

    text: str
    finish: FinishReason | None  # None while partial
    usage: Usage
    model_version: str
    tool_calls: tuple[ToolCall, ...] = ()


def parse_line(line: str) -> Chunk:
    """One NDJSON record (or a whole non-stream body) -> Chunk, or raise the error it carries."""
    record = _load_object(line)
    if "error" in record:
        raise error_from_record(record, http_status=200)
    result = record.get("result")
    if not isinstance(result, dict):
        raise ProtocolError(_("reply line has neither 'result' nor 'error': {line}").format(line=clip(line)))
    return parse_result(result)


def parse_result(result: Mapping[str, Any]) -> Chunk:
    """A ``CompletionResponse`` (also the ``response`` of a finished deferred operation)."""
    alternatives = result.get("alternatives")
    if not isinstance(alternatives, list) or not alternatives or not isinstance(alternatives[0], dict):
        raise ProtocolError(_("reply has no alternatives"))
    first = alternatives[0]
    message = first.get("message", {})
    text = message.get("text", "") if isinstance(message, dict) else None
    status = first.get("status", STATUS_PARTIAL)
    if not isinstance(text, str) or not isinstance(status, str):
        raise ProtocolError(_("reply alternative has no text or status"))
    version = result.get("modelVersion", "")
    finish = FINISH_OF_STATUS.get(status)
    usage, version = parse_usage(result.get("usage")), version if isinstance(version, str) else ""
    return Chunk(text, finish, usage, version, _tool_calls(message) if finish is FinishReason.TOOL_CALLS else ())


def parse_usage(raw: object) -> Usage:
    if not isinstance(raw, dict):
        return Usage()
    details = raw.get("completionTokensDetails")
    reasoning = int64(details.get("reasoningTokens", 0)) if isinstance(details, dict) else 0
    return Usage(
        input_tokens=int64(raw.get("inputTextTokens", 0)),
        completion_tokens=int64(raw.get("completionTokens", 0)),
        reasoning_tokens=reasoning,
        total_tokens=int64(raw.get("totalTokens", 0)),
    )


def done(text: str, last: Chunk | None) -> Done:
    """The closing event; raises if the stream ended before a terminal status."""
    if last is None or last.finish is None:
        raise cut_short()
    reply = Done(text, last.finish, last.usage, last.model_version, tool_calls=last.tool_calls)
    return finished(reply, STATUS_OF_FINISH[last.finish])


def events_from_lines(lines: Iterable[str]) -> Iterator[Event]:
    """Parse every non-empty line; raise a YChatError for error lines and malformed input."""
    text, last = Cumulative(), None
    for line in lines:
        if not line.strip():
            continue
        last = parse_line(line)
        event = text.feed(last.text)
        if event is not None:
            yield event
    yield done(text.text, last)


def events_from_body(body: bytes) -> Iterator[Event]:
    """A non-streaming reply: one ``{"result": …}`` object, possibly pretty-printed."""
    return events_from_lines(one_line(body))


class V1Wire(YandexWire):
    """Reading the replies of Yandex's v1 API: NDJSON or one body."""

    def decode(self, chunks: Iterator[bytes], *, stream: bool) -> Iterator[Event]:
        return events_from_lines(split_lines(chunks)) if stream else events_from_body(b"".join(chunks))


class Encoded:
    """Each message's JSON encoded once, not on every turn: a request is the previous one's
    fragments plus the new message's (at 1 000 exchanges that saves re-encoding ~1 MB a turn).
    Fragments are kept by message object (a conversation hands the same objects every turn),
    and only those of the latest request."""

    def __init__(self) -> None:
        self._fragments: dict[int, tuple[Message, bytes]] = {}

    def body(self, head: dict[str, Any], messages: Sequence[Message]) -> bytes:
        previous, current = self._fragments, {}
        for message in messages:
            kept = previous.get(id(message))
            if kept is None or kept[0] is not message:
                kept = (message, json.dumps(message_json(message), ensure_ascii=False).encode())
            current[id(message)] = kept
        self._fragments = current
        joined = b",".join([current[id(m)][1] for m in messages])
        return json.dumps(head, ensure_ascii=False).encode()[:-1] + b',"messages":[' + joined + b"]}"


class V1(V1Wire):
    """``--api v1`` (the default)."""

    def __init__(self, *, endpoint: str = DEFAULT_ENDPOINT, folder_id: str | None, data_logging: bool = False) -> None:
        self.url = endpoint.rstrip("/") + COMPLETION_PATH
        self.folder_id = folder_id
        self.data_logging = data_logging
        self._encoded = Encoded()

    def check_model(self, model: str) -> None:
        expand_model_uri(model, folder_id=self.folder_id)

    def count_tokens(self, transport: Transport, model: str, messages: Sequence[Message]) -> int:
        return tokens(transport, self.url.removesuffix(COMPLETION_PATH), self.folder_id, model, messages)

    def complete(
        self, transport: Transport, model: str, messages: Sequence[Message], options: Options
    ) -> Iterator[Event]:
        head = completion_body(expand_model_uri(model, folder_id=self.folder_id), (), options)
        del head["messages"]
        content = self._encoded.body(head, messages)
        body = {**head, "messages": [message_json(m) for m in messages]} if DEBUG() else None
        headers = yandex_headers(self.folder_id, data_logging=self.data_logging)
        request = HttpRequest("POST", self.url, body, headers, stream=options.stream, content=content)
        return transport.exchange(request, self)


def tokens(transport: Transport, endpoint: str, folder_id: str | None, model: str, messages: Sequence[Message]) -> int:
    """How many tokens ``messages`` take (``tokenizeCompletion``: free, REFERENCE.md §3)."""
    body = completion_body(expand_model_uri(model, folder_id=folder_id), messages, Options(stream=False))
    url = endpoint.rstrip("/") + TOKENIZE_PATH
    request = HttpRequest("POST", url, body, yandex_headers(folder_id, data_logging=False))
    return transport.fetch(request, YandexWire(), count_listed, 0)


def probe(transport: Transport, *, endpoint: str, folder_id: str | None, model: str) -> int:
    """``ychat auth status``'s one cheap check: the tokens of a one-word message."""
    return tokens(transport, endpoint, folder_id, model, [Message("user", "ping")])
