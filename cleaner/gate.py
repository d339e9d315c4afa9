"""Which lines each rule is worth trying on, found without running any rule's pattern.

A rule names literal trigger words (a line without one is never tested) or, as a shape rule, only a
maximum line length (a longer line is never tested). One Aho-Corasick pass finds every trigger word of
every rule at once, so the cost does not grow with the number of rules.
"""
from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from typing import Optional, Sequence

import ahocorasick_rs

from .deadline import Limits
from .document import Document
from .model import CleanerError
from .plan import Plan


def _low(text: str, unicode_case: bool) -> bytes:
    return text.lower().encode("utf-8", "surrogatepass") if unicode_case \
        else text.encode("utf-8", "surrogatepass").lower()


# Characters of text searched for trigger words at once: the matches of a whole long text (a tuple
# each, several a line) would take many times the text's size.
CHUNK = 1 << 18


class _Triggers:
    """Every rule's trigger words in one automaton, searched for in the UTF-8 bytes of the text."""

    def __init__(self, plans: Sequence[Plan], unicode_case: bool):
        by_word: dict[str, list[tuple[int, Optional[int]]]] = {}
        for plan in plans:
            for t in plan.triggers:
                by_word.setdefault(t, []).append((plan.index, plan.max_length))
        words = list(by_word)
        self.rules_of = [tuple(by_word[w]) for w in words]
        self.automaton = ahocorasick_rs.BytesAhoCorasick([w.encode("utf-8") for w in words],
                                                          implementation=ahocorasick_rs.Implementation.DFA)
        self.unicode_case = unicode_case
        # The text is searched in chunks of whole lines, unless a word reaches across a line end.
        self.chunk = CHUNK if all(w.find("\n") in (-1, len(w) - 1) for w in words) else None

    def find(self, doc: Document, cands: dict[int, set[int]]) -> None:
        text, texts, first = doc.text, doc.texts, 0
        for start, end in _chunks(text, self.chunk):
            low = _low(text[start:end], self.unicode_case)
            starts = list(accumulate((len(p) + 1 for p in low.split(b"\n")), initial=0))
            last = doc.n - 1 - first
            # A "\n" at the end lets triggers such as " \n" (a trailing space) find the last line too.
            found = {(w, first + min(bisect_right(starts, s) - 1, last))
                     for w, s, _ in self.automaton.find_matches_as_indexes(
                         low if end < len(text) else low + b"\n", overlapping=True)}
            for w, li in found:
                self._add(w, li, len(texts[li]), cands)
            first += len(starts) - 2 if end < len(text) else 0  # the lines of this chunk: it ends with a "\n"

    def rules_in_line(self, line: str, low: bytes) -> set[int]:
        """The rules whose trigger words are in one line (and that look at lines that long)."""
        length, out = len(line), set()
        for w, _, _ in self.automaton.find_matches_as_indexes(low + b"\n", overlapping=True):
            out.update(ri for ri, most in self.rules_of[w] if most is None or length <= most)
        return out

    def _add(self, w: int, li: int, length: int, cands: dict[int, set[int]]) -> None:
        for ri, most in self.rules_of[w]:
            if most is None or length <= most:  # a rule with a max_length too wants both
                cands.setdefault(ri, set()).add(li)


def _chunks(text: str, size: Optional[int]):
    """(start, end) of pieces of ``text`` of about ``size`` characters, each but the last ending just
    past a "\n"; the whole text if ``size`` is None."""
    start = 0
    while True:
        cut = -1 if size is None else text.find("\n", start + size)
        if cut < 0 or cut + 1 == len(text):
            yield start, len(text)
            return
        yield start, cut + 1
        start = cut + 1


class Gate:
    """Built once from the plans; ``candidates`` maps each rule to the lines of a text worth
    testing, and ``retrigger`` keeps that map right as edits change lines. All candidate selection
    is here: the engine only asks."""

    def __init__(self, plans: Sequence[Plan]):
        self.plans = plans
        # Case is folded on the UTF-8 bytes (ASCII letters only), many times cheaper than
        # ``str.lower`` on text with any non-ASCII character; only if a trigger word holds a
        # non-ASCII letter is the text lower-cased as Unicode.
        self._unicode_case = any(not ch.isascii() and ch.lower() != ch.upper()
                                 for p in plans for t in p.triggers for ch in t)
        self._triggers = _Triggers(plans, self._unicode_case) if any(p.triggers for p in plans) else None
        self._triggered = [p.index for p in plans if p.triggers]
        # A rule with only a max_length is a shape rule: it looks at every line that short.
        shape: dict[int, list[int]] = {}
        for p in plans:
            if p.max_length and not p.triggers:
                shape.setdefault(p.max_length, []).append(p.index)
        self._shape = sorted(shape.items())
        # Rules with no gate at all look at every line; a whole-text search first skips most texts.
        self._ungated = [p.index for p in plans if not p.triggers and not p.max_length]

    def candidates(self, doc: Document, limits: Optional[Limits] = None) -> dict[int, set[int]]:
        """Each rule's candidate lines; with no ``limits``, no rule is skipped by its whole-text search."""
        cands: dict[int, set[int]] = {}
        if self._triggers is not None:
            self._triggers.find(doc, cands)
        if self._shape:
            texts = doc.texts
            most = self._shape[-1][0]
            short = sorted((len(texts[li]), li) for li in range(doc.n) if not doc.blank[li] and len(texts[li]) <= most)
            lengths = [n for n, _ in short]
            lines = [li for _, li in short]
            for limit, rules in self._shape:
                k = bisect_right(lengths, limit)
                if k:
                    group = set(lines[:k])  # one set for the rules of one length: they see the same lines
                    for ri in rules:
                        cands[ri] = group
        for ri in self._ungated:
            if limits is not None and "\r" not in doc.text and not self._maybe_in(self.plans[ri], doc, limits):
                continue
            cands.setdefault(ri, set()).update(li for li in range(doc.n) if not doc.blank[li])
        return cands

    @staticmethod
    def _maybe_in(plan: Plan, doc: Document, limits: Limits) -> bool:
        """A whole-text search that may skip a text; on a timeout, the lines are tried one by one,
        so that the error can name the line."""
        if plan.whole_text is None:
            return True
        try:
            return limits.call(plan.rule, plan.whole_text.search, doc.text, 0) is not None
        except CleanerError:
            return True

    def retrigger(self, doc: Document, li: int, cands: dict[int, set[int]]) -> None:
        """Line li, as an edit left it: the trigger rules see it if and only if it now holds one of
        their words (so a repaired line is not tried again by the rules that matched its damage),
        and shape rules see it once it is short enough."""
        if li in doc.dropped:
            return
        line = doc.texts[li]
        if self._triggers is not None:
            now = self._triggers.rules_in_line(line, _low(line, self._unicode_case))
            for ri in self._triggered:
                pool = cands.get(ri)
                if ri in now:
                    cands.setdefault(ri, set()).add(li)
                elif pool is not None:
                    pool.discard(li)
        for ri in self._ungated if not doc.blank[li] else ():
            # An ungated rule may have been skipped for the whole text by its whole-text search; the
            # line as the edit left it is new text, which that search never saw (a "Â\ufeff™" whose
            # invisible character goes is mojibake only then).
            cands.setdefault(ri, set()).add(li)
        for limit, rules in self._shape if not doc.blank[li] else ():
            if len(line) <= limit:
                group = cands.get(rules[0])
                if group is None:
                    group = set()
                    for ri in rules:
                        cands[ri] = group
                group.add(li)
