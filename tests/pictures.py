"""Pictures made for the attachment tests (Pillow draws them; no file is checked in)."""

from __future__ import annotations

import io

from PIL import Image


def picture(kind: str, size: tuple[int, int] = (64, 48), *, frames: int = 1) -> bytes:
    """A picture of ``size`` in ``kind`` (PNG, JPEG, WEBP, GIF), a gradient so it is not trivial."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    out = io.BytesIO()
    if kind == "GIF" and frames > 1:
        rest = [Image.new("RGB", size, (255, 0, 0)) for _ in range(frames - 1)]
        image.save(out, "GIF", save_all=True, append_images=rest)
    else:
        image.save(out, kind, **({"quality": 90} if kind == "JPEG" else {}))
    return out.getvalue()


def size_of(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def first_pixel(data: bytes) -> tuple[int, ...]:
    with Image.open(io.BytesIO(data)) as image:
        return tuple(image.convert("RGB").getpixel((0, 0)))  # type: ignore[arg-type]


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
