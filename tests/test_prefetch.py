"""prefetch.py: first-reply work done on a worker thread while the user types."""

from __future__ import annotations

import threading

from ychat.repl.prefetch import Prefetch


def test_steps_run_once_in_order_on_another_thread() -> None:
    seen: list[tuple[str, str]] = []

    def step(name: str):
        return lambda: seen.append((name, threading.current_thread().name))

    with Prefetch(step("a"), step("b")) as prefetch:
        prefetch.start()
        prefetch.start()  # a second start is a no-op
    assert seen == [("a", "ychat-prefetch"), ("b", "ychat-prefetch")]


def test_a_failing_step_is_skipped_and_the_rest_still_run() -> None:
    seen: list[str] = []

    def broken() -> None:
        raise OSError("no certificates")

    with Prefetch(broken, lambda: seen.append("after")) as prefetch:
        prefetch.start()
    assert seen == ["after"]


def test_leaving_waits_for_the_thread_and_never_started_means_nothing_ran() -> None:
    release, seen = threading.Event(), []
    with Prefetch(lambda: seen.append("ran")):
        pass
    assert seen == []

    started = threading.Event()

    def slow() -> None:
        started.set()
        release.wait()
        seen.append("slow done")

    with Prefetch(slow) as prefetch:
        prefetch.start()
        started.wait()
        release.set()  # the step is still finishing when the block ends: leaving must wait for it
    assert seen == ["slow done"]
