"""Scripted Responses API replies with Yandex's hosted tools, framed as Yandex sends them
(RESPONSES.md §4.1, §8.1): ``data:`` first, ``event:`` after, no space after the colons.

    >>> emulator.enqueue(web_search_reply("Sunny.", [("https://yandex.ru/pogoda", "Погода")]))
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from ychat.testing.script import Raw


def _events(events: Sequence[dict[str, Any]]) -> Raw:
    lines: list[bytes] = []
    for number, event in enumerate(events, 1):
        data = json.dumps({"sequence_number": number, **event}, ensure_ascii=False, separators=(",", ":"))
        lines += [f"data:{data}".encode(), f"event:{event['type']}".encode(), b""]
    return Raw(tuple(lines), content_type="text/event-stream")


def _message(item_id: str, text: str, annotations: list[dict[str, Any]]) -> dict[str, Any]:
    """The model's finished message item: its text and what it cites."""
    part = {"annotations": annotations, "text": text, "type": "output_text"}
    return {"id": item_id, "content": [part], "role": "assistant", "status": "completed", "type": "message"}


def _answered(
    head: dict[str, Any], call: dict[str, Any], mid: str, message: dict[str, Any], text: str, usage: Any
) -> list[dict[str, Any]]:
    """How each scripted stream ends after its one tool call: the answer's text, its message item,
    and the completed response holding both."""
    done = head | {"status": "completed", "output": [call, message], "usage": usage}
    return [
        {"type": "response.output_text.delta", "item_id": mid, "output_index": 1, "content_index": 0, "delta": text},
        {"type": "response.output_item.done", "output_index": 1, "item": message},
        {"type": "response.completed", "response": done},
    ]


def web_search_reply(text: str, sources: Sequence[tuple[str, str]], query: str = "query", searches: int = 1) -> Raw:
    """A stream in which the model searched the web ``searches`` times, then answered ``text``
    citing ``sources`` (url, title) as ``url_citation`` annotations on the finished message."""
    rid, mid = str(uuid.uuid4()), str(uuid.uuid4())
    head: dict[str, Any] = {
        "id": rid,
        "object": "response",
        "status": "in_progress",
        "output": [],
        "usage": None,
        "model": "gpt://b1g/yandexgpt/latest",
    }
    events: list[dict[str, Any]] = [{"type": "response.created", "response": head}]
    calls = []
    for index in range(searches):
        sid = str(uuid.uuid4())
        call = {
            "id": sid,
            "action": {"query": query, "type": "search"},
            "status": "completed",
            "type": "web_search_call",
        }
        events += [
            {"type": "response.output_item.added", "output_index": index, "item": call | {"status": "in_progress"}},
            {"type": "response.web_search_call.searching", "item_id": sid, "output_index": index},
            {"type": "response.web_search_call.completed", "item_id": sid, "output_index": index},
            {"type": "response.output_item.done", "output_index": index, "item": call},
        ]
        calls.append(call)
    notes = [{"end_index": 0, "start_index": 0, "title": t, "type": "url_citation", "url": u} for u, t in sources]
    message = _message(mid, text, notes)
    at = {"item_id": mid, "output_index": searches, "content_index": 0}
    events += [
        {
            "type": "response.output_item.added",
            "output_index": searches,
            "item": message | {"content": [], "status": "in_progress"},
        },
        {"type": "response.output_text.delta", **at, "delta": text},
        {"type": "response.output_text.done", **at, "text": text},
        {"type": "response.output_item.done", "output_index": searches, "item": message},
    ]
    usage = {
        "input_tokens": 649,
        "input_tokens_details": {"cached_tokens": 624, "tool_tokens": 2102},
        "output_tokens": 59,
        "total_tokens": 2810,
    }
    done = head | {"status": "completed", "output": [*calls, message], "usage": usage}
    events.append({"type": "response.completed", "response": done})
    return _events(events)


def file_search_reply(text: str, files: Sequence[tuple[str, str]]) -> Raw:
    """A stream in which the model searched the index, then answered ``text`` citing ``files``
    (file id, file name) as ``file_citation`` annotations (RESPONSES.md §8.2)."""
    rid, mid, sid = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    head: dict[str, Any] = {"id": rid, "object": "response", "status": "in_progress", "output": [], "usage": None}
    call = {"id": sid, "type": "file_search_call", "status": "completed", "queries": ["q"], "results": None}
    notes = [{"file_id": f, "filename": n, "index": 0, "type": "file_citation"} for f, n in files]
    message = _message(mid, text, notes)
    usage = {"input_tokens": 120, "output_tokens": 12, "total_tokens": 132}
    return _events(
        [
            {"type": "response.created", "response": head},
            {"type": "response.output_item.added", "output_index": 0, "item": call | {"status": "in_progress"}},
            {"type": "response.file_search_call.searching", "item_id": sid, "output_index": 0},
            {"type": "response.output_item.done", "output_index": 0, "item": call},
            *_answered(head, call, mid, message, text, usage),
        ]
    )


def code_interpreter_reply(code: str, logs: str, text: str, files: Sequence[tuple[str, str]] = ()) -> Raw:
    """A stream in which the model wrote ``code`` (in two deltas), ran it (``logs``), and answered
    ``text`` citing the files it wrote (file id, name) as ``container_file_citation``s (§8.3)."""
    rid, mid, cid = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    head: dict[str, Any] = {"id": rid, "object": "response", "status": "in_progress", "output": [], "usage": None}
    call: dict[str, Any] = {"id": cid, "type": "code_interpreter_call", "status": "completed", "container_id": "cntr1"}
    call["code"] = code
    call["outputs"] = [{"type": "logs", "logs": logs}]
    notes = [
        {
            "type": "container_file_citation",
            "container_id": "cntr1",
            "file_id": f,
            "filename": n,
            "start_index": 0,
            "end_index": 0,
        }
        for f, n in files
    ]
    message = _message(mid, text, notes)
    at = {"item_id": cid, "output_index": 0}
    half = len(code) // 2
    return _events(
        [
            {"type": "response.created", "response": head},
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": call | {"status": "in_progress", "code": ""},
            },
            {"type": "response.code_interpreter_call.in_progress", **at},
            {"type": "response.code_interpreter_call_code.delta", **at, "delta": code[:half]},
            {"type": "response.code_interpreter_call_code.delta", **at, "delta": code[half:]},
            {"type": "response.code_interpreter_call_code.done", **at, "code": code},
            {"type": "response.code_interpreter_call.interpreting", **at},
            {"type": "response.code_interpreter_call.completed", **at},
            {"type": "response.output_item.done", "output_index": 0, "item": call},
            *_answered(head, call, mid, message, text, None),
        ]
    )


def mcp_approval_reply(label: str, name: str, arguments: dict[str, Any], request_id: str = "mcpr-1") -> Raw:
    """A stream that ends asking the user to approve ``label``'s tool ``name`` (RESPONSES.md §8.4)."""
    head: dict[str, Any] = {"id": str(uuid.uuid4()), "object": "response", "status": "in_progress", "output": []}
    listed = {"id": str(uuid.uuid4()), "type": "mcp_list_tools", "server_label": label, "tools": [{"name": name}]}
    ask = {"id": request_id, "type": "mcp_approval_request", "server_label": label, "name": name}
    ask["arguments"] = json.dumps(arguments, ensure_ascii=False)
    done = head | {"status": "completed", "output": [listed, ask], "usage": None}
    return _events(
        [
            {"type": "response.created", "response": head},
            {"type": "response.output_item.done", "output_index": 0, "item": listed},
            {"type": "response.output_item.done", "output_index": 1, "item": ask},
            {"type": "response.completed", "response": done},
        ]
    )


def mcp_call_reply(label: str, name: str, output: str, text: str) -> Raw:
    """A stream in which Yandex called ``label``'s tool (approved), then the model answered ``text``."""
    head: dict[str, Any] = {"id": str(uuid.uuid4()), "object": "response", "status": "in_progress", "output": []}
    call = {
        "id": str(uuid.uuid4()),
        "type": "mcp_call",
        "server_label": label,
        "name": name,
        "output": output,
        "error": None,
    }
    mid = str(uuid.uuid4())
    message = _message(mid, text, [])
    return _events(
        [
            {"type": "response.created", "response": head},
            {"type": "response.output_item.done", "output_index": 0, "item": call},
            *_answered(head, call, mid, message, text, None),
        ]
    )
