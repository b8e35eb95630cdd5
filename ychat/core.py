"""The provider-neutral chat core: what every layer above ``api/`` speaks.

Messages, the options a reply is generated with, token usage, why a reply ended, and the
events a reply arrives as. No wire status string or JSON field name appears here: each API
dialect (``ychat/api/``) translates its own wire format to and from these types.

    Delta(text)      new text appended to the reply
    Replace(text)    the server rewrote the reply; ``text`` is the whole new reply
    Retrying(...)    a failed attempt will be retried (nothing was shown yet)
    Pending(...)     a deferred reply is still being generated (its operation id, time waited)
    Done(...)        the reply is complete: text, finish reason, usage, model version

    >>> Done("Hi", FinishReason.STOP, Usage(3, 1, total_tokens=4), "23.10.2024").finish.value
    'stop'
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ToolSpec:
    """A function the model may call: its name, a one-line description, a JSON Schema."""

    name: str
    description: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True)
class ToolCall:
    """A call the model asked for. ``id`` is ychat's own, unique in the conversation (v1 sends
    none; Yandex's OpenAI endpoint sends the function's name); ``raw`` is the arguments' text as
    the server sent it, when it sent text (echoed back unchanged)."""

    id: str
    name: str
    arguments: Mapping[str, Any]
    raw: str = ""
    approval: str = ""  # a hosted MCP server's label: the server runs it once the user approves


@dataclass(frozen=True)
class ToolResult:
    """What a call gave back, for the model; ``status``: ok, error, declined, cancelled, timeout."""

    call_id: str
    name: str
    content: str
    status: str = "ok"


@dataclass(frozen=True)
class Image:
    """A picture the model sees (``-a``, ``/attach``, ``/paste``), as it is sent: already scaled
    to the model's size and encoded (``mime``: image/png, image/jpeg, image/webp)."""

    name: str
    mime: str
    data: bytes = field(repr=False)

    @property
    def digest(self) -> str:
        """Its SHA-256, hex: the store keeps each picture once by it."""
        import hashlib

        return hashlib.sha256(self.data).hexdigest()

    @property
    def data_url(self) -> str:
        """``data:image/png;base64,…``, as the OpenAI-compatible and Responses APIs take it."""
        import base64

        return f"data:{self.mime};base64," + base64.b64encode(self.data).decode("ascii")


@dataclass(frozen=True)
class Message:
    """``tool_calls``: an assistant message that asked for calls; ``tool_results``: the
    results sent back (a user message on the native API, one tool message each on OpenAI's);
    ``images``: pictures a user message shows a model that sees (text-only dialects send none)."""

    role: Role
    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_results: tuple[ToolResult, ...] = ()
    response_id: str = ""  # an assistant reply the server keeps (--server-state): later turns chain on it
    images: tuple[Image, ...] = ()


class Reasoning(enum.Enum):
    """Whether the model reasons before answering (``--reasoning``); unset is the model's default."""

    HIDDEN = "hidden"
    OFF = "off"


@dataclass(frozen=True)
class Options:
    """Generation settings for one request; None means "the server's default"."""

    temperature: float | None = None
    max_tokens: int | None = None
    stream: bool = True
    reasoning: Reasoning | None = None
    deferred: bool = False  # ask for the reply as a deferred operation (half price, polled)
    tools: tuple[ToolSpec, ...] = ()  # what the model may call (none: no tools sent at all)
    tool_choice: str | None = None  # auto, required or a tool's name; None: the server's default
    parallel_tools: bool | None = None  # several calls in one reply; None: the server's default
    schema: Mapping[str, Any] | None = None  # --schema: the reply is JSON of this JSON Schema
    json_object: bool = False  # --json-object: the reply is some JSON object
    server_state: bool = False  # --server-state: the server keeps the replies; a request sends what is new
    web_search: WebSearch | None = None  # --web-search
    file_search: str | None = None  # --index: the search index (vector store) the model may search
    code_interpreter: bool = False  # --code-interpreter: the hosted code interpreter
    hosted_mcp: tuple[HostedMcp, ...] = ()  # MCP servers Yandex calls (-T NAME of a "via": "responses" server)


@dataclass(frozen=True)
class WebSearch:
    """``--web-search``: the hosted web search (the Responses API), and how it searches."""

    domains: tuple[str, ...] = ()  # only these sites (at most 5); none: the whole web
    region: str | None = None  # a Yandex Search region code (213: Moscow)
    context: str | None = None  # how much of the results the model reads: low, medium, high


@dataclass(frozen=True)
class Source:
    """A page a reply cites (a hosted search's citation), shown as a numbered footnote."""

    url: str
    title: str = ""


@dataclass(frozen=True)
class HostedMcp:
    """An MCP server that Yandex calls for the model (``"via": "responses"`` in mcp.json)."""

    label: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    tools: tuple[str, ...] | None = None  # only these (includeTools); None: all
    trust: bool = False  # its calls run without asking
    authorization: Callable[[], str] | None = None  # auth "yandex": ychat's own, read afresh (the MCP Hub)


@dataclass(frozen=True)
class Produced:
    """A file a hosted tool wrote (the code interpreter), to download: its id and name."""

    file_id: str
    filename: str
    container_id: str = ""


@dataclass(frozen=True)
class Note:
    """Something to show dimly while a reply streams, not part of it (the code interpreter's logs)."""

    text: str


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    total_tokens: int = 0
    cached_tokens: int = 0  # of the input, served from the server's cache (the Responses API reports it)


class FinishReason(enum.Enum):
    STOP = "stop"
    LENGTH = "length"  # cut at the token limit
    CONTENT_FILTER = "content_filter"
    TOOL_CALLS = "tool_calls"
    ERROR = "error"


@dataclass(frozen=True)
class Delta:
    text: str


@dataclass(frozen=True)
class Replace:
    text: str


@dataclass(frozen=True)
class Retrying:
    attempt: int
    delay: float
    reason: str


@dataclass(frozen=True)
class Pending:
    operation_id: str
    waited: float  # seconds since ychat submitted it


@dataclass(frozen=True)
class Done:
    text: str
    finish: FinishReason
    usage: Usage | None  # None: the server reported none (not "zero tokens")
    model_version: str = ""
    request_id: str = ""  # the server's x-request-id (or ychat's x-client-request-id)
    tool_calls: tuple[ToolCall, ...] = ()  # finish TOOL_CALLS: what the model asked to run
    response_id: str = ""  # the server keeps this reply under this id (--server-state)
    sources: tuple[Source, ...] = ()  # what it cites (web search), in order, each once
    searches: int = 0  # hosted web searches made for it (billed per call)
    files: tuple[Produced, ...] = ()  # files the hosted code interpreter wrote (downloaded after it)


def call_id() -> str:
    """A new tool call id (``call_`` and 24 hex digits, as OpenAI's look)."""
    import uuid

    return "call_" + uuid.uuid4().hex[:24]


Event = Delta | Replace | Retrying | Pending | Note | Done


def drain(events: Generator[Event, None, None], *, stop: Callable[[], bool] = lambda: False) -> Done | None:
    """The reply's Done, the events before it read and dropped, and the generator closed whatever
    happens (so is its HTTP response); None when ``stop()`` turns true first, or no Done came."""
    try:
        for event in events:
            if stop():
                return None
            if isinstance(event, Done):
                return event
        return None
    finally:
        events.close()
