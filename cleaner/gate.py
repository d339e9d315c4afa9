"""Which lines each rule is worth trying on, found without running any rule's pattern.

A rule names literal trigger words (a line without one is never tested) or, as a shape rule, only a
maximum line length (a longer line is never tested). One Aho-Corasick pass over the text finds every
trigger word of every rule, so the cost does not grow with the number of rules.
"""
from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate
from typing import Callable, Optional, Sequence

import ahocorasick_rs

from .document import Document
from .model import Rule


class _Triggers:
    """All rules' trigger words in one automaton over the UTF-8 bytes of the text.

    Case is folded on the bytes (ASCII letters only), which is many times cheaper than ``str.lower``
    on text with any non-ASCII character; if some trigger word holds a non-ASCII letter, the text is
    lower-cased as Unicode instead.
    """

    def __init__(self, rules: Sequence[Rule]):
        by_word: dict[str, list[tuple[int, Optional[int]]]] = {}
        for ri, rule in enumerate(rules):
            for t in rule.triggers:
                by_word.setdefault(t, []).append((ri, rule.max_length))
        words = list(by_word)
        self.rules_of = [tuple(by_word[w]) for w in words]
        self.unicode_case = any(not ch.isascii() and ch.lower() != ch.upper() for w in words for ch in w)
        self.automaton = ahocorasick_rs.BytesAhoCorasick([w.encode("utf-8") for w in words],
                                                          implementation=ahocorasick_rs.Implementation.DFA)

    def _low(self, text: str) -> bytes:
        return text.lower().encode("utf-8", "surrogatepass") if self.unicode_case \
            else text.encode("utf-8", "surrogatepass").lower()

    def find(self, doc: Document, cands: dict[int, set[int]]) -> None:
        low = self._low(doc.text)
        starts = list(accumulate((len(p) + 1 for p in low.split(b"\n")), initial=0))
        last, texts = doc.n - 1, doc.texts
        # A "\n" at the end lets triggers such as " \n" (a trailing space) find the last line too.
        found = {(w, min(bisect_right(starts, s) - 1, last))
                 for w, s, _ in self.automaton.find_matches_as_indexes(low + b"\n", overlapping=True)}
        for w, li in found:
            length = len(texts[li])
            for ri, most in self.rules_of[w]:
                if most is None or length <= most:
                    cands.setdefault(ri, set()).add(li)

    def find_in_line(self, doc: Document, li: int, cands: dict[int, set[int]]) -> None:
        length = len(doc.texts[li])
        for w, _, _ in self.automaton.find_matches_as_indexes(self._low(doc.texts[li]) + b"\n", overlapping=True):
            for ri, most in self.rules_of[w]:
                if most is None or length <= most:
                    cands.setdefault(ri, set()).add(li)


class Gate:
    """Built once from the rules; ``candidates`` maps each rule to the lines of a text worth testing."""

    def __init__(self, rules: Sequence[Rule], maybe_in: Callable[[Rule, Document], bool]):
        self.rules = rules
        self._maybe_in = maybe_in  # a whole-text search that may skip a rule for the whole text
        self._triggers = _Triggers(rules) if any(r.triggers for r in rules) else None
        # A rule with only a max_length is a shape rule: it looks at every line that short.
        shape: dict[int, list[int]] = {}
        for ri, rule in enumerate(rules):
            if rule.max_length and not rule.triggers:
                shape.setdefault(rule.max_length, []).append(ri)
        self._shape = sorted(shape.items())
        # Rules with no gate at all look at every line; a whole-text search first skips most texts.
        self._ungated = [ri for ri, r in enumerate(rules) if not r.triggers and not r.max_length]

    def candidates(self, doc: Document) -> dict[int, set[int]]:
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
                    upto = lines[:k]
                    for ri in rules:
                        cands.setdefault(ri, set()).update(upto)
        for ri in self._ungated:
            rule = self.rules[ri]
            if rule.window == 1 and "\r" not in doc.text and not self._maybe_in(rule, doc):
                continue
            cands.setdefault(ri, set()).update(li for li in range(doc.n) if not doc.blank[li])
        return cands

    def retrigger(self, doc: Document, li: int, cands: dict[int, set[int]]) -> None:
        """Add the rules whose trigger words are in line li as it is now (an edit may bring new ones)."""
        if li not in doc.dropped and self._triggers is not None:
            self._triggers.find_in_line(doc, li, cands)
