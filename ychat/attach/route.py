"""Where each attachment goes (docs/attachments.md): a model that sees gets the picture, scaled
to its size; for one that reads text only, Yandex OCR reads it and its text goes with the
message. A PDF is always read by OCR. ``--ocr`` reads every picture by OCR; ``--no-ocr`` makes
a picture a text-only model cannot see an error instead.

    >>> routed = Router(lambda: ocr, note).route(attachments, Target("v1", "yandexgpt"))
    >>> routed.texts, routed.shown        # ([("scan.pdf (read by OCR)", "# Invoice…")], (Image(…),))
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from ychat.api.registry import vision
from ychat.attach.files import Attachment
from ychat.core import Image, Message
from ychat.errors import UsageError
from ychat.i18n import _

Reader = Callable[[bytes, str], str]  # OCR: the bytes and their MIME type -> the text on them


@dataclass(frozen=True)
class Target:
    """The model a message goes to, and what the user said of OCR (``ocr``: --ocr True, --no-ocr
    False, None: for a model that reads text only). ``local``: the embedded model, offline."""

    dialect: str
    model: str
    vision_models: tuple[str, ...] = ()
    ocr: bool | None = None
    local: bool = False


@dataclass
class Routed:
    """``texts``: (label, text) to append to the message; ``shown``: pictures the model sees;
    ``read``: what OCR read (kept in the store); ``ocr_calls``: recognitions billed now."""

    texts: list[tuple[str, str]] = field(default_factory=list)
    shown: list[Image] = field(default_factory=list)
    read: list[Image] = field(default_factory=list)
    ocr_calls: int = 0


class Router:
    """Routes a message's attachments; an OCR result is kept for a retry of the same file."""

    def __init__(self, reader: Callable[[], Reader | None], note: Callable[[str], None]) -> None:
        self._reader, self._note = reader, note
        self._read: dict[str, str] = {}

    def visible(self, messages: list[Message], target: Target) -> list[Message]:
        """The history as the target model takes it: pictures of earlier messages are left out
        for a model that reads text only (after /model switched away from one that sees)."""
        if vision(target.dialect, target.model, target.vision_models) is not None:
            return messages
        return [replace(message, images=()) if message.images else message for message in messages]

    def route(self, attachments: Sequence[Attachment], options: Target) -> Routed:
        routed = Routed()
        if not attachments:
            return routed
        if options.local:
            raise UsageError(
                _("the embedded model reads no pictures, and OCR needs Yandex Cloud: attachments need YandexGPT"),
                hint=_("set YC_API_KEY and YC_FOLDER_ID (or another sign-in), then attach again"),
            )
        seeing = vision(options.dialect, options.model, options.vision_models)
        for attachment in attachments:
            if attachment.picture and seeing is not None and options.ocr is not True:
                from ychat.attach.pictures import fit

                routed.shown.append(fit(attachment, seeing.side))
            else:
                self._by_ocr(attachment, options, routed)
        return routed

    def _by_ocr(self, attachment: Attachment, options: Target, routed: Routed) -> None:
        if options.ocr is False:
            raise UsageError(
                _("{model} reads text only, and --no-ocr leaves {name} unread").format(
                    model=options.model, name=attachment.name
                ),
                hint=_("drop --no-ocr to read it by OCR, or choose a model that sees (-m gemma-3-27b-it --api openai)"),
            )
        from ychat.attach.pictures import for_ocr

        mime, data = for_ocr(attachment)
        key = hashlib.sha256(data).hexdigest()
        if key not in self._read:
            reader = self._reader()
            if reader is None:
                raise UsageError(_("no OCR here: {name} cannot be read").format(name=attachment.name))
            self._read[key] = reader(data, mime)
            routed.ocr_calls += 1
        text = self._read[key]
        self._note(
            _("{name} read by OCR: {count} characters").format(
                name=attachment.name, count=f"{len(text):,}".replace(",", " ")
            )
        )
        label = _("{name} (read by OCR)").format(name=attachment.name)
        routed.texts.append((label, text or _("(OCR found no text)")))
        routed.read.append(Image(attachment.name, mime, data))
