"""The rule engine: text in, CleanResult out.

Line-oriented. Each rule is compiled once into a ``Plan`` (plan.py); the gate (gate.py) picks each
rule's candidate lines without running a pattern, so a line with no trigger word and too long for
any shape rule gets no regex call at all: the cost stays flat as rules are added. Rules run in
order; each sees the lines as earlier rules left them. Every change is kept against input offsets,
so the log is an exact patch of the input.
"""
from __future__ import annotations

import heapq
from itertools import compress, filterfalse
from operator import attrgetter, not_
from typing import Optional, Sequence

from .deadline import Budget, Limits, Overrun, within
from .document import Document, edit_line
from .gate import Gate
from .linestats import LineStats, line_stats, line_stats_many
from .log import build_log
from .model import CleanResult, Removal, Rule, apply_removals
from .plan import Plan, compile_plans
from .span import Span, find_span

MAX_ROUNDS = 6
_SCORE, _WORDS = attrgetter("score"), attrgetter("words")
# Up to this many candidate lines (summed over rules), pattern calls carry their own time limit;
# above it, one deadline for the whole text is cheaper (see deadline.py).
FEW_TESTS = 4


class Trial:
    """One text being cleaned, as the rules' conditions and actions see it: the document, the rule
    at work (set as each rule runs), a line's figures, the article's span, and how to call a
    pattern (under the text's limits, a runaway naming the rule and the line)."""

    __slots__ = ("doc", "rule", "limits", "language", "_barriers")

    def __init__(self, doc: Document, rule: Rule, limits: Limits, barriers=None, language: str = "en"):
        self.doc, self.rule, self.limits, self.language = doc, rule, limits, language
        self._barriers = barriers  # () -> the lines that end the span's search

    def call(self, method, text: str, line_no: int):
        return self.limits.call(self.rule, method, text, line_no)

    def text_of(self, li: int, last: int) -> str:
        """The line's text, or a window's lines joined by spaces."""
        return self.doc.texts[li] if last == li else " ".join(self.doc.texts[li:last + 1])

    def stats(self, li: int) -> LineStats:
        """Line li's figures and prose score, as the line stands (worked out once, until an edit)."""
        found = self.doc.stats.get(li)
        if found is None:
            found = self.doc.stats[li] = line_stats(self.doc.texts[li])
        return found

    def article(self) -> Optional[Span]:
        """The article's span on the lines still there, found when asked for after any change (a
        removal or an edit forgets it): every rule sees it as the rules before it left the page, so
        the last round, which changes nothing, sees the output's own span (idempotence).

        A thread's heading ends the span's search: the headings still there, as a second pass will
        see them (``regional``: those an earlier rule removed too, see ``spans``)."""
        return self._span(self._regional())

    def spans(self) -> list:
        """The spans a line's place is judged by. A rule that opens a region to the end also looks
        at the span that a heading an earlier rule removed still ends (it still heads its thread):
        where either has the heading after the article, the thread goes. The span of the headings
        still there is always asked, so a second pass, which sees only those, finds nothing left
        to take."""
        if self._regional():
            return [s for s in (self._span(True), self._span(False)) if s is not None]
        span = self._span(False)
        return [span] if span is not None else []

    def _span(self, regional: bool) -> Optional[Span]:
        doc = self.doc
        found = doc.article.get(regional)
        if found is None:
            # Worked out again after every change, so in C loops where it can be: the lines still
            # there and not blank, and their figures, most of them known from the last time.
            lines = list(filterfalse(doc.dropped.__contains__, compress(range(doc.n), map(not_, doc.blank))))
            figures = list(map(doc.stats.get, lines))
            if None in figures:  # the first time, most of the page: its lines' figures at once
                missing = [li for li, f in zip(lines, figures) if f is None]
                doc.stats.update(zip(missing, line_stats_many([doc.texts[li] for li in missing])))
                figures = list(map(doc.stats.__getitem__, lines))
            barriers = self._barriers(regional) if self._barriers is not None else frozenset()
            found = doc.article[regional] = find_span(
                lines, list(map(_SCORE, figures)), list(map(_WORDS, figures)), barriers) or False
        return found or None

    def known_article(self):
        """The span if it is already worked out (False: there is none), None if not yet."""
        return self.doc.article.get(self._regional())

    def _regional(self) -> bool:
        return self.rule is not None and self.rule.region == "to_end"

    def explain(self, li: int) -> str:
        """What the log says of a line removed by a rule that looks at prose figures or the span."""
        span = next((s for s in self.spans() if s.where(li)), None)
        where = span.where(li) if span else None
        at = f"; {where} the article (lines {span.first + 1}-{span.last + 1})" if where else ""
        return self.stats(li).parts() + at


class Engine:
    """Compiled rules, ready to clean any number of texts; holds no per-text state (thread-safe)."""

    def __init__(self, rules: Sequence[Rule], timeout: float = 2.0, exhaustive: bool = False,
                 language: Optional[str] = None):
        self.rules = tuple(rules)
        self.timeout = timeout
        self.language = language or "en"  # the texts' language, for the figures that depend on it
        # Every round retests every candidate line of every rule: slow, and the reference that the
        # incremental rounds below are tested against (they must give the same result).
        self.exhaustive = exhaustive
        self.plans = compile_plans(self.rules)
        self._gate = Gate(self.plans)
        # Lines that open a region to the end of the text (a comment thread) end the span's search.
        self._openers = [p for p in self.plans if p.region == "to_end"]

    # --- cleaning --------------------------------------------------------------------------

    def clean(self, text: str) -> CleanResult:
        if not text:
            return CleanResult(text, ())
        # The document and its candidates are gone before the output is built: the two together
        # would set a long text's peak memory.
        removals = self._removals(text)
        if not removals:
            return CleanResult(text, ())
        return CleanResult(apply_removals(text, removals), tuple(removals))

    def _removals(self, text: str) -> list[Removal]:
        # One limit for all the work on a text, Python included (see deadline.Budget): room for a
        # first attempt under a timer and a second that names a runaway pattern.
        budget = Budget(3 * self.timeout + 1.0 + len(text) * 5e-6)
        limits = Limits(self.timeout, budget)
        doc = Document(text)
        cands = self._gate.candidates(doc, limits)
        if not cands:
            return []
        if sum(map(len, cands.values())) <= FEW_TESTS:
            return self._run(doc, cands, limits)  # a time limit on each of a few calls is cheaper than a timer
        # One deadline for the whole text instead of a time limit on every pattern call (see
        # deadline.py). If it passes, the text is cleaned again with a limit on each call, which
        # either finds the runaway pattern or was only a slow text, within what is left of the budget.
        def run(armed: bool) -> list[Removal]:
            return self._run(doc, cands, Limits(None, budget) if armed else limits)
        try:
            return within(self.timeout + len(text) * 1e-6, run)
        except Overrun:
            doc = cands = None  # the first attempt's state goes before the second is built
            doc = Document(text)
            return self._run(doc, self._gate.candidates(doc, limits), limits)

    def _run(self, doc: Document, cands: dict[int, set[int]], limits: Limits) -> list[Removal]:
        t = Trial(doc, None, limits, lambda regional: self._barriers(doc, cands, limits, regional), self.language)
        # Removing a line can put another at the edge or next to a credit, and an edit can make a
        # line match an earlier rule: rounds repeat until nothing changes, so cleaning twice never
        # changes more than cleaning once. After the first round a rule tests only what could now
        # differ for it: lines edited and the nearest lines beside each change (for rules that look
        # at neighbours), made since the rule last ran - in the last round by itself or a later
        # rule, or in this round by an earlier one. A rule that looks at the whole text (edges,
        # runs, windows) runs again in full after any such change.
        fired: set[str] = set()  # ids and categories of the rules that changed something
        last: Optional[_Changes] = None  # None: the first round tests every candidate
        for _ in range(MAX_ROUNDS):
            now = _Changes(doc)
            for plan in self.plans:  # in order; an edit may give a later rule its first candidate
                ri = plan.index
                limits.budget.check()
                if self.exhaustive:
                    pool = cands.get(ri)
                    if pool:
                        now.add(ri, self._apply(plan, t, pool, pool, cands))
                    continue
                if last is not None and now.latest < 0 and ri > last.latest:
                    break  # nothing changed since any rule from here on last ran
                pool = cands.get(ri)
                if not pool:
                    continue
                anchors = plan.anchors
                if anchors is not None and (not doc.dropped or (anchors and anchors.isdisjoint(fired))):
                    continue
                if last is not None and not (plan.wide and (now.latest >= 0 or last.latest >= ri)):
                    lines = [*now.edited, *last.since(last.edited, ri)]
                    if plan.neighbourly:
                        lines += [*now.near, *last.since(last.near, ri)]
                    pool = pool.intersection(lines)
                if pool:
                    changed = self._apply(plan, t, pool, cands[ri], cands)
                    if changed:
                        now.add(ri, changed)
                        fired.update((plan.rule.id, plan.rule.category))
            if not now.latest >= 0:
                break
            last = now
        if not doc.dropped and not doc.pieces:
            return []
        return build_log(doc)

    def _apply(self, plan: Plan, t: Trial, pool: set[int], everywhere: set[int], cands) -> set[int]:
        """Apply one rule to the lines of ``pool`` still there (a chain may go on through any of its
        candidate lines, ``everywhere``); the lines it changed."""
        rule = plan.rule
        t.rule, doc, limits = rule, t.doc, t.limits
        if doc.held and plan.drops:
            # A line holding a line separator between text is never removed whole (document.py):
            # to a rule that removes lines, it is a line the rule does not match.
            pool, everywhere = pool - doc.held, everywhere - doc.held
        if plan.walk == "window":
            return self._apply_window(plan, t, sorted(pool - doc.dropped.keys()))
        texts, search, timeout = doc.texts, rule.pattern.search, limits.timeout
        before, after = plan.before, plan.after
        check = limits.budget.check

        def matches(li):  # cheap tests first (usually false), then the pattern
            check()
            for c in before:
                if not c(t, li, li):
                    return False
            return search(texts[li]) if timeout is None else t.call(search, texts[li], li + 1)

        def rest(li):  # what is tested once the pattern matched
            return _passes(after, t, li)

        def holds(li):
            return matches(li) and rest(li)

        if plan.step:
            # Only a line just beyond a removed line can hold: start from those, not from every line.
            pool = doc.past_removed(plan.step, plan.anchors) & pool
        for narrow in plan.narrow:
            pool = narrow(t, pool)
        if plan.walk == "chain":
            return self._chain(plan, t, pool, everywhere, holds)
        if plan.region:
            # A region may open at a line an earlier rule removed: a thread's heading still heads
            # it. A heading with nothing left beyond it opens none (and needs no span worked out).
            step = 1 if plan.region == "to_end" else -1
            live = sorted(li for li in pool if doc.beyond(li, step) is not None)
        else:
            live = sorted(pool - doc.dropped.keys())
        if plan.walk == "edges":
            if plan.after_edges:
                walking = plan.after_walk
                hits = self._edge_hits(plan, doc, live, lambda li: matches(li) and _passes(walking, t, li), check)
                if plan.min_run:  # runs too short already are no run once some of them go
                    hits = _runs(hits, doc, plan.min_run)
                hits = [li for li in hits if _passes(plan.after_edges, t, li)]
            else:
                hits = self._edge_hits(plan, doc, live, holds, check)
        elif plan.searches and not before and not after and not plan.min_run:
            hits = live  # finding the matches below is the test: one pattern call a line, not two
        elif plan.min_run:
            # A line in a run of lines that meet everything stands in a run of lines that meet
            # less: the runs of matches are found first, then of lines that also meet the tests of
            # the line itself, and only then are the tests of the whole page made (the span).
            blank, drops = doc.blank, plan.drops
            hits = [li for li in live if (not blank[li] or not drops) and matches(li)]
            for tests in (after[:len(after) - plan.after_wide], after[len(after) - plan.after_wide:]):
                hits = _runs(hits, doc, plan.min_run)
                hits = [li for li in hits if _passes(tests, t, li)] if tests else hits
            hits = _runs(hits, doc, plan.min_run)
        else:
            blank, drops = doc.blank, plan.drops
            hits = [li for li in live if (not blank[li] or not drops) and holds(li)]
        if plan.min_run and plan.walk == "edges":
            hits = _runs(hits, doc, plan.min_run)
        if plan.region:
            return _take_region(plan, t, hits)
        # What the log says of each line, as the page stood when the rule judged it (a removal makes
        # the span be found again).
        why = {li: t.explain(li) for li in hits} if plan.explains and plan.drops else {}
        changed = set()
        for li in hits:
            check()
            if plan.drops:
                doc.drop(li, rule, why.get(li, ""))
                changed.add(li)
                continue
            edits, detail = plan.edit(t, li, texts[li])
            was_blank = doc.blank[li]
            if edits and edit_line(doc, li, edits, rule, detail):
                # Nothing left of the line: it goes whole. So does a last line without a line ending
                # that an edit leaves blank: kept, it would end the output in a line ending the input
                # did not have ("no final newline in, none out").
                if doc.blank[li] and (not was_blank or (li == doc.n - 1 and not doc.has_final_eol)):
                    doc.drop(li, rule)
                changed.add(li)
                self._gate.retrigger(doc, li, cands)
        return changed

    def _barriers(self, doc: Document, cands, limits: Limits, regional: bool) -> frozenset:
        """The lines that a `region: to_end` rule's pattern matches: those still there, and for
        such a rule itself (``regional``) those removed too (see ``Trial.article``)."""
        return frozenset(li for p in self._openers for li in sorted(cands.get(p.index, ()))
                         if (regional or li not in doc.dropped)
                         and limits.call(p.rule, p.rule.pattern.search, doc.texts[li], li + 1))

    @staticmethod
    def _chain(plan: Plan, t: Trial, pool: set[int], everywhere: set[int], holds) -> set[int]:
        """A rule that looks at its neighbours, run so that each removal is seen by the next line
        tested: top down for `prev` (step 1), bottom up for `next` (-1). A list under a removed
        heading goes in one pass, the line past each removal tested even when outside ``pool``."""
        rule, doc, step = plan.rule, t.doc, plan.direction
        heap = [step * li for li in pool if li not in doc.dropped]
        heapq.heapify(heap)
        changed, seen = set(), set()
        while heap:
            li = step * heapq.heappop(heap)
            if li in seen:
                continue
            seen.add(li)
            if not doc.blank[li] and holds(li):
                doc.drop(li, rule, t.explain(li) if plan.explains else "")
                changed.add(li)
                b = doc.beyond(li, step)
                if b in everywhere and b not in seen:
                    heapq.heappush(heap, step * b)
        return changed

    def _apply_window(self, plan: Plan, t: Trial, live: list[int]) -> set[int]:
        """Windows of ``rule.window`` consecutive lines still there (removed lines are looked
        through), each holding a candidate line; a window whose text the pattern matches goes whole."""
        rule, doc = plan.rule, t.doc
        n = rule.window
        # Each candidate's windows, from the n - 1 lines still there on either side of it (walked
        # to, not indexed: a map of every line would cost more than the text), tried top down.
        spans: dict[int, tuple[int, ...]] = {}
        for li in live:
            around = [*reversed(_still_there(doc, li, -1, n - 1)), li, *_still_there(doc, li, 1, n - 1)]
            for k in range(len(around) - n + 1):
                spans.setdefault(around[k], tuple(around[k:k + n]))
        taken: set[int] = set()
        for first in sorted(spans):
            t.limits.budget.check()
            span = spans[first]
            if any(i in taken for i in span) or doc.blank[span[0]] or doc.blank[span[-1]]:
                continue
            if not doc.held.isdisjoint(span):  # a held line is never removed whole (document.py)
                continue
            window = "\n".join(doc.texts[i] for i in span)
            a, b = span[0], span[-1]
            if (t.call(rule.pattern.fullmatch, window, a + 1)
                    and all(c(t, a, b) for c in plan.before) and all(c(t, a, b) for c in plan.after)):
                taken.update(span)
        for i in taken:
            doc.drop(i, rule)
        return taken

    @staticmethod
    def _edge_hits(plan: Plan, doc: Document, live: list[int], holds, check) -> list[int]:
        """Hits of a rule that wants the first/last N lines: walk in from each edge it names,
        testing lines until N lines that do not match have been passed. Lines it matches do not
        count, so residue stacked at the edge goes at once; lines further in are never tested."""
        pool = set(live)
        found: Optional[set[int]] = None
        for limit, order in ((plan.first, range(doc.n)), (plan.last, range(doc.n - 1, -1, -1))):
            if limit is None:
                continue
            side, passed = set(), 0
            for li in order:
                check()
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


class _Changes:
    """What the rules changed in one round: line -> the last rule (index) that edited it, or that
    changed a line beside it (``near``: the nearest line still there on either side, worked out
    when first asked for, as most rounds never ask)."""

    __slots__ = ("edited", "lines", "latest", "_near", "_doc")

    def __init__(self, doc: Document):
        self.edited: dict[int, int] = {}
        self.lines: dict[int, int] = {}  # every line changed, edited or removed
        self.latest = -1
        self._near: Optional[dict[int, int]] = None
        self._doc = doc

    def add(self, ri: int, lines: set[int]) -> None:
        if not lines:
            return
        self.latest = ri
        for li in lines:
            self.lines[li] = ri
            if li in self._doc.dropped:
                self.edited.pop(li, None)
            else:
                self.edited[li] = ri
        self._near = None

    @property
    def near(self) -> dict[int, int]:
        if self._near is None:
            self._near = self._doc.beside(self.lines)
        return self._near

    @staticmethod
    def since(changes: dict[int, int], ri: int) -> list[int]:
        """The lines changed by rule ri or a later one."""
        return [li for li, by in changes.items() if by >= ri]


def _take_region(plan: Plan, t: Trial, hits: list[int]) -> set[int]:
    """A region rule's removal: from its first hit after the article to the end of the text
    (`to_end`), or from the top to its last hit before the article (`from_top`). A region never
    starts inside the article's span, nor on a page without a clear one. Each line goes on its own
    record, under the rule; a line holding a line separator stays (document.py)."""
    if not hits:
        return set()  # no marker: the span is not worked out for nothing (it costs the page's figures)
    spans, doc = t.spans(), t.doc
    side = "after" if plan.region == "to_end" else "before"
    markers = [li for li in hits if any(span.where(li) == side for span in spans)]
    if not markers:
        return set()
    mark = markers[0] if side == "after" else markers[-1]
    lines = range(mark, doc.n) if side == "after" else range(0, mark + 1)
    taken = {li for li in lines if not doc.blank[li] and li not in doc.dropped and li not in doc.held}
    why = t.explain(mark)
    for li in sorted(taken):
        t.limits.budget.check()
        doc.drop(li, plan.rule, why if li == mark else f"in the region {'from' if side == 'after' else 'up to'} line {mark + 1}")
    return taken


def _passes(tests, t: Trial, li: int) -> bool:
    """Whether line li meets every one of ``tests`` (the first that fails ends it)."""
    for c in tests:
        if not c(t, li, li):
            return False
    return True


def _still_there(doc: Document, li: int, step: int, most: int) -> list[int]:
    """Up to ``most`` lines not removed (blank or not) past line li, in the direction of ``step``."""
    out, i = [], li + step
    while len(out) < most and 0 <= i < doc.n:
        if i not in doc.dropped:
            out.append(i)
        i += step
    return out


def _runs(hits: list[int], doc: Document, min_run: int) -> list[int]:
    """Keep the hits (line numbers in ascending order) that stand in a run of at least ``min_run``;
    blank and removed lines do not break a run. Only the gaps between hits are looked at: most hits
    are next to each other."""
    blank, dropped = doc.blank, doc.dropped
    keep, run, prev = [], [], -1
    for li in hits:
        if run:
            gap = prev + 1
            while gap < li and (blank[gap] or gap in dropped):
                gap += 1
            if gap < li:  # a line still there between: the run ends
                if len(run) >= min_run:
                    keep.extend(run)
                run = []
        run.append(li)
        prev = li
    if len(run) >= min_run:
        keep.extend(run)
    return keep
