"""LlamaEngine: llama.cpp (llama-cpp-python) running a GGUF chat model as a local server engine.

The chat template is the one in the GGUF's metadata (``tokenizer.chat_template``), rendered
the way llama-cpp-python renders it. Token counts in ``usage`` are the model's own. One
generation runs at a time per model; other requests wait on the lock.

    >>> engine = LlamaEngine(default_model_path())
    >>> [g.text for g in engine.generate([{"role": "user", "text": "Hi"}], max_tokens=5)][-1]
"""

from __future__ import annotations

import codecs
import logging
import os
import re
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ychat.core import FinishReason
from ychat.errors import LocalModelError
from ychat.i18n import _
from ychat.server.engine import ChatMessage, Generation, Token, context_overflow

log = logging.getLogger("ychat.local")
DEFAULT_TEMPERATURE = 0.3  # the API's documented default
DEFAULT_MAX_TOKENS = 1024  # offline replies when --max-tokens is not given: a small model can ramble forever
LOOP_WINDOW, LOOP_REPEATS = 8, 4  # a line seen 4 times among the last 8 (numbering aside) is a loop
PREFILL_CHUNK = 32  # prompt tokens per llama.cpp call: ~0.2 s here, so Ctrl-C lands soon (+4 % total)


class LlamaEngine:
    """A GGUF model loaded on first use; ``generate`` yields cumulative text token by token."""

    def __init__(self, path: Path, *, context: int = 4096, threads: int | None = None) -> None:
        self.path = path
        self.context = context
        self.threads = threads or default_threads()  # decoding and prompt evaluation alike
        self.model_version = model_name(path)
        self._lock = threading.Lock()  # one generation at a time
        self._loading = threading.Lock()  # one load, also when a warm-up thread races the first turn
        self._llm: Any = None
        self._formatter: Any = None

    def load(self) -> None:
        """Load the model now (the REPL does this on a worker thread while the user types)."""
        with self._loading:
            if self._llm is None:
                self._load()

    def _load(self) -> None:
        from llama_cpp import Llama
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        try:
            llm = Llama(
                model_path=str(self.path),
                n_ctx=self.context,
                n_threads=self.threads,
                n_threads_batch=self.threads,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:  # llama.cpp: "Failed to load model from file"
            raise LocalModelError(
                _("cannot load the local model {name}: {exc}").format(name=self.path.name, exc=exc)
            ) from None
        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            llm.close()
            raise LocalModelError(
                _("the local model {name} has no chat template in its metadata").format(name=self.path.name)
            )
        self._formatter = Jinja2ChatFormatter(
            template=template, eos_token=_token_text(llm, llm.token_eos()), bos_token=_token_text(llm, llm.token_bos())
        )
        self._llm = llm

    def close(self) -> None:
        """Free the model now (llama.cpp's own ``__del__`` can run too late, at interpreter exit)."""
        with self._lock, self._loading:
            if self._llm is not None:
                self._llm.close()
                self._llm = None

    def prompt(self, messages: Sequence[ChatMessage]) -> str:
        """The text the model sees: the conversation through the GGUF's chat template."""
        self.load()
        chat = [{"role": m["role"], "content": m["text"]} for m in messages]
        return str(self._formatter(messages=chat).prompt)

    def _prompt_tokens(self, messages: Sequence[ChatMessage]) -> tuple[str, list[int]]:
        text = self.prompt(messages)
        return text, list(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def tokenize(self, messages: Sequence[ChatMessage]) -> list[Token]:
        with self._lock:
            _, tokens = self._prompt_tokens(messages)
            return [Token(t, _token_text(self._llm, t), _is_special(self._llm, t)) for t in tokens]

    def tokenize_text(self, text: str) -> list[Token]:
        with self._lock:
            self.load()
            tokens = self._llm.tokenize(text.encode("utf-8"), add_bos=True, special=False)
            return [Token(t, _token_text(self._llm, t), _is_special(self._llm, t)) for t in tokens]

    def generate(
        self,
        messages: Sequence[ChatMessage],
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        tools: Sequence[dict[str, Any]] = (),  # SmolLM2's chat template has no tool syntax: offered, not used
    ) -> Iterator[Generation]:
        with self._lock:
            text, prompt = self._prompt_tokens(messages)
            if len(prompt) >= self.context:
                raise context_overflow(self.context - 1, len(prompt))
            log.debug("local prompt (%d tokens): %r", len(prompt), text)
            room = self.context - len(prompt)
            limit = min(max_tokens or DEFAULT_MAX_TOKENS, room)
            temp = DEFAULT_TEMPERATURE if temperature is None else temperature
            yield from self._tokens(prompt, limit, temp)

    def _prefill(self, prompt: list[int]) -> None:
        """Evaluate the prompt (all but its last token) in small pieces. llama.cpp's call is
        uninterruptible, and one for a long prompt takes seconds: Ctrl-C waits for it to
        return. The part already in the KV cache (the previous turns) is kept; ``generate``
        then finds everything but the last token cached."""
        llm = self._llm
        done = 0
        for cached, wanted in zip(llm._input_ids, prompt[:-1], strict=False):
            if cached != wanted:
                break
            done += 1
        llm.n_tokens = done
        for start in range(done, len(prompt) - 1, PREFILL_CHUNK):
            llm.eval(prompt[start : min(start + PREFILL_CHUNK, len(prompt) - 1)])

    def _tokens(self, prompt: list[int], limit: int, temperature: float) -> Iterator[Generation]:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        text, count, finish = "", 0, FinishReason.LENGTH
        self._prefill(prompt)
        tokens = self._llm.generate(prompt, temp=temperature, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.1)
        try:
            for token in tokens:
                if self._is_end(token):
                    finish = FinishReason.STOP
                    break
                count += 1
                piece = decoder.decode(self._llm.detokenize([token]))
                text += piece
                if count >= limit:
                    break
                if "\n" in piece and looping(text):
                    log.debug("local reply: stopped a loop of repeated lines")
                    finish = FinishReason.STOP
                    break
                yield Generation(text, None, len(prompt), count)
        finally:
            tokens.close()  # on Ctrl-C / client gone this stops llama.cpp at once
        text += complete_characters(decoder)
        log.debug("local reply (%d tokens, %s): %r", count, finish.value, text)
        yield Generation(text, finish, len(prompt), count)

    def _is_end(self, token: int) -> bool:
        import llama_cpp

        return bool(token == self._llm.token_eos() or llama_cpp.llama_vocab_is_eog(self._llm._model.vocab, token))


def _token_text(llm: Any, token: int) -> str:
    return bytes(llm.detokenize([token], special=True)).decode("utf-8", errors="replace") if token >= 0 else ""


def _is_special(llm: Any, token: int) -> bool:
    """Control tokens print only when special tokens are asked for."""
    return not llm.detokenize([token], special=False) and bool(llm.detokenize([token], special=True))


def looping(text: str) -> bool:
    """Does the reply repeat one line over and over (``1. Paris``, ``2. Paris``, …)? Only the
    finished lines at its end are looked at."""
    lines = [_bare(line) for line in text.rsplit("\n", LOOP_WINDOW * 2 + 1)[:-1]]
    recent = [line for line in lines if line][-LOOP_WINDOW:]
    return any(recent.count(line) >= LOOP_REPEATS for line in set(recent))


def _bare(line: str) -> str:
    return re.sub(r"^\s*(\d+[.)]|[-*•])\s*", "", line).strip().lower()


def default_threads() -> int:
    """Half the cores, as llama-cpp-python's own server decodes: llama.cpp's threads spin-wait
    for each other, so with every core taken a busy neighbour stalls them all instead of
    slowing them. Prompt evaluation gets the same count: with every core it was twice as fast
    on an idle 2-core machine, but it stalled too under a heavier neighbour (a compiler), while
    one thread per half ran at the same speed loaded or not (docs/performance.md)."""
    return max(1, (os.cpu_count() or 1) // 2)


def model_name(path: Path) -> str:
    """A name that is valid in a model URI whatever the file is called (no white space)."""
    return re.sub(r"\s+", "-", path.stem.strip()) or "local"


def complete_characters(decoder: codecs.IncrementalDecoder) -> str:
    """What is left in the decoder, but never half a character: a reply cut at the token limit
    inside a multi-byte UTF-8 sequence ends before it (no U+FFFD at the end)."""
    pending, _flags = decoder.getstate()
    return "" if pending else decoder.decode(b"", final=True)
