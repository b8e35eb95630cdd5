"""A scripted MCP server for ychat's tests: JSON-RPC over stdio (or streamable HTTP with
``--http``), stdlib only, misbehaving on request.

    scripted.py [--pid-file F] [--at-start crash|hang|garbage]
    scripted.py --http PORT_FILE --headers-file F [--reject-first]   (401 for the first token it sees)

Tools: echo (its ``text``), env (the environment it runs with, as JSON), fail (``isError``),
crash (exits mid-call), hang (never answers), garbage (a line that is not JSON), picture (an
image part), progress_log (a logging notification, then text).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TEXT = {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}
NONE: dict[str, Any] = {"type": "object", "properties": {}}
TOOLS = [
    {"name": "echo", "description": "Says the text back", "inputSchema": TEXT},
    {"name": "env", "description": "The environment it sees", "inputSchema": NONE},
    {"name": "fail", "description": "Always fails", "inputSchema": NONE},
    {"name": "crash", "description": "Exits mid-call", "inputSchema": NONE},
    {"name": "hang", "description": "Never answers", "inputSchema": NONE},
    {"name": "garbage", "description": "Answers with a line that is not JSON", "inputSchema": NONE},
    {"name": "picture", "description": "An image", "inputSchema": NONE},
    {"name": "progress_log", "description": "Logs, then answers", "inputSchema": NONE},
]


def text(value: str, error: bool = False) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": value}], "isError": error}


def call(name: str, arguments: dict[str, Any], say: Any) -> dict[str, Any] | None:
    if name == "echo":
        return text(str(arguments.get("text")))
    if name == "env":
        return text(json.dumps(dict(os.environ), sort_keys=True))
    if name == "fail":
        return text("the disk is on fire", error=True)
    if name == "crash":
        os._exit(7)
    if name == "hang":
        return None
    if name == "garbage":
        say("this is not json\n")
        return None
    if name == "picture":
        return {"content": [{"type": "image", "data": "iVBORw0KGgo=", "mimeType": "image/png"}]}
    if name == "progress_log":
        note = {"level": "info", "data": "working on it"}
        say(json.dumps({"jsonrpc": "2.0", "method": "notifications/message", "params": note}) + "\n")
        return text("logged")
    return None


def answer(message: dict[str, Any], say: Any, at_start: str | None) -> dict[str, Any] | None:
    method, params = message.get("method"), message.get("params") or {}
    if method == "initialize":
        if at_start == "crash":
            os._exit(3)
        if at_start == "hang":
            return None
        if at_start == "garbage":
            say("Welcome to my server!\n")
            return None
        return {
            "protocolVersion": params.get("protocolVersion", "2025-06-18"),
            "capabilities": {"tools": {}, "logging": {}},
            "serverInfo": {"name": "scripted", "version": "1"},
        }
    if method == "tools/list":
        return {"tools": TOOLS}
    if method == "tools/call":
        return call(params.get("name", ""), params.get("arguments") or {}, say)
    if method == "ping":
        return {}
    return None


def stdio(at_start: str | None) -> None:
    def say(line: str) -> None:
        sys.stdout.write(line)
        sys.stdout.flush()

    for line in sys.stdin:
        message = json.loads(line)
        if "id" not in message:
            continue
        result = answer(message, say, at_start)
        if result is not None:
            say(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result}) + "\n")
    sys.stderr.write("scripted: stdin closed, bye\n")


def http(port_file: str, headers_file: str, reject_first: bool) -> None:
    lock = threading.Lock()
    refused: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            authorization = self.headers.get("Authorization")
            message = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            with lock, open(headers_file, "a", encoding="utf-8") as seen:
                seen.write(json.dumps({"authorization": authorization}) + "\n")
                if reject_first and (not refused or authorization == refused[0]):
                    refused[:1] = [authorization]  # the first token it sees counts as expired
                    self.send_response(401)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
            if "id" not in message:
                self.send_response(202)
                self.end_headers()
                return
            result = answer(message, lambda line: None, None)
            body = json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self.send_response(405)
            self.end_headers()

        def do_DELETE(self) -> None:
            self.send_response(200)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file, "w") as out:  # a fifo in the tests: the port is the event they wait for
        out.write(str(server.server_address[1]))
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pid-file")
    parser.add_argument("--at-start", choices=["crash", "hang", "garbage"])
    parser.add_argument("--http")
    parser.add_argument("--headers-file")
    parser.add_argument("--reject-first", action="store_true")
    args = parser.parse_args()
    if args.pid_file:
        with open(args.pid_file, "w") as out:
            out.write(str(os.getpid()))
    sys.stderr.write("scripted: started\n")
    if args.http:
        http(args.http, args.headers_file, args.reject_first)
    else:
        stdio(args.at_start)


if __name__ == "__main__":
    main()
