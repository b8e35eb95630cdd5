"""YandexGPT's APIs as a WSGI app (stdlib only): what ``ychat serve`` and ``--local`` run.

Routes: ``POST /foundationModels/v1/{completion,tokenizeCompletion,tokenize,completionAsync}``,
``GET /operations/{id}`` and ``/operations/{id}:cancel``, the legacy ``POST /llm/v1alpha/chat``,
and the OpenAI-compatible ``POST /v1/chat/completions`` and ``GET /v1/models``. Requests are
routed, size-checked, authenticated and validated in
that order, as the real API does; answers come from an engine (``EchoEngine`` by default, a real
model in ``ychat.local``). The app keeps no per-request state beyond the bounded operations
table. Two seams let other code compose it: an ``observer`` that sees each request once read, and
an ``intercept`` that may answer a request before the engine does (the scripted test double,
``ychat.testing.double.Emulator``, is built on them). Each chat route's wire format is a
``ChatWire`` (``routes/``); which route is which is ``request.py``'s table.

    >>> app = LocalAPI(engine=LlamaEngine(path))
    >>> httpx.Client(transport=httpx.WSGITransport(app=app))       # in-process
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ychat.server.engine import BadRequest, EchoEngine, Engine, Generation, internal_error, run_to_end
from ychat.server.operations import Gate, Operations
from ychat.server.request import API, CHAT_ROUTES, MAX_BODY, OPENAI, V1ALPHA_CHAT, Request, read_request
from ychat.server.routes import openai
from ychat.server.routes.base import ChatWire, Frames
from ychat.server.routes.v1 import CompletionArgs, completion_args, validate_completion, validate_tokenize
from ychat.server.wire import StartResponse, error_body, json_response, start_stream, unary_error

log = logging.getLogger("ychat.server")
Handler = Callable[[Any, StartResponse], Iterable[bytes]]
Observer = Callable[[Request], None]
Intercept = Callable[[Request, StartResponse], "Iterable[bytes] | None"]


class LocalAPI:
    """The WSGI app. Thread-safe: a real server calls it from worker threads."""

    def __init__(
        self,
        *,
        engine: Engine | None = None,
        api_keys: Iterable[str] | None = None,
        max_body: int = MAX_BODY,
        hosts: Iterable[str] | None = None,
        observer: Observer | None = None,
        intercept: Intercept | None = None,
        claims: Callable[[str, str], bool] | None = None,
    ) -> None:
        """``observer`` sees every request once it is read (a request log); ``intercept`` is asked
        first for every request that passed routing and authentication, and may answer it (the
        test double's scripted replies and faults) or pass (None); ``claims`` names the routes
        (method, path) it adds to this server's (the double's uploads and search indexes)."""
        self.engine: Engine = engine or EchoEngine()
        self.observer = observer
        self.intercept, self.claims = intercept, claims
        self.hosts = frozenset(hosts) if hosts is not None else None  # over HTTP: the Host names it answers
        self.closing = threading.Event()  # set on shutdown: replies in progress end at once
        self.max_body = max_body
        self._api_keys = set(api_keys) if api_keys is not None else None
        self._gate = Gate()  # synchronous requests go before deferred ones
        self.operations = Operations(self.engine, gate=self._gate, closing=self.closing)

    def close(self) -> None:
        self.closing.set()
        self.operations.close()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        try:
            self._check_origin(environ)
            handler = self._handler(method, path)
            request = read_request(environ, self.max_body)
            if self.observer is not None:
                self.observer(request)
            self._check_auth(request.headers.get("authorization", ""), optional=path.startswith(OPENAI))
            answer = self.intercept(request, start_response) if self.intercept is not None else None
            return handler(request.body, start_response) if answer is None else answer
        except BadRequest as error:
            refused = error
        except Exception as error:  # an engine failure ends this request, never the server
            log.error("ychat serve: %s %s failed: %s: %s", method, path, type(error).__name__, error)
            refused = internal_error(error)
        return json_response(start_response, refused.status, _refusal(path, refused.status, str(refused)))

    def _check_origin(self, environ: dict[str, Any]) -> None:
        """Served over HTTP, only a request meant for this server drives the model: its Host must
        name the address it listens on (a web page that rebinds a DNS name to 127.0.0.1 sends its
        own), and a body must be JSON (a page may send text/plain without asking first)."""
        if self.hosts is None:
            return
        host = environ.get("HTTP_HOST", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if name.lower().strip("[]") not in self.hosts:
            raise BadRequest(403, f"requests for host {host!r} are not served here")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        kind = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
        if length and kind != "application/json":
            raise BadRequest(415, "the request body must be application/json")

    def _handler(self, method: str, path: str) -> Handler:
        """Routing comes first: an unknown path is 404 whoever asks."""
        if path.startswith("/operations/") and path.endswith(":cancel") and method in ("GET", "POST"):
            operation_id = path.removeprefix("/operations/").removesuffix(":cancel")
            return lambda _, start_response: self._operation(self.operations.cancel(operation_id), start_response)
        if method == "GET" and path.startswith("/operations/"):
            operation_id = path.removeprefix("/operations/")
            return lambda _, start_response: self._operation(self.operations.get(operation_id), start_response)
        if (method, path) in CHAT_ROUTES:
            return lambda body, respond: self._chat(CHAT_ROUTES[method, path](body), body, respond)
        if (method, path) == ("GET", OPENAI + "models"):
            return lambda _, respond: json_response(respond, 200, openai.models([self.model]))
        methods: dict[str, Handler] = {
            "tokenizeCompletion": self._tokenize_completion,
            "tokenize": self._tokenize,
            "completionAsync": self._completion_async,
        }
        found = methods.get(path.removeprefix(API)) if method == "POST" and path.startswith(API) else None
        if found is None:
            return self._unknown(method, path)
        return found

    def _unknown(self, method: str, path: str) -> Handler:
        """404, but for a route the intercept claims (it answers it; else 404 after all)."""
        if self.claims is None or not self.claims(method, path):
            raise BadRequest(404, f"no such method: {method} {path}")

        def refuse(body: Any, respond: StartResponse) -> Iterable[bytes]:
            raise BadRequest(404, f"no such method: {method} {path}")

        return refuse

    def _check_auth(self, header: str, *, optional: bool = False) -> None:
        """An OpenAI-style client may send no key (as to llama.cpp), unless keys are configured."""
        if optional and not header and self._api_keys is None:
            return
        scheme, _, secret = header.partition(" ")
        if scheme not in ("Api-Key", "Bearer") or not secret.strip():
            raise BadRequest(401, "IAM token or API key has to be passed in request")
        if self._api_keys is not None and secret not in self._api_keys:
            raise BadRequest(401, "Unknown api key '***'")

    @property
    def model(self) -> str:
        return self.engine.model_version

    def _operation(self, found: dict[str, Any] | None, start_response: StartResponse) -> Iterable[bytes]:
        if found is None:
            raise BadRequest(404, "Operation not found")
        return json_response(start_response, 200, found)

    def _tokenize_completion(self, body: Any, start_response: StartResponse) -> Iterable[bytes]:
        tokens = self.engine.tokenize(completion_args(validate_completion(body)).messages)
        return self._tokens(tokens, start_response)

    def _tokenize(self, body: Any, start_response: StartResponse) -> Iterable[bytes]:
        return self._tokens(self.engine.tokenize_text(validate_tokenize(body)), start_response)

    def _tokens(self, tokens: Iterable[Any], start_response: StartResponse) -> Iterable[bytes]:
        listed = [{"id": str(t.id), "text": t.text, "special": t.special} for t in tokens]
        return json_response(start_response, 200, {"tokens": listed, "modelVersion": self.engine.model_version})

    def _completion_async(self, body: Any, start_response: StartResponse) -> Iterable[bytes]:
        args = completion_args(validate_completion(body))
        return json_response(start_response, 200, self.operations.start(args))

    def _chat(self, wire: ChatWire, body: Any, start_response: StartResponse) -> Iterable[bytes]:
        args = self._budget(wire, wire.parse(body))
        generations = self._generate(args)
        first = next(generations)  # a refused request (BadRequest) fails here, before any byte is sent
        if not args.stream:
            last = run_to_end(generations, self.closing, last=first)
            return json_response(start_response, 200, wire.whole(last, self.model))
        start_stream(start_response, wire.content_type)
        return self._stream_generations(wire.frames(args, self.model), first, generations)

    def _budget(self, wire: ChatWire, args: CompletionArgs) -> CompletionArgs:
        """A reply longer than the model's context is refused, as the real API refuses a
        maxTokens above the model's; v1alpha's bounds prompt and reply together: the reply gets
        what is left."""
        context = getattr(self.engine, "context", None)
        if args.max_tokens is not None and isinstance(context, int) and args.max_tokens > context:
            raise BadRequest(400, f"maxTokens must be at most {context} for this model, got {args.max_tokens}")
        if not wire.counts_prompt or args.max_tokens is None:
            return args
        prompt = len(self.engine.tokenize(args.messages))
        if prompt >= args.max_tokens:
            raise BadRequest(400, f"number of input tokens must be no more than {args.max_tokens}, got {prompt}")
        return CompletionArgs(args.messages, args.temperature, args.max_tokens - prompt, args.stream, args.tools)

    def _generate(self, args: CompletionArgs) -> Iterator[Generation]:
        """The engine's replies; the tools offered are relayed to an engine that takes them."""
        offered = {"tools": args.tools} if args.tools else {}
        with self._gate.foreground():
            yield from self.engine.generate(
                args.messages, temperature=args.temperature, max_tokens=args.max_tokens, **offered
            )

    def _stream_generations(self, frames: Frames, first: Generation, rest: Iterator[Generation]) -> Iterator[bytes]:
        last = first
        try:
            yield frames.chunk(first)
            for last in rest:
                if self.closing.is_set():
                    return  # shutting down: cut the stream
                yield frames.chunk(last)
            tail = frames.end(last)
            if tail:
                yield tail
        except BadRequest as error:
            yield frames.error(error.status, str(error))
        except Exception as error:  # the engine failed mid-reply: an error line, as the API sends one
            log.error("ychat serve: generation failed: %s: %s", type(error).__name__, error)
            yield frames.error(500, str(internal_error(error)))
        finally:
            _close(rest)  # the client went away (Ctrl-C): stop generating now


def _refusal(path: str, status: int, message: str) -> dict[str, Any]:
    """The error body in the shape of the route's API (unary routes use the Status shape)."""
    if path.startswith(OPENAI):
        return openai.refusal(status, message)
    if path in (API + "completion", V1ALPHA_CHAT):
        return error_body(status, message)
    return unary_error(status, message)


def _close(generations: Iterator[Generation]) -> None:
    close = getattr(generations, "close", None)
    if close is not None:
        close()
