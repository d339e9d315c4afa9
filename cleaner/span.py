"""The article's span: the stretch of lines that holds the article, found as a person finds it.

Each non-blank line is valued by how much it reads as prose: ``(score - THRESHOLD) * min(words,
CAP_WORDS)``, with its prose score from linestats.py, so a long sentence pulls a stretch in and a
short title-case line pushes it away. The span is the contiguous stretch with the largest sum (the
maximum-sum segment of Body Text Extraction, Finn et al. 2001), found in one pass.

Lines that open a region running to the end of the text (a comment thread's marker: the packs'
``region: to_end`` rules) end the search at them: each stretch between such lines has its best
segment, and the first one worth ``PREFER_FIRST`` of the best wins, so that a long comment
thread under a short article does not take the article's place.

A page has a **clear** span when the span holds ``MIN_PROSE_LINES`` lines of prose and
``MIN_COVER`` of the prose of its stretch, and the prose-like words outside it, in that stretch,
are under ``MAX_OUTSIDE`` of the words inside it. A
list article or a photo essay has none; conditions on the span then never hold.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

THRESHOLD = 0.4  # a line scoring above this reads as prose: it adds to a stretch
CAP_WORDS = 40  # one long paragraph counts as this many words at most
PREFER_FIRST = 0.05  # the first stretch with this share of the best one's sum holds the article...
MIN_PROSE_LINES = 3  # ...and at least this many lines that read as prose
MIN_COVER = 0.7
MAX_OUTSIDE = 0.5
PROSE_OUTSIDE = 0.3  # a line outside scoring above this counts as prose-like


@dataclass(frozen=True)
class Span:
    """The article's first and last line (indices into the lines given), and whether it is clear."""

    first: int
    last: int
    clear: bool
    cover: float  # the share of its stretch's prose that the span holds

    def where(self, li: int) -> Optional[str]:
        """"before" or "after" for a line outside a clear span; None inside it, or with no clear span."""
        if not self.clear:
            return None
        return "before" if li < self.first else "after" if li > self.last else None


def find_span(lines: Sequence[int], scores: Sequence[float], words: Sequence[int],
              barriers: Sequence[int] = ()) -> Optional[Span]:
    """The span of the lines ``lines`` (line indices, in order, non-blank), given each one's prose
    score and word count; ``barriers`` are line indices that end the search (a barrier among
    ``lines`` is left out of every stretch; one between them, a line already removed, splits them
    all the same). None: no prose at all."""
    values = [(p - THRESHOLD) * (n if n < CAP_WORDS else CAP_WORDS) for p, n in zip(scores, words)]
    stretches = []  # (best sum, first, end, stretch's first, stretch's end), by position in ``lines``
    best = cur = 0.0
    bs = be = s = 0
    lo = 0
    walls, on_line = sorted(barriers), set(barriers)
    w = 0  # the next barrier not yet passed
    for k, (li, v) in enumerate(zip(lines, values)):
        if w < len(walls) and walls[w] <= li:
            while w < len(walls) and walls[w] <= li:
                w += 1
            if best > 0:
                stretches.append((best, bs, be, lo, k, sum(1 for x in values[bs:be] if x > 0)))
            best = cur = 0.0
            lo = k
            if li in on_line:  # the barrier line itself belongs to no stretch
                lo = k + 1
                continue
        if cur <= 0:
            cur, s = 0.0, k
        cur += v
        if cur > best:
            best, bs, be = cur, s, k + 1
    if best > 0:
        stretches.append((best, bs, be, lo, len(lines), sum(1 for x in values[bs:be] if x > 0)))
    if not stretches:
        return None
    top = max(stretches)
    _, bs, be, lo, hi, lines_of_prose = next(
        (c for c in stretches if c[0] >= PREFER_FIRST * top[0] and c[5] >= MIN_PROSE_LINES), top)
    prose = sum(v for v in values[lo:hi] if v > 0)
    cover = sum(v for v in values[bs:be] if v > 0) / prose
    inside = sum(words[bs:be]) or 1
    outside = sum(words[k] for k in (*range(lo, bs), *range(be, hi)) if scores[k] >= PROSE_OUTSIDE)
    clear = cover >= MIN_COVER and outside / inside < MAX_OUTSIDE and lines_of_prose >= MIN_PROSE_LINES
    return Span(lines[bs], lines[be - 1], clear, cover)
