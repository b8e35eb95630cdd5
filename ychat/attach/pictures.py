"""Pictures scaled and encoded for where they go, with Pillow (imported only here, and only when
a picture is attached: ``--help``, a plain chat and a one-off never load it).

A model that sees scales a picture's long side to its own size (896 px for Gemma 3, TOOLS.md §5),
so ychat sends no more than that: a 12-megapixel photo goes as a ~100 KB JPEG. JPEG is decoded
at a reduced scale straight from its DCT (``Image.draft``), which is what keeps that fast.

    >>> fit(Attachment("photo.jpg", "image/jpeg", data), 896).mime
    'image/jpeg'
"""

from __future__ import annotations

import io
import math
import warnings
from typing import TYPE_CHECKING

from ychat.attach.files import Attachment
from ychat.core import Image
from ychat.errors import UsageError
from ychat.i18n import _

if TYPE_CHECKING:
    from PIL.Image import Image as Picture

OCR_PIXELS = 20_000_000  # Yandex OCR's limit per picture (TOOLS.md §6.1)
JPEG_QUALITY = 85


def fit(attachment: Attachment, side: int) -> Image:
    """The picture as a model that scales to ``side`` px takes it: the file itself when it is
    small enough and a PNG, JPEG or WebP; else scaled down (a GIF: its first frame) and re-encoded."""
    picture = _open(attachment, side)
    if max(picture.size) <= side and attachment.mime != "image/gif":
        return Image(attachment.name, attachment.mime, attachment.data)
    picture.thumbnail((side, side))
    return _encoded(attachment.name, picture, jpeg=attachment.mime == "image/jpeg")


def for_ocr(attachment: Attachment) -> tuple[str, bytes]:
    """What Yandex OCR takes (``mimeType`` and bytes): JPEG, PNG and PDF as they are, WebP and
    GIF (its first frame) as PNG, and a picture above 20 megapixels scaled down to them."""
    if attachment.mime == "application/pdf":
        return "application/pdf", attachment.data
    picture = _open(attachment, None)
    width, height = picture.size
    if width * height <= OCR_PIXELS and attachment.mime in ("image/jpeg", "image/png"):
        return attachment.mime, attachment.data
    if width * height > OCR_PIXELS:
        scale = (OCR_PIXELS / (width * height)) ** 0.5
        picture.thumbnail((int(width * scale), int(height * scale)))
    image = _encoded(attachment.name, picture, jpeg=attachment.mime == "image/jpeg")
    return image.mime, image.data


def check(attachment: Attachment) -> None:
    """A clear error now if the picture cannot be decoded (a cut or damaged file)."""
    if attachment.picture:
        _open(attachment, 256)


def _open(attachment: Attachment, side: int | None) -> Picture:
    """Decoded (a JPEG at the smallest DCT scale still above ``side``), upright by its EXIF."""
    from PIL import Image as PIL
    from PIL import ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PIL.DecompressionBombWarning)
            picture = PIL.open(io.BytesIO(attachment.data))
            if side is not None and picture.format == "JPEG":  # the smallest DCT scale still covering the target
                width, height = picture.size
                scale = min(1.0, side / max(width, height))
                picture.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
            picture.seek(0)  # a GIF's (or an animated WebP's) first frame
            picture.load()
            return ImageOps.exif_transpose(picture) or picture
    except UnidentifiedImageError:
        raise UsageError(
            _("{name} cannot be read as a picture: it is damaged or not a picture").format(name=attachment.name)
        ) from None
    except (OSError, ValueError, SyntaxError, PIL.DecompressionBombWarning) as exc:
        raise UsageError(
            _("{name} cannot be read as a picture: {reason}").format(name=attachment.name, reason=exc)
        ) from None
    except PIL.DecompressionBombError:
        raise UsageError(_("{name} is too large a picture to open").format(name=attachment.name)) from None


def _encoded(name: str, picture: Picture, *, jpeg: bool) -> Image:
    """A photo as JPEG; anything else (a screenshot, transparency) as PNG."""
    out = io.BytesIO()
    if jpeg:
        picture.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
        return Image(name, "image/jpeg", out.getvalue())
    if picture.mode not in ("RGB", "RGBA", "L", "LA"):
        picture = picture.convert("RGBA")
    picture.save(out, "PNG", optimize=False)
    return Image(name, "image/png", out.getvalue())
