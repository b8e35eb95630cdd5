"""Deferred completions: ``completionAsync`` returns an Operation, ``GET /operations/{id}`` polls it.

The shapes follow REFERENCE.md §2 (vectors/v3-async.json): a done operation carries
``response`` (a CompletionResponse with ``@type``, not wrapped in ``result``) or ``error``.

Bounded on every side: one worker thread runs the operations in order from a queue of at
most ``pending`` waiting ones (more is a 429); it starts one only when no synchronous request
is waiting for the engine (``Gate``), so deferred work never starves interactive work; finished
operations are kept for ``keep_seconds`` (the real API: 3 days) and at most ``keep`` of them.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from ychat.api.dialects.yandex import GRPC_OF_HTTP
from ychat.server.engine import BadRequest, Engine, Generation, internal_error, run_to_end
from ychat.server.routes.v1 import CompletionArgs
from ychat.server.wire import result

RESPONSE_TYPE = "type.googleapis.com/yandex.cloud.ai.foundation_models.v1.CompletionResponse"
PENDING = 64
KEEP = 1000
KEEP_SECONDS = 3 * 24 * 3600.0


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Gate:
    """Counts synchronous requests using the engine; background work waits until there are none."""

    def __init__(self) -> None:
        self._busy = 0
        self.waiting = 0  # background workers held back right now
        self._changed = threading.Condition()

    @contextmanager
    def foreground(self) -> Iterator[None]:
        with self._changed:
            self._busy += 1
        try:
            yield
        finally:
            with self._changed:
                self._busy -= 1
                self._changed.notify_all()

    def wait_idle(self, stop: threading.Event) -> None:
        with self._changed:
            self.waiting += 1
            self._changed.notify_all()
            self._changed.wait_for(lambda: self._busy == 0 or stop.is_set())
            self.waiting -= 1

    def wake(self) -> None:
        with self._changed:
            self._changed.notify_all()


class Operations:
    """The operations table and the one worker that runs them."""

    def __init__(
        self,
        engine: Engine,
        *,
        gate: Gate,
        closing: threading.Event,
        pending: int = PENDING,
        keep: int = KEEP,
        keep_seconds: float = KEEP_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine, self._gate, self._closing = engine, gate, closing
        self._pending, self._keep, self._keep_seconds, self._clock = pending, keep, keep_seconds, clock
        self._operations: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._finished: deque[tuple[float, str]] = deque()  # (when, id), oldest first
        self._queue: deque[tuple[str, CompletionArgs]] = deque()
        self._cancelled: set[str] = set()  # asked to stop while running
        self._ready = threading.Condition()
        self._worker: threading.Thread | None = None

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
        with self._ready:
            if len(self._queue) >= self._pending:
                raise BadRequest(429, f"too many deferred operations waiting (at most {self._pending})")
            self._expire()
            self._operations[operation["id"]] = operation
            self._queue.append((operation["id"], args))
            self._ensure_worker()
            self._ready.notify()
            return dict(operation)

    def get(self, operation_id: str) -> dict[str, Any] | None:
        with self._ready:
            self._expire()
            found = self._operations.get(operation_id)
            return dict(found) if found is not None else None

    def cancel(self, operation_id: str) -> dict[str, Any] | None:
        """Cancel a queued or running operation (a finished one stays as it is); its state, or None."""
        with self._ready:
            queued = [item for item in self._queue if item[0] == operation_id]
            if queued:
                self._queue.remove(queued[0])
                self._finish_locked(operation_id, _error(499, "operation was cancelled", code=1))
            elif operation_id in self._operations and not self._operations[operation_id]["done"]:
                self._cancelled.add(operation_id)
        return self.get(operation_id)

    def wait(self, operation_id: str, timeout: float | None = None) -> dict[str, Any] | None:
        """Block until the operation is done (or gone); its state, as ``get`` gives it."""
        with self._ready:
            self._ready.wait_for(lambda: self._operations.get(operation_id, {"done": True})["done"], timeout)
        return self.get(operation_id)

    def __len__(self) -> int:
        with self._ready:
            return len(self._operations)

    def close(self) -> None:
        """Stop the worker: queued operations stay undone, the one running ends at its next token."""
        self._closing.set()
        self._gate.wake()
        with self._ready:
            self._ready.notify_all()
            worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join()

    def _ensure_worker(self) -> None:
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, name="ychat-operations", daemon=True)
            self._worker.start()

    def _expire(self) -> None:
        """Drop finished operations past their age, and the oldest beyond the count (lock held)."""
        now = self._clock()
        while self._finished and (now - self._finished[0][0] > self._keep_seconds or len(self._finished) > self._keep):
            self._operations.pop(self._finished.popleft()[1], None)

    def _work(self) -> None:
        while True:
            with self._ready:
                self._ready.wait_for(lambda: bool(self._queue) or self._closing.is_set())
                if self._closing.is_set():
                    return
            self._gate.wait_idle(self._closing)
            with self._ready:
                if self._closing.is_set():
                    return
                operation_id, args = self._queue.popleft()
            self._finish(operation_id, self._outcome(operation_id, args))

    def _outcome(self, operation_id: str, args: CompletionArgs) -> dict[str, Any]:
        try:
            last = self._run(operation_id, args)
            return {"response": {"@type": RESPONSE_TYPE, **result(last, self._engine.model_version)}}
        except BadRequest as error:
            if error.status == 499:
                return _error(499, "operation was cancelled", code=1)
            return _error(error.status, str(error))
        except Exception as error:  # an engine failure ends the operation, not the worker
            return _error(500, str(internal_error(error)))

    def _run(self, operation_id: str, args: CompletionArgs) -> Generation:
        offered = {"tools": args.tools} if args.tools else {}
        generations = self._engine.generate(
            args.messages, temperature=args.temperature, max_tokens=args.max_tokens, **offered
        )
        try:
            return run_to_end(generations, _Stop(self._closing, lambda: operation_id in self._cancelled))
        except BadRequest:
            if operation_id in self._cancelled:
                raise BadRequest(499, "operation was cancelled") from None
            raise

    def _finish(self, operation_id: str, outcome: dict[str, Any]) -> None:
        with self._ready:
            self._finish_locked(operation_id, outcome)

    def _finish_locked(self, operation_id: str, outcome: dict[str, Any]) -> None:
        self._cancelled.discard(operation_id)
        operation = self._operations.get(operation_id)
        if operation is not None and not operation["done"]:
            operation.update(outcome, done=True, modifiedAt=_now())
            self._finished.append((self._clock(), operation_id))
            self._expire()
        self._ready.notify_all()


class _Stop:
    """Set when the server shuts down or this operation is cancelled."""

    def __init__(self, closing: threading.Event, cancelled: Callable[[], bool]) -> None:
        self._closing, self._cancelled = closing, cancelled

    def is_set(self) -> bool:
        return self._closing.is_set() or self._cancelled()


def _error(status: int, message: str, *, code: int | None = None) -> dict[str, Any]:
    """A google.rpc.Status; ``code`` 1 is CANCELLED."""
    return {"error": {"code": code or GRPC_OF_HTTP.get(status, 2), "message": message, "details": []}}
