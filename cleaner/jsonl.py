"""JSONL corpora: one document a line, cleaned in a stream, in byte-range shards across processes.

A record keeps every field and their order; its text field is replaced by the clean text and the
removal log goes under ``metadata.cleaner`` - the record shape of datatrove and dolma. Both are
spliced into the record's own bytes, so every other byte stays as written (``1.10``, ``NaN``,
``\u00e9``), and a record with nothing removed is written back byte for byte. A bad record (not
JSON, no text field, text not a string or holding a lone surrogate) is reported with its line number
and passed through unchanged; the run goes on.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Iterator, Optional

import orjson

from .formats import compressed_writer, compression, open_in, read_lines
from .model import CleanerError
from .parallel import map_in_order, new_counter, tick
from .rawjson import replace_value, set_member
from .language import code_of
from .report import MAX_LISTED_ERRORS, RunStats
from .textio import atomic_output, temp_dir_near

BATCH_LINES = 2000


@dataclass
class Options:
    text_field: str = "text"
    id_field: str = "id"
    version: dict = field(default_factory=dict)  # {"cleaner": ..., "rules": ...}
    want_log: bool = False
    log_text: bool = True  # False: spans and rule ids only, without the removed text
    want_report: bool = False  # keep what --report shows (htmlreport.ReportData) in each chunk's stats
    repeated: Optional[str] = None  # the saved line counts of a first pass (--repeated), or None
    repeat_k: int = 3
    repeat_share: float = 0.1
    group_by: Optional[str] = None  # the field naming a record's group; None: the host of its URL
    lang_field: Optional[str] = None  # the field holding a record's language (ISO 639-1), if any


@dataclass
class ChunkResult:
    """What a worker hands back for a batch or a shard."""

    data: bytes = b""  # cleaned lines (batches only; shards write their own part files)
    log: bytes = b""
    lines: int = 0
    stats: RunStats = field(default_factory=RunStats)
    errors: list = field(default_factory=list)  # (line number within the chunk, message)


# --- one record ----------------------------------------------------------------------------

def metadata_log(version: dict, removals, with_text: bool = True, language: Optional[str] = None) -> dict:
    """The removal log as it goes under a record's ``metadata.cleaner`` (JSONL mode, datatrove step):
    spans in the original text, with the text removed, so the original can be rebuilt (without it,
    ``with_text=False``, the log is smaller and the spans still say what went). ``language``: the
    language whose packs ran, said only when one did."""
    return {**version, **({"language": language} if language else {}), "removals": [
        {"rule": r.rule, "category": r.category, "start": r.start, "end": r.end,
         **({"text": r.text} if with_text else {}), "replacement": r.replacement} for r in removals]}


def log_records(doc, removals, with_text: bool = True, language: Optional[str] = None) -> bytes:
    """The ``--log`` lines for one document (with the language whose packs ran, if one did)."""
    out = []
    for r in removals:
        entry = {"doc": doc, **({"language": language} if language else {}), **r.to_dict()}
        if not with_text:
            del entry["text"]
        out.append(_dumps(entry) + b"\n")
    return b"".join(out)


def version_of(cleaner) -> dict:
    from . import __version__

    return {"version": __version__, "rules": cleaner.fingerprint}


def _loads(line: bytes):
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line.decode("utf-8"))  # NaN, lone surrogates: what stdlib json accepts


def _dumps(record) -> bytes:
    try:
        return orjson.dumps(record)
    except TypeError:  # integers beyond 64 bits, lone surrogates
        try:
            return json.dumps(record, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(record).encode("ascii")


def _lone_surrogate(text: str) -> Optional[int]:
    """Where a lone surrogate (``"\\ud800"`` in the JSON) stands in the text: it is no character,
    so it can be neither cleaned nor written as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        return e.start
    return None


def _lookup(record: dict, dotted: str):
    """The dict holding the field and the field's last key, for a dotted path ("meta.text")."""
    keys = dotted.split(".")
    holder = record
    for k in keys[:-1]:
        holder = holder.get(k) if isinstance(holder, dict) else None
        if not isinstance(holder, dict):
            return None, keys[-1]
    return holder, keys[-1]


class BadRecord(ValueError):
    """A line that is no record to clean; its message says why, for ``FILE:LINE: message``."""


def read_record(line: bytes, opts: Options) -> tuple[dict, str, object]:
    """(record, its text, its id) for a record line, or BadRecord."""
    try:
        record = _loads(line)
    except (ValueError, UnicodeDecodeError) as e:
        raise BadRecord(f"not JSON ({str(e).splitlines()[0][:80]})") from None
    if not isinstance(record, dict):
        raise BadRecord("not a JSON object")
    holder, key = _lookup(record, opts.text_field)
    if holder is None or key not in holder:
        raise BadRecord(f"no field {opts.text_field!r}")
    text = holder[key]
    if not isinstance(text, str):
        raise BadRecord(f"field {opts.text_field!r} is {type(text).__name__}, not a string")
    bad = _lone_surrogate(text)
    if bad is not None:
        raise BadRecord(f"field {opts.text_field!r} holds a lone surrogate (\\u{ord(text[bad]):04x}) at character {bad}")
    id_holder, id_key = _lookup(record, opts.id_field)
    return record, text, id_holder.get(id_key) if id_holder is not None else None


def clean_line(clean: Callable, line: bytes, opts: Options, stats: RunStats) -> tuple[bytes, bytes, Optional[str]]:
    """(output line, log lines, error) for one input line. On error the line passes through."""
    if not line.strip():
        return line, b"", None
    try:
        record, text, doc = read_record(line, opts)
        result = clean(text, record_language(record, opts))
        if opts.repeated:
            from .repetition import group_of, remove_repeated

            result = remove_repeated(text, result, group_of(record, opts.group_by), _counts(opts.repeated),
                                     opts.repeat_k, opts.repeat_share, clean=clean)
    except (BadRecord, CleanerError) as e:
        return line, b"", str(e)
    stats.add_document(str(doc), text, result)
    if not result.removals:
        return line, b"", None
    if not isinstance(record.get("metadata", {}), dict):
        return line, b"", "field 'metadata' is not an object; cannot add the removal log"
    new = replace_value(line, opts.text_field.split("."), orjson.dumps(result.text))
    log = metadata_log(opts.version, result.removals, opts.log_text, result.language)
    new = set_member(new, ["metadata", "cleaner"], _dumps(log))
    return new, log_records(doc, result.removals, opts.log_text, result.language) if opts.want_log else b"", None


def record_language(record: dict, opts: Options) -> Optional[str]:
    """The record's own language (``--lang-field``), as an ISO 639-1 code; None: the Cleaner's."""
    if not opts.lang_field:
        return None
    holder, key = _lookup(record, opts.lang_field)
    return code_of(holder.get(key)) if holder is not None else None


_loaded_counts: dict = {}


def _counts(path: str):
    """The first pass's counts, loaded once per process (workers load their own from the file)."""
    if path not in _loaded_counts:
        from .repetition import RepeatedLines

        _loaded_counts.clear()
        _loaded_counts[path] = RepeatedLines.load(path)
    return _loaded_counts[path]


def changed_records(clean: Callable, lines, name: str, opts: Options, stats: RunStats) -> Iterator[tuple]:
    """(line number, id, text, result) of each record that cleaning changes, for ``check`` and
    ``--diff``; bad records are counted in ``stats`` as ``FILE:LINE: what``."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record, text, doc = read_record(line, opts)
            result = clean(text, record_language(record, opts))
        except (BadRecord, CleanerError) as e:
            stats.add_error(f"{name}:{n}: {e}")
            continue
        stats.add_document(str(doc), text, result)
        if result.removals:
            yield n, doc, text, result


def clean_lines(clean: Callable, lines, opts: Options, out: Optional[BinaryIO] = None,
                log_write: Optional[Callable[[bytes], None]] = None, tick: Optional[Callable] = None) -> ChunkResult:
    """Clean an iterable of lines; write to ``out``/``log_write`` if given, else collect into the result."""
    res = ChunkResult()
    if opts.want_report:
        from .htmlreport import ReportData

        res.stats.report = ReportData()
    data, logs = [], []
    done_docs = done_bytes = 0
    for n, line in enumerate(lines, 1):
        new, entry, error = clean_line(clean, line, opts, res.stats)
        if error:
            res.stats.error_count += 1
            if len(res.errors) < MAX_LISTED_ERRORS:
                res.errors.append((n, error))
        if out is not None:
            out.write(new)
        else:
            data.append(new)
        if entry:
            (log_write(entry) if log_write is not None else logs.append(entry))
        res.lines = n
        done_docs += 1
        done_bytes += len(line)
        if tick and done_docs >= 1000:
            tick(done_docs, done_bytes)
            done_docs = done_bytes = 0
    if tick:
        tick(done_docs, done_bytes)
    res.data, res.log = b"".join(data), b"".join(logs)
    return res


# --- shards of a plain file ------------------------------------------------------------------

def shard_bounds(path: str, n: int) -> list[tuple[int, int]]:
    """Byte ranges that start and end at line boundaries, about equal in size."""
    size = os.path.getsize(path)
    bounds = [0]
    with open(path, "rb") as f:
        for k in range(1, n):
            pos = max(size * k // n, bounds[-1])
            if pos <= 0:
                continue
            f.seek(pos - 1)
            f.readline()  # to the start of the next line
            bounds.append(min(f.tell(), size))
    bounds.append(size)
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def _read_range(path: str, start: int, end: int) -> Iterator[bytes]:
    with open(path, "rb") as f:
        f.seek(start)
        pos = start
        while pos < end:
            line = f.readline()
            if not line:
                break
            pos += len(line)
            yield line


@dataclass
class ShardTask:
    path: str
    start: int
    end: int
    part: str  # where the worker writes its cleaned lines
    log_part: Optional[str]
    compress: str  # "", ".gz" or ".zst"
    opts: Options

    def __call__(self, clean: Callable) -> ChunkResult:
        with open(self.part, "wb") as raw, compressed_writer(raw, self.compress) as out:
            with (open(self.log_part, "wb") if self.log_part else contextlib.nullcontext()) as log:
                return clean_lines(clean, _read_range(self.path, self.start, self.end), self.opts, out,
                                   log.write if log else None, tick)


def run_shard(task: ShardTask, clean: Callable) -> ChunkResult:
    return task(clean)


@dataclass
class BatchTask:
    lines: list
    opts: Options

    def __call__(self, clean: Callable) -> ChunkResult:
        return clean_lines(clean, self.lines, self.opts, tick=tick)


def run_batch(task: BatchTask, clean: Callable) -> ChunkResult:
    return task(clean)


def batches(stream: BinaryIO, opts: Options) -> Iterator[BatchTask]:
    lines: list = []
    size = 0
    for line in stream:
        lines.append(line)
        size += len(line)
        if len(lines) >= BATCH_LINES or size >= 8 << 20:
            yield BatchTask(lines, opts)
            lines, size = [], 0
    if lines:
        yield BatchTask(lines, opts)


def concatenate(parts: list[str], out: BinaryIO) -> None:
    for p in parts:
        with open(p, "rb") as f:
            shutil.copyfileobj(f, out, 1 << 20)


# --- a whole run ---------------------------------------------------------------------------

def run_jsonl(cleaner, in_path: str, out_path: Optional[str], opts: Options, jobs: int,
              log_write: Optional[Callable[[bytes], None]], progress, stdin: Optional[BinaryIO],
              stdout: Optional[BinaryIO]) -> RunStats:
    """Clean one JSONL corpus into ``out_path`` (None or "-": stdout). A file output appears whole
    or not at all (see ``textio.atomic_output``); a damaged input leaves it as it was."""
    opts.want_log = log_write is not None
    stats = RunStats()
    name = "<stdin>" if in_path == "-" else in_path
    to_file = out_path not in (None, "-")
    packed = compression(out_path) if to_file else ""
    sharded = jobs > 1 and in_path != "-" and not compression(in_path)
    scratch = temp_dir_near(out_path if to_file else None) if sharded else contextlib.nullcontext()
    with _input(in_path, stdin) as stream, _output(out_path, stdout) as raw, scratch as tmp:
        # Shards compress their own parts (gzip members, zstd frames); concatenated, one valid file.
        with compressed_writer(raw, "" if sharded else packed) as out:
            if jobs <= 1:
                res = clean_lines(cleaner.clean, read_lines(stream, name), opts, out, log_write, progress.add)
                _collect(stats, res, name, 0)
            elif sharded:
                _run_shards(cleaner, in_path, out, tmp, opts, jobs, log_write, progress, stats, packed)
            else:
                first = 0
                for res in map_in_order(run_batch, batches(read_lines(stream, name), opts), cleaner, jobs, 3 * jobs):
                    out.write(res.data)
                    if log_write and res.log:
                        log_write(res.log)
                    _collect(stats, res, name, first)
                    first += res.lines
                    progress.update(stats.documents, stats.bytes_in)
        raw.flush()
        progress.update(stats.documents, stats.bytes_in, force=True)
    return stats


def _run_shards(cleaner, in_path, out, tmp, opts, jobs, log_write, progress, stats, packed: str) -> None:
    """Each worker cleans a byte range of the file into a part file of its own; the parts are then
    joined in order."""
    bounds = shard_bounds(in_path, 2 * jobs)
    tasks = [ShardTask(in_path, a, b, os.path.join(tmp, f"part-{k:05d}"),
                       os.path.join(tmp, f"log-{k:05d}") if log_write else None, packed, opts)
             for k, (a, b) in enumerate(bounds)]
    counter = new_counter()
    first = 0
    for res in map_in_order(run_shard, tasks, cleaner, jobs, len(tasks), counter,
                            waiting=lambda: progress.update(counter[0], counter[1])):
        _collect(stats, res, in_path, first)
        first += res.lines
    concatenate([t.part for t in tasks], out)
    if log_write:
        for t in tasks:
            with open(t.log_part, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    log_write(chunk)


def _collect(stats: RunStats, res: ChunkResult, name: str, first_line: int) -> None:
    stats.merge(res.stats)  # the counts, every error included
    for n, message in res.errors:
        if len(stats.errors) < MAX_LISTED_ERRORS:
            stats.errors.append(f"{name}:{first_line + n}: {message}")


def _input(in_path: str, stdin: Optional[BinaryIO]):
    """The input stream; a file is closed after use, stdin is not."""
    if in_path == "-":
        if stdin is None:
            raise CleanerError("<stdin>: is closed; name an input file")
        return contextlib.nullcontext(stdin)
    return open_in(in_path)


def _output(out_path: Optional[str], stdout: Optional[BinaryIO]):
    """Where the cleaned corpus goes: a file, whole or not at all, or stdout."""
    if out_path not in (None, "-"):
        return atomic_output(out_path)
    if stdout is None:
        raise CleanerError("<stdout>: is closed; redirect it, or write to a file with -o where the command takes one")
    return contextlib.nullcontext(stdout)
