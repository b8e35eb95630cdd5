"""The legacy ``v1alpha`` chat dialect: ``POST /llm/v1alpha/chat`` (REFERENCE.md §4, seed 003).

Deprecated by Yandex (docs/user-guide.md has the migration to v1). The system prompt travels as
``instructionText``; replies come as documented (``{message, numTokens}``) or as seen on the
wire (wrapped in ``result``, snake_case ``num_tokens``); ``partialResults`` streams cumulative
NDJSON lines like v1. ``maxTokens`` counts prompt and reply together, at most 7 400.

    >>> chat_body("general", [Message("system", "Be brief"), Message("user", "Hi")], Options())
    {'model': 'general', 'generationOptions': {'partialResults': True}, \
'messages': [{'role': 'user', 'text': 'Hi'}], 'instructionText': 'Be brief'}
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ychat.api.dialects.ndjson import Cumulative, one_line, split_lines
from ychat.api.dialects.reply import cut_short, finished
from ychat.api.dialects.v1 import probe as probe  # credentials are checked as v1's are
from ychat.api.dialects.yandex import YandexWire, clip, error_from_record, int64, load_object, yandex_headers
from ychat.api.registry import DEFAULT_ENDPOINT
from ychat.api.request import HttpRequest
from ychat.core import Done, Event, FinishReason, Message, Options, Usage
from ychat.errors import ProtocolError
from ychat.i18n import _

if TYPE_CHECKING:
    from ychat.api.http.transport import Transport

CHAT_PATH = "/llm/v1alpha/chat"


def chat_body(model: str, messages: Sequence[Message], options: Options) -> dict[str, Any]:
    generation: dict[str, Any] = {"partialResults": options.stream}
    if options.temperature is not None:
        generation["temperature"] = options.temperature
    if options.max_tokens is not None:
        generation["maxTokens"] = options.max_tokens
    body: dict[str, Any] = {
        "model": model,
        "generationOptions": generation,
        "messages": [{"role": m.role, "text": m.text} for m in messages if m.role != "system"],
    }
    system = [m.text for m in messages if m.role == "system"]
    if system:
        body["instructionText"] = "\n\n".join(system)
    return body


def parse_reply(line: str) -> tuple[str, Usage]:
    """One reply line (or body), wrapped in ``result`` or not: its cumulative text and tokens."""
    record = load_object(line)
    if "error" in record:
        raise error_from_record(record, http_status=200)
    result = record.get("result", record)
    message = result.get("message") if isinstance(result, Mapping) else None
    text = message.get("text") if isinstance(message, Mapping) else None
    if not isinstance(text, str):
        raise ProtocolError(_("v1alpha reply has no message text: {line}").format(line=clip(line)))
    tokens = result.get("num_tokens", result.get("numTokens", 0))
    return text, Usage(total_tokens=int64(tokens))


def events_from_lines(lines: Iterable[str]) -> Iterator[Event]:
    """v1alpha lines carry no status: the reply is complete when the stream ends cleanly."""
    text, usage = Cumulative(), None
    for line in lines:
        if not line.strip():
            continue
        current, usage = parse_reply(line)
        event = text.feed(current)
        if event is not None:
            yield event
    if usage is None:
        raise cut_short()
    yield finished(Done(text.text, FinishReason.STOP, usage))  # no status on this wire


class V1AlphaWire(YandexWire):
    def decode(self, chunks: Iterator[bytes], *, stream: bool) -> Iterator[Event]:
        return events_from_lines(split_lines(chunks) if stream else one_line(b"".join(chunks)))


class V1Alpha:
    """``--api v1alpha``: ``--model`` is sent as given (``general`` by default: config.DIALECT_DEFAULTS)."""

    def __init__(self, *, endpoint: str = DEFAULT_ENDPOINT, folder_id: str | None, data_logging: bool = False) -> None:
        self.url = endpoint.rstrip("/") + CHAT_PATH
        self.folder_id = folder_id
        self.data_logging = data_logging
        self.wire = V1AlphaWire()

    def check_model(self, model: str) -> None:
        """Any model name goes (v1alpha names are not URIs)."""

    def complete(
        self, transport: Transport, model: str, messages: Sequence[Message], options: Options
    ) -> Iterator[Event]:
        body = chat_body(model, messages, options)
        headers = yandex_headers(self.folder_id, data_logging=self.data_logging)
        return transport.exchange(HttpRequest("POST", self.url, body, headers, stream=options.stream), self.wire)
