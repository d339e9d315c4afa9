"""Worker processes that each hold one compiled Cleaner, and one order-keeping bounded map over them.

On Linux, workers are forked after the parent compiled its Cleaner, so they inherit it ready to use;
elsewhere each worker compiles its own from the Cleaner's configuration, once.

A task is ``task(item, clean) -> result``: the same function runs in this process (``jobs <= 1``) or
in a worker, where ``clean`` is the worker's own Cleaner. Folders, JSONL batches and shards, and
``eval`` all go through ``map_in_order``.
"""
from __future__ import annotations

import multiprocessing as mp
import signal
from collections import deque
from typing import Callable, Iterable, Iterator, Optional

_cleaner = None  # the worker's Cleaner (inherited on fork, built on first use otherwise)
_config = None  # the CleanerConfig it is built from
_counter = None  # shared (documents, bytes) for progress


def _init(config, counter) -> None:
    global _config, _counter
    _config, _counter = config, counter
    # Ctrl-C is the parent's to handle: it stops the pool and says one line, with no worker tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker_clean() -> Callable:
    global _cleaner
    if _cleaner is None:
        from .api import Cleaner

        _cleaner = Cleaner.from_config(_config, check=False)
    return _cleaner.clean


def _run_task(task: Callable, item):
    return task(item, _worker_clean())


def tick(documents: int, nbytes: int) -> None:
    """Tell the parent's progress display how much a worker has done since its last tick."""
    if _counter is not None:
        with _counter.get_lock():
            _counter[0] += documents
            _counter[1] += nbytes


def new_counter():
    return _context().Array("q", 2)


def _context():
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")


def map_in_order(task: Callable, items: Iterable, cleaner, jobs: int, window: Optional[int] = None,
                 counter=None, waiting: Optional[Callable[[], None]] = None) -> Iterator:
    """``task(item, clean)`` for every item, results in input order.

    With ``jobs > 1`` the tasks run in a pool of worker processes with at most ``window`` tasks in
    flight, so memory stays bounded however long the input (``Pool.imap`` reads all of it ahead);
    ``waiting`` is called about five times a second while the next result is not ready (progress).
    """
    if jobs <= 1:
        for item in items:
            yield task(item, cleaner.clean)
        return
    global _cleaner
    ctx = _context()
    if ctx.get_start_method() == "fork":
        _cleaner = cleaner  # inherited by the forked workers
    pool = ctx.Pool(jobs, _init, (cleaner.config, counter))
    try:
        pending: deque = deque()
        for item in items:
            pending.append(pool.apply_async(_run_task, (task, item)))
            if len(pending) >= (window or 4 * jobs):
                yield _result(pending.popleft(), waiting)
        while pending:
            yield _result(pending.popleft(), waiting)
    finally:
        pool.terminate()


def _result(pending, waiting):
    if waiting is not None:
        while not pending.ready():
            pending.wait(0.2)
            waiting()
    return pending.get()
