"""THE ONE OPTIONS SCHEMA: every option of the chat, declared once.

Each ``Opt`` says its name (the ``Settings`` field and the config file's key), how a value is
checked (``values.py``), its range or choices, the environment variables that set it, the chat's
flag and its help text, and which dialects use it. Built from it: the chat's typer options and
``--help``'s environment variables (``cli/chat.py``); the environment and config file readers
(``settings.py``); ``/temperature``'s check; the shell completion's values. Stdlib only.

    >>> OPTIONS["temperature"].check("0.4")
    0.4
"""

from __future__ import annotations

from ychat.api.registry import NAMES, REGISTRY, V1
from ychat.config import values as v
from ychat.config.attach import ATTACH_OPTIONS
from ychat.config.hosted import HOSTED_OPTIONS
from ychat.config.opt import Opt
from ychat.i18n import N_

__all__ = ["CHOICES", "ENVIRONMENT", "OPTIONS", "SETTINGS", "Opt"]

REASONING = ("hidden", "off")
AUTH_SOURCES = ("api-key", "iam-token", "oauth", "service-account", "yc", "metadata")  # YCHAT_AUTH's choices


TEMPERATURE = Opt(
    "temperature",
    v.between(*V1.temperature),
    ("--temperature", "-t"),
    N_("Sampling temperature [default: the server's, 0.3]."),
    ("YCHAT_TEMPERATURE",),
    float,
    *V1.temperature,  # YandexGPT's range, which ychat sends in every dialect (registry.py)
)

SCHEMA: tuple[Opt, ...] = (
    Opt("system", v.string, ("--system", "-s"), N_("System prompt.")),
    Opt(
        "model",
        v.text,
        ("--model", "-m"),
        N_("yandexgpt, yandexgpt-lite, yandexgpt/rc… or a gpt:// URI [default: yandexgpt; v1alpha: general]."),
        ("YCHAT_MODEL",),
    ),
    TEMPERATURE,
    Opt("max_tokens", v.positive_int, ("--max-tokens",), N_("Reply length limit."), ("YCHAT_MAX_TOKENS",), int, 1),
    Opt("stream", v.boolean, ("--no-stream",), N_("Wait for the whole reply."), kind=bool, switch=False),
    Opt("folder_id", v.header_text, ("--folder-id",), N_("Yandex Cloud folder id."), ("YC_FOLDER_ID", "FOLDER_ID")),
    Opt(
        "endpoint",
        v.endpoint,
        ("--endpoint",),
        N_("Base URL of the chosen API [default: https://llm.api.cloud.yandex.net; openai: …/v1]."),
        ("YCHAT_ENDPOINT",),
    ),
    Opt(
        "timeout",
        v.seconds,
        ("--timeout",),
        N_("Seconds to wait for each read [default: 60]."),
        ("YCHAT_TIMEOUT",),
        float,
        0.001,
    ),
    Opt(
        "max_time",
        v.seconds,
        ("--max-time",),
        N_("Seconds one whole reply may take, retries too [default: 600]."),
        ("YCHAT_MAX_TIME",),
        float,
        0.001,
    ),
    Opt(
        "api",
        v.choice(*NAMES),
        ("--api",),
        N_("Wire protocol: v1, v1alpha (legacy), openai (OpenAI-compatible), responses [default: v1]."),
        ("YCHAT_API",),
        choices=NAMES,
    ),
    Opt(
        "deferred",
        v.boolean,
        ("--async",),
        N_("Deferred replies (v1): half the price, polled; the id goes to stderr."),
        ("YCHAT_ASYNC",),
        bool,
        switch=True,
        dialects=tuple(name for name, dialect in REGISTRY.items() if dialect.deferred),
    ),
    *HOSTED_OPTIONS,  # the Responses API's: --server-state, --web-search, --code-interpreter, --index
    Opt(
        "reasoning",
        v.choice(*REASONING),
        ("--reasoning",),
        N_("Reasoning before answering (v1): hidden or off."),
        ("YCHAT_REASONING",),
        choices=REASONING,
        dialects=tuple(name for name, dialect in REGISTRY.items() if dialect.reasoning),
    ),
    Opt(
        "local",
        flags=("--local",),
        help=N_("Chat offline with the local model (the local extra)."),
        kind=bool,
        switch=True,
        setting=False,
    ),
    Opt(
        "local_model",
        v.text,
        ("--local-model",),
        N_("Local GGUF model; implies --local."),
        ("YCHAT_LOCAL_MODEL",),
        metavar="PATH.gguf",
    ),
    Opt(
        "continue",
        flags=("--continue", "-c"),
        help=N_("Resume the most recent saved conversation (chat or one-off)."),
        kind=bool,
        switch=True,
        setting=False,
    ),
    Opt(
        "resume",
        flags=("--resume",),
        help=N_("Resume a saved conversation (a prefix of its id)."),
        metavar="ID",
        setting=False,
    ),
    Opt("status", v.boolean, ("--status/--no-status",), N_("A bottom toolbar: model, context used, cost."), kind=bool),
    Opt(
        "each_line",
        flags=("--each-line",),
        help=N_("Answer each line of stdin (or --input) on its own, in order."),
        kind=bool,
        switch=True,
        setting=False,
    ),
    Opt(
        "input",
        flags=("--input",),
        help=N_("--each-line: read the questions from FILE."),
        metavar="FILE",
        setting=False,
    ),
    Opt(
        "concurrency",
        flags=("--concurrency",),
        help=N_("--each-line: requests in flight at most."),
        kind=int,
        low=1,
        high=64,
        setting=False,
        default=4,
    ),
    Opt(
        "json",
        flags=("--json",),
        help=N_("One-off: print one JSON object (text, finish reason, usage, ids)."),
        kind=bool,
        switch=True,
        setting=False,
    ),
    Opt(
        "tools",
        v.names,
        ("--tool", "-T"),
        N_("Let the model call this tool (repeatable): read_file, list_dir, run_command, fetch_url, current_time."),
        ("YCHAT_TOOLS",),
        metavar="NAME",
        multiple=True,
        dialects=tuple(name for name, dialect in REGISTRY.items() if dialect.tools),
    ),
    Opt(
        "schema",
        flags=("--schema",),
        help=N_("The reply is JSON of this schema: a JSON Schema file, inline JSON, or 'name, age int, bio: …'."),
        metavar="SPEC",
        setting=False,
    ),
    Opt(
        "json_object",
        flags=("--json-object",),
        help=N_("The reply is a JSON object."),
        kind=bool,
        switch=True,
        setting=False,
    ),
    Opt(
        "functions",
        flags=("--functions",),
        help=N_("A Python file whose functions (typed, with a docstring) the model may call (repeatable)."),
        metavar="FILE.py",
        multiple=True,
        setting=False,
    ),
    Opt(
        "parallel_tools",
        v.boolean,
        ("--no-parallel-tools",),
        N_("One tool call per reply at most."),
        kind=bool,
        switch=False,
    ),
    Opt(
        "yes",
        flags=("--yes", "-y"),
        help=N_("Run every tool call of this run without asking."),
        kind=bool,
        switch=True,
        setting=False,
    ),
    Opt(
        "tool_choice",
        v.text,
        ("--tool-choice",),
        N_("Which tool the model calls: auto, required, none (no tools sent) or a tool's name."),
        ("YCHAT_TOOL_CHOICE",),
        metavar="auto|required|none|NAME",
    ),
    Opt(
        "chain_limit",
        v.positive_int,
        ("--chain-limit",),
        N_("Tool round trips per message at most [default: 10]."),
        ("YCHAT_CHAIN_LIMIT",),
        int,
        1,
    ),
    Opt(
        "tool_timeout",
        v.seconds,
        ("--tool-timeout",),
        N_("Seconds one tool call may take [default: 60]."),
        ("YCHAT_TOOL_TIMEOUT",),
        float,
        0.001,
    ),
    *ATTACH_OPTIONS,  # -a/--attach, --ocr/--no-ocr, ocr_endpoint, vision_models
    Opt("save", v.boolean, ("--no-save",), N_("Keep this session out of the history store."), kind=bool, switch=False),
    Opt(
        "profile",
        flags=("--profile", "-p"),
        help=N_("A [profiles.NAME] of the config file (or YCHAT_PROFILE)."),
        setting=False,
    ),
    Opt("debug", flags=("--debug",), help=N_("Log requests (secrets redacted)."), kind=bool, setting=False),
    # read from the environment or the config file only
    Opt("local_threads", v.positive_int, env=("YCHAT_LOCAL_THREADS",)),
    Opt("operation_endpoint", v.endpoint, env=("YCHAT_OPERATION_ENDPOINT",)),
    Opt("data_logging", v.boolean, env=("YCHAT_DATA_LOGGING",)),
    Opt("context_window", v.positive_int),
    Opt("price_per_1k", v.price),
    Opt("context", v.choice("drop", "summarize"), choices=("drop", "summarize")),
    Opt("allowed_tools", v.names),  # tools that run without asking: ychat tools allow NAME, or `a` when asked
    Opt("auth", v.choice(*AUTH_SOURCES), env=("YCHAT_AUTH",), choices=AUTH_SOURCES),
    Opt("service_account_key_file", v.text, env=("YC_SERVICE_ACCOUNT_KEY_FILE",)),
    Opt("yc_profile", v.text, env=("YC_PROFILE",)),
    Opt("iam_endpoint", v.endpoint, env=("YCHAT_IAM_ENDPOINT",)),
    Opt("metadata_endpoint", v.endpoint, env=("YCHAT_METADATA_ENDPOINT",)),
)

OPTIONS = {opt.name: opt for opt in SCHEMA}
SETTINGS = tuple(opt for opt in SCHEMA if opt.setting)  # what the environment and the config file may set
CHOICES = {opt.flags[0]: opt.choices for opt in SCHEMA if opt.flags and opt.choices}  # for shell completion
# --help's list (after the credentials, which it names first): every option's variables, then ychat's own
OWN = ("YCHAT_OPENAI_API_KEY", "YCHAT_PROFILE", "YCHAT_CONFIG", "YCHAT_LANG", "NO_COLOR")
ENVIRONMENT = (*(var for opt in SETTINGS for var in opt.env if var != "FOLDER_ID"), *OWN)
