"""The Responses API: ``POST {endpoint}/v1/responses`` (RESPONSES.md).

The history goes as ``input`` (messages, the model's ``function_call`` items and their
``function_call_output``), the system prompt as ``instructions``, with ``store: false``: ychat
keeps the conversation, as for every dialect. Streams are SSE whose events carry their ``type``
in the JSON (``data:`` first, no space after the colon, no ``[DONE]``: RESPONSES.md §4.1); text
arrives as incremental ``response.output_text.delta``; ``response.completed``, ``.incomplete``,
``.failed`` or an ``error`` event ends it. Ids are bare UUIDs; a function call's ``call_id`` is
the function's name (§5), kept as sent, since the server pairs outputs by it.

    >>> response_body("gpt://b1g/yandexgpt/latest", [Message("user", "Hi")], Options(stream=False))["input"]
    [{'role': 'user', 'content': 'Hi'}]
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ychat.api.dialects.ndjson import decode, split_lines
from ychat.api.dialects.reply import cut_short, finished, function_json
from ychat.api.dialects.sse import events
from ychat.api.dialects.yandex import (
    YandexWire,
    error_from_record,
    expand_model_uri,
    is_yandex,
    load_object,
    yandex_headers,
)
from ychat.api.request import HttpRequest
from ychat.core import Delta, Done, Event, FinishReason, Message, Options, ToolCall, Usage
from ychat.errors import APIError, ProtocolError
from ychat.i18n import _

if TYPE_CHECKING:
    from ychat.api.http.transport import Transport

DEFAULT_ENDPOINT = "https://ai.api.cloud.yandex.net"  # RESPONSES.md §1
ERROR_STATUS = {"rate_limit_exceeded": 429, "invalid_prompt": 400, "server_error": 500, "vector_store_timeout": 504}
INCOMPLETE = {"max_output_tokens": FinishReason.LENGTH, "content_filter": FinishReason.CONTENT_FILTER}


def input_json(messages: Sequence[Message]) -> tuple[str | None, list[dict[str, Any]]]:
    """``instructions`` (the system messages) and ``input`` (everything else, in order)."""
    system = [m.text for m in messages if m.role == "system"]
    items: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            continue
        if message.tool_results:
            items += [
                {"type": "function_call_output", "call_id": r.call_id, "output": r.content}
                for r in message.tool_results
            ]
            continue
        if message.text or not message.tool_calls:
            items.append({"role": message.role, "content": message.text})
        items += [_call_json(call) for call in message.tool_calls]
    return ("\n\n".join(system) if system else None), items


def _call_json(call: ToolCall) -> dict[str, Any]:
    arguments = call.raw or json.dumps(dict(call.arguments), ensure_ascii=False)
    return {"type": "function_call", "call_id": call.id, "name": call.name, "arguments": arguments}


def response_body(model: str, messages: Sequence[Message], options: Options) -> dict[str, Any]:
    instructions, items = input_json(messages)
    body: dict[str, Any] = {"model": model, "input": items, "stream": options.stream, "store": False}
    if instructions is not None:
        body["instructions"] = instructions
    if options.temperature is not None:
        body["temperature"] = options.temperature
    if options.max_tokens is not None:
        body["max_output_tokens"] = options.max_tokens
    return body | _tools(options) | _format(options)


def _tools(options: Options) -> dict[str, Any]:
    """Flat function tools (RESPONSES.md §5), ``tool_choice``, ``parallel_tool_calls``."""
    if not options.tools:
        return {}
    found: dict[str, Any] = {"tools": [{"type": "function", **function_json(spec)} for spec in options.tools]}
    if options.tool_choice in ("auto", "required", "none"):
        found["tool_choice"] = options.tool_choice
    elif options.tool_choice:
        found["tool_choice"] = {"type": "function", "name": options.tool_choice}
    if options.parallel_tools is not None:
        found["parallel_tool_calls"] = options.parallel_tools
    return found


def _format(options: Options) -> dict[str, Any]:
    """``text.format`` (TOOLS.md §3.3): a JSON Schema, named, or any JSON object."""
    if options.schema is not None:
        return {"text": {"format": {"type": "json_schema", "name": "reply", "schema": dict(options.schema)}}}
    return {"text": {"format": {"type": "json_object"}}} if options.json_object else {}


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def usage_of(raw: object) -> Usage | None:
    """``usage`` (may be null: §3.1); ``total_tokens`` includes search results' ``tool_tokens``."""
    if not isinstance(raw, Mapping):
        return None
    details = raw.get("output_tokens_details")
    reasoning = details.get("reasoning_tokens") if isinstance(details, Mapping) else 0
    return Usage(
        input_tokens=_count(raw.get("input_tokens")),
        completion_tokens=_count(raw.get("output_tokens")),
        reasoning_tokens=_count(reasoning),
        total_tokens=_count(raw.get("total_tokens")),
    )


def error_of(fields: Mapping[str, Any], http_status: int = 200) -> APIError:
    """``response.error`` or an ``error`` event: ``{code, message}``, the code a word (§10)."""
    code = fields.get("code")
    status = ERROR_STATUS.get(str(code), 500) if http_status == 200 else http_status
    message = fields.get("message")
    text = message if isinstance(message, str) and message else str(code or _("the response failed"))
    return error_from_record({"error": {"message": text, "httpCode": status}}, http_status=status)


def call_of(item: Mapping[str, Any]) -> ToolCall:
    """A ``function_call`` item: its arguments are a JSON string (§5)."""
    raw = item.get("arguments")
    text = raw if isinstance(raw, str) else json.dumps(raw or {})
    try:
        arguments = json.loads(text or "{}")
    except ValueError:
        raise ProtocolError(_("a function call's arguments are not JSON: {text}").format(text=text[:120])) from None
    if not isinstance(arguments, dict):
        raise ProtocolError(_("a function call's arguments are not a JSON object: {text}").format(text=text[:120]))
    name = str(item.get("name") or "")
    return ToolCall(str(item.get("call_id") or name), name, arguments, raw=text)


class Reading:
    """What a response has said so far: its text, calls, usage, how it ended."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.calls: list[ToolCall] = []
        self.usage: Usage | None = None
        self.model = ""
        self.response_id = ""
        self.finish: FinishReason | None = None

    def response(self, response: Mapping[str, Any]) -> None:
        """A whole response object (unary, or a stream's terminal event)."""
        self.response_id = str(response.get("id") or self.response_id)
        self.model = str(response.get("model") or self.model)
        self.usage = usage_of(response.get("usage")) or self.usage
        status = response.get("status")
        if status == "failed":
            error = response.get("error")
            raise error_of(error if isinstance(error, Mapping) else {})
        if status == "incomplete":
            details = response.get("incomplete_details")
            reason = details.get("reason") if isinstance(details, Mapping) else None
            self.finish = INCOMPLETE.get(str(reason), FinishReason.LENGTH)
        elif status in ("completed", None):
            self.finish = FinishReason.TOOL_CALLS if self.calls else FinishReason.STOP

    def item(self, item: Mapping[str, Any], *, text: bool) -> None:
        """A finished output item; ``text``: take a message's text from it (unary replies)."""
        if item.get("type") == "function_call":
            self.calls.append(call_of(item))
        elif item.get("type") == "message" and text:
            for part in item.get("content") or []:
                if isinstance(part, Mapping) and part.get("type") == "output_text":
                    self.text.append(str(part.get("text") or ""))

    def done(self) -> Done:
        finish = self.finish or FinishReason.STOP
        if self.calls and finish is FinishReason.STOP:
            finish = FinishReason.TOOL_CALLS
        reply = Done("".join(self.text), finish, self.usage, self.model, tool_calls=tuple(self.calls))
        return finished(reply, None)


def _object(data: str) -> dict[str, Any]:
    return load_object(data)


def events_from_stream(lines: Iterable[str]) -> Iterator[Event]:
    """The SSE events, dispatched on their JSON ``type``; unknown ones are skipped (§4.3)."""
    reading, ended = Reading(), False
    for data in events(lines):
        record = _object(data)
        kind = record.get("type")
        if kind == "response.output_text.delta" and isinstance(record.get("delta"), str) and record["delta"]:
            reading.text.append(record["delta"])
            yield Delta(record["delta"])
        elif kind == "response.output_item.done" and isinstance(record.get("item"), Mapping):
            reading.item(record["item"], text=False)
        elif kind in ("response.created", "response.in_progress", "response.queued"):
            response = record.get("response")
            reading.response_id = str(response.get("id") or "") if isinstance(response, Mapping) else ""
        elif kind in ("response.completed", "response.incomplete", "response.failed"):
            response = record.get("response")
            reading.response(response if isinstance(response, Mapping) else {"status": kind.rsplit(".", 1)[1]})
            ended = True
            break
        elif kind == "error":
            raise error_of(record)
    if not ended:
        raise cut_short()
    yield reading.done()


def events_from_body(body: bytes) -> Iterator[Event]:
    record = _object(decode(body))
    reading = Reading()
    for item in record.get("output") or []:
        if isinstance(item, Mapping):
            reading.item(item, text=True)
    reading.response(record)
    reply = reading.done()
    if reply.text:
        yield Delta(reply.text)
    yield reply


class ResponsesWire(YandexWire):
    def decode(self, chunks: Iterator[bytes], *, stream: bool) -> Iterator[Event]:
        return events_from_stream(split_lines(chunks)) if stream else events_from_body(b"".join(chunks))


class Responses:
    """``--api responses``."""

    def __init__(self, *, endpoint: str = DEFAULT_ENDPOINT, folder_id: str | None, data_logging: bool = False) -> None:
        self.url = endpoint.rstrip("/") + "/v1/responses"
        self.yandex = is_yandex(endpoint)
        self.folder_id, self.data_logging = folder_id, data_logging
        self.wire = ResponsesWire()

    def headers(self) -> dict[str, str]:
        """On Yandex's host: a request id, no data logging unless asked, the folder (§1)."""
        if not self.yandex:
            return {}
        found = yandex_headers(None, data_logging=self.data_logging)
        return found | ({"OpenAI-Project": self.folder_id} if self.folder_id else {})

    def model_name(self, model: str) -> str:
        return expand_model_uri(model, folder_id=self.folder_id) if self.yandex else model

    def check_model(self, model: str) -> None:
        self.model_name(model)

    def complete(
        self, transport: Transport, model: str, messages: Sequence[Message], options: Options
    ) -> Iterator[Event]:
        body = response_body(self.model_name(model), messages, options)
        request = HttpRequest("POST", self.url, body, self.headers(), stream=options.stream)
        return transport.exchange(request, self.wire)


def probe(transport: Transport, *, endpoint: str, folder_id: str | None, model: str) -> int:
    """``ychat auth status``: the models listed under ``{endpoint}/v1`` (RESPONSES.md §1)."""
    from ychat.api.dialects.openai import probe as list_models

    return list_models(transport, endpoint=endpoint.rstrip("/") + "/v1", folder_id=folder_id, model=model)
