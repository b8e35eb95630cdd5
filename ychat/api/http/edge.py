"""The httpx edge: sending a request, bounding its waits, and httpx's exceptions -> ychat errors.

No message quotes an exception that may hold a header value (the ``Authorization`` secret).
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from ychat.api.retry import Deadline
from ychat.errors import (
    APIError,
    ConfigError,
    ConnectionFailed,
    ConnectionReset,
    NetworkError,
    StreamInterrupted,
    TimedOut,
    TLSFailed,
)
from ychat.i18n import _


def send(http: httpx.Client, request: httpx.Request) -> httpx.Response:
    """Send and wait for the status line. A connection reset before it is as transient as a
    refused connection (the server accepted and then went away): a ConnectionReset, retried."""
    try:
        return http.send(request, stream=True)
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        raise ConnectionReset(
            _("the connection to {host} was reset before the reply started").format(host=request.url.host)
        ) from exc


def bounded(timeout: httpx.Timeout, deadline: Deadline) -> httpx.Timeout:
    """Each wait of this attempt ends by the reply's deadline at the latest."""
    left = deadline.remaining()
    if left is None:
        return timeout
    left = max(left, 0.001)

    def bound(value: float | None) -> float:
        return left if value is None else min(value, left)

    return httpx.Timeout(
        connect=bound(timeout.connect), read=bound(timeout.read), write=bound(timeout.write), pool=bound(timeout.pool)
    )


def until(chunks: Iterator[bytes], deadline: Deadline) -> Iterator[bytes]:
    """The body's bytes, checking the reply's deadline as each piece arrives (a trickling server)."""
    for chunk in chunks:
        deadline.check()
        yield chunk


def redirect_error(reply: httpx.Response, request_id: str) -> APIError:
    location = reply.headers.get("Location") or _("(no Location given)")
    return APIError(
        _("the server redirects to {location}; ychat does not follow redirects").format(location=location),
        http_status=reply.status_code,
        request_id=request_id,
        hint=_("Point --endpoint (or YCHAT_ENDPOINT) at the address the API really has."),
    )


@contextmanager
def translate_errors(url: str) -> Iterator[None]:
    """httpx's exceptions stop here; the rest of ychat sees only the YChatError tree.

    No message quotes an exception that may hold a header value (the Authorization secret).
    """
    host = _host(url)
    try:
        yield
    except httpx.ConnectTimeout as exc:
        raise ConnectionFailed(_("timed out connecting to {host}").format(host=host)) from exc
    except httpx.TimeoutException as exc:
        raise TimedOut(_("no answer from {host} in time").format(host=host)) from exc
    except httpx.ConnectError as exc:
        raise _connect_error(exc, host) from exc
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise StreamInterrupted(
            _("the connection to {host} dropped before the reply was complete").format(host=host)
        ) from exc
    except (httpx.LocalProtocolError, UnicodeEncodeError):
        raise NetworkError(_("the request could not be sent: a header holds characters HTTP cannot carry")) from None
    except httpx.InvalidURL as exc:
        raise ConfigError(_("the endpoint {url!r} is not a valid URL: {exc}").format(url=url, exc=exc)) from None
    except (httpx.HTTPError, httpx.StreamError, httpx.CookieConflict) as exc:  # the last two are no HTTPError
        raise NetworkError(_("request to {host} failed: {exc}").format(host=host, exc=exc)) from exc


def _host(url: str) -> str:
    """``host:port`` of the URL (the scheme's port when none is written): what a user checks."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return url
    if not parsed.host:
        return url
    port = parsed.port or {"https": 443, "http": 80}.get(parsed.scheme)
    host = f"[{parsed.host}]" if ":" in parsed.host else parsed.host
    return f"{host}:{port}" if port else host


def _connect_error(exc: httpx.ConnectError, host: str) -> NetworkError:
    """A refused certificate will not go away on its own: TLSFailed, never retried."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return TLSFailed(
                _("the TLS certificate of {host} was refused: {verify_message}").format(
                    host=host, verify_message=cause.verify_message
                )
            )
        if isinstance(cause, ssl.SSLError):
            return TLSFailed(_("TLS with {host} failed: {cause}").format(host=host, cause=cause.reason or cause))
        cause = cause.__cause__ or cause.__context__
    return ConnectionFailed(_("cannot connect to {host}: {exc}").format(host=host, exc=exc))


def retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds, from either of its forms (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    import email.utils  # rare, and ~8 ms to import

    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def fetch(method: str, url: str, *, json: object = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """One small request on a client of its own (a token exchange, hourly at most): status, body."""
    with translate_errors(url), httpx.Client(timeout=10.0, trust_env=True) as http:
        reply = http.request(method, url, json=json, headers=headers)
        return reply.status_code, reply.content
