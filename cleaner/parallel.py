"""Worker processes that each hold one compiled Cleaner, and an order-keeping bounded map.

On Linux, workers are forked after the parent compiled its Cleaner, so they inherit it ready to use;
elsewhere each worker compiles its own from the same configuration, once.
"""
from __future__ import annotations

import multiprocessing as mp
import signal
from collections import deque
from typing import Callable, Iterable, Iterator, Optional

_cleaner = None  # the worker's Cleaner (inherited on fork, built on first use otherwise)
_config: Optional[dict] = None
_counter = None  # shared (documents, bytes) for progress


def _init(config: dict, counter) -> None:
    global _config, _counter
    _config, _counter = config, counter
    # Ctrl-C is the parent's to handle: it stops the pool and says one line, with no worker tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def worker_cleaner():
    global _cleaner
    if _cleaner is None:
        from .api import Cleaner

        _cleaner = Cleaner(**(_config or {}), check=False)
    return _cleaner


def worker_clean() -> Callable:
    return worker_cleaner().clean


def tick(documents: int, nbytes: int) -> None:
    """Tell the parent's progress display how much a worker has done since its last tick."""
    if _counter is not None:
        with _counter.get_lock():
            _counter[0] += documents
            _counter[1] += nbytes


def make_pool(jobs: int, cleaner, config: dict, counter=None):
    """A pool whose workers clean with ``cleaner`` (or an equal one built from ``config``)."""
    global _cleaner
    ctx = _context()
    if ctx.get_start_method() == "fork":
        _cleaner = cleaner  # inherited by the forked workers
    return ctx.Pool(jobs, _init, (config, counter))


def new_counter():
    return _context().Array("q", 2)


def _context():
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")


def ordered_map(pool, fn: Callable, items: Iterable, window: int) -> Iterator:
    """Like pool.imap, but with at most ``window`` tasks in flight: memory stays bounded however
    long the input (pool.imap reads its whole input ahead)."""
    pending: deque = deque()
    for item in items:
        pending.append(pool.apply_async(fn, (item,)))
        if len(pending) >= window:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()
