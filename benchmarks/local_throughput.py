"""Offline throughput: ``ychat --local`` against llama-cpp-python called directly.

Both sides generate up to 200 tokens greedily from the same chat prompt with the same
sampler settings, on separate model instances whose KV cache is reset before each run (so
neither reuses a prompt prefix). The ychat side is the whole client path: CompletionClient ->
in-process transport -> emulator app -> LlamaEngine -> NDJSON -> events. Reported: time to
first token (TTFT) and decode tokens/s, medians over --runs; the last line is the ratio.
Also the wall time of a whole ``ychat --local`` one-off process, for information, and decode
speed with one busy neighbour process (a CPU-bound loop): ychat's default thread count (half
the cores) against one thread per core.

    python benchmarks/local_throughput.py [--runs 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from llama_cpp import Llama

from ychat.api.auth import ApiKey
from ychat.api.client import v1_client
from ychat.api.http.transport import build_http_client
from ychat.conversation import Message
from ychat.core import Delta, Done, Options
from ychat.local import default_model_path
from ychat.local.engine import LlamaEngine, default_threads
from ychat.server.app import LocalAPI

PROMPT = "Write a long, detailed story about a lighthouse keeper who finds a message in a bottle."
TOKENS = 200
LOADED_TOKENS = 60
SAMPLER = {"top_k": 40, "top_p": 0.95, "min_p": 0.05, "repeat_penalty": 1.1}


def via_ychat(engine: LlamaEngine, tokens: int = TOKENS) -> tuple[float, float, int]:
    client = v1_client(
        build_http_client(timeout=600, wsgi_app=LocalAPI(engine=engine)),
        credentials=ApiKey("local"),
        folder_id="local",
        endpoint="http://ychat.local",
    )
    engine._llm.reset()  # no KV-cache reuse between runs
    with client:
        start = time.perf_counter()
        first = None
        for event in client.complete("local", [Message("user", PROMPT)], Options(0.0, tokens)):
            if isinstance(event, Delta) and first is None:
                first = time.perf_counter()
            if isinstance(event, Done):
                end, count = time.perf_counter(), event.usage.completion_tokens
    assert first is not None
    return first - start, (count - 1) / (end - first), count


def direct(llm: Llama, prompt: list[int]) -> tuple[float, float, int]:
    llm.reset()
    start = time.perf_counter()
    first, count = None, 0
    for token in llm.generate(prompt, temp=0.0, **SAMPLER):
        if token == llm.token_eos():
            break
        llm.detokenize([token])
        count += 1
        if first is None:
            first = time.perf_counter()
        if count >= TOKENS:
            break
    end = time.perf_counter()
    assert first is not None
    return first - start, (count - 1) / (end - first), count


def one_off_wall() -> float:
    ychat = Path(sys.executable).with_name("ychat")
    start = time.perf_counter()
    subprocess.run(
        [str(ychat), "--local", "--temperature", "0", "--max-tokens", str(TOKENS), PROMPT],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "YC_API_KEY": "", "YC_IAM_TOKEN": ""},
    )
    return time.perf_counter() - start


def loaded(path: Path, tokens: int = LOADED_TOKENS) -> dict[str, float]:
    """Decode speed with one busy neighbour process on the machine (the 2-core case of issue 8):
    ychat's default thread count against one thread per core (the old default)."""
    neighbour = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    figures: dict[str, float] = {}
    try:
        for label, threads in (("default", default_threads()), ("all_cores", os.cpu_count() or 1)):
            engine = LlamaEngine(path, threads=threads)
            engine.load()
            start = time.perf_counter()
            _, tok_s, _ = via_ychat(engine, tokens)
            figures[f"loaded_{label}_threads"] = threads
            figures[f"loaded_{label}_tok_s"] = tok_s
            figures[f"loaded_{label}_wall_s"] = time.perf_counter() - start
            engine.close()
    finally:
        neighbour.kill()
        neighbour.wait()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    path = default_model_path()
    engine = LlamaEngine(path)
    engine.load()
    prompt = engine._prompt_tokens([{"role": "user", "text": PROMPT}])[1]
    llm = Llama(model_path=str(path), n_ctx=engine.context, n_threads=engine.threads, verbose=False)
    ours, theirs = [], []
    for _ in range(args.runs):  # interleaved, so drift in machine load hits both sides alike
        ours.append(via_ychat(engine))
        theirs.append(direct(llm, prompt))
    figures = {
        "tokens": ours[-1][2],
        "ychat_ttft_s": statistics.median(r[0] for r in ours),
        "direct_ttft_s": statistics.median(r[0] for r in theirs),
        "ychat_tok_s": statistics.median(r[1] for r in ours),
        "direct_tok_s": statistics.median(r[1] for r in theirs),
        "one_off_process_s": one_off_wall(),
        **loaded(path),
    }
    figures["tok_s_ratio"] = figures["ychat_tok_s"] / figures["direct_tok_s"]
    figures["ttft_ratio"] = figures["ychat_ttft_s"] / figures["direct_ttft_s"]
    engine.close()
    llm.close()
    if args.json:
        print(json.dumps(figures))
        return
    print(f"tokens generated        {figures['tokens']} (greedy, same prompt, both sides)")
    print(
        f"time to first token     ychat {figures['ychat_ttft_s'] * 1000:.1f} ms   direct {figures['direct_ttft_s'] * 1000:.1f} ms"
    )
    print(
        f"decode speed            ychat {figures['ychat_tok_s']:.1f} tok/s   direct {figures['direct_tok_s']:.1f} tok/s"
    )
    print(
        f"whole one-off process   {figures['one_off_process_s']:.2f} s (python start, imports, model load, 200 tokens)"
    )
    print(
        f"one busy neighbour       {figures['loaded_default_tok_s']:.1f} tok/s with {figures['loaded_default_threads']:.0f} "
        f"thread(s) (default) vs {figures['loaded_all_cores_tok_s']:.1f} tok/s with {figures['loaded_all_cores_threads']:.0f} "
        f"(one per core); {LOADED_TOKENS} tokens in {figures['loaded_default_wall_s']:.2f} s vs {figures['loaded_all_cores_wall_s']:.2f} s"
    )
    print(
        f"ratio ychat/direct: tok/s {figures['tok_s_ratio']:.3f}, TTFT {figures['ttft_ratio']:.3f} (target: tok/s >= 0.9)"
    )


if __name__ == "__main__":
    main()
