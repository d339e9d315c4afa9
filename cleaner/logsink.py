"""Where the removal log goes: a file (written whole or not at all), stderr (``-``), or nowhere.

One JSON object a line and removal, with ``doc`` (the file name or the record's id) first; the same
encoder serves the text, folder and JSONL modes (``jsonl.log_records``).
"""
from __future__ import annotations

import contextlib
import sys
from typing import Optional

from .jsonl import log_records
from .textio import atomic_output


class LogSink:
    """The JSONL removal log: a file (whole or not at all), stderr (``-``), or nowhere."""

    def __init__(self, target: Optional[str], with_text: bool = True):
        self.path = target if target and target != "-" else None
        self.with_text = with_text
        self.wanted = bool(target)
        self._file = None
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> "LogSink":
        if self.path:
            self._file = self._stack.enter_context(atomic_output(self.path))
        return self

    def __exit__(self, *exc) -> None:
        self._stack.__exit__(*exc)

    def write(self, doc: str, removals, language=None) -> None:
        if self.wanted:
            self.write_bytes(log_records(doc, removals, self.with_text, language))

    def write_bytes(self, data: bytes) -> None:
        if self._file is not None:
            self._file.write(data)
        elif self.wanted:
            sys.stderr.write(data.decode("utf-8"))
