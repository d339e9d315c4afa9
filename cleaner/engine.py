"""The rule engine: text in, CleanResult out.

Line-oriented. One Aho-Corasick pass over the lower-cased text finds each rule's trigger words, and
shape rules (``max_length``) look only at short lines, so a line with neither gets no regex call at
all: the cost stays flat as rules are added. Rules run in order; each sees the lines as earlier rules
left them. Every change is kept against input offsets, so the log is an exact patch of the input.
"""
from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from typing import Optional, Sequence

import ahocorasick_rs
import regex

from .model import CleanResult, CleanerError, Neighbour, Removal, Rule
from . import normalise

FINAL_PUNCTUATION = regex.compile(r"[.!?:;…][\"'”’»)\]]*\s*$")
_BLANK = object()


class _Line:
    """A line of the input and what the rules have done to it so far."""

    __slots__ = ("start", "end", "term_end", "text", "pieces", "dropped", "blank")

    def __init__(self, start: int, end: int, term_end: int, text: str):
        self.start, self.end, self.term_end = start, end, term_end
        self.text = text  # current content, without the line ending
        self.pieces: Optional[list] = None  # [orig_start, orig_end, text, rule or None] once edited
        self.dropped: Optional[Rule] = None
        self.blank = not text.strip()


def split_lines(text: str) -> list[_Line]:
    """Lines with their offsets; the ending ("\\n" or "\\r\\n") stays out of the content."""
    parts = text.split("\n")
    if parts[-1] == "":
        parts.pop()
    lines, pos = [], 0
    last = len(parts) - 1
    for i, part in enumerate(parts):
        has_term = i < last or text.endswith("\n")
        content = part[:-1] if has_term and part.endswith("\r") else part
        end = pos + len(content)
        term_end = pos + len(part) + (1 if has_term else 0)
        lines.append(_Line(pos, end, term_end, content))
        pos = term_end
    return lines


class Engine:
    """Compiled rules, ready to clean any number of texts; holds no per-text state (thread-safe)."""

    def __init__(self, rules: Sequence[Rule], timeout: float = 2.0):
        self.rules = tuple(rules)
        self.timeout = timeout
        words: dict[str, list[int]] = {}
        for i, rule in enumerate(self.rules):
            for t in rule.triggers:
                words.setdefault(t, []).append(i)
        self._words = list(words)
        self._word_rules = [words[w] for w in self._words]
        self._automaton = ahocorasick_rs.AhoCorasick(self._words) if self._words else None
        self._shape = [(i, r.max_length) for i, r in enumerate(self.rules) if r.max_length]
        self._max_shape = max((n for _, n in self._shape), default=0)
        # Rules with no gate look at every line; a whole-text search first skips most documents.
        self._ungated = [i for i, r in enumerate(self.rules) if not r.triggers and not r.max_length]
        self._by_name: dict[str, set] = {}
        for r in self.rules:
            self._by_name.setdefault(r.id, set()).add(r.id)
            self._by_name.setdefault(r.category, set()).add(r.id)

    # --- gating ----------------------------------------------------------------------------

    def _candidates(self, text: str, lines: list[_Line]) -> dict[int, set[int]]:
        """For each rule, the lines worth testing."""
        cands: dict[int, set[int]] = {}
        if self._automaton is not None:
            low = text.lower()
            if len(low) == len(text):
                starts = [ln.start for ln in lines]
                for w, s, _ in self._automaton.find_matches_as_indexes(low, overlapping=True):
                    li = bisect_right(starts, s) - 1
                    for ri in self._word_rules[w]:
                        cands.setdefault(ri, set()).add(li)
            else:  # lower() changed the length (rare letters): find per line so offsets hold
                for li, ln in enumerate(lines):
                    for w in self._triggers_in(ln.text):
                        for ri in self._word_rules[w]:
                            cands.setdefault(ri, set()).add(li)
        if self._shape:
            short = [li for li, ln in enumerate(lines) if not ln.blank and len(ln.text) <= self._max_shape]
            for ri, n in self._shape:
                hit = [li for li in short if len(lines[li].text) <= n]
                if hit:
                    cands.setdefault(ri, set()).update(hit)
        for ri in self._ungated:
            rule = self.rules[ri]
            if rule.window == 1 and "\r" not in text and not self._search(rule, text, 0):
                continue
            cands.setdefault(ri, set()).update(li for li, ln in enumerate(lines) if not ln.blank)
        return cands

    def _triggers_in(self, line_text: str) -> set[int]:
        if self._automaton is None:
            return set()
        return {w for w, _, _ in self._automaton.find_matches_as_indexes(line_text.lower(), overlapping=True)}

    def _search(self, rule: Rule, text: str, line_no: int):
        try:
            return rule.pattern.search(text, timeout=self.timeout)
        except TimeoutError:
            raise CleanerError(
                f"rule {rule.id!r} ({rule.where}): pattern timed out after {self.timeout:g}s"
                + (f" on line {line_no}" if line_no else "")
            ) from None

    def _fullmatch(self, rule: Rule, text: str, line_no: int):
        try:
            return rule.pattern.fullmatch(text, timeout=self.timeout)
        except TimeoutError:
            raise CleanerError(
                f"rule {rule.id!r} ({rule.where}): pattern timed out after {self.timeout:g}s on line {line_no}"
            ) from None

    def _finditer(self, rule: Rule, text: str, line_no: int):
        try:
            return list(rule.pattern.finditer(text, timeout=self.timeout))
        except TimeoutError:
            raise CleanerError(
                f"rule {rule.id!r} ({rule.where}): pattern timed out after {self.timeout:g}s on line {line_no}"
            ) from None

    # --- cleaning --------------------------------------------------------------------------

    def clean(self, text: str) -> CleanResult:
        if not text:
            return CleanResult(text, ())
        lines = split_lines(text)
        cands = self._candidates(text, lines)
        if not cands:
            return CleanResult(text, ())
        touched = False
        for ri, rule in enumerate(self.rules):
            if ri not in cands:
                continue
            live = sorted(li for li in cands[ri] if lines[li].dropped is None)
            if live and self._apply(rule, lines, live, cands):
                touched = True
        if not touched:
            return CleanResult(text, ())
        removals = _layout_and_log(text, lines)
        return CleanResult(_patch(text, removals), tuple(removals))

    def _apply(self, rule: Rule, lines: list[_Line], live: list[int], cands) -> bool:
        if rule.window > 1:
            return self._apply_window(rule, lines, live)
        hits = [li for li in live if not lines[li].blank and self._search(rule, lines[li].text, li + 1)
                and self._conditions_hold(rule, lines, li)]
        if rule.when.min_run:
            hits = _runs(hits, lines, rule.when.min_run)
        for li in hits:
            line = lines[li]
            if rule.action == "drop":
                line.dropped = rule
            elif rule.action == "fix-encoding":
                fixed, steps = normalise.fix_encoding(line.text)
                if fixed != line.text:
                    _edit(line, normalise.diff_spans(line.text, fixed), rule, steps)
            else:
                repl = rule.replacement if rule.action == "replace" else ""
                edits = [(m.start(), m.end(), m.expand(repl) if repl else "") for m in self._finditer(rule, line.text, li + 1)]
                edits = [e for e in edits if e[0] != e[1] or e[2]]
                if edits:
                    was_blank = line.blank
                    _edit(line, edits, rule)
                    if line.blank and not was_blank:
                        line.dropped = rule  # nothing left of the line: it goes whole
            self._retrigger(line, lines, li, cands)
        return bool(hits)

    def _retrigger(self, line: _Line, lines, li: int, cands) -> None:
        """An edited line may now hold trigger words it did not have: later rules should see it."""
        if line.pieces is None or line.dropped is not None:
            return
        for w in self._triggers_in(line.text):
            for ri in self._word_rules[w]:
                cands.setdefault(ri, set()).add(li)

    def _apply_window(self, rule: Rule, lines: list[_Line], live: list[int]) -> bool:
        n, hit = rule.window, False
        taken: set[int] = set()
        starts = sorted({s for li in live for s in range(li - n + 1, li + 1) if s >= 0 and s + n <= len(lines)})
        for s in starts:
            span = range(s, s + n)
            if any(i in taken or lines[i].dropped is not None for i in span):
                continue
            if lines[s].blank or lines[s + n - 1].blank:
                continue
            if self._fullmatch(rule, "\n".join(lines[i].text for i in span), s + 1) and self._conditions_hold(rule, lines, s, s + n - 1):
                taken.update(span)
                hit = True
        for i in taken:
            lines[i].dropped = rule
        return hit

    # --- conditions ------------------------------------------------------------------------

    def _conditions_hold(self, rule: Rule, lines: list[_Line], li: int, last: Optional[int] = None) -> bool:
        w = rule.when
        last = li if last is None else last
        text = lines[li].text if last == li else " ".join(lines[i].text for i in range(li, last + 1))
        if w.min_words is not None or w.max_words is not None:
            n = len(text.split())
            if (w.min_words is not None and n < w.min_words) or (w.max_words is not None and n > w.max_words):
                return False
        if w.final_punctuation is not None and bool(FINAL_PUNCTUATION.search(lines[last].text)) != w.final_punctuation:
            return False
        if w.first is not None and _count_live(lines, range(li - 1, -1, -1), w.first) >= w.first:
            return False
        if w.last is not None and _count_live(lines, range(last + 1, len(lines)), w.last) >= w.last:
            return False
        if w.prev is not None and not self._neighbour_ok(rule, w.prev, lines, range(li - 1, -1, -1)):
            return False
        if w.next is not None and not self._neighbour_ok(rule, w.next, lines, range(last + 1, len(lines))):
            return False
        return True

    def _neighbour_ok(self, rule: Rule, cond: Neighbour, lines, order) -> bool:
        found, gap = None, False
        for i in order:
            if lines[i].blank and lines[i].dropped is None:
                gap = True
                continue
            found = lines[i]
            break
        exists = found is not None and not (cond.adjacent and gap)
        if cond.exists is False:
            return not exists
        if not exists:
            return False
        if cond.removed is not None and (found.dropped is not None) != cond.removed:
            return False
        if cond.removed_by:
            if found.dropped is None:
                return False
            names = cond.removed_by
            if found.dropped.id not in names and found.dropped.category not in names:
                return False
        if cond.pattern is not None and not cond.pattern.search(found.text, timeout=self.timeout):
            return False
        if cond.not_pattern is not None and cond.not_pattern.search(found.text, timeout=self.timeout):
            return False
        return True


def _count_live(lines: list[_Line], order, limit: int) -> int:
    """How many live non-blank lines lie in ``order``, counting no further than ``limit``."""
    n = 0
    for i in order:
        if lines[i].dropped is None and not lines[i].blank:
            n += 1
            if n >= limit:
                break
    return n


def _runs(hits: list[int], lines: list[_Line], min_run: int) -> list[int]:
    """Keep hits that stand in a run of at least ``min_run``; blank and removed lines do not break a run."""
    hit_set, keep, run = set(hits), [], []
    for i, line in enumerate(lines):
        if i in hit_set:
            run.append(i)
        elif line.blank or line.dropped is not None:
            continue
        else:
            if len(run) >= min_run:
                keep.extend(run)
            run = []
    if len(run) >= min_run:
        keep.extend(run)
    return keep


# --- edits inside a line ---------------------------------------------------------------------

def _edit(line: _Line, edits: list[tuple[int, int, str]], rule: Rule, detail: str = "") -> None:
    """Apply non-overlapping edits (in current-text coordinates) to a line, keeping input offsets.

    A new edit that overlaps an earlier replacement absorbs it whole: the log then shows one change,
    by the later rule, from the input text to the final text.
    """
    if line.pieces is None:
        line.pieces = [[line.start, line.end, line.text, None]]
    for cs, ce, repl in sorted(edits, reverse=True):  # right to left: earlier offsets stay valid
        line.pieces = _edit_pieces(line.pieces, cs, ce, repl, (rule, detail))
    line.text = "".join(p[2] for p in line.pieces)
    line.blank = not line.text.strip()


def _edit_pieces(pieces: list, cs: int, ce: int, repl: str, tag) -> list:
    before, after = [], []
    lo = hi = None
    prefix = suffix = ""
    pos = 0
    for p in pieces:
        p0, p1 = pos, pos + len(p[2])
        pos = p1
        if p[3] is None:  # input text, one to one: split it exactly at the edit's ends
            if p1 <= cs:
                before.append(p)
            elif p0 >= ce:
                after.append(p)
            else:
                if cs > p0:
                    before.append([p[0], p[0] + cs - p0, p[2][: cs - p0], None])
                if ce < p1:
                    after.append([p[0] + ce - p0, p[1], p[2][ce - p0:], None])
                a, b = p[0] + max(cs, p0) - p0, p[0] + min(ce, p1) - p0
                lo = a if lo is None else min(lo, a)
                hi = b if hi is None else max(hi, b)
        elif (p0 < ce and p1 > cs) or (p0 == p1 and cs < p0 < ce):  # an earlier change: absorb it
            lo = p[0] if lo is None else min(lo, p[0])
            hi = p[1] if hi is None else max(hi, p[1])
            if cs > p0:
                prefix = p[2][: cs - p0]
            if ce < p1:
                suffix = p[2][ce - p0:]
        elif p1 <= cs:
            before.append(p)
        else:
            after.append(p)
    if lo is None:  # an insertion between two pieces
        lo = hi = after[0][0] if after else before[-1][1]
    return before + [[lo, hi, prefix + repl + suffix, tag]] + after


# --- layout and the log ----------------------------------------------------------------------

def _layout_and_log(text: str, lines: list[_Line]) -> list[Removal]:
    """Tidy the blank lines a removal leaves behind, then turn the line states into removals."""
    owner: dict[int, Rule] = {i: ln.dropped for i, ln in enumerate(lines) if ln.dropped is not None}
    n = len(lines)
    i = 0
    while i < n:
        if not (owner.get(i) or lines[i].blank):
            i += 1
            continue
        j = i
        while j < n and (j in owner or lines[j].blank):
            j += 1
        region = range(i, j)  # blank and removed lines between two kept lines (or a document end)
        if any(k in owner for k in region):
            blanks = [k for k in region if k not in owner]
            segments: list[list[int]] = []
            for k in region:
                if k in owner:
                    segments.append([])
                elif not segments:
                    segments.append([k])
                else:
                    segments[-1].append(k)
            segments = [s for s in segments if s]
            at_edge = i == 0 or j == n
            keep = set() if at_edge else set(max(segments, key=len)) if segments else set()
            for k in blanks:
                if k not in keep:
                    owner[k] = _nearest_owner(owner, region, k)
        i = j
    removals: list[Removal] = []
    last_kept = max((k for k in range(n) if k not in owner), default=None)
    # The output ends as the input did: with a line ending or without one.
    if last_kept is not None and last_kept < n - 1 and lines[-1].term_end == lines[-1].end:
        ln = lines[last_kept]
        removals.append(_removal(text, lines, ln.end, ln.term_end, owner[last_kept + 1], ""))
    for k in range(n):
        ln = lines[k]
        if k in owner:
            removals.append(_removal(text, lines, ln.start, ln.term_end, owner[k], ""))
        elif ln.pieces:
            for o0, o1, new, by in ln.pieces:
                if by is not None:
                    removals.append(_removal(text, lines, o0, o1, by[0], new, by[1], line_no=k + 1))
    removals.sort(key=lambda r: (r.start, r.end))
    return _merge(removals)


def _nearest_owner(owner: dict, region: range, k: int) -> Rule:
    """A blank line that goes with a removed block is logged under the rule of the block above it."""
    for m in range(k - 1, region.start - 1, -1):
        if m in owner:
            return owner[m]
    for m in range(k + 1, region.stop):
        if m in owner:
            return owner[m]
    raise AssertionError("a region without removals")


def _removal(text, lines, start, end, rule, replacement, detail="", line_no=None) -> Removal:
    if line_no is None:
        line_no = bisect_right([ln.start for ln in lines], start) if lines else 1
    return Removal(rule=rule.id, category=rule.category, line=line_no, start=start, end=end,
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


def _patch(text: str, removals: list[Removal]) -> str:
    out, pos = [], 0
    for r in removals:
        out.append(text[pos:r.start])
        out.append(r.replacement)
        pos = r.end
    out.append(text[pos:])
    return "".join(out)
