"""The options of attachments (pictures and scanned pages, issue 23), a part of the options
schema (``options.py``, where they are spliced in, in ``--help``'s order)."""

from __future__ import annotations

from ychat.config import values as v
from ychat.config.opt import Opt
from ychat.i18n import N_

ATTACH_OPTIONS: tuple[Opt, ...] = (
    Opt(
        "attach",
        flags=("--attach", "-a"),
        help=N_("Attach a picture or a PDF to the (first) message (repeatable; - reads it from stdin)."),
        metavar="PATH",
        multiple=True,
        setting=False,
    ),
    Opt(
        "ocr",
        v.boolean,
        ("--ocr/--no-ocr",),
        N_("Read attachments by Yandex OCR for every model / never [default: for text-only models]."),
        ("YCHAT_OCR",),
        bool,
    ),
    # read from the environment or the config file only
    Opt("ocr_endpoint", v.endpoint, env=("YCHAT_OCR_ENDPOINT",)),  # Yandex Vision OCR's host
    Opt("vision_models", v.names),  # more models that see pictures (a local server's), besides gemma-3-27b-it
)
