"""Corpus files by name and content: JSON Lines or text; plain, gzip or zstd.

JSON Lines is known by name (``.jsonl``, ``.ndjson``, ``.json`` with one object a line, each also
``.gz`` or ``.zst``, as datatrove and dolma write them) and, where the name says nothing, by a first
line that is a JSON object. Parquet is refused rather than misread or silently written as JSONL.
"""
from __future__ import annotations

import contextlib
import gzip
import io
import json
import zlib
from typing import BinaryIO, Iterator

from .model import CleanerError

JSONL_NAMES = (".jsonl", ".ndjson", ".json")
COMPRESSIONS = ("", ".gz", ".zst")
TEXT_NAMES = (".txt", ".text", ".md")
SNIFF_BYTES = 1 << 16


def compression(path: str) -> str:
    """``".gz"``, ``".zst"`` or ``""``, by the file name."""
    name = path.lower()
    return next((c for c in COMPRESSIONS[1:] if name.endswith(c)), "")


def _stem(path: str) -> str:
    name = path.lower()
    c = compression(name)
    return name[: len(name) - len(c)] if c else name


def refuse_parquet(path: str) -> None:
    if _stem(path).endswith(".parquet"):
        raise CleanerError(f"{path}: Parquet is not read or written; use JSON Lines (.jsonl, .jsonl.gz, "
                           ".jsonl.zst) - datatrove's ParquetReader/JsonlWriter convert")


def is_jsonl(path: str) -> bool:
    """Whether a corpus file holds JSON Lines: by its name, else by its first line."""
    refuse_parquet(path)
    stem = _stem(path)
    if stem.endswith(TEXT_NAMES):
        return False
    if stem.endswith(JSONL_NAMES):
        if stem.endswith(".json") and not _first_line_is_object(path):
            raise CleanerError(f"{path}: not JSON Lines (one JSON object a line); a single JSON document "
                               "is not a corpus")
        return True
    return _first_line_is_object(path)


def _first_line_is_object(path: str) -> bool:
    try:
        with open_in(path) as f:
            head = f.read(SNIFF_BYTES)
    except (CleanerError, OSError, EOFError, zlib.error):
        return False
    first = next((line for line in head.split(b"\n") if line.strip()), b"")
    if not first.lstrip().startswith(b"{"):
        return False
    try:
        return isinstance(json.loads(first), dict)
    except ValueError:
        return False


def open_in(path: str) -> BinaryIO:
    """A corpus file's bytes, decompressed by its name."""
    try:
        raw = open(path, "rb")
    except OSError as e:
        raise CleanerError(f"{path}: cannot read: {e.strerror}") from None
    kind = compression(path)
    if kind == ".gz":
        raw.close()
        return gzip.open(path, "rb")
    if kind == ".zst":
        import zstandard

        # Parallel runs write one frame a shard: read across frames, as the zstd tool does.
        reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True, closefd=True)
        return io.BufferedReader(reader)
    return raw


@contextlib.contextmanager
def compressed_writer(raw: BinaryIO, kind: str) -> Iterator[BinaryIO]:
    """A writer that compresses onto ``raw`` (left open); ``kind`` as ``compression`` gives it."""
    if kind == ".gz":
        # No file name or time in the header, so equal runs give equal bytes.
        with gzip.GzipFile(filename="", mode="wb", compresslevel=6, fileobj=raw, mtime=0) as out:
            yield out
    elif kind == ".zst":
        import zstandard

        with zstandard.ZstdCompressor(level=3).stream_writer(raw, closefd=False) as out:
            yield out
    else:
        yield raw


def read_lines(stream: BinaryIO, name: str) -> Iterator[bytes]:
    """The lines of an input; a damaged compressed file is a one-line error, not a traceback."""
    try:
        yield from stream
    except EOFError:
        raise CleanerError(f"{name}: truncated compressed file (it ends before its end marker)") from None
    except (gzip.BadGzipFile, zlib.error) as e:
        raise CleanerError(f"{name}: not a valid gzip file ({e})") from None
    except OSError as e:
        raise CleanerError(f"{name}: cannot read: {e.strerror or e}") from None
    except Exception as e:  # zstandard.ZstdError, raised only when zstd is in use
        if type(e).__name__ != "ZstdError":
            raise
        raise CleanerError(f"{name}: not a valid zstd file ({e})") from None
