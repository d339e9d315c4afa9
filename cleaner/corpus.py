"""Files and folders: find them, clean them in place (atomically) or check them, in parallel.

A file with nothing to remove is never written: its content and mtime stay as they were.
"""
from __future__ import annotations

import fnmatch
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Optional

from .model import CleanerError
from .report import RunStats
from .diffview import colour_diff, unified_diff
from .textio import TEMP_PREFIX, read_text, write_atomic


@dataclass
class FileOutcome:
    path: str
    changed: bool = False
    by_category: Counter = field(default_factory=Counter)
    stats: RunStats = field(default_factory=RunStats)
    diff: str = ""
    error: str = ""
    removals: tuple = ()  # kept only when a log is wanted


def find_files(paths: Iterable[str], pattern: str = "*.txt") -> list[str]:
    """Files named, and files under folders named whose name matches ``pattern``, in a stable order.

    A symlink under a folder is followed only if it points inside that folder: cleaning in place
    must never write outside the tree it was given.
    """
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            root = os.path.realpath(p)
            for folder, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if _inside(os.path.join(folder, d), root) and not d.startswith("."))
                for name in sorted(files):
                    full = os.path.join(folder, name)
                    if (fnmatch.fnmatch(name, pattern) and not name.startswith(TEMP_PREFIX)
                            and _inside(full, root) and os.path.isfile(full)):
                        out.append(full)
        elif os.path.isfile(p):
            out.append(p)
        else:
            raise CleanerError(f"{p}: no such file or folder")
    return out


def _inside(path: str, root: str) -> bool:
    real = os.path.realpath(path)
    return real == root or real.startswith(root + os.sep)


def process_file(clean: Callable, path: str, write: bool, diff: str = "", want_log: bool = False,
                 want_report: bool = False) -> FileOutcome:
    """Clean one file; write it back only if ``write`` and something changed.

    A file counts as cleaned only once its new content is in place; a symlink is written through
    to its target."""
    outcome = FileOutcome(path)
    if want_report:
        from .htmlreport import ReportData

        outcome.stats.report = ReportData()
    try:
        text = read_text(path)
        result = clean(text)
        if write and result.removals:
            write_atomic(path, result.text)
    except (CleanerError, OSError) as e:
        message = str(e) if isinstance(e, CleanerError) else f"cannot write: {e.strerror}"
        outcome.error = message if message.startswith(path) else f"{path}: {message}"
        outcome.stats.add_error(outcome.error)
        return outcome
    outcome.stats.add_document(path, text, result)
    if not result.removals:
        return outcome
    outcome.changed = True
    outcome.by_category.update(r.category for r in result.removals)
    if want_log:
        outcome.removals = result.removals
    if diff:  # "plain", or "colour" for a terminal
        outcome.diff = (colour_diff(text, result.text, path, result.removals) if diff == "colour"
                        else unified_diff(text, result.text, path))
    return outcome


def run_files(cleaner, paths: list[str], write: bool, diff: str, jobs: int,
              want_log: bool = False, want_report: bool = False) -> Iterator[FileOutcome]:
    """Outcomes in input order; with jobs > 1, files are cleaned in worker processes."""
    from .parallel import map_in_order

    return map_in_order(_FileTask(write, diff, want_log, want_report), paths, cleaner, min(jobs, len(paths)))


class _FileTask:
    """Picklable: runs in this process or in a worker holding its own compiled Cleaner."""

    def __init__(self, write: bool, diff: str, want_log: bool, want_report: bool = False):
        self.write, self.diff, self.want_log, self.want_report = write, diff, want_log, want_report

    def __call__(self, path: str, clean: Callable) -> FileOutcome:
        return process_file(clean, path, self.write, self.diff, self.want_log, self.want_report)


def describe(outcome: FileOutcome, verb: str) -> Optional[str]:
    """`would clean a.txt (captions 2, navigation 1)` - pre-commit-hooks style, one line a file."""
    return describe_change(verb, outcome.path, outcome.by_category) if outcome.changed else None


def describe_change(verb: str, name: str, by_category: Counter) -> str:
    counts = ", ".join(f"{k} {v}" for k, v in sorted(by_category.items()))
    return f"{verb} {name} ({counts})"
