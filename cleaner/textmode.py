"""Plain text files: clean them to an output, rewrite them in place, or show what would change.

The text-mode counterpart of ``jsonl.py``: each function takes plain arguments (a Cleaner, paths,
where the log goes, the standard streams as functions that give them when first needed) and returns
its counts, so that the command line only parses options, picks streams and turns counts into exit
codes. Nothing here prints a summary; problems go into the RunStats.
"""
from __future__ import annotations

import contextlib
import os
from collections import Counter
from typing import BinaryIO, Callable, Iterator, Optional

from .corpus import describe, describe_change, find_files, run_files
from .diffview import colour_diff, unified_diff
from .formats import is_jsonl, open_in, read_lines
from .jsonl import Options, changed_records
from .model import CleanerError
from .report import Progress, RunStats
from .textio import atomic_output, check_targets, decode, read_text

Stream = Callable[[], BinaryIO]  # gives a standard stream when it is first needed (and fails then)


def read_inputs(paths: list, stdin: Stream) -> Iterator[tuple[str, str]]:
    """(name, text) for each operand; ``-`` is stdin."""
    for p in paths:
        if p == "-":
            yield "-", decode(stdin().read(), "<stdin>")
        else:
            yield p, read_text(p)


def progress_for(sink, **kw) -> Progress:
    """The progress bar, off when the log goes to stderr (its lines would run through the bar)."""
    return Progress(enabled=False if sink.wanted and not sink.path else None, **kw)


def clean_text(cleaner, paths: list, output: Optional[str], sink, stats: RunStats, stdin: Stream,
               stdout: Stream) -> RunStats:
    """Clean each file (``-``: stdin) into one output: ``output`` (written whole) or stdout."""
    folders = [p for p in paths if p != "-" and os.path.isdir(p)]
    if folders:
        raise CleanerError(f"{folders[0]}: is a folder; use --in-place to clean folders, or `cleaner check`")
    to_file = output and output != "-"
    with (atomic_output(output) if to_file else contextlib.nullcontext(stdout())) as out:
        for name, text in read_inputs(paths, stdin):
            result = cleaner.clean(text)
            out.write(result.text.encode("utf-8"))
            out.flush()
            sink.write(name, result.removals, result.language)
            stats.add_document(name, text, result)
    return stats


def clean_in_place(cleaner, paths: list, glob: str, jobs: int, sink, stats: RunStats, want_report: bool = False,
                   quiet: bool = False) -> int:
    """Rewrite each file (folders: the files under them matching ``glob``) that cleaning changes,
    atomically; returns how many changed. Each change is a line above the progress bar unless
    ``quiet``."""
    if "-" in paths:
        raise CleanerError("--in-place needs files or folders, not stdin")
    if any(os.path.isfile(p) and is_jsonl(p) for p in paths):
        raise CleanerError("--in-place is for text files; clean a JSONL corpus with -o OUT.jsonl")
    files = find_files(paths, glob)
    if sink.path:
        check_targets(files, {"--log": sink.path})

    changed = 0
    with progress_for(sink, total_bytes=sum(os.path.getsize(f) for f in files)) as progress:
        for outcome in run_files(cleaner, files, True, "", jobs, want_log=sink.wanted, want_report=want_report):
            stats.merge(outcome.stats)
            progress.update(stats.documents, stats.bytes_in)
            line = describe(outcome, "cleaned")
            if line:
                changed += 1
                if not quiet:
                    progress.print(line)
                sink.write(outcome.path, outcome.removals)
        progress.update(stats.documents, stats.bytes_in, force=True)
    return changed


def show_changes(cleaner, paths: list, jsonl: bool, glob: str, verb: str, diff: str, jobs: int, opts: Options,
                 stats: RunStats, stdin: Stream, stdout: Stream) -> int:
    """List (and with a ``diff`` style, "plain" or "colour", diff) what cleaning would change, on
    stdout; write nothing. Returns how many files or records would change."""
    changed = 0
    out = stdout()

    def say(text: str) -> None:
        out.write(text.encode("utf-8"))

    if jsonl:
        for path in paths:
            name = "<stdin>" if path == "-" else path
            stream = contextlib.nullcontext(stdin()) if path == "-" else open_in(path)
            with stream as f:
                for n, doc, text, result in changed_records(cleaner.clean, read_lines(f, name), name, opts, stats):
                    changed += 1
                    say(describe_change(verb, f"{name}:{n}", Counter(r.category for r in result.removals)) + "\n")
                    if diff:
                        say(diff_of(diff, text, result, f"{name}:{n}"))
    else:
        for name, text in read_inputs(["-"] if "-" in paths else [], stdin):
            result = cleaner.clean(text)
            stats.add_document(name, text, result)
            if result.removals:
                changed += 1
                say(describe_change(verb, name, Counter(r.category for r in result.removals)) + "\n")
                if diff:
                    say(diff_of(diff, text, result, name))
        files = find_files([p for p in paths if p != "-"], glob)
        for outcome in run_files(cleaner, files, False, diff, jobs):
            stats.merge(outcome.stats)
            line = describe(outcome, verb)
            if line:
                changed += 1
                say(line + "\n")
                say(outcome.diff)
    out.flush()
    return changed


def diff_of(style: str, text: str, result, name: str) -> str:
    """What cleaning changed in ``text``: coloured for people (``"colour"``) or a plain unified diff."""
    if style == "colour":
        return colour_diff(text, result.text, name, result.removals)
    return unified_diff(text, result.text, name)
