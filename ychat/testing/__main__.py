"""``python -m ychat.testing [PORT]``: serve the test double on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import contextlib
import sys
import threading

from ychat.errors import YChatError, describe
from ychat.server.http import serve
from ychat.testing.double import Emulator

USAGE = "usage: python -m ychat.testing [PORT]  (the test double on 127.0.0.1; PORT 8787 by default, 0: any free one)"


def port_from(argv: list[str]) -> int:
    """The one optional argument; ``--help`` prints the usage, anything else not a port is an error."""
    if argv[:1] in (["-h"], ["--help"]):
        sys.stdout.write(USAGE + "\n")
        sys.exit(0)
    if len(argv) > 1 or (argv and not (argv[0].isdigit() and int(argv[0]) < 65536)):
        sys.stderr.write(f"ychat.testing: error: PORT must be one number from 0 (any free port) to 65535\n{USAGE}\n")
        sys.exit(2)
    return int(argv[0]) if argv else 8787


def main() -> None:
    port = port_from(sys.argv[1:])
    try:
        with serve(Emulator(), port=port) as server:
            sys.stderr.write(f"test double on {server.url} (YCHAT_ENDPOINT={server.url}); Ctrl-C stops it\n")
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()
    except YChatError as error:  # e.g. uvicorn missing after a plain `pip install .`
        line, hint = describe(error)
        sys.exit(line + (f"\n{hint}" if hint else ""))


main()
