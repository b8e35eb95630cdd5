"""``python -m ychat.testing [PORT]``: serve the test double on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import contextlib
import sys
import threading

from ychat.errors import YChatError, describe
from ychat.server.http import serve
from ychat.testing.double import Emulator


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8787
    try:
        with serve(Emulator(), port=port) as server:
            sys.stderr.write(f"test double on {server.url} (YCHAT_ENDPOINT={server.url}); Ctrl-C stops it\n")
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()
    except YChatError as error:  # e.g. uvicorn missing after a plain `pip install .`
        line, hint = describe(error)
        sys.exit(line + (f"\n{hint}" if hint else ""))


main()
