"""Attachments (issue 23): scaling a 12-megapixel JPEG photo to Gemma's 896 px (``attach.pictures.fit``:
decoded at a reduced DCT scale, then thumbnailed and re-encoded), and a 4K PNG screenshot the same
way. Target: the photo in ≤ 150 ms on this machine. Also: the import of Pillow itself, which a chat
that attaches nothing never pays (tests/test_startup.py checks that it is not loaded).

    python benchmarks/downscale.py [--runs 9] [--json]
"""

from __future__ import annotations

import io
import statistics
import subprocess
import sys
import time

from _common import ms, parser, report

TARGET_MS = 150.0


def photo(size: tuple[int, int]) -> bytes:
    """A photo-like JPEG: a gradient with noise (so it compresses as a real photo does, ~3–4 MB)."""
    from PIL import Image

    base = Image.radial_gradient("L").resize(size).convert("RGB")
    noise = Image.effect_noise(size, 40).convert("RGB")
    out = io.BytesIO()
    Image.blend(base, noise, 0.3).save(out, "JPEG", quality=92)
    return out.getvalue()


def screenshot(size: tuple[int, int]) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, (30, 30, 30))
    draw = ImageDraw.Draw(image)
    for row in range(0, size[1], 24):
        draw.text(
            (10, row),
            "Traceback (most recent call last): OSError: [Errno 28] No space left on device",
            fill=(220, 220, 220),
        )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def median_ms(data: bytes, mime: str, runs: int) -> float:
    from ychat.attach.files import Attachment
    from ychat.attach.pictures import fit

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fit(Attachment("x", mime, data), 896)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def pillow_import_ms(runs: int) -> float:
    code = "import time; t = time.perf_counter(); from PIL import Image; print(time.perf_counter() - t)"
    found = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(runs)
    ]
    return statistics.median(found) * 1000


def main() -> None:
    args = parser(__doc__, runs=9).parse_args()
    jpeg, png = photo((4000, 3000)), screenshot((3840, 2160))
    figures = {
        "jpeg_12mp_bytes": len(jpeg),
        "jpeg_12mp_ms": median_ms(jpeg, "image/jpeg", args.runs),
        "png_4k_bytes": len(png),
        "png_4k_ms": median_ms(png, "image/png", args.runs),
        "pillow_import_ms": pillow_import_ms(args.runs),
    }
    lines = [
        f"12 MP JPEG ({figures['jpeg_12mp_bytes']:,} B) -> 896 px:  {ms(figures['jpeg_12mp_ms'] / 1000)}  (target ≤ {TARGET_MS:.0f} ms)",
        f"4K PNG screenshot ({figures['png_4k_bytes']:,} B) -> 896 px: {ms(figures['png_4k_ms'] / 1000)}",
        f"import PIL.Image (only when a picture is attached): {ms(figures['pillow_import_ms'] / 1000)}",
    ]
    report(figures, lines, args.json)


if __name__ == "__main__":
    main()
