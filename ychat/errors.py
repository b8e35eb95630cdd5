"""ychat's exceptions: one tree, translated into messages and exit codes by ``cli.py`` alone.

    YChatError                      exit 1 unless a subclass says otherwise
    ├── UsageError                  exit 2: a bad option, bad input, nothing to send
    │   ├── ConfigError             exit 2: bad configuration file or environment value
    │   │   └── MissingCredentials  exit 2: no API key / IAM token / folder
    │   ├── LocalModelError         exit 2: the local GGUF cannot be loaded or has no chat template
    │   └── MessageTooLong          exit 2: refused before sending: it cannot fit the model's window
    ├── StoreError                  exit 1: the conversation store cannot be written (disk full, read-only)
    │   └── StoreDamaged            exit 2: the store file cannot be read (damaged, not a database)
    ├── CredentialsRejected         exit 3: a token exchange (IAM, yc, metadata) refused or failed
    ├── ToolChainTooLong            exit 1: the model kept calling tools past --chain-limit round trips
    ├── APIError                    exit 1: the server answered with an error (400, 500, …)
    │   ├── ContextTooLong          exit 1: 400, more input tokens than the model's context
    │   ├── AuthError               exit 3: 401 UNAUTHENTICATED, 403 PERMISSION_DENIED
    │   ├── QuotaExceeded           exit 4: 429 RESOURCE_EXHAUSTED, still after retries
    │   └── ServiceUnavailable      exit 1: 503 UNAVAILABLE (retried first)
    ├── ProtocolError               exit 1: a reply that does not follow the documented format
    │   └── UnsupportedReply        a final status ychat cannot show (a tool call, an empty reply)
    └── NetworkError                exit 5: the request or reply did not get through
        ├── ConnectionFailed        could not connect (retried)
        │   └── ConnectionReset     accepted, then reset before the reply started (retried)
        ├── TLSFailed               the server's certificate was refused (never retried)
        ├── TimedOut                no answer within --timeout
        ├── ReplyTimeLimit          the whole reply took longer than --max-time
        └── StreamInterrupted       the reply stopped before its final status

``api/`` is the only layer that sees httpx; it raises these ``from`` the httpx exception.
"""

from __future__ import annotations

import enum

from ychat.i18n import N_, _


class ExitCode(enum.IntEnum):
    """Process exit statuses; documented in docs/user-guide.md."""

    OK = 0
    ERROR = 1
    USAGE = 2
    AUTH = 3
    QUOTA = 4
    NETWORK = 5
    INTERRUPTED = 130
    PIPE = 141  # 128 + SIGPIPE: the reader of standard output went away


class YChatError(Exception):
    """Base of every error ychat reports to the user: ``ychat: error: <message>``."""

    exit_code = ExitCode.ERROR
    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint


class UsageError(YChatError):
    exit_code = ExitCode.USAGE


class ConfigError(UsageError):
    pass


class MissingCredentials(ConfigError):
    pass


class LocalModelError(UsageError):
    pass


class APIError(YChatError):
    """The API answered with an error body (HTTP status or an error line inside a stream)."""

    def __init__(
        self,
        message: str,
        *,
        http_status: int,
        grpc_code: int | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.http_status = http_status
        self.grpc_code = grpc_code
        self.request_id = request_id
        self.retry_after = retry_after

    def __str__(self) -> str:
        suffix = _(" (request id {id})").format(id=self.request_id) if self.request_id else ""
        return f"HTTP {self.http_status}: {self.message}{suffix}"  # the message: as the server wrote it


class ContextTooLong(APIError):
    """400: the conversation has more tokens than the model's context window."""

    hint = N_(
        "The conversation no longer fits the model's context. In the chat, /undo drops the last exchange "
        "(Up brings your message back) and /clear starts afresh; otherwise send less text."
    )


class MessageTooLong(UsageError):
    """Refused before any request: the message (with the room kept for the reply) cannot fit."""

    hint = N_("Send less text, or lower --max-tokens.")


class AuthError(APIError):
    exit_code = ExitCode.AUTH
    hint = N_("Check YC_API_KEY / YC_IAM_TOKEN, the folder id and the ai.languageModels.user role.")


class StoreError(YChatError):
    """The conversation store could not be written (disk full, permissions, a lock)."""

    hint = N_("Check the disk and the store's folder (YCHAT_DATA_DIR), or run with --no-save.")


class StoreDamaged(StoreError):
    """The store file cannot be read; the hint names how to move it aside."""

    exit_code = ExitCode.USAGE


class CredentialsRejected(YChatError):
    """A token exchange (IAM, yc, the metadata service) refused or failed; the message names the source."""

    exit_code = ExitCode.AUTH
    hint = N_("Check the credential named above; docs/configuration.md lists every source ychat reads.")


class ToolChainTooLong(YChatError):
    """The model asked for tools again after ``--chain-limit`` round trips: the turn ends."""


class QuotaExceeded(APIError):
    exit_code = ExitCode.QUOTA
    hint = N_("The quota is still exhausted after retries; wait a little and try again.")


class ServiceUnavailable(APIError):
    pass


class ProtocolError(YChatError):
    """The server's reply is not in the documented wire format."""


class UnsupportedReply(ProtocolError):
    """A well-formed reply that has nothing ychat can show: a tool call, or no text at all."""


class NetworkError(YChatError):
    exit_code = ExitCode.NETWORK


class ConnectionFailed(NetworkError):
    pass


class ConnectionReset(ConnectionFailed):
    pass


class TLSFailed(NetworkError):
    hint = N_("If the server is yours, point SSL_CERT_FILE at a CA bundle that trusts its certificate.")


class TimedOut(NetworkError):
    hint = N_("Raise the limit with --timeout SECONDS.")


class ReplyTimeLimit(NetworkError):
    hint = N_("Raise the limit with --max-time SECONDS (or max_time in the config file).")


class StreamInterrupted(NetworkError):
    pass


def describe(error: YChatError) -> tuple[str, str | None]:
    """The one line ychat prints for an error, and an optional hint line (a class's hint is
    translated here; one given to an instance already is)."""
    return _("ychat: error: {error}").format(error=error), _(error.hint) if error.hint else None
