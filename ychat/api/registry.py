"""Every wire protocol ychat speaks, one record each: what every layer reads instead of comparing
a dialect's name (``--api`` choices, defaults, limits, capabilities, how credentials are checked
and where models are listed). Adding a dialect is one module in ``api/`` and one record here.

Pure data, stdlib only: the dialect modules (``ychat.api.*``) are imported only when one is
built, so ``--help`` can read the names without loading the HTTP side.

    >>> record("v1alpha").token_limit
    7400
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

DEFAULT_ENDPOINT = "https://llm.api.cloud.yandex.net"  # Yandex's native API (REFERENCE.md §0)

if TYPE_CHECKING:
    from ychat.api.dialects import Dialect
    from ychat.api.http.transport import Transport

__all__ = [
    "DEFAULT_ENDPOINT",
    "NAMES",
    "OPENAI",
    "REGISTRY",
    "RESPONSES",
    "V1",
    "V1ALPHA",
    "VISION",
    "DialectRecord",
    "Vision",
    "record",
    "vision",
]


@dataclass(frozen=True)
class DialectRecord:
    """One wire protocol: its ``--api`` name, defaults, limits and capabilities."""

    name: str
    module: str  # ychat.api.<module>.<factory> builds it (imported only then)
    factory: str
    default_model: str
    default_endpoint: str  # the dialect's base URL
    deferred: bool = False  # has a deferred (completionAsync, half-price) mode
    reasoning: bool = False  # takes reasoning options
    token_limit: int | None = None  # maxTokens counts prompt and reply together, up to this
    any_server: bool = False  # also speaks to servers that are not Yandex's (which need no Yandex credentials)
    models_path: str = "/v1"  # the OpenAI-compatible GET …/models, under the endpoint
    probe: str = "tokens"  # how `ychat auth status` checks credentials: tokens counted, or models listed
    local_path: str = ""  # where the in-process local server answers it, under its root
    tools: bool = True  # takes function tools (-T)
    temperature: tuple[float, float] = (0.0, 1.0)  # the range its requests may carry (ychat serve checks it too)
    hosted: bool = False  # Yandex's hosted tools and server-side state (--web-search, --index, --server-state)
    images: bool = False  # a message may carry pictures, for the models that see (VISION)

    def build(self, *, endpoint: str, folder_id: str | None, data_logging: bool = False) -> Dialect:
        """The dialect, talking to ``endpoint`` (its base URL)."""
        factory = getattr(importlib.import_module(f"ychat.api.dialects.{self.module}"), self.factory)
        dialect: Dialect = factory(endpoint=endpoint, folder_id=folder_id, data_logging=data_logging)
        return dialect

    def check(self, transport: Transport, *, endpoint: str, folder_id: str | None, model: str) -> int:
        """One cheap authenticated request (``probe``): the tokens counted or the models listed."""
        module = importlib.import_module(f"ychat.api.dialects.{self.module}")
        found: int = module.probe(transport, endpoint=endpoint, folder_id=folder_id, model=model)
        return found

    def models_url(self, endpoint: str) -> str:
        """The base URL whose ``/models`` lists the models (OpenAI-compatible)."""
        return endpoint.rstrip("/") + self.models_path


V1 = DialectRecord("v1", "v1", "V1", "yandexgpt", DEFAULT_ENDPOINT, deferred=True, reasoning=True)  # REFERENCE.md §1
V1ALPHA = DialectRecord(
    "v1alpha", "v1alpha", "V1Alpha", "general", DEFAULT_ENDPOINT, token_limit=7_400, tools=False
)  # §3: general = YandexGPT Lite; maxTokens is prompt and reply together
OPENAI = DialectRecord(
    "openai",
    "openai",
    "OpenAI",
    "yandexgpt",
    DEFAULT_ENDPOINT + "/v1",
    any_server=True,
    models_path="",
    probe="models",
    local_path="/v1",
    temperature=(0.0, 2.0),  # OpenAI's range: ychat serve's route takes it, clamped to the engines' 0..1
    images=True,
)  # §5: Yandex's OpenAI-compatible /v1, or llama.cpp, vLLM, Ollama
RESPONSES = DialectRecord(
    "responses",
    "responses",
    "Responses",
    "yandexgpt",
    "https://ai.api.cloud.yandex.net",
    any_server=True,
    models_path="/v1",
    probe="models",
    hosted=True,
    images=True,
)  # RESPONSES.md: POST {endpoint}/v1/responses; the history as input, or chained on the server
REGISTRY = {dialect.name: dialect for dialect in (V1, V1ALPHA, OPENAI, RESPONSES)}
NAMES = tuple(REGISTRY)  # the --api choices, in --help's order


def record(name: str) -> DialectRecord:
    return REGISTRY[name]


@dataclass(frozen=True)
class Vision:
    """How a model that sees takes a picture: the long side it scales one to, and the context
    tokens each one takes (TOOLS.md §5)."""

    side: int = 896
    tokens: int = 256


VISION = {"gemma-3-27b-it": Vision()}  # the one model of Yandex's common instance that sees (TOOLS.md §5)


def vision(dialect: str, model: str, more: tuple[str, ...] = ()) -> Vision | None:
    """How ``model`` takes pictures in ``dialect``; None: it reads text only (or the dialect
    carries none). ``more``: config ``vision_models``, names of other models that see (a local
    server's). A name matches a ``gpt://folder/NAME/latest`` URI too."""
    if not record(dialect).images:
        return None
    parts = model.replace("://", "/").split("/")
    for name in (*more, *VISION):
        if name == model or name in parts:
            return VISION.get(name, Vision())
    return None
