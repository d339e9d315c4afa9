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
        going = {k for k in blanks if k not in keep}
        if going:
            owner.update(_blank_owners(owner, i, j, going))
    return owner


def _blank_owners(owner: dict, start: int, stop: int, going: set) -> dict:
    """The rule each blank line of ``going`` goes under: the nearest removed line above it in the
    region, or, for blank lines above the region's first removal, that removal. One sweep, so that a
    region of many removals and blank lines costs its length, not its length squared."""
    out: dict = {}
    last, pending = None, []
    for k in range(start, stop):
        if k in going:
            if last is None:
                pending.append(k)
            else:
                out[k] = last
        elif k in owner:
            last = owner[k]
            out.update((p, last) for p in pending)  # blank lines above the first removal
            pending = []
    if pending:
        raise AssertionError("a region without removals")
    return out


def build_log(doc: Document) -> list[Removal]:
    """Turn the line states into removals against input offsets, sorted and merged."""
    owner = _tidy_blank_lines(doc)
    # (start, end, line, rule, replacement, detail): plain tuples until merged, as a Removal costs
    # several times as much to make.
    changes: list[tuple] = []
    if owner and doc.n - 1 in owner and not doc.has_final_eol:
        # The output ends as the input did, without a line ending: the last kept line loses its own.
        kept = next((k for k in range(doc.n - 1, -1, -1) if k not in owner), None)
        if kept is not None:
            changes.append((doc.end(kept), doc.term_end(kept), kept, owner[kept + 1], "", ""))
    for k in sorted(set(owner) | set(doc.pieces)):
        if k in owner:
            changes.append((doc.starts[k], doc.term_end(k), k, owner[k], "", doc.details.get(k, "")))
        else:
            changes.extend((o0, o1, k, by[0], new, by[1]) for o0, o1, new, by in doc.pieces[k] if by is not None)
    changes.sort(key=lambda c: (c[0], c[1]))
    text = doc.text
    return [Removal(rule=rule.id, category=rule.category, line=li + 1, start=start, end=end,
                    text=text[start:end], replacement=replacement, detail=detail)
            for start, end, li, rule, replacement, detail in _merge(changes)]


def _merge(changes: list[tuple]) -> list[tuple]:
    """Adjacent deletions by the same rule are one change, unless both have a detail of their own
    (a rule that explains each line it removes keeps a record per line)."""
    out: list[tuple] = []
    for c in changes:
        p = out[-1] if out else None
        if p and p[3].id == c[3].id and p[1] == c[0] and not p[4] and not c[4] and not (p[5] and c[5]):
            out[-1] = (p[0], c[1], p[2], p[3], "", p[5] or c[5])
        else:
            out.append(c)
    return out
