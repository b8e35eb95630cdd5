"""``python -m ychat.emulator [PORT]``: serve the emulator on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import contextlib
import sys
import threading

from ychat.emulator.app import Emulator
from ychat.emulator.server import serve


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8787
    with serve(Emulator(), port=port) as server:
        sys.stderr.write(f"emulator on {server.url} (YCHAT_ENDPOINT={server.url}); Ctrl-C stops it\n")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


main()
