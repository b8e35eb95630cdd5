"""Ctrl-C bursts (ychat/interrupts.py): the first interrupts, the rest wait for the next prompt."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from ychat import interrupts


@pytest.fixture(autouse=True)
def _restore_sigint() -> Iterator[None]:
    previous = signal.getsignal(signal.SIGINT)
    yield
    signal.signal(signal.SIGINT, previous)


def ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)


def test_the_first_ctrl_c_interrupts_and_the_rest_of_the_burst_is_ignored() -> None:
    interrupts.arm()
    with pytest.raises(KeyboardInterrupt):
        ctrl_c()
    for _ in range(30):
        ctrl_c()  # the clean-up of the first one goes on undisturbed


def test_after_the_prompt_ctrl_c_counts_again() -> None:
    interrupts.arm()
    with pytest.raises(KeyboardInterrupt):
        ctrl_c()
    with interrupts.quiet_then_armed():
        ctrl_c()  # while prompt_toolkit starts: dropped
    with pytest.raises(KeyboardInterrupt):
        ctrl_c()


def test_a_ctrl_c_during_a_held_write_comes_after_it() -> None:
    interrupts.arm()
    done = []
    with pytest.raises(KeyboardInterrupt), interrupts.held():
        ctrl_c()
        done.append("the write finished")
    assert done == ["the write finished"]
