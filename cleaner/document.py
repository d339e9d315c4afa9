"""One text being cleaned: its lines, what the rules removed, and edits inside lines kept against
input offsets (so that the log can be an exact patch of the input)."""
from __future__ import annotations

from array import array
from bisect import bisect_left
from itertools import accumulate
from typing import Optional

import regex

from .model import Rule

# One definition of a line, for the whole tool: a line ends at "\n" ("\r\n" is one ending), as
# POSIX, diff and JSONL count them. These other characters that str.splitlines() takes for line
# breaks stay inside a line; a line holding one between two pieces of text is "held": never removed
# whole, and no edit removes the separator, so text on one side never goes with the other.
SEPARATORS = "\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
SEPARATOR = _SEPARATOR = regex.compile(f"[{SEPARATORS}]")


def _any_separator(text: str) -> bool:
    """Whether a whole text holds a separator: a few substring tests, 15x faster than a pattern.
    A "\r" before "\n" is part of a line ending, not a separator."""
    return any(c in text for c in SEPARATORS[1:]) or text.count("\r") != text.count("\r\n")


def holds_separator(line: str) -> bool:
    """Whether a line holds a line separator with text on both sides (see SEPARATORS)."""
    return _SEPARATOR.search(line.strip()) is not None


class Document:
    """One text being cleaned: its lines (parallel lists) and what the rules did to them.

    Removals and edits are rare, so they are kept sparse: ``dropped`` maps a line to the rule that
    removed it, ``pieces`` maps an edited line to its pieces ``[orig_start, orig_end, text, by]``,
    where ``by`` is None for input text or ``(rule, detail)`` for a change. ``held`` holds the lines
    that hold a line separator between text (see SEPARATORS), as they are now.
    """

    __slots__ = ("text", "n", "starts", "orig", "texts", "blank", "has_final_eol", "dropped", "pieces",
                 "held", "details", "stats", "article", "_repeats", "_repeated", "_stale", "_live", "_dropped_by", "_past_removed")

    def __init__(self, text: str):
        parts = text.split("\n")
        self.has_final_eol = parts[-1] == ""
        if self.has_final_eol:
            parts.pop()
        # One past the end too. An array: a list would hold an int object for every line.
        self.starts = array("q", accumulate((len(p) + 1 for p in parts), initial=0))
        if "\r" in text:  # "\r\n" endings: the "\r" belongs to the ending, not to the content
            last = len(parts) - 1
            parts = [p[:-1] if p.endswith("\r") and (i < last or self.has_final_eol) else p
                     for i, p in enumerate(parts)]
        self.text = text
        self.n = len(parts)
        self.orig = parts
        self.texts = list(parts)  # current content of each line
        self.blank = [not t or t.isspace() for t in parts]
        self.dropped: dict[int, Rule] = {}
        self.details: dict[int, str] = {}  # what the log says of a removed line, where a rule says more
        self.stats: dict = {}  # line -> its LineStats, as they are asked for (linestats.py)
        self.article: dict = {}  # the article's span(s) once asked for (engine.Trial.article): a Span, or False
        self.pieces: dict[int, list] = {}
        self.held: set[int] = set()
        if _any_separator(text):  # most texts hold none
            self.held = {i for i, p in enumerate(parts) if holds_separator(p)}
        self._repeats: dict[str, list[int]] = {}  # text (ends stripped) -> the lines holding it, if more than one
        self._repeated: Optional[set[int]] = None
        self._stale = False  # a line was edited since the index of repeats was built
        self._live: Optional[_Counts] = None  # lines still there and not blank, counted (for repeats)
        self._dropped_by: dict[str, list[int]] = {}  # rule id or category -> the lines it removed
        self._past_removed: dict[tuple, tuple[int, set[int]]] = {}

    def end(self, i: int) -> int:
        """Input offset where line i's content ends (its line ending starts)."""
        return self.starts[i] + len(self.orig[i])

    def term_end(self, i: int) -> int:
        """Input offset just past line i's line ending."""
        return min(self.starts[i + 1], len(self.text))

    def repeats_above(self, i: int, within: int) -> bool:
        """Whether line i's text, as edits left it (ends stripped), stands on one of the ``within``
        non-blank lines still there above it. A removed line is absent: it neither counts nor
        matches, exactly as in the output, where it is gone - so cleaning the output again finds the
        same repeats (idempotence)."""
        if i not in self.repeated_lines():
            return False
        places = self._repeats[self.texts[i].strip()]
        at = bisect_left(places, i) - 1
        dropped = self.dropped
        while at >= 0 and places[at] in dropped:  # the nearest copy above that is still there
            at -= 1
        if at < 0:
            return False
        if self._live is None:
            self._live = _Counts(self.n, (k for k in range(self.n) if not self.blank[k] and k not in dropped))
        # Lines still there strictly between the copy and line i: fewer than ``within``.
        return self._live.prefix(i) - self._live.prefix(places[at] + 1) < within

    def repeated_lines(self) -> set[int]:
        """Lines whose text (as edits left it, ends stripped) also stands on some earlier line,
        removed or not. The index of repeats is built on first use and again after edits, and holds
        only the texts that repeat, so that a long text of distinct lines costs one set of its
        lines, for a moment."""
        if self._repeated is None or self._stale:
            seen: set[str] = set()
            again: set[str] = set()
            for line in self.texts:
                t = line.strip()
                if t in seen:
                    again.add(t)
                elif t:
                    seen.add(t)
            del seen
            self._repeats, self._repeated, self._stale = {}, set(), False
            if again:
                for k, line in enumerate(self.texts):
                    t = line.strip()
                    if t in again:
                        self._repeats.setdefault(t, []).append(k)
                self._repeated = {k for places in self._repeats.values() for k in places[1:]}
        return self._repeated

    def drop(self, i: int, rule: Rule, detail: str = "") -> None:
        """Line i goes whole, removed by ``rule``."""
        if detail:
            self.details[i] = detail
        self.article.clear()  # the span is found again when next asked for, on the lines now there
        if self._live is not None and i not in self.dropped and not self.blank[i]:
            self._live.add(i, -1)
        self.dropped[i] = rule
        self._dropped_by.setdefault(rule.id, []).append(i)
        if rule.category != rule.id:
            self._dropped_by.setdefault(rule.category, []).append(i)

    def past_removed(self, step: int, by: frozenset = frozenset()) -> set[int]:
        """The lines still there that come first past a removed line (below it for step 1, above it
        for -1), the removals made by the rules or categories in ``by`` only, if given."""
        key = (step, by)
        cached = self._past_removed.get(key)
        if cached is not None and cached[0] == len(self.dropped):  # lines are only ever added to dropped
            return cached[1]
        out = self.past(self.dropped if not by else {i for name in by for i in self._dropped_by.get(name, ())}, step)
        self._past_removed[key] = (len(self.dropped), out)
        return out

    def past(self, lines, step: int) -> set[int]:
        """For each of ``lines``, the first line beyond it (see ``beyond``)."""
        return {b for _, b in self._beyond_each(lines, step) if b is not None}

    def beside(self, changes: dict[int, int]) -> dict[int, int]:
        """For changed lines (line -> a stamp), the first line still there on either side of each,
        with the largest stamp of the changes it stands beside."""
        out: dict[int, int] = {}
        for step in (1, -1):
            for i, b in self._beyond_each(changes, step):
                if b is not None and changes[i] > out.get(b, -1):
                    out[b] = changes[i]
        return out

    def _beyond_each(self, lines, step: int):
        """(line, ``beyond(line, step)``) for each of ``lines`` in the direction of ``step``; each
        stretch of removed and blank lines is walked once."""
        reached, b = None, None
        for i in sorted(lines, reverse=step < 0):
            if reached is None or (i - reached) * step >= 0:  # not inside the stretch just walked
                b = self.beyond(i, step)
                reached = b if b is not None else (self.n if step > 0 else -1)
            yield i, b

    def beyond(self, i: int, step: int) -> Optional[int]:
        """The first line past i (downwards for step 1, upwards for -1) that is neither blank nor removed."""
        i += step
        while 0 <= i < self.n and (self.blank[i] or i in self.dropped):
            i += step
        return i if 0 <= i < self.n else None

    def live(self, i: int) -> bool:
        return i not in self.dropped and not self.blank[i]

    def live_count(self, order, limit: int) -> int:
        """How many lines still there and not blank lie in ``order``, counting up to ``limit``."""
        n = 0
        for i in order:
            if i not in self.dropped and not self.blank[i]:
                n += 1
                if n >= limit:
                    break
        return n


def edit_line(doc: Document, li: int, edits: list[tuple[int, int, str]], rule: Rule, detail: str = "") -> bool:
    """Apply non-overlapping edits (in current-text coordinates) to a line, keeping input offsets;
    whether anything changed. On a held line, an edit that would remove a line separator is left out.

    A new edit that overlaps an earlier replacement absorbs it whole: the log then shows one change,
    by the later rule, from the input text to the final text.
    """
    if li in doc.held:
        line = doc.texts[li]
        edits = [e for e in edits if _SEPARATOR.search(line, e[0], e[1]) is None]
        if not edits:
            return False
    if "\r" in doc.texts[li] or any("\r" in e[2] for e in edits):
        edits = _no_exposed_cr(doc, li, edits)
        if not edits:
            return False
    pieces = doc.pieces.get(li) or [[doc.starts[li], doc.end(li), doc.orig[li], None]]
    doc.pieces[li] = pieces = _edit_pieces(pieces, edits, (rule, detail), doc.text)
    doc.texts[li] = text = "".join(p[2] for p in pieces)
    was_blank, doc.blank[li] = doc.blank[li], not text or text.isspace()
    doc._stale = doc._repeated is not None
    doc.stats.pop(li, None)
    doc.article.clear()
    if doc._live is not None and was_blank != doc.blank[li] and li not in doc.dropped:
        doc._live.add(li, 1 if was_blank else -1)
    if holds_separator(text):  # an edit may bring a separator, or take away the text on one side
        doc.held.add(li)
    else:
        doc.held.discard(li)
    return True


def _no_exposed_cr(doc: Document, li: int, edits: list) -> list:
    """The edits, less those at the end of the line that would leave it ending in a "\r" it did not
    end in: before the line ending, that "\r" would become part of it ("Click here\r \n" less its
    space reads as "Click here" with a CRLF ending), and cleaning the output again would see another
    line. The last line too: once the lines after it go, it may end the output without a line
    ending, and the same edit must be refused there as well."""
    line = doc.texts[li]
    if line.endswith("\r"):
        return edits
    edits = sorted(edits)
    while edits:
        out, pos = [], 0
        for cs, ce, repl in edits:
            out.append(line[pos:cs])
            out.append(repl)
            pos = ce
        out.append(line[pos:])
        if not "".join(out).endswith("\r"):
            break
        edits.pop()  # the edit nearest the end goes: the line keeps what it had there
    return edits


def _edit_pieces(pieces: list, edits, tag, source: str) -> list:
    """The pieces of a line after ``edits`` (non-overlapping, in the line's current coordinates),
    applied right to left as if one at a time, so that earlier offsets stay valid. Pieces left of
    the edit at hand wait on a stack, pieces right of it are done: each piece is looked at a bounded
    number of times, and input text is cut out of ``source`` (the input, which input pieces are
    slices of) only once, at the end: a line with k edits costs O(k), not O(k^2)."""
    left = list(pieces)
    at = [0]  # where each piece of ``left`` starts in the current text
    for p in left:
        at.append(at[-1] + _length(p))
    at.pop()
    right: list = []  # finished pieces, last first
    for cs, ce, repl in sorted(edits, reverse=True):
        before_split, after_split = None, None
        lo = hi = None
        prefix = suffix = ""
        while left:
            p, p0 = left[-1], at[-1]
            p1 = p0 + _length(p)
            if p[3] is None:  # input text, one to one: split it exactly at the edit's ends
                if p1 <= cs:
                    break
                left.pop(), at.pop()
                if p0 >= ce:
                    right.append(p)
                    continue
                if cs > p0:
                    before_split = [p[0], p[0] + cs - p0, None, None]  # text cut out at the end
                if ce < p1:
                    after_split = [p[0] + ce - p0, p[1], None, None]
                a, b = p[0] + max(cs, p0) - p0, p[0] + min(ce, p1) - p0
                lo = a if lo is None else min(lo, a)
                hi = b if hi is None else max(hi, b)
            elif (p0 < ce and p1 > cs) or (p0 == p1 and cs < p0 < ce):  # an earlier change: absorb it
                left.pop(), at.pop()
                lo = p[0] if lo is None else min(lo, p[0])
                hi = p[1] if hi is None else max(hi, p[1])
                if cs > p0:
                    prefix = p[2][: cs - p0]
                if ce < p1:
                    suffix = p[2][ce - p0:]
            elif p1 <= cs:
                break
            else:
                left.pop(), at.pop()
                right.append(p)
        if after_split is not None:
            right.append(after_split)
        start = at[-1] + _length(left[-1]) if left else 0
        while lo is None and cs == ce and right and not _length(right[-1]):  # an empty change where text goes in: before it
            left.append(right.pop()), at.append(start)
        if before_split is not None:
            left.append(before_split), at.append(start)
            start += _length(before_split)
        if lo is None:  # an insertion between two pieces
            lo = hi = right[-1][0] if right else left[-1][1]
        left.append([lo, hi, prefix + repl + suffix, tag]), at.append(start)
    left.extend(reversed(right))
    for p in left:
        if p[2] is None:
            p[2] = source[p[0]:p[1]]
    return left


def _length(piece: list) -> int:
    return piece[1] - piece[0] if piece[3] is None else len(piece[2])


class _Counts:
    """How many of the lines 0..n-1 are marked, before any line, as marks come and go: a Fenwick
    tree, O(log n) a question or a change, built in O(n)."""

    __slots__ = ("tree",)

    def __init__(self, n: int, marked):
        tree = array("q", bytes(8 * (n + 1)))
        for k in marked:
            tree[k + 1] = 1
        for k in range(1, n + 1):  # each node passes its sum up to its parent
            parent = k + (k & -k)
            if parent <= n:
                tree[parent] += tree[k]
        self.tree = tree

    def add(self, i: int, delta: int) -> None:
        tree, k, n = self.tree, i + 1, len(self.tree) - 1
        while k <= n:
            tree[k] += delta
            k += k & -k

    def prefix(self, i: int) -> int:
        """How many of the lines before line i are marked."""
        tree, total = self.tree, 0
        while i > 0:
            total += tree[i]
            i -= i & -i
        return total
