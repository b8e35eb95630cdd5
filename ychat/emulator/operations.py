"""Deferred completions: ``completionAsync`` returns an Operation, ``GET /operations/{id}`` polls it.

The shapes follow REFERENCE.md §2 (vectors/v3-async.json): a done operation carries
``response`` (a CompletionResponse with ``@type``, not wrapped in ``result``) or ``error``.
"""

from __future__ import annotations

import secrets
import threading
from datetime import datetime, timezone
from typing import Any

from ychat.api.protocol import GRPC_OF_HTTP
from ychat.emulator.engine import BadRequest, Engine, last_of
from ychat.emulator.validation import CompletionArgs
from ychat.emulator.wire import result

RESPONSE_TYPE = "type.googleapis.com/yandex.cloud.ai.foundation_models.v1.CompletionResponse"


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Operations:
    """Runs each deferred completion in a thread and keeps the operations to poll."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._operations: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def start(self, args: CompletionArgs) -> dict[str, Any]:
        created = _now()
        operation: dict[str, Any] = {
            "id": "d7q" + secrets.token_hex(8),
            "description": "Async GPT Completion",
            "createdAt": created,
            "createdBy": "ychat-local",
            "modifiedAt": created,
            "done": False,
            "metadata": None,
        }
        with self._lock:
            self._operations[operation["id"]] = operation
            snapshot = dict(operation)
        threading.Thread(target=self._run, args=(operation["id"], args), daemon=True).start()
        return snapshot

    def get(self, operation_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._operations.get(operation_id)
            return dict(found) if found is not None else None

    def _run(self, operation_id: str, args: CompletionArgs) -> None:
        outcome: dict[str, Any]
        try:
            generations = self._engine.generate(args.messages, temperature=args.temperature, max_tokens=args.max_tokens)
            last = last_of(generations)
            if last is None:
                raise BadRequest(500, "the engine produced nothing")
            outcome = {"response": {"@type": RESPONSE_TYPE, **result(last, self._engine.model_version)}}
        except BadRequest as error:
            outcome = {"error": {"code": GRPC_OF_HTTP.get(error.status, 2), "message": str(error), "details": []}}
        with self._lock:
            self._operations[operation_id].update(outcome, done=True, modifiedAt=_now())
