"""``fetch_url``'s HTTP GET: a public web page as text, never a link-local address.

169.254.0.0/16 (and fe80::/10) holds a cloud VM's metadata service, which hands out the VM's
tokens: a model must not be able to read it. Every hop (redirects are followed by hand, at most
five) is checked twice: its host's addresses before connecting, and the peer actually connected
to before a byte of the body is read (a name that resolves differently the second time).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urljoin, urlsplit

import httpx

from ychat import __version__
from ychat.api.http.edge import translate_errors
from ychat.errors import UsageError
from ychat.i18n import _

MAX_REDIRECTS = 5


class Refused(UsageError):
    """A URL a tool may not fetch (not http(s), or a link-local address)."""


def fetch_text(url: str, *, limit: int, timeout: float) -> tuple[str, str, bool]:
    """(content type, text, cut) of ``url``: at most ``limit`` bytes of the body, decoded."""
    agent = {"User-Agent": f"ychat/{__version__}"}
    with httpx.Client(timeout=timeout, follow_redirects=False, headers=agent) as http, translate_errors(url):
        for _hop in range(MAX_REDIRECTS + 1):
            check_url(url)
            with http.stream("GET", url) as response:
                _check_peer(response, url)
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                body, cut = _read(response, limit)
                kind = response.headers.get("content-type", "")
                if response.status_code >= 400:
                    raise Refused(_("{url} answered HTTP {status}").format(url=url, status=response.status_code))
                return kind, body.decode(response.encoding or "utf-8", errors="replace"), cut
    raise Refused(_("{url} redirects more than {n} times").format(url=url, n=MAX_REDIRECTS))


def check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(_("only http:// and https:// URLs can be fetched, not {url}").format(url=url))
    try:
        found = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 80, type=socket.SOCK_STREAM)}
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(_("cannot resolve {host}: {reason}").format(host=parts.hostname, reason=exc)) from None
    for address in found:
        _check_address(str(address), url)


def _check_address(address: str, url: str) -> None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    if ip.is_link_local or (mapped is not None and mapped.is_link_local):
        raise Refused(_("{url} is a link-local address (a cloud VM's metadata service): not fetched").format(url=url))


def _check_peer(response: httpx.Response, url: str) -> None:
    stream = response.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    if peer:
        _check_address(str(peer[0]), url)


def _read(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > limit:
            return bytes(body[:limit]), True
    return bytes(body), False
