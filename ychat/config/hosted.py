"""The options of Yandex's hosted tools and server-side state (the Responses API), a part of the
options schema (``options.py``, where they are spliced in, in ``--help``'s order)."""

from __future__ import annotations

from ychat.api.registry import REGISTRY
from ychat.config import values as v
from ychat.config.opt import Opt
from ychat.i18n import N_

HOSTED = tuple(name for name, dialect in REGISTRY.items() if dialect.hosted)  # the Responses API

HOSTED_OPTIONS: tuple[Opt, ...] = (
    Opt(
        "server_state",
        v.boolean,
        ("--server-state",),
        N_("The server keeps the conversation (responses): each turn sends only the new message."),
        ("YCHAT_SERVER_STATE",),
        bool,
        switch=True,
        dialects=HOSTED,
    ),
    Opt(
        "web_search",
        v.web_search,
        ("--web-search",),
        N_("Let the model search the web (responses; the config's [web_search] table says how)."),
        ("YCHAT_WEB_SEARCH",),
        bool,
        switch=True,
        dialects=HOSTED,
    ),
    Opt(
        "code_interpreter",
        v.boolean,
        ("--code-interpreter",),
        N_("Let the model run Python in Yandex's sandbox (responses); files it writes are saved here."),
        ("YCHAT_CODE_INTERPRETER",),
        bool,
        switch=True,
        dialects=HOSTED,
    ),
    Opt(
        "index",
        v.text,
        ("--index",),
        N_("Let the model search this index of your files (responses; ychat index create NAME FILE...)."),
        ("YCHAT_INDEX",),
        metavar="NAME",
        dialects=HOSTED,
    ),
)
