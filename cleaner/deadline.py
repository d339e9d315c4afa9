"""One deadline for a whole text, so that each pattern call need not carry a time limit of its own.

A time limit on a ``regex`` call costs about 1.7 us, several times the cost of the search itself on a
short line, and a text makes dozens of calls. A single SIGALRM timer around the whole text (about
6 us to set and clear) protects as well: ``regex`` checks for signals while it backtracks, so a runaway pattern is interrupted. The
engine then cleans the text again with a limit on every call, which names the rule and the line.

The timer is only used where it cannot disturb anyone: in the main thread, where setitimer exists,
when SIGALRM has no handler and no timer is running. The previous handler is put back afterwards.
Elsewhere ``within`` arms nothing and says so.
"""
from __future__ import annotations

import signal
import threading
import time
from typing import Callable, Optional, TypeVar

from .model import CleanerError

T = TypeVar("T")


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


def within(seconds: float, work: Callable[[bool], T]) -> T:
    """``work(True)`` with a deadline of ``seconds`` (``Overrun`` if it passes), or ``work(False)``
    where no timer can be set."""
    global _armed
    if not _usable():
        return work(False)
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        _armed = True
        try:
            signal.setitimer(signal.ITIMER_REAL, seconds)
        except (OSError, ValueError):  # a platform or sandbox that refuses timers
            _armed = False
            return work(False)
        try:
            return work(True)
        finally:
            _armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous)


class Budget:
    """The limit on all the work of cleaning one text, Python included: three times the pattern
    timeout, plus 1 s, plus 5 s per million characters - room for a first attempt under the timer
    (the timeout plus 1 s per million characters) and a second one with a limit on each pattern
    call, which names a runaway pattern (its whole-text search and its line may each take a
    timeout) or finishes a slow text; the 1 s is slack for a busy machine. The engine checks it
    between steps (each rule, each line a rule tries); past it, it gives up with one line. Where no
    timer can be set (outside the main thread) it is the only limit on Python work."""

    __slots__ = ("ends", "seconds")

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise CleanerError(f"text not cleaned within {self.seconds:.3g}s, the limit for its size "
                               "(3 times the timeout, plus 1 s, plus 5 s per million characters)")


class Limits:
    """The limits a text is cleaned under, passed to all the work on it: ``timeout`` on each
    pattern call (None while one deadline covers the whole text) and the ``budget`` of all work."""

    __slots__ = ("timeout", "budget")

    def __init__(self, timeout: Optional[float], budget: Budget):
        self.timeout, self.budget = timeout, budget

    def call(self, rule, method, text: str, line_no: int):
        """Run one of ``rule``'s pattern methods, under the timeout if there is one; a runaway
        names the rule and the line."""
        if self.timeout is None:
            return method(text)
        try:
            return method(text, timeout=self.timeout)
        except TimeoutError:
            raise CleanerError(f"rule {rule.id!r} ({rule.where}): pattern timed out after "
                               f"{self.timeout:g}s on line {line_no}") from None
