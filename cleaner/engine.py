"""The rule engine: text in, CleanResult out.

Line-oriented. One Aho-Corasick pass over the lower-cased text finds each rule's trigger words, and
shape rules (``max_length``) look only at short lines, so a line with neither gets no regex call at
all: the cost stays flat as rules are added. Rules run in order; each sees the lines as earlier rules
left them. Every change is kept against input offsets, so the log is an exact patch of the input.
"""
from __future__ import annotations

import heapq
from bisect import bisect_right
from typing import Optional, Sequence

import ahocorasick_rs
import regex

from . import normalise
from .document import Document, edit_line
from .log import build_log
from .model import CleanResult, CleanerError, Neighbour, Rule, apply_removals

MAX_ROUNDS = 6
_SENTENCE_END = frozenset(".!?:;…")
_CLOSERS = "\"'”’»)]"


def ends_sentence(text: str) -> bool:
    """Whether a line ends in . ! ? : ; or … (before closing quotes or brackets)."""
    t = text.rstrip().rstrip(_CLOSERS)
    return bool(t) and t[-1] in _SENTENCE_END


def _words_between(text: str, least: Optional[int], most: Optional[int]) -> bool:
    # A word needs a character and a space: the length bounds the count, so most lines need no split.
    if most is not None and (len(text) + 1) // 2 > most or least is not None:
        n = len(text.split())
        return (least is None or n >= least) and (most is None or n <= most)
    return True


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
        # A rule with trigger words and a max_length wants both; one with only max_length is a shape rule.
        self._shape = [(i, r.max_length) for i, r in enumerate(self.rules) if r.max_length and not r.triggers]
        self._word_max = [r.max_length if r.triggers else None for r in self.rules]
        self._max_shape = max((n for _, n in self._shape), default=0)
        self._shape_by_length: dict[int, list[int]] = {}
        for ri, n in self._shape:
            self._shape_by_length.setdefault(n, []).append(ri)
        # Rules with no gate look at every line; a whole-text search first skips most documents.
        self._ungated = [i for i, r in enumerate(self.rules) if not r.triggers and not r.max_length]
        self._contextual = [_contextual(r) for r in self.rules]
        self._any_contextual = any(self._contextual)

    # --- gating ----------------------------------------------------------------------------

    def _candidates(self, doc: Document) -> dict[int, set[int]]:
        """For each rule, the lines worth testing."""
        cands: dict[int, set[int]] = {}
        text = doc.text
        if self._automaton is not None:
            # A "\n" at the end lets triggers such as " \n" (a trailing space) find the last line too.
            low = text.lower() + "\n"
            if len(low) == len(text) + 1:
                starts, texts, most = doc.starts, doc.texts, self._word_max
                for w, s, _ in self._automaton.find_matches_as_indexes(low, overlapping=True):
                    li = min(bisect_right(starts, s) - 1, doc.n - 1)
                    for ri in self._word_rules[w]:
                        if most[ri] is None or len(texts[li]) <= most[ri]:
                            cands.setdefault(ri, set()).add(li)
            else:  # lower() changed the length (rare letters): find per line so offsets hold
                for li in range(doc.n):
                    self._retrigger(doc, li, cands, edited=False)
        if self._shape:
            texts, blank, most = doc.texts, doc.blank, self._max_shape
            short = [li for li in range(doc.n) if len(texts[li]) <= most and not blank[li]]
            if short:
                for n, rules in self._shape_by_length.items():
                    hit = {li for li in short if len(texts[li]) <= n}
                    for ri in rules if hit else ():
                        cands.setdefault(ri, set()).update(hit)
        for ri in self._ungated:
            rule = self.rules[ri]
            if rule.window == 1 and "\r" not in text and not self._maybe_in(rule, text):
                continue
            cands.setdefault(ri, set()).update(li for li in range(doc.n) if not doc.blank[li])
        return cands

    def _retrigger(self, doc: Document, li: int, cands, edited: bool = True) -> None:
        """Add the rules whose trigger words are in line li (an edited line may hold new ones)."""
        if self._automaton is None or (edited and li in doc.dropped):
            return
        length = len(doc.texts[li])
        for w, _, _ in self._automaton.find_matches_as_indexes(doc.texts[li].lower() + "\n", overlapping=True):
            for ri in self._word_rules[w]:
                if self._word_max[ri] is None or length <= self._word_max[ri]:
                    cands.setdefault(ri, set()).add(li)

    def _maybe_in(self, rule: Rule, text: str) -> bool:
        """A whole-text search that may skip a document; on a timeout, the lines are tried one by
        one, so that the error can name the line."""
        try:
            return rule.pattern.search(text, timeout=self.timeout) is not None
        except TimeoutError:
            return True

    def _call(self, rule: Rule, method, text: str, line_no: int):
        """Run one of the rule's pattern methods under the timeout; a runaway names rule and line."""
        try:
            return method(text, timeout=self.timeout)
        except TimeoutError:
            raise CleanerError(
                f"rule {rule.id!r} ({rule.where}): pattern timed out after {self.timeout:g}s on line {line_no}"
            ) from None

    # --- cleaning --------------------------------------------------------------------------

    def clean(self, text: str) -> CleanResult:
        if not text:
            return CleanResult(text, ())
        doc = Document(text)
        cands = self._candidates(doc)
        if not cands:
            return CleanResult(text, ())
        # Removing a line can put another at the edge or next to a credit, and an edit can make a
        # line match an earlier rule: rounds repeat until nothing changes, so cleaning twice never
        # changes more than cleaning once. A later round tests only what could now differ: edited
        # lines, and, after a removal, the lines of rules that look at their neighbours.
        edited: Optional[set[int]] = None  # None: the first round tests every candidate
        dropped_any = False
        for _ in range(MAX_ROUNDS):
            dropped_before = len(doc.dropped)
            now: set[int] = set()
            for ri in sorted(cands):  # rules in order; a rule with no candidate line costs nothing
                pool, rule = cands[ri], self.rules[ri]
                if edited is not None and not (dropped_any and self._contextual[ri]):
                    pool = pool & edited
                if pool:
                    now |= self._apply(rule, doc, pool, cands)
            dropped_any = len(doc.dropped) > dropped_before
            edited = {li for li in now if li not in doc.dropped}
            if not edited and not (dropped_any and self._any_contextual):
                break
        if not doc.dropped and not doc.pieces:
            return CleanResult(text, ())
        removals = build_log(doc)
        return CleanResult(apply_removals(text, removals), tuple(removals))

    def _apply(self, rule: Rule, doc: Document, pool: set[int], cands) -> set[int]:
        """Apply one rule to its candidate lines still there; the lines it changed."""
        if rule.window > 1:
            return self._apply_window(rule, doc, sorted(pool - doc.dropped.keys()))
        texts, search = doc.texts, rule.pattern.search
        w = rule.when
        def holds(li):  # structure first (cheap, and usually false), then the pattern, then the rest
            return (self._conditions_hold(rule, doc, li, cheap=True)
                    and self._call(rule, search, texts[li], li + 1)
                    and self._conditions_hold(rule, doc, li))

        chains = rule.action == "drop" and (w.prev or w.next) and w.first is None and w.last is None and not w.min_run
        step = _removed_side(rule)
        if step:
            # Only a line just beyond a removed line can hold: start from those, not from every line.
            if not doc.dropped:
                return set()
            frontier = doc.frontier(step) & pool
            if not chains:
                live = sorted(frontier)
            else:
                # Each removal is seen by the next line tested, so a list under a removed heading goes
                # in one pass: top down for `prev`, bottom up for `next`.
                heap = [step * li for li in frontier]
                heapq.heapify(heap)
                changed, seen = set(), set()
                while heap:
                    li = step * heapq.heappop(heap)
                    if li in seen:
                        continue
                    seen.add(li)
                    if not doc.blank[li] and holds(li):
                        doc.dropped[li] = rule
                        changed.add(li)
                        b = doc.beyond(li, step)
                        if b in pool and b not in seen:
                            heapq.heappush(heap, step * b)
                return changed
        else:
            if w.repeated_within is not None:
                pool = pool & doc.repeated_lines()
            live = sorted(pool - doc.dropped.keys())
        if chains and not step:
            changed = set()
            for li in (live if w.prev else reversed(live)):
                if not doc.blank[li] and holds(li):
                    doc.dropped[li] = rule
                    changed.add(li)
            return changed
        if w.first is not None or w.last is not None:
            hits = self._edge_hits(rule, doc, live, holds)
        else:
            hits = [li for li in live if (not doc.blank[li] or rule.action != "drop") and holds(li)]
        if rule.when.min_run:
            hits = _runs(hits, doc, rule.when.min_run)
        changed = set()
        for li in hits:
            if rule.action == "drop":
                doc.dropped[li] = rule
                changed.add(li)
                continue
            line = texts[li]
            if rule.action == "fix-encoding":
                fixed, detail = normalise.fix_encoding(line)
                edits = normalise.diff_spans(line, fixed)
            else:
                repl = rule.replacement if rule.action == "replace" else ""
                matches = self._call(rule, _all_matches(rule), line, li + 1)
                edits = [(m.start(), m.end(), m.expand(repl) if repl else "") for m in matches]
                edits, detail = [e for e in edits if line[e[0]:e[1]] != e[2]], ""
            if edits:
                was_blank = doc.blank[li]
                edit_line(doc, li, edits, rule, detail)
                if doc.blank[li] and not was_blank:
                    doc.dropped[li] = rule  # nothing left of the line: it goes whole
                changed.add(li)
                self._retrigger(doc, li, cands)
        return changed

    def _apply_window(self, rule: Rule, doc: Document, live: list[int]) -> set[int]:
        """Windows of ``rule.window`` consecutive lines still there (removed lines are looked
        through), each holding a candidate line; a window whose text the pattern matches goes whole."""
        n = rule.window
        alive = [i for i in range(doc.n) if i not in doc.dropped]
        pos = {li: k for k, li in enumerate(alive)}
        taken: set[int] = set()
        starts = sorted({k for li in live if li in pos for k in range(pos[li] - n + 1, pos[li] + 1)
                         if k >= 0 and k + n <= len(alive)})
        for k in starts:
            span = alive[k:k + n]
            if any(i in taken for i in span) or doc.blank[span[0]] or doc.blank[span[-1]]:
                continue
            window = "\n".join(doc.texts[i] for i in span)
            if self._call(rule, rule.pattern.fullmatch, window, span[0] + 1) and self._conditions_hold(rule, doc, span[0], span[-1]):
                taken.update(span)
        for i in taken:
            doc.dropped[i] = rule
        return taken

    def _edge_hits(self, rule: Rule, doc: Document, live: list[int], holds) -> list[int]:
        """Hits of a rule that wants the first/last N lines: walk in from each edge it names,
        testing lines until N lines that do not match have been passed. Lines it matches do not
        count, so residue stacked at the edge goes at once; lines further in are never tested."""
        w, pool = rule.when, set(live)
        found: Optional[set[int]] = None
        for limit, order in ((w.first, range(doc.n)), (w.last, range(doc.n - 1, -1, -1))):
            if limit is None:
                continue
            side, passed = set(), 0
            for li in order:
                if li in doc.dropped or doc.blank[li]:
                    continue
                if li in pool and holds(li):
                    side.add(li)
                else:
                    passed += 1
                    if passed >= limit:
                        break
            found = side if found is None else found & side
        return sorted(found or ())

    # --- conditions ------------------------------------------------------------------------

    def _conditions_hold(self, rule: Rule, doc: Document, li: int, last: Optional[int] = None, cheap: bool = False) -> bool:
        """Whether the rule's line conditions hold for line li (or the window li..last). ``cheap``
        checks only what costs no pattern call or word split."""
        w = rule.when
        last = li if last is None else last
        if w.final_punctuation is not None and ends_sentence(doc.texts[last]) != w.final_punctuation:
            return False
        if w.repeated_within is not None and not doc.repeats_above(li, w.repeated_within):
            return False
        if w.prev is not None and not self._neighbour_ok(w.prev, doc, range(li - 1, -1, -1), cheap):
            return False
        if w.next is not None and not self._neighbour_ok(w.next, doc, range(last + 1, doc.n), cheap):
            return False
        if cheap:
            return True
        if w.min_words is not None or w.max_words is not None:
            if not _words_between(" ".join(doc.texts[i] for i in range(li, last + 1)) if last != li else doc.texts[li],
                                  w.min_words, w.max_words):
                return False
        if last != li:  # a window: its position is checked here; single lines in _at_edges
            if w.first is not None and _count_live(doc, range(li - 1, -1, -1), set(), w.first) >= w.first:
                return False
            if w.last is not None and _count_live(doc, range(last + 1, doc.n), set(), w.last) >= w.last:
                return False
        return True

    def _neighbour_ok(self, cond: Neighbour, doc: Document, order, cheap: bool = False) -> bool:
        found, gap = None, False
        for i in order:
            if doc.blank[i] and i not in doc.dropped:
                gap = True
                continue
            by = doc.dropped.get(i)
            if by is not None and (cond.skip_removed or (
                    cond.skip_other_removed and by.id not in cond.removed_by and by.category not in cond.removed_by)):
                continue
            found = i
            break
        exists = found is not None and not (cond.adjacent and gap)
        if cond.exists is False:
            return not exists
        if not exists:
            return False
        by = doc.dropped.get(found)
        if cond.removed is not None and (by is not None) != cond.removed:
            return False
        if cond.removed_by and (by is None or (by.id not in cond.removed_by and by.category not in cond.removed_by)):
            return False
        if cheap:
            return True
        text = doc.texts[found]
        if cond.pattern is not None and not cond.pattern.search(text, timeout=self.timeout):
            return False
        if cond.not_pattern is not None and cond.not_pattern.search(text, timeout=self.timeout):
            return False
        return True


def _all_matches(rule: Rule):
    return lambda text, timeout: list(rule.pattern.finditer(text, timeout=timeout))


def _removed_side(rule: Rule) -> int:
    """+1 if the rule can only hold just below a removed line (a `prev` that must be removed), -1 if
    only just above one (`next`), 0 if neither."""
    for side, step in ((rule.when.prev, 1), (rule.when.next, -1)):
        if side is not None and (side.removed_by or side.removed) and not side.skip_removed and side.exists is not False:
            return step
    return 0


def _contextual(rule: Rule) -> bool:
    """Whether a rule's verdict on a line can change when other lines go."""
    w = rule.when
    return rule.window > 1 or any(x is not None for x in (w.first, w.last, w.prev, w.next, w.min_run))


def _count_live(doc: Document, order, skip: set, limit: int) -> int:
    """How many live non-blank lines outside ``skip`` lie in ``order``, counting up to ``limit``."""
    n = 0
    for i in order:
        if doc.live(i) and i not in skip:
            n += 1
            if n >= limit:
                break
    return n


def _runs(hits: list[int], doc: Document, min_run: int) -> list[int]:
    """Keep hits that stand in a run of at least ``min_run``; blank and removed lines do not break a run."""
    if not hits:
        return hits
    hit_set, keep, run = set(hits), [], []
    for i in range(hits[0], hits[-1] + 1):
        if i in hit_set:
            run.append(i)
        elif doc.live(i):
            if len(run) >= min_run:
                keep.extend(run)
            run = []
    if len(run) >= min_run:
        keep.extend(run)
    return keep
