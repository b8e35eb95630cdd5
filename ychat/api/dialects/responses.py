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
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ychat.api.dialects.ndjson import split_lines
from ychat.api.dialects.reply import function_json
from ychat.api.dialects.responses_events import events_from_body, events_from_stream
from ychat.api.dialects.yandex import (
    ModelNames,
    YandexWire,
    is_yandex,
    yandex_headers,
)
from ychat.api.request import HttpRequest
from ychat.core import Event, HostedMcp, Message, Options, Retrying, ToolCall, WebSearch
from ychat.errors import APIError
from ychat.i18n import _

if TYPE_CHECKING:
    from ychat.api.http.transport import Transport

DEFAULT_ENDPOINT = "https://ai.api.cloud.yandex.net"  # RESPONSES.md §1


def input_json(messages: Sequence[Message]) -> tuple[str | None, list[dict[str, Any]]]:
    """``instructions`` (the system messages) and ``input`` (everything else, in order). A hosted
    MCP server's call the user answered goes back as an ``mcp_approval_response`` (§8.4)."""
    system = [m.text for m in messages if m.role == "system"]
    approvals = {call.id for m in messages for call in m.tool_calls if call.approval}
    items: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            continue
        if message.tool_results:
            items += [
                {"type": "mcp_approval_response", "approval_request_id": r.call_id, "approve": r.status == "ok"}
                if r.call_id in approvals
                else {"type": "function_call_output", "call_id": r.call_id, "output": r.content}
                for r in message.tool_results
            ]
            continue
        if message.images:
            items.append({"role": message.role, "content": _parts(message)})
        elif message.text or not message.tool_calls:
            items.append({"role": message.role, "content": message.text})
        items += [_call_json(call) for call in message.tool_calls]
    return ("\n\n".join(system) if system else None), items


def _parts(message: Message) -> list[dict[str, Any]]:
    """A message with pictures: ``input_text``, then an ``input_image`` (a data URL) each."""
    pictures = [{"type": "input_image", "image_url": image.data_url} for image in message.images]
    return [{"type": "input_text", "text": message.text}, *pictures]


def _call_json(call: ToolCall) -> dict[str, Any]:
    arguments = call.raw or json.dumps(dict(call.arguments), ensure_ascii=False)
    if call.approval:
        return {
            "type": "mcp_approval_request",
            "id": call.id,
            "server_label": call.approval,
            "name": call.name,
            "arguments": arguments,
        }
    return {"type": "function_call", "call_id": call.id, "name": call.name, "arguments": arguments}


def mcp_json(server: HostedMcp) -> dict[str, Any]:
    """A hosted ``mcp`` tool (§8.4): Yandex calls the server; a call waits for the user's approval
    unless the server is trusted; ``auth: "yandex"`` sends ychat's own Authorization with it."""
    tool: dict[str, Any] = {"type": "mcp", "server_label": server.label, "server_url": server.url}
    tool["require_approval"] = "never" if server.trust else "always"
    if server.headers:
        tool["headers"] = dict(server.headers)
    if server.tools is not None:
        tool["allowed_tools"] = list(server.tools)
    if server.authorization is not None:
        tool["authorization"] = server.authorization()
    return tool


def chained(messages: Sequence[Message], options: Options) -> tuple[str | None, Sequence[Message]]:
    """``--server-state``: the last reply the server keeps, and the messages after it (which are
    all a request sends, with ``previous_response_id``); else nothing kept and every message."""
    if options.server_state:
        for index in range(len(messages) - 1, -1, -1):
            if messages[index].role == "assistant" and messages[index].response_id:
                return messages[index].response_id, messages[index + 1 :]
    return None, messages


def response_body(
    model: str,
    messages: Sequence[Message],
    options: Options,
    *,
    previous: str | None = None,
) -> dict[str, Any]:
    """The request; with ``previous``, only the messages after that reply go as ``input``. The
    system prompt is not carried over by the chain (§2): it goes as ``instructions`` each time."""
    instructions = input_json([m for m in messages if m.role == "system"])[0]
    _, new = chained(messages, options) if previous else (None, messages)
    items = input_json([m for m in new if m.role != "system"])[1]
    body: dict[str, Any] = {"model": model, "input": items, "stream": options.stream, "store": options.server_state}
    if previous:
        body["previous_response_id"] = previous
    if instructions is not None:
        body["instructions"] = instructions
    if options.temperature is not None:
        body["temperature"] = options.temperature
    if options.max_tokens is not None:
        body["max_output_tokens"] = options.max_tokens
    return body | _tools(options) | _format(options)


def web_search_json(search: WebSearch) -> dict[str, Any]:
    """The hosted web search tool (RESPONSES.md §8.1); ``user_location`` at the top level, as the
    live echo has it (the docs' code nests it in ``filters``: §12)."""
    tool: dict[str, Any] = {"type": "web_search"}
    if search.domains:
        tool["filters"] = {"allowed_domains": list(search.domains)}
    if search.region:
        tool["user_location"] = {"region": search.region}
    if search.context:
        tool["search_context_size"] = search.context
    return tool


def _tools(options: Options) -> dict[str, Any]:
    """Flat function tools (RESPONSES.md §5) and the hosted ones, ``tool_choice``, ``parallel_tool_calls``."""
    hosted = [web_search_json(options.web_search)] if options.web_search else []
    if options.file_search:  # one index per request, as the API allows (§8.2)
        hosted.append({"type": "file_search", "vector_store_ids": [options.file_search]})
    if options.code_interpreter:  # an automatic container (§8.3)
        hosted.append({"type": "code_interpreter", "container": {"type": "auto"}})
    hosted += [mcp_json(server) for server in options.hosted_mcp]
    if not options.tools:
        return {"tools": hosted} if hosted else {}
    functions = [{"type": "function", **function_json(spec)} for spec in options.tools]
    found: dict[str, Any] = {"tools": functions + hosted}
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


class ResponsesWire(YandexWire):
    def __init__(self, *, kept: bool = False) -> None:
        self.kept = kept

    def decode(self, chunks: Iterator[bytes], *, stream: bool) -> Iterator[Event]:
        if stream:
            return events_from_stream(split_lines(chunks), kept=self.kept)
        return events_from_body(b"".join(chunks), kept=self.kept)


class Responses(ModelNames):
    """``--api responses``."""

    def __init__(self, *, endpoint: str = DEFAULT_ENDPOINT, folder_id: str | None, data_logging: bool = False) -> None:
        self.url = endpoint.rstrip("/") + "/v1/responses"
        self.yandex = is_yandex(endpoint)
        self.folder_id, self.data_logging = folder_id, data_logging

    def headers(self) -> dict[str, str]:
        """On Yandex's host: a request id, no data logging unless asked, the folder (§1)."""
        if not self.yandex:
            return {}
        found = yandex_headers(None, data_logging=self.data_logging)
        return found | ({"OpenAI-Project": self.folder_id} if self.folder_id else {})

    def complete(
        self, transport: Transport, model: str, messages: Sequence[Message], options: Options
    ) -> Iterator[Event]:
        previous, _new = chained(messages, options)
        if previous is None:
            return self._send(transport, model, messages, options, None)
        return self._chain(transport, model, messages, options, previous)

    def download(self, transport: Transport, file_id: str, container_id: str = "") -> bytes:
        """A file the code interpreter wrote (``GET /v1/files/{id}/content``)."""
        return download(transport, self.url.removesuffix("/responses") + f"/files/{file_id}/content", self.headers())

    def _send(
        self, transport: Transport, model: str, messages: Sequence[Message], options: Options, previous: str | None
    ) -> Iterator[Event]:
        body = response_body(self.model_name(model), messages, options, previous=previous)
        secrets = tuple(str(tool["authorization"]) for tool in body.get("tools", []) if "authorization" in tool)
        request = HttpRequest("POST", self.url, body, self.headers(), stream=options.stream, secrets=secrets)
        return transport.exchange(request, ResponsesWire(kept=options.server_state))

    def _chain(
        self, transport: Transport, model: str, messages: Sequence[Message], options: Options, previous: str
    ) -> Iterator[Event]:
        """Only what is new, after ``previous``; when the server no longer knows that id (an error
        before any reply, naming it or a 404), the whole history once, with a note (§6)."""
        events = self._send(transport, model, messages, options, previous)
        try:
            first = next(events)
        except APIError as error:
            if error.http_status != 404 and not (error.http_status == 400 and previous in str(error)):
                raise
            forgot = _("the server no longer knows this conversation's reply {id}: the whole history is sent")
            yield Retrying(0, 0.0, forgot.format(id=previous))
            yield from self._send(transport, model, messages, replace(options, server_state=True), None)
            return
        yield first
        yield from events


def download(transport: Transport, url: str, headers: dict[str, str]) -> bytes:
    """A file's bytes (the Files API's content: RESPONSES.md §8.3)."""

    def read(chunks: Iterator[bytes], stream: bool) -> Iterator[bytes]:
        yield b"".join(chunks)

    found: bytes = transport.fetch(HttpRequest("GET", url, headers=headers), YandexWire(), read, b"")
    return found


def probe(transport: Transport, *, endpoint: str, folder_id: str | None, model: str) -> int:
    """``ychat auth status``: the models listed under ``{endpoint}/v1`` (RESPONSES.md §1)."""
    from ychat.api.dialects.openai import probe as list_models

    return list_models(transport, endpoint=endpoint.rstrip("/") + "/v1", folder_id=folder_id, model=model)
