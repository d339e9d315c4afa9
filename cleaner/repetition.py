"""Repetition as a rule: lines that stand on many pages of one site, counted in a first pass over a
corpus and removed in a second, after the rule engine.

First pass (``count_corpus``, ``LineCounter``): every page adds each of its distinct normalised
lines once to its group (a site: the host of a URL field, or any field). What is written is one
64-bit key a (group, line) pair, plus one key a page for its group, spilled to sharded temporary
files under a scratch folder; ``finish`` then counts shard by shard (a shard too big for the memory
budget is split again by more bits of the key), so memory stays bounded whatever the corpus size.
Only pairs seen on at least 2 pages are kept: ``RepeatedLines`` is two sorted arrays (12 bytes a
kept pair), picklable, saved to and loaded from one file.

Second pass (``remove_repeated``): a line of the engine's output goes when all of these hold:

- it stands on at least ``k`` pages of its group (default 3) and on at least ``share`` of the
  group's pages (default 0.1: a line on 3 of 200 pages of a big site is a coincidence, not furniture);
- it is not prose (``is_prose``): fewer than ``PROSE_WORDS`` (12) words, and not a sentence - ending
  in . ! ? ; or … (before closing quotes) - of ``SENTENCE_WORDS`` (6) words or more. A colon does not
  end a sentence here: ``Share via:`` and ``Posted in:`` are furniture. Repeated prose (a
  disclaimer, an author's bio, a column's recurring paragraph) stays: without an article span (a
  later issue) there is no telling whether it stands inside the article;
- it is not a dateline (``OSLO, NORWAY``: a place in capitals opens a press release's body);
- it does not follow unrepeated text with more unrepeated text (or the end of the page) after it:
  the nearest non-blank line above is on fewer than 2 pages, and so is the one below, or there is
  none. Such a line is a subheading (``Method:``), a list number or a sign-off (``-Sam``);
- inside the page's span of unrepeated prose (between its first and last line of prose on fewer
  than 2 pages) it needs ``k + 1`` pages: a block that two pages of a series share (an event's
  dates and prices) sits inside the article; furniture mostly stands around it.

Measured with ``benchmarks/bench_repeated.py`` (the issue's runs use K=2), after the default rules:

| set | residue-line recall | added lines | body among them | precision |
|---|---|---|---|---|
| dev2 (1,271 pages, grouped by ``site``) | 0.439 -> 0.542 (+0.103) | 1,186 | 40 | 0.966 |
| dev (159 pages, by URL host: 2 pages a site at most) | 0.815 -> 0.831 (+0.016) | 49 | 0 | 1.000 |

Against the plain test (on >= 2 pages and not [ending in . ! ? : ; or … with >= 8 words]: +0.132 at
0.86 on dev2, 0.64 on dev), the neighbour test removed most false positives (section headings,
list numbers, sign-offs between or after the article's paragraphs), the span test the shared
event block on dev, the dateline the last one there. Digits count as one (``12 comments`` = ``3
comments``): +0.006 recall on dev2 at the same precision. Most of the 40 body lines left on dev2 are
gold noise: an author's name and handle under every post, a recipe's source credit, an ad label,
a timeline widget's heading; the real losses are repeated section headings (a recurring question
as a heading, a recipe's section heading next to repeated recipe lines).

Each removal is logged under rule ``repeated-in-site``, category ``repeated``, with the count as
detail (``on 5 of 12 pages of example.com``). The removals returned are one exact patch of the
original text: the engine's removals merged with the new ones (an engine edit inside a removed line
folds into the removal, as the engine itself does), sorted and non-overlapping. A removed line takes
blank lines with it so that no doubled blank line, nor a blank line at the top or bottom, is left;
a text with no final newline keeps none. Removal runs in rounds until nothing changes, so removing
again with the same counts removes nothing more.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import unicodedata
from array import array
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Optional
from urllib.parse import urlsplit

import re

import regex

from .model import CleanResult, Removal

RULE_ID = "repeated-in-site"
CATEGORY = "repeated"

#: Defaults, chosen from the measurements described in the module docstring.
DEFAULT_K = 3
DEFAULT_SHARE = 0.1
PROSE_WORDS = 12  # this many words or more: prose, whatever its end
SENTENCE_WORDS = 6  # ends like a sentence (. ! ? ; or …) and has this many words or more: prose

SHARDS = 64
SHARD_LIMIT = 1 << 21  # bytes of keys (256k keys) counted at once; a bigger shard is split again
_BUFFER = 1 << 15  # bytes a shard buffers before it is written

_MASK = (1 << 64) - 1
_GROUP_LINE = 0x5D1E_9A37_C0FF_EE01  # the "line" of a group's page count


# --- groups and lines ---------------------------------------------------------------------

_URLISH = regex.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//[^/\s]+|^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:[:/].*)?$", regex.I)


def _get(record: dict, dotted: str):
    value = record
    for key in dotted.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def host_of(url: str) -> Optional[str]:
    """The host of a URL, lower-cased, without a leading ``www.``; None if there is none."""
    url = url.strip()
    if "//" not in url:
        url = "//" + url
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def group_of(record: dict, field: Optional[str]) -> Optional[str]:
    """The group of a record. With ``field`` None: the host of ``url``, else of ``metadata.url``.
    With a field (a dotted path): the host if its value looks like a URL, else the value itself
    (a string, or a number as written); None when the record has no usable value."""
    if field is None:
        for name in ("url", "metadata.url"):
            value = _get(record, name)
            if isinstance(value, str) and value.strip():
                host = host_of(value)
                if host:
                    return host
        return None
    value = _get(record, field)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    if "://" in value or value.startswith("//"):
        return host_of(value) or value
    return value


_SPACE = regex.compile(r"\s+")
_DIGITS = re.compile(r"\d+")


def normalise_line(line: str) -> str:
    """A line as it is counted: NFKC, lower-cased, every run of digits as ``0``, runs of white space
    (NBSP too) as one space, trimmed. ``12 Comments`` and ``3 comments`` count as one line."""
    if not line.isascii():
        line = unicodedata.normalize("NFKC", line)
    line = " ".join(line.lower().split())
    return _DIGITS.sub("0", line) if _HAS_DIGIT(line) else line


def _HAS_DIGIT(text: str) -> bool:
    return _DIGITS.search(text) is not None


def hash64(text: str) -> int:
    """A stable 64-bit hash (BLAKE2b), the same in every process and run."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def line_hash(line: str) -> int:
    """The stable 64-bit hash of a line's normalised form."""
    return hash64(normalise_line(line))


def _mix(group_hash: int, line_h: int) -> int:
    """One 64-bit key for a (group, line) pair (splitmix64's finaliser over both)."""
    z = (group_hash * 0x9E3779B97F4A7C15 + line_h) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def page_keys(group: str, text: str) -> array:
    """The keys one page adds: one a distinct non-blank line, and its group's page key."""
    g = hash64(group)
    lines = {normalise_line(t) for t in text.split("\n")}
    lines.discard("")
    keys = array("Q", (_mix(g, hash64(t)) for t in lines))
    keys.append(_mix(g, _GROUP_LINE))
    return keys


# --- the counts ---------------------------------------------------------------------------

class RepeatedLines:
    """How many pages of its group each line stands on, for lines on 2 pages or more.

    Two sorted arrays (keys, counts): small, picklable (forked workers inherit it), saved to one
    file with ``save`` and read back with ``RepeatedLines.load``.
    """

    def __init__(self, keys: Optional[array] = None, counts: Optional[array] = None):
        self.keys = keys if keys is not None else array("Q")
        self.counts = counts if counts is not None else array("I")
        self._group_cache: dict = {}

    def __len__(self) -> int:
        return len(self.keys)

    def _count(self, key: int) -> int:
        i = bisect_left(self.keys, key)
        return self.counts[i] if i < len(self.keys) and self.keys[i] == key else 0

    def pages(self, group: str, line: str) -> int:
        """On how many pages of ``group`` the line stands (0 when on fewer than 2)."""
        return self._count(_mix(self._group_hash(group), hash64(normalise_line(line))))

    def group_pages(self, group: str) -> int:
        """How many pages ``group`` has (0 for a group of fewer than 2 pages, or unknown)."""
        return self._count(_mix(self._group_hash(group), _GROUP_LINE))

    def _group_hash(self, group: str) -> int:
        h = self._group_cache.get(group)
        if h is None:
            if len(self._group_cache) > 10000:
                self._group_cache.clear()
            h = self._group_cache[group] = hash64(group)
        return h

    def __getstate__(self):
        return {"keys": self.keys, "counts": self.counts}

    def __setstate__(self, state):
        self.keys, self.counts, self._group_cache = state["keys"], state["counts"], {}

    def __eq__(self, other) -> bool:
        return isinstance(other, RepeatedLines) and self.keys == other.keys and self.counts == other.counts

    _MAGIC = b"cleaner-repeated-lines/1\n"

    def save(self, path: str) -> str:
        """Write the counts to ``path``: a file, or a folder (then ``path/repeated-lines.bin``).
        Written beside its name and renamed, so a reader never sees half a file."""
        if os.path.isdir(path):
            path = os.path.join(path, "repeated-lines.bin")
        tmp = f"{path}.tmp-{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(self._MAGIC)
            f.write(len(self.keys).to_bytes(8, "little"))
            _little(self.keys).tofile(f)
            _little(self.counts).tofile(f)
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path: str) -> "RepeatedLines":
        """Read counts written by ``save`` (a file, or the folder it was saved in)."""
        if os.path.isdir(path):
            path = os.path.join(path, "repeated-lines.bin")
        with open(path, "rb") as f:
            if f.read(len(cls._MAGIC)) != cls._MAGIC:
                raise ValueError(f"{path}: not a file of repeated-line counts")
            n = int.from_bytes(f.read(8), "little")
            keys, counts = array("Q"), array("I")
            keys.fromfile(f, n)
            counts.fromfile(f, n)
        return cls(_little(keys), _little(counts))


def _little(a: array) -> array:
    """The array in little-endian byte order (the files' order) - a copy on big-endian machines."""
    import sys

    if sys.byteorder == "little":
        return a
    b = array(a.typecode, a)
    b.byteswap()
    return b


class LineCounter:
    """The first pass's counter: ``add(group, text)`` a page at a time, then ``finish()``.

    Keys go to ``shards`` files under ``folder`` (created; removed by ``finish`` unless
    ``keep=True``), so memory stays bounded. For N worker processes, give each its own counter (its
    own folder, the same ``shards``), ``close()`` each, and count them together with
    ``LineCounter.combine(folders)``; ``merge(other)`` does the same for counters in one process.
    """

    def __init__(self, folder: str, shards: int = SHARDS):
        self.folder = folder
        self.shards = shards
        os.makedirs(folder, exist_ok=True)
        self._buf = [array("Q") for _ in range(shards)]
        self._extra: list[str] = []  # folders of merged counters
        self.pages = 0

    def add(self, group: Optional[str], text: str) -> None:
        """Count one page: each of its distinct non-blank lines once, under ``group`` (None: skipped)."""
        if group is None:
            return
        self.pages += 1
        buf, n = self._buf, self.shards
        for key in page_keys(group, text):
            b = buf[(key >> 40) % n]
            b.append(key)
            if len(b) * 8 >= _BUFFER:
                self._flush((key >> 40) % n)

    def add_keys(self, keys: array) -> None:
        """Count keys made elsewhere (``page_keys`` in a worker)."""
        buf, n = self._buf, self.shards
        for key in keys:
            b = buf[(key >> 40) % n]
            b.append(key)
            if len(b) * 8 >= _BUFFER:
                self._flush((key >> 40) % n)

    def _flush(self, i: int) -> None:
        b = self._buf[i]
        if b:
            with open(self._shard(self.folder, i), "ab") as f:
                _little(b).tofile(f)
            self._buf[i] = array("Q")

    @staticmethod
    def _shard(folder: str, i: int) -> str:
        return os.path.join(folder, f"shard-{i:04d}.keys")

    def close(self) -> str:
        """Write what is buffered; the folder then holds this counter's whole part."""
        for i in range(self.shards):
            self._flush(i)
        return self.folder

    def merge(self, other: "LineCounter") -> None:
        """Count another counter's pages with this one's at ``finish`` (same ``shards``)."""
        if other.shards != self.shards:
            raise ValueError("counters to merge need the same number of shards")
        self._extra.append(other.close())
        self.pages += other.pages

    def finish(self, keep: bool = False) -> RepeatedLines:
        """Count every shard (this counter's and merged ones') into a ``RepeatedLines``."""
        self.close()
        out = LineCounter.combine([self.folder, *self._extra], self.shards)
        if not keep:
            for folder in [self.folder, *self._extra]:
                shutil.rmtree(folder, ignore_errors=True)
        return out

    @staticmethod
    def combine(folders: Iterable[str], shards: int = SHARDS, limit: int = SHARD_LIMIT) -> RepeatedLines:
        """Count the closed parts of several counters (their folders) together, shard by shard."""
        folders = list(folders)
        keys, counts = array("Q"), array("I")
        # Shard i holds keys whose bits 40.. are i mod shards: the shards are not ranges of the key,
        # so each shard's kept keys are collected, then all sorted once (only the repeated are kept).
        kept: list[tuple[int, int]] = []
        for i in range(shards):
            files = [p for p in (LineCounter._shard(f, i) for f in folders) if os.path.exists(p)]
            kept.extend(_count_files(files, limit, depth=0))
        kept.sort()
        for k, c in kept:
            keys.append(k)
            counts.append(min(c, 0xFFFFFFFF))
        return RepeatedLines(keys, counts)


def _count_files(files: list[str], limit: int, depth: int) -> Iterator[tuple[int, int]]:
    """(key, count) for keys seen twice or more in these files; a part bigger than ``limit`` bytes
    is split by further bits of the key first, so no more than about ``limit`` is held at once."""
    size = sum(os.path.getsize(p) for p in files)
    if size <= limit or depth >= 6:
        c: Counter = Counter()
        for p in files:
            a = array("Q")
            with open(p, "rb") as f:
                a.frombytes(f.read())
            c.update(_little(a))
            del a
        yield from ((k, n) for k, n in c.items() if n >= 2)
        return
    ways = min(256, 2 * -(-size // limit))
    folder = files[0] + f".split{depth}"
    os.makedirs(folder, exist_ok=True)
    parts = [os.path.join(folder, f"{j:04d}.keys") for j in range(ways)]
    shift = 8 + 8 * depth  # the low bits: independent of the bits that chose the shard
    bufs = [array("Q") for _ in range(ways)]
    for p in files:
        with open(p, "rb") as f:
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                a = array("Q")
                a.frombytes(chunk)
                for key in _little(a):
                    bufs[(key >> shift) % ways].append(key)
                for j, b in enumerate(bufs):
                    if len(b) * 8 >= _BUFFER:
                        with open(parts[j], "ab") as out:
                            _little(b).tofile(out)
                        bufs[j] = array("Q")
    for j, b in enumerate(bufs):
        if b:
            with open(parts[j], "ab") as out:
                _little(b).tofile(out)
    del bufs
    try:
        for part in parts:
            if os.path.exists(part):
                yield from _count_files([part], limit, depth + 1)
                os.remove(part)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- the first pass over a JSONL corpus -------------------------------------------------------

class _NoCleaner:
    """What ``map_in_order`` wants of a cleaner, for tasks that clean nothing."""

    def __init__(self):
        from .api import CleanerConfig

        self.config = CleanerConfig()
        self.clean = None


def _record_keys(line: bytes, text_field: str, group_field: Optional[str]) -> Optional[array]:
    from .jsonl import BadRecord, Options, read_record

    if not line.strip():
        return None
    try:
        record, text, _ = read_record(line, Options(text_field=text_field))
    except BadRecord:
        return None  # the second pass reports it
    group = group_of(record, group_field)
    return None if group is None else page_keys(group, text)


@dataclass
class _RangeTask:
    path: str
    start: int
    end: int
    folder: str
    shards: int
    text_field: str
    group_field: Optional[str]


def _count_range(task: _RangeTask, clean=None) -> str:
    from .jsonl import _read_range

    counter = LineCounter(task.folder, task.shards)
    for line in _read_range(task.path, task.start, task.end):
        keys = _record_keys(line, task.text_field, task.group_field)
        if keys is not None:
            counter.add_keys(keys)
    return counter.close()


@dataclass
class _BatchTask:
    lines: list
    text_field: str
    group_field: Optional[str]


def _batch_keys(task: _BatchTask, clean=None) -> bytes:
    out = array("Q")
    for line in task.lines:
        keys = _record_keys(line, task.text_field, task.group_field)
        if keys is not None:
            out.extend(keys)
    return out.tobytes()


def count_corpus(path: str, text_field: str = "text", group_field: Optional[str] = None, jobs: int = 1,
                 scratch: Optional[str] = None, shards: int = SHARDS) -> RepeatedLines:
    """The first pass over a JSONL corpus (plain, .gz or .zst): how many pages of its group each line
    stands on. Streams; keys spill to ``scratch`` (a folder, created if needed, left as it was found;
    default: a temporary folder of the system's). ``jobs > 1``: a plain file is cut into
    byte-range shards, one worker each; a compressed one is read here and hashed by the workers in
    batches. Bad records are skipped silently (the second pass reports them)."""
    import tempfile

    from .formats import compression, open_in, read_lines
    from .parallel import map_in_order

    own = scratch is None
    scratch = scratch or tempfile.mkdtemp(prefix=".cleaner-count-")
    os.makedirs(scratch, exist_ok=True)
    base = tempfile.mkdtemp(prefix="count-", dir=scratch)
    try:
        if jobs > 1 and not compression(path):
            from .jsonl import shard_bounds

            bounds = shard_bounds(path, jobs * 4)
            tasks = [_RangeTask(path, a, b, os.path.join(base, f"part-{n:04d}"), shards, text_field, group_field)
                     for n, (a, b) in enumerate(bounds)]
            folders = list(map_in_order(_count_range, tasks, _NoCleaner(), jobs))
            return LineCounter.combine(folders, shards)
        counter = LineCounter(os.path.join(base, "part-main"), shards)
        with open_in(path) as stream:
            lines = read_lines(stream, path)
            if jobs <= 1:
                for line in lines:
                    keys = _record_keys(line, text_field, group_field)
                    if keys is not None:
                        counter.add_keys(keys)
            else:
                for blob in map_in_order(_batch_keys, _batches(lines, text_field, group_field), _NoCleaner(), jobs):
                    keys = array("Q")
                    keys.frombytes(blob)
                    counter.add_keys(keys)
        return counter.finish(keep=True)
    finally:
        shutil.rmtree(scratch if own else base, ignore_errors=True)


def _batches(lines, text_field, group_field, size: int = 4 << 20) -> Iterator[_BatchTask]:
    batch, n = [], 0
    for line in lines:
        batch.append(line)
        n += len(line)
        if n >= size or len(batch) >= 2000:
            yield _BatchTask(batch, text_field, group_field)
            batch, n = [], 0
    if batch:
        yield _BatchTask(batch, text_field, group_field)


# --- the second pass: one page --------------------------------------------------------------

_WORD = regex.compile(r"\w+")
_CLOSERS = "\"'’”»)]}*_"


def _ends_sentence(text: str) -> bool:
    t = text.rstrip().rstrip(_CLOSERS)
    return bool(t) and t[-1] in ".!?;…"


def is_prose(line: str) -> bool:
    """A line that reads as article text: ``PROSE_WORDS`` words or more, or a sentence end with
    ``SENTENCE_WORDS`` words or more."""
    n = len(line.split())
    return n >= PROSE_WORDS or (n >= SENTENCE_WORDS and _ends_sentence(line))


def not_prose(line: str) -> bool:
    return not is_prose(line)


def _line_table(text: str) -> list[tuple[int, int, int]]:
    """(start, content end, end past the line ending) of each line of ``text``."""
    out, pos = [], 0
    n = len(text)
    while True:
        nl = text.find("\n", pos)
        if nl < 0:
            out.append((pos, n, n))
            break
        end = nl - 1 if nl > pos and text[nl - 1] == "\r" else nl
        out.append((pos, end, nl + 1))
        pos = nl + 1
    if out and out[-1][0] == n and len(out) > 1:  # the empty piece after a final newline
        out.pop()
    return out


_DATELINE = regex.compile(r"^[\p{Lu}][\p{Lu}.'’ -]*,(?: [\p{Lu}][\p{Lu}.'’ -]*)+(?:\s*[-–—(].*)?$")


def is_dateline(line: str) -> bool:
    """``OSLO, NORWAY``: a place in capitals that opens an article - its first words, not a
    page's furniture, however often a site repeats it."""
    t = line.strip()
    return len(t.split()) <= 6 and _DATELINE.match(t) is not None


def choose_lines(lines: list[str], group: str, repeated: RepeatedLines, k: int = DEFAULT_K,
                 share: float = DEFAULT_SHARE, memo: Optional[dict] = None) -> dict[int, tuple[int, int]]:
    """Line index -> (pages, group pages) for the lines of one page (the engine's output, split at
    "\n") that go; see the module docstring for the test."""
    gp = repeated.group_pages(group)
    if gp < k:
        return {}
    need = max(k, share * gp)
    blank = [not t.strip() for t in lines]
    memo = {} if memo is None else memo
    counts = [0] * len(lines)
    for i, t in enumerate(lines):
        if not blank[i]:
            c = memo.get(t)
            if c is None:
                c = memo[t] = repeated.pages(group, t)
            counts[i] = c
    candidates = [i for i, t in enumerate(lines) if not blank[i] and counts[i] >= need and not is_prose(t)
                  and not is_dateline(t)]
    if not candidates:
        return {}
    # The span of the article as far as it can be told: from the first to the last line of
    # unrepeated prose. Inside it a line needs one page more.
    prose = [i for i, t in enumerate(lines) if not blank[i] and counts[i] < 2 and is_prose(t)]
    first, last = (prose[0], prose[-1]) if prose else (len(lines), -1)
    out = {}
    for i in candidates:
        if first < i < last and counts[i] < max(need, k + 1):
            continue
        above, below = _neighbour(i, -1, blank), _neighbour(i, 1, blank)
        if above is not None and counts[above] < 2 and (below is None or counts[below] < 2):
            continue  # after unrepeated text, and before more of it or at the end: a heading, a sign-off
        out[i] = (counts[i], gp)
    return out


def _neighbour(i: int, step: int, blank: list) -> Optional[int]:
    j = i + step
    while 0 <= j < len(blank):
        if not blank[j]:
            return j
        j += step
    return None


def _spans_to_remove(text: str, table, chosen: set[int]) -> list[tuple[int, int, list[int]]]:
    """(start, end, line indices) in ``text`` for the chosen lines, with the blank lines that must go
    with them so that the layout stays: no doubled blank line, none at the top or the bottom, and no
    final newline where the text had none."""
    n = len(table)
    blank = [not text[a:e].strip() for a, e, _ in table]
    has_final_eol = text.endswith("\n")
    # Blocks: maximal runs of chosen lines, the blank lines between two chosen lines included.
    blocks, i = [], 0
    while i < n:
        if i not in chosen:
            i += 1
            continue
        j = i
        while True:
            nxt = j + 1
            while nxt < n and blank[nxt]:
                nxt += 1
            if nxt < n and nxt in chosen:
                j = nxt
            else:
                break
        blocks.append((i, j))
        i = j + 1
    spans = []
    for a, b in blocks:
        top = a
        while top > 0 and blank[top - 1]:
            top -= 1
        bottom = b
        while bottom + 1 < n and blank[bottom + 1]:
            bottom += 1
        at_top, at_bottom = top == 0, bottom == n - 1
        if at_top and at_bottom:  # nothing is left: the whole text goes
            spans.append((0, len(text), list(range(n))))
        elif at_bottom:  # the blank lines above go too; the last kept line keeps its ending if the text had one
            start = table[top][0] if has_final_eol else table[top - 1][1]
            spans.append((start, len(text), list(range(top, n))))
        elif at_top:  # the blank lines below go too
            spans.append((0, table[bottom][2], list(range(0, bottom + 1))))
        elif top < a and bottom > b:  # blank lines on both sides: those below go with the block
            spans.append((table[a][0], table[bottom][2], list(range(a, bottom + 1))))
        else:
            spans.append((table[a][0], table[b][2], list(range(a, b + 1))))
    return spans


def _to_orig(removals, a: int, b: int) -> Optional[tuple[int, int, list]]:
    """The input span behind the cleaned text's span [a, b) (the cleaned text being the input with
    ``removals`` applied), and the removals inside it (they fold into a removal of that span). None
    when a boundary falls inside a replacement's text."""
    shift = 0  # input offset minus cleaned offset, before the next removal
    start = end = None
    inside = []
    for r in removals:  # sorted, non-overlapping
        c0 = r.start - shift  # where its replacement stands in the cleaned text
        c1 = c0 + len(r.replacement)
        if (a < c0 < b) or (r.replacement and a <= c0 and c1 <= b):
            inside.append(r)
        if start is None:
            if a < c0:
                start = a + shift  # in kept text
            elif a == c0 and r.replacement:
                start = r.start  # the span starts with this replacement: it folds in
            elif c0 < a < c1:
                return None
            # a == c0 before a deletion: the span starts after it (the deletion keeps its own record)
        if start is not None:
            if b <= c0:
                end = b + shift  # a removal just at the end stays outside
                break
            if b < c1:
                return None
        shift += (r.end - r.start) - len(r.replacement)
    if start is None:
        start = a + shift
    if end is None:
        end = b + shift
    return start, end, inside


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def remove_repeated(text: str, result: CleanResult, group: Optional[str], repeated: RepeatedLines,
                    k: int = DEFAULT_K, share: float = DEFAULT_SHARE,
                    clean: Optional[Callable[[str], CleanResult]] = None) -> CleanResult:
    """The second pass on one page: remove the lines of ``result.text`` (the engine's output for
    ``text``) that stand on at least ``k`` pages and ``share`` of the pages of ``group`` and are not
    prose (see the module docstring). Returns one CleanResult whose removals are an exact patch of
    ``text``: the engine's merged with the new ones (rule ``repeated-in-site``).

    ``clean`` (the Cleaner's ``clean``): run the rules again on what is left, folding what they
    remove into the log, until nothing changes - a rule that looks at the first or last lines can
    hold once repeated lines around it are gone. With it, cleaning the output again (the rules, then
    this with the same counts) removes nothing more."""
    if group is None or not result.text:
        return result
    out = result
    memo: dict = {}
    for _ in range(64):  # rounds, until nothing changes (a round only ever removes)
        nxt = _one_round(text, out, group, repeated, k, share, memo)
        if nxt is out and out is not result and clean is not None and nxt.text:
            nxt = _fold(text, out, clean(out.text))
        if nxt is out:
            break
        out = nxt
    return out


def _fold(text: str, result: CleanResult, again: CleanResult) -> CleanResult:
    """``again`` (the rules run on ``result.text``) folded into ``result``'s log of ``text``."""
    if not again.removals:
        return result
    engine = sorted(result.removals, key=lambda r: r.start)
    swallowed, new = set(), []
    for r in again.removals:
        mapped = _to_orig(engine, r.start, r.end) if r.end > r.start else None
        if mapped is None:
            return result  # an edit this cannot place exactly: leave it (never seen from the shipped rules)
        start, end, inside = mapped
        new.append(Removal(r.rule, r.category, _line_of(text, start), start, end, text[start:end], r.replacement, r.detail))
        swallowed.update(id(x) for x in inside)
    merged = sorted([r for r in result.removals if id(r) not in swallowed] + new, key=lambda r: (r.start, r.end))
    from .model import apply_removals

    return CleanResult(apply_removals(text, merged), tuple(merged))


def _one_round(text: str, result: CleanResult, group: str, repeated: RepeatedLines, k: int, share: float,
               memo: Optional[dict] = None) -> CleanResult:
    clean = result.text
    table = _line_table(clean)
    lines = [clean[a:e] for a, e, _ in table]
    chosen = choose_lines(lines, group, repeated, k, share, memo)
    if not chosen:
        return result
    engine = sorted(result.removals, key=lambda r: r.start)
    new: list[Removal] = []
    swallowed_all: set = set()
    for a, b, idx in _spans_to_remove(clean, table, set(chosen)):
        mapped = _to_orig(engine, a, b)
        if mapped is None:
            continue
        start, end, swallowed = mapped
        first = next(i for i in idx if i in chosen)
        pages, gp = chosen[first]
        detail = f"on {pages} of {gp} pages of {group}"
        new.append(Removal(RULE_ID, CATEGORY, _line_of(text, start), start, end, text[start:end], "", detail))
        swallowed_all.update(id(r) for r in swallowed)
    if not new:
        return result
    kept = [r for r in result.removals if id(r) not in swallowed_all]
    merged = sorted(kept + new, key=lambda r: (r.start, r.end))
    from .model import apply_removals

    return CleanResult(apply_removals(text, merged), tuple(merged))
