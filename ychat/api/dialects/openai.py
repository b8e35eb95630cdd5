"""The OpenAI-compatible dialect: ``POST {base}/chat/completions`` (REFERENCE.md §5).

The base URL ends in ``/v1`` (Yandex's, llama.cpp's, vLLM's, Ollama's). Streams are SSE with
**delta** text ending in ``data: [DONE]``. On Yandex's host (``*.api.cloud.yandex.net``) short
model names become ``gpt://<folder>/<name>/latest`` and the folder goes in ``OpenAI-Project``;
elsewhere the model is sent as given and credentials are optional.

    >>> chat_body("gpt://b1g/yandexgpt/latest", [Message("user", "Hi")], Options())
    {'model': 'gpt://b1g/yandexgpt/latest', 'messages': [{'role': 'user', 'content': 'Hi'}], 'stream': True}
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ychat.api.dialects.ndjson import decode, split_lines
from ychat.api.dialects.openai_tools import CallsBuffer, calls_of, format_json, messages_json, tools_json
from ychat.api.dialects.reply import cut_short, finished
from ychat.api.dialects.sse import events
from ychat.api.dialects.yandex import (
    ModelNames,
    YandexWire,
    clip,
    count_listed,
    error_from_body,
    error_from_record,
    is_yandex,
    load_object,
)
from ychat.api.request import HttpRequest
from ychat.core import Delta, Done, Event, FinishReason, Message, Options, Usage
from ychat.errors import APIError, ProtocolError
from ychat.i18n import _

if TYPE_CHECKING:
    from ychat.api.http.transport import Transport

DEFAULT_BASE = "https://llm.api.cloud.yandex.net/v1"
FINISH = {
    "stop": FinishReason.STOP,
    "length": FinishReason.LENGTH,
    "content_filter": FinishReason.CONTENT_FILTER,
    "tool_calls": FinishReason.TOOL_CALLS,
    "function_call": FinishReason.TOOL_CALLS,
}


def chat_body(model: str, messages: Sequence[Message], options: Options, *, usage: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": model,
        "messages": messages_json(messages),
        "stream": options.stream,
    }
    if options.temperature is not None:
        body["temperature"] = options.temperature
    if options.max_tokens is not None:
        body["max_tokens"] = options.max_tokens
    if options.stream and usage:
        body["stream_options"] = {"include_usage": True}
    return body | tools_json(options) | format_json(options)


def _object(data: str) -> dict[str, Any]:
    value = load_object(data)
    if "error" in value:
        raise error_from_record(value, http_status=200)
    return value


def _usage(raw: object) -> Usage | None:
    if not isinstance(raw, Mapping):
        return None
    details = raw.get("completion_tokens_details")
    reasoning = details.get("reasoning_tokens") if isinstance(details, Mapping) else None

    def count(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return 0
        return value

    return Usage(
        input_tokens=count(raw.get("prompt_tokens")),
        completion_tokens=count(raw.get("completion_tokens")),
        reasoning_tokens=count(reasoning),
        total_tokens=count(raw.get("total_tokens")),
    )


def _choice(record: Mapping[str, Any]) -> Mapping[str, Any] | None:
    choices = record.get("choices")
    if not isinstance(choices, list):
        raise ProtocolError(_("reply has no choices: {record}").format(record=clip(json.dumps(record))))
    first = choices[0] if choices else None
    return first if isinstance(first, Mapping) else None


def _finish(value: object) -> FinishReason | None:
    if value is None:
        return None
    return FINISH.get(str(value), FinishReason.STOP)


def events_from_stream(lines: Iterable[str]) -> Iterator[Event]:
    """SSE chunks -> Delta events, then Done at ``[DONE]`` (usage from a usage chunk, if any)."""
    text: list[str] = []
    finish, usage, model, ended, calls = None, None, "", False, CallsBuffer()
    for data in events(lines):
        if data.strip() == "[DONE]":
            ended = True
            break
        record = _object(data)
        usage = _usage(record.get("usage")) or usage
        model = str(record.get("model") or model)
        choice = _choice(record)
        if choice is None:
            continue  # the usage chunk: "choices": []
        delta = choice.get("delta")
        content = delta.get("content") if isinstance(delta, Mapping) else None
        if isinstance(content, str) and content:
            text.append(content)
            yield Delta(content)
        if isinstance(delta, Mapping):
            calls.feed(delta)
        finish = _finish(choice.get("finish_reason")) or finish
    if not ended and finish is None:
        raise cut_short()
    asked = calls.calls() if finish is FinishReason.TOOL_CALLS else ()
    yield finished(Done("".join(text), finish or FinishReason.STOP, usage, model, tool_calls=asked))


def events_from_body(body: bytes) -> Iterator[Event]:
    record = _object(decode(body))
    choice = _choice(record)
    message = choice.get("message") if choice is not None else None
    content = message.get("content") if isinstance(message, Mapping) else None
    text = content if isinstance(content, str) else ""
    finish = _finish(choice.get("finish_reason")) if choice is not None else None
    model = str(record.get("model") or "")
    asked = calls_of(message) if finish is FinishReason.TOOL_CALLS and isinstance(message, Mapping) else ()
    reply = finished(Done(text, finish or FinishReason.STOP, _usage(record.get("usage")), model, tool_calls=asked))
    if text:
        yield Delta(text)
    yield reply


class OpenAIWire:
    def __init__(self, base_url: str = DEFAULT_BASE) -> None:
        self.base_url = base_url.rstrip("/")

    def decode(self, chunks: Iterator[bytes], *, stream: bool) -> Iterator[Event]:
        return events_from_stream(split_lines(chunks)) if stream else events_from_body(b"".join(chunks))

    def error(self, body: bytes, *, http_status: int, request_id: str | None, retry_after: float | None) -> APIError:
        """``{"error": {"message", "type"}}``, which the Yandex mapping reads too (by HTTP status). A
        404 from a base URL without ``/v1`` says where the path usually is."""
        error = error_from_body(body, http_status=http_status, request_id=request_id, retry_after=retry_after)
        if http_status == 404 and not self.base_url.endswith("/v1") and error.hint is None:
            error.hint = _("OpenAI-compatible servers answer under /v1: try --endpoint {url}/v1").format(
                url=self.base_url
            )
        return error


class OpenAI(ModelNames):
    """``--api openai``."""

    def __init__(self, *, endpoint: str = DEFAULT_BASE, folder_id: str | None, data_logging: bool = False) -> None:
        """``endpoint``: the base URL (``…/v1``); ``data_logging`` is the native API's header, not sent here."""
        self.url = endpoint.rstrip("/") + "/chat/completions"
        self.yandex = is_yandex(endpoint)
        self.folder_id = folder_id
        self.wire = OpenAIWire(endpoint)

    def complete(
        self, transport: Transport, model: str, messages: Sequence[Message], options: Options
    ) -> Iterator[Event]:
        body = chat_body(self.model_name(model), messages, options, usage=not self.yandex)
        headers = {"OpenAI-Project": self.folder_id} if self.yandex and self.folder_id else {}
        return transport.exchange(HttpRequest("POST", self.url, body, headers, stream=options.stream), self.wire)


def _ids(chunks: Iterator[bytes], stream: bool) -> Iterator[list[str]]:
    body = json.loads(b"".join(chunks) or b"{}")
    data = body.get("data", []) if isinstance(body, dict) else []
    yield [str(item["id"]) for item in data if isinstance(item, dict) and "id" in item]


def list_models(transport: Transport, *, base_url: str, folder_id: str | None) -> list[str]:
    """``GET {base}/models`` of an OpenAI-compatible API (Yandex's with the folder in OpenAI-Project)."""
    headers = {"OpenAI-Project": folder_id} if folder_id else {}
    request = HttpRequest("GET", base_url.rstrip("/") + "/models", headers=headers)
    return transport.fetch(request, YandexWire(), _ids, [])


def probe(transport: Transport, *, endpoint: str, folder_id: str | None, model: str) -> int:
    """``ychat auth status``'s one cheap check: the models the server lists."""
    request = HttpRequest("GET", endpoint.rstrip("/") + "/models", headers={"OpenAI-Project": folder_id or ""})
    return transport.fetch(request, YandexWire(), count_listed, 0)
