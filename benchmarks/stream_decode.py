"""Stream decoding: CPU per received byte to turn a reply stream into events, for the three
wire formats ychat reads: v1 NDJSON (cumulative text, one ``{"result": …}`` per line),
v1alpha NDJSON (cumulative, ``{"result": {"message": …}}``), OpenAI SSE (delta text) and the
Responses API's SSE (``data:`` first, an ``event:`` line each, delta text: RESPONSES.md §4).

Each reply is 20 KB of text arriving in 20-byte pieces (~1 000 chunks), fed to the decoder
in 4 KB network reads. Cumulative streams send far more bytes for the same reply (each line
repeats the text so far). Shown: CPU per reply, per chunk (one line or event: the same count
in all three) and per byte on the wire. The issue's target was SSE <= NDJSON per byte; per
byte is the wrong yardstick across formats whose byte counts differ 76-fold (docs/performance.md).

    python benchmarks/stream_decode.py [--runs 7] [--json]
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterator

from _common import parser, report

from ychat.api.dialects import openai, responses_events, v1, v1alpha
from ychat.api.dialects.ndjson import split_lines

TEXT_KB, PIECE, READ = 20, 20, 4096


def pieces() -> list[str]:
    text = ("Ответ модели, и немного ASCII text. " * 1000)[: TEXT_KB * 1024]
    return [text[i : i + PIECE] for i in range(0, len(text), PIECE)]


def v1_stream(parts: list[str]) -> bytes:
    lines, text = [], ""
    for n, part in enumerate(parts):
        text += part
        status = "ALTERNATIVE_STATUS_FINAL" if n == len(parts) - 1 else "ALTERNATIVE_STATUS_PARTIAL"
        record = {
            "result": {
                "alternatives": [{"message": {"role": "assistant", "text": text}, "status": status}],
                "usage": {"inputTextTokens": "10", "completionTokens": str(n), "totalTokens": str(n + 10)},
                "modelVersion": "07.03.2024",
            }
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode()


def v1alpha_stream(parts: list[str]) -> bytes:
    lines, text = [], ""
    for n, part in enumerate(parts):
        text += part
        lines.append(
            json.dumps(
                {"result": {"message": {"role": "Ассистент", "text": text}, "num_tokens": str(n)}}, ensure_ascii=False
            )
        )
    return ("\n".join(lines) + "\n").encode()


def sse_stream(parts: list[str]) -> bytes:
    head = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1758047016,
        "model": "gpt://b1g/yandexgpt/latest",
    }
    events = [{**head, "choices": [{"index": 0, "delta": {"content": part}}]} for part in parts]
    events.append({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    data = "".join(f"data: {json.dumps(e, ensure_ascii=False)}\n\n" for e in events) + "data: [DONE]\n\n"
    return data.encode()


def responses_stream(parts: list[str]) -> bytes:
    """As Yandex frames it (RESPONSES.md §4.2): ids, sequence numbers, no space after the colons."""
    at = {"item_id": "01fdcf10-0f44-47fc-a098-c9533af6e822", "output_index": 0, "content_index": 0}
    head = {"id": "ff635965-2c99-44f5-aa1e-2d84ffc68733", "status": "queued", "output": [], "usage": None}
    events = [{"type": "response.created", "response": head}]
    events += [{"type": "response.output_text.delta", **at, "delta": part} for part in parts]
    usage = {"input_tokens": 15, "output_tokens": len(parts), "total_tokens": 15 + len(parts)}
    events.append({"type": "response.completed", "response": head | {"status": "completed", "usage": usage}})
    return "".join(
        f"data:{json.dumps({'sequence_number': n, **e}, ensure_ascii=False, separators=(',', ':'))}\nevent:{e['type']}\n\n"
        for n, e in enumerate(events, 1)
    ).encode()


def reads(data: bytes) -> Iterator[bytes]:
    return (data[i : i + READ] for i in range(0, len(data), READ))


def cpu(decode: Callable[[Iterator[bytes]], object], data: bytes, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.process_time()
        for _event in decode(reads(data)):  # type: ignore[attr-defined]
            pass
        samples.append(time.process_time() - start)
    return statistics.median(samples)


def main() -> None:
    args = parser(__doc__, runs=7).parse_args()
    parts = pieces()
    cases = {
        "v1 ndjson": (v1_stream(parts), lambda chunks: v1.events_from_lines(split_lines(chunks))),
        "v1alpha ndjson": (v1alpha_stream(parts), lambda chunks: v1alpha.events_from_lines(split_lines(chunks))),
        "openai sse": (sse_stream(parts), lambda chunks: openai.events_from_stream(split_lines(chunks))),
        "responses sse": (
            responses_stream(parts),
            lambda chunks: responses_events.events_from_stream(split_lines(chunks)),
        ),
    }
    figures: dict[str, dict[str, float]] = {}
    for name, (data, decode) in cases.items():
        seconds = cpu(decode, data, args.runs)
        figures[name] = {
            "bytes": len(data),
            "ms_per_reply": seconds * 1000,
            "us_per_chunk": seconds / len(parts) * 1e6,
            "ns_per_byte": seconds / len(data) * 1e9,
        }
    sse, ndjson = figures["openai sse"], figures["v1 ndjson"]
    per_reply, per_byte = sse["ms_per_reply"] / ndjson["ms_per_reply"], sse["ns_per_byte"] / ndjson["ns_per_byte"]
    lines = [f"{'stream':16}{'wire bytes':>12}{'ms/reply':>10}{'us/chunk':>10}{'ns/byte':>9}"]
    lines += [
        f"{n:16}{f['bytes']:12d}{f['ms_per_reply']:10.1f}{f['us_per_chunk']:10.2f}{f['ns_per_byte']:9.2f}"
        for n, f in figures.items()
    ]
    lines.append(f"SSE / v1 NDJSON: per reply and per chunk {per_reply:.2f}, per byte {per_byte:.2f}")
    responses = figures["responses sse"]
    lines.append(f"Responses SSE / v1 NDJSON per byte: {responses['ns_per_byte'] / ndjson['ns_per_byte']:.2f}")
    report({**figures, "sse_over_ndjson_per_reply": per_reply, "sse_over_ndjson_per_byte": per_byte}, lines, args.json)


if __name__ == "__main__":
    main()
