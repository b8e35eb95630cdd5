"""What the chat loop talks to, as protocols: the API client, the renderer, where the
conversation is kept, and the config profiles (``Session`` takes objects of these shapes, so
tests hand it fakes and the loop imports no UI, HTTP or storage library)."""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ychat.attach.files import Attachment
from ychat.conversation import Conversation
from ychat.core import Done, Event, Image, Message, Options, Pending, Reasoning, Retrying, Usage, WebSearch
from ychat.errors import YChatError

if TYPE_CHECKING:
    from ychat.models.catalog import ModelCatalog
    from ychat.tools.runner import Toolbox


class ChatClient(Protocol):
    def complete(self, model: str, messages: Sequence[Message], options: Options) -> Generator[Event, None, None]: ...


@dataclass(frozen=True)
class Role:
    """What a config profile sets for the following turns (``/profile NAME``)."""

    name: str
    model: str
    system: str | None
    temperature: float | None
    max_tokens: int | None


class Profiles(Protocol):
    def names(self) -> list[str]: ...
    def get(self, name: str) -> Role: ...


class Keeper(Protocol):
    """Where the conversation is saved as it goes (``ychat.history.keeper.Keeper``); None: nowhere."""

    cid: str | None

    def sent(
        self, text: str, *, system: str | None, model: str, attachments: Sequence[tuple[Image, str]] = ()
    ) -> None: ...
    def replied(self, done: Done, steps: tuple[Message, ...] = ()) -> None: ...
    def failed(self, partial: str, status: str) -> None: ...
    def undone(self) -> None: ...
    def replaced(self) -> None: ...
    @property
    def current_title(self) -> str | None: ...
    def summarized(self, summary: str, covers: int) -> None: ...
    def title(self, text: str) -> None: ...
    def new(self) -> None: ...
    def fork(self, conversation: Conversation, *, model: str) -> str: ...
    def load(self, prefix: str) -> tuple[str, Conversation]: ...


class Renderer(Protocol):
    def begin_reply(self) -> None: ...
    def delta(self, text: str) -> None: ...
    def replace(self, text: str) -> None: ...
    def retrying(self, event: Retrying) -> None: ...
    def pending(self, event: Pending) -> None: ...
    def note(self, text: str) -> None: ...
    def end_reply(self, done: Done) -> None: ...
    def abort_reply(self) -> None: ...
    def error(self, error: YChatError) -> None: ...
    def info(self, text: str) -> None: ...
    def show_history(self, messages: Sequence[Message]) -> None: ...
    def control(self, sequence: str) -> bool: ...


@dataclass
class ChatOptions:
    """What the next request is sent with; REPL commands change it."""

    model: str = "yandexgpt"
    temperature: float | None = None
    max_tokens: int | None = None
    stream: bool = True
    model_fixed: bool = False  # offline: one model, /model cannot change it
    reasoning: Reasoning | None = None
    deferred: bool = False  # /async on: replies as deferred operations
    deferred_available: bool = True  # the dialect has a deferred mode (v1)
    window: int | None = None  # the context window, tokens, when known for sure (config, a local GGUF)
    dialect: str = "v1"  # else the window comes from the model's name (ychat/window.py)
    price_per_1k: float | None = None  # config price_per_1k; else ychat/cost.py's table
    local: bool = False  # the embedded model: free
    context: str = "drop"  # what an overflowing window does: drop the oldest exchanges, or summarize them
    schema: dict[str, Any] | None = None  # --schema
    json_object: bool = False  # --json-object
    server_state: bool = False  # --server-state (the Responses API keeps the conversation)
    web_search: WebSearch | None = None  # --web-search
    file_search: str | None = None  # --index / /index: the search index's id
    code_interpreter: bool = False  # --code-interpreter
    vision_models: tuple[str, ...] = ()  # config vision_models: more models that see pictures
    ocr: bool | None = None  # --ocr: pictures read by OCR for every model; --no-ocr: never; None: for text-only ones

    @property
    def names_from(self) -> str:
        """Where this run's model names belong: ``local`` (the embedded model) or the dialect; a
        saved conversation keeps it, so a resume elsewhere never sends a name it cannot know."""
        return "local" if self.local else self.dialect

    def completion(self) -> Options:
        return Options(
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            stream=self.stream,
            reasoning=self.reasoning,
            deferred=self.deferred,
            schema=self.schema,
            json_object=self.json_object,
            server_state=self.server_state,
            web_search=self.web_search,
            file_search=self.file_search,
            code_interpreter=self.code_interpreter,
        )


class ReplSession(Protocol):
    """What a REPL command acts on (``ychat.repl.session.Session``): its renderer, conversation,
    options and store, and the few things it may ask of the loop."""

    renderer: Renderer
    conversation: Conversation
    options: ChatOptions
    profiles: Profiles | None
    profile: str | None
    unsent: str | None
    spent: list[tuple[Usage, float | None]]
    searches: int  # hosted web searches (--web-search), priced per call
    attachments: list[tuple[str, str]]
    pending: list[Attachment]  # pictures and pages for the next message (/attach, /paste, -a)
    ocr_calls: int  # OCR recognitions, priced per call
    keeper: Keeper | None
    catalog: ModelCatalog | None
    tools: Toolbox | None
    make_tools: Callable[[], Toolbox] | None

    def turn(self, text: str, *, keep_note: bool = True) -> bool: ...
    def compact(self, count: int) -> None: ...
    def saving(self, action: Callable[[Keeper], None]) -> None: ...
