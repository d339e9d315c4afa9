"""From line states to the removal log: tidy the blank lines a removal leaves, then list every change
as a sorted, non-overlapping patch of the input."""
from __future__ import annotations

from .document import Document
from .model import Removal, Rule


def _tidy_blank_lines(doc: Document) -> dict[int, Rule]:
    """Which rule each removed line goes under, blank lines that a removal leaves behind included.

    Between two kept lines, blank runs that a removal joins keep only the longest of them; at the
    top or bottom of the document they all go. A blank line goes under the removed block above it.
    """
    owner = dict(doc.dropped)
    blank, n, seen = doc.blank, doc.n, set()
    for d in sorted(doc.dropped):
        if d in seen:
            continue
        i, j = d, d + 1
        while i > 0 and (i - 1 in owner or blank[i - 1]):
            i -= 1
        while j < n and (j in owner or blank[j]):
            j += 1
        seen.update(range(i, j))
        segments: list[list[int]] = [[]]
        for k in range(i, j):
            if k in owner:
                segments.append([])
            else:
                segments[-1].append(k)
        blanks = [k for s in segments for k in s]
        at_edge = i == 0 or j == n
        keep = set() if at_edge or not blanks else set(max(segments, key=len))
        for k in blanks:
            if k not in keep:
                owner[k] = _nearest_owner(owner, range(i, j), k)
    return owner


def _nearest_owner(owner: dict, region: range, k: int) -> Rule:
    for m in [*range(k - 1, region.start - 1, -1), *range(k + 1, region.stop)]:
        if m in owner:
            return owner[m]
    raise AssertionError("a region without removals")


def build_log(doc: Document) -> list[Removal]:
    """Turn the line states into removals against input offsets, sorted and merged."""
    owner = _tidy_blank_lines(doc)
    text, removals = doc.text, []
    if owner and doc.n - 1 in owner and not doc.has_final_eol:
        # The output ends as the input did, without a line ending: the last kept line loses its own.
        kept = next((k for k in range(doc.n - 1, -1, -1) if k not in owner), None)
        if kept is not None:
            removals.append(_removal(text, kept, doc.end(kept), doc.term_end(kept), owner[kept + 1]))
    for k in sorted(set(owner) | set(doc.pieces)):
        if k in owner:
            removals.append(_removal(text, k, doc.starts[k], doc.term_end(k), owner[k]))
        else:
            for o0, o1, new, by in doc.pieces[k]:
                if by is not None:
                    removals.append(_removal(text, k, o0, o1, by[0], new, by[1]))
    removals.sort(key=lambda r: (r.start, r.end))
    return _merge(removals)


def _removal(text: str, li: int, start: int, end: int, rule: Rule, replacement: str = "", detail: str = "") -> Removal:
    return Removal(rule=rule.id, category=rule.category, line=li + 1, start=start, end=end,
                   text=text[start:end], replacement=replacement, detail=detail)


def _merge(removals: list[Removal]) -> list[Removal]:
    """Adjacent deletions by the same rule are one change."""
    out: list[Removal] = []
    for r in removals:
        p = out[-1] if out else None
        if p and p.rule == r.rule and p.end == r.start and not p.replacement and not r.replacement and not p.detail:
            out[-1] = Removal(p.rule, p.category, p.line, p.start, r.end, p.text + r.text, "", "")
        else:
            out.append(r)
    return out
