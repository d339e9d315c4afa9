"""One deadline for a whole text, so that each pattern call need not carry a time limit of its own.

A time limit on a ``regex`` call costs about 1.7 us, several times the cost of the search itself on a
short line, and a text makes dozens of calls. A single SIGALRM timer around the whole text protects
as well: ``regex`` checks for signals while it backtracks, so a runaway pattern is interrupted. The
engine then cleans the text again with a limit on every call, which names the rule and the line.

The timer is only used where it cannot disturb anyone: in the main thread, where setitimer exists,
when SIGALRM has no handler and no timer is running. The previous handler is put back afterwards.
Elsewhere ``deadline`` arms nothing and says so.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator


class Overrun(BaseException):
    """The deadline passed. A BaseException, so that no ``except Exception`` on the way swallows it."""


_armed = False


def _on_alarm(signum, frame) -> None:
    if _armed:  # a signal that arrives just after the work is done is ignored
        raise Overrun


def _usable() -> bool:
    return (hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGALRM) is signal.SIG_DFL
            and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0))


@contextmanager
def deadline(seconds: float) -> Iterator[bool]:
    """Raise ``Overrun`` in the body if it runs longer than ``seconds``; yields whether a timer was armed."""
    global _armed
    if not _usable():
        yield False
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        _armed = True
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield True
        finally:
            _armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous)
