"""Raw TCP servers on 127.0.0.1 for faults no HTTP server produces on purpose: resets before the
reply, TLS with a self-signed certificate, a server that trickles its answer."""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

FINAL = (
    b'{"result":{"alternatives":[{"message":{"role":"assistant","text":"Hello"},'
    b'"status":"ALTERNATIVE_STATUS_FINAL"}],"usage":{"inputTextTokens":"1","completionTokens":"1",'
    b'"totalTokens":"2"},"modelVersion":"x"}}\n'
)
OK_REPLY = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(FINAL), FINAL)

Handler = Callable[[socket.socket, int], None]  # (connection, its number from 1)


def read_request(conn: socket.socket) -> bytes:
    """Read one HTTP request (headers and a Content-Length body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0
    )
    while len(body) < length:
        body += conn.recv(65536)
    return data


def reset(conn: socket.socket) -> None:
    """Close with SO_LINGER 0: the peer gets a TCP RST, not a FIN."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


@contextmanager
def tcp_server(handler: Handler, *, wrap: ssl.SSLContext | None = None) -> Iterator[tuple[str, list[int]]]:
    """Serve ``handler`` on 127.0.0.1 in a thread; yields the URL and the list of connections seen."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    seen: list[int] = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            seen.append(len(seen) + 1)
            try:
                if wrap is not None:
                    conn = wrap.wrap_socket(conn, server_side=True)
                handler(conn, seen[-1])
            except (OSError, ssl.SSLError):
                conn.close()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"{'https' if wrap else 'http'}://127.0.0.1:{port}", seen
    finally:
        stop.set()
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() below (Linux)
        listener.close()
        thread.join(5)


def self_signed_context(tmp_path: Path) -> ssl.SSLContext:
    """A server TLS context with a fresh self-signed certificate for 127.0.0.1 (openssl CLI)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context
