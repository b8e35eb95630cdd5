"""Reading the Responses API's replies (RESPONSES.md §3–4): SSE events dispatched on their JSON
``type`` (unknown ones skipped), or a whole response object; its text, ``function_call`` items,
usage (which may be null), and how it ended (``completed``, ``incomplete``, ``failed``, or an
``error`` event). JSON with duplicate keys keeps the last one; extra keys are ignored (§3.1)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from ychat.api.dialects.ndjson import decode
from ychat.api.dialects.reply import cut_short, finished
from ychat.api.dialects.sse import events
from ychat.api.dialects.yandex import error_from_record, load_object
from ychat.core import Delta, Done, Event, FinishReason, Note, Produced, Source, ToolCall, Usage
from ychat.errors import APIError, ProtocolError
from ychat.i18n import _

ERROR_STATUS = {"rate_limit_exceeded": 429, "invalid_prompt": 400, "server_error": 500, "vector_store_timeout": 504}
INCOMPLETE = {"max_output_tokens": FinishReason.LENGTH, "content_filter": FinishReason.CONTENT_FILTER}


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def usage_of(raw: object) -> Usage | None:
    """``usage`` (may be null: §3.1); ``total_tokens`` includes search results' ``tool_tokens``."""
    if not isinstance(raw, Mapping):
        return None
    details, inputs = raw.get("output_tokens_details"), raw.get("input_tokens_details")
    reasoning = details.get("reasoning_tokens") if isinstance(details, Mapping) else 0
    return Usage(
        input_tokens=_count(raw.get("input_tokens")),
        completion_tokens=_count(raw.get("output_tokens")),
        reasoning_tokens=_count(reasoning),
        total_tokens=_count(raw.get("total_tokens")),
        cached_tokens=_count(inputs.get("cached_tokens") if isinstance(inputs, Mapping) else 0),
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
        self.sources: dict[str, Source] = {}  # by URL, in the order they were cited
        self.searches = 0
        self.files: dict[str, Produced] = {}  # what the code interpreter wrote, by file id
        self.coding: set[str] = set()  # code interpreter calls whose code block is open
        self.coded: set[str] = set()  # those whose code was streamed

    def say(self, text: str) -> Delta:
        self.text.append(text)
        return Delta(text)

    def code(self, record: Mapping[str, Any]) -> list[Event]:
        """The code interpreter's code as a Markdown code block while it is written (§8.3)."""
        kind, call = str(record.get("type")), str(record.get("item_id"))
        if kind.endswith(".delta") and isinstance(record.get("delta"), str):
            opening = [] if call in self.coding else [self.say("\n```python\n")]
            self.coding.add(call)
            self.coded.add(call)
            return [*opening, self.say(record["delta"])]
        if kind.endswith(".done") and call in self.coding:
            self.coding.discard(call)
            return [self.say("\n```\n\n")]
        return []

    def interpreted(self, item: Mapping[str, Any], *, text: bool) -> list[Event]:
        """A finished code interpreter call: its code (when it was not streamed), then its logs —
        dim notes in a stream, a ``text`` block in a whole reply."""
        found: list[Event] = []
        if str(item.get("id")) not in self.coded and isinstance(item.get("code"), str) and item["code"]:
            found.append(self.say(f"\n```python\n{item['code']}\n```\n\n"))
        for output in item.get("outputs") or []:
            logs = output.get("logs") if isinstance(output, Mapping) else None
            if isinstance(logs, str) and logs.strip():
                found.append(self.say(f"```text\n{logs.rstrip()}\n```\n\n") if text else Note(logs.rstrip()))
        return found

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

    def item(self, item: Mapping[str, Any], *, text: bool) -> list[Event]:
        """A finished output item; ``text``: take a message's text from it (unary replies)."""
        if item.get("type") == "code_interpreter_call":
            return self.interpreted(item, text=text)
        if item.get("type") == "mcp_approval_request":  # the user decides; the next request answers
            call = call_of({**item, "call_id": item.get("id")})
            self.calls.append(replace(call, approval=str(item.get("server_label") or "")))
        if item.get("type") == "mcp_call":  # Yandex called a hosted MCP server's tool
            said = str(item.get("error") or _("{n:,} characters").format(n=len(str(item.get("output") or ""))))
            return [Note(f"⚙ {item.get('server_label')}.{item.get('name')} → {said}")]
        if item.get("type") == "function_call":
            self.calls.append(call_of(item))
        elif item.get("type") == "web_search_call":
            self.searches += 1
        elif item.get("type") == "message":
            for part in item.get("content") or []:
                if isinstance(part, Mapping) and part.get("type") == "output_text":
                    self.text += [str(part.get("text") or "")] if text else []
                    self.cite(part.get("annotations"))
        return []

    def cite(self, annotations: object) -> None:
        """``url_citation`` annotations (their indexes are 0: only the URL counts, §8.1)."""
        for note in annotations if isinstance(annotations, list) else []:
            if isinstance(note, Mapping) and note.get("type") == "url_citation" and isinstance(note.get("url"), str):
                url = note["url"] if "://" in note["url"] else "https://" + note["url"]  # docs show bare hosts
                self.sources.setdefault(url, Source(url, str(note.get("title") or "")))
            elif isinstance(note, Mapping) and note.get("type") == "file_citation":  # only these two count
                name = str(note.get("filename") or note.get("file_id") or "")
                self.sources.setdefault("file:" + str(note.get("file_id")), Source("", name))
            elif isinstance(note, Mapping) and note.get("type") == "container_file_citation" and note.get("file_id"):
                file_id, name = str(note["file_id"]), str(note.get("filename") or note["file_id"])
                self.files.setdefault(file_id, Produced(file_id, name, str(note.get("container_id") or "")))

    def done(self, *, kept: bool) -> Done:
        """``kept``: the server stores the response (``store: true``), so its id is worth keeping."""
        finish = self.finish or FinishReason.STOP
        if self.calls and finish is FinishReason.STOP:
            finish = FinishReason.TOOL_CALLS
        text, calls, kept_id = "".join(self.text), tuple(self.calls), self.response_id if kept else ""
        reply = Done(text, finish, self.usage, self.model, tool_calls=calls, response_id=kept_id)
        found = replace(reply, sources=tuple(self.sources.values()), searches=self.searches)
        return finished(replace(found, files=tuple(self.files.values())), None)


def _object(data: str) -> dict[str, Any]:
    return load_object(data)


def events_from_stream(lines: Iterable[str], *, kept: bool = False) -> Iterator[Event]:
    """The SSE events, dispatched on their JSON ``type``; unknown ones are skipped (§4.3)."""
    reading, ended = Reading(), False
    for data in events(lines):
        record = _object(data)
        kind = record.get("type")
        if kind == "response.output_text.delta" and isinstance(record.get("delta"), str) and record["delta"]:
            reading.text.append(record["delta"])
            yield Delta(record["delta"])
        elif kind == "response.output_item.done" and isinstance(record.get("item"), Mapping):
            yield from reading.item(record["item"], text=False)
        elif str(kind).startswith("response.code_interpreter_call_code."):
            yield from reading.code(record)
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
    yield reading.done(kept=kept)


def events_from_body(body: bytes, *, kept: bool = False) -> Iterator[Event]:
    record = _object(decode(body))
    reading = Reading()
    for item in record.get("output") or []:
        if isinstance(item, Mapping):
            reading.item(item, text=True)
    reading.response(record)
    reply = reading.done(kept=kept)
    if reply.text:
        yield Delta(reply.text)
    yield reply
