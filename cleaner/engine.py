"""The rule engine: text in, CleanResult out.

Line-oriented. The gate (``gate.py``) picks each rule's candidate lines without running a pattern,
so a line with no trigger word and too long for any shape rule gets no regex call at all: the cost
stays flat as rules are added. Rules run in order; each sees the lines as earlier rules left them.
Every change is kept against input offsets, so the log is an exact patch of the input.
"""
from __future__ import annotations

import heapq
from typing import Optional, Sequence

import regex

from . import normalise
from .document import SEPARATOR, Document, edit_line
from .deadline import Budget, Overrun, within
from .gate import Gate
from .log import build_log
from .model import CleanResult, CleanerError, Neighbour, Removal, Rule, apply_removals

MAX_ROUNDS = 6
# Up to this many candidate lines (summed over rules), pattern calls carry their own time limit;
# above it, one deadline for the whole text is cheaper (see deadline.py).
FEW_TESTS = 4
# What lets a pattern see past the end of its line when run over a whole text.
_LOOKS_AROUND = ("(?=", "(?!", "(?<=", "(?<!", "\\A", "\\Z", "\\z", "\\G", "(?(")
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

    def __init__(self, rules: Sequence[Rule], timeout: float = 2.0, exhaustive: bool = False):
        self.rules = tuple(rules)
        self.timeout = timeout
        # Every round retests every candidate line of every rule: slow, and the reference that the
        # incremental rounds below are tested against (they must give the same result).
        self.exhaustive = exhaustive
        # An ungated rule's pattern is first run over the whole text (^ and $ at each line's ends):
        # no match there, no match in any line - unless the pattern looks around (at the next line).
        self._whole_text = {r.id: regex.compile(r.pattern.pattern, r.pattern.flags | regex.MULTILINE)
                            for r in self.rules if not r.triggers and not r.max_length and r.window == 1
                            and not any(k in r.source for k in _LOOKS_AROUND)}
        self._gate = Gate(self.rules, self._maybe_in)
        # What a rule's verdict on a line depends on besides the line itself, worked out once:
        # its neighbours (prev/next), or the whole document (edges, runs, windows).
        self._wide = [_wide(r) for r in self.rules]
        self._neighbourly = [r.when.prev is not None or r.when.next is not None for r in self.rules]
        self._step = [_removed_side(r) for r in self.rules]
        # A rule that holds only beside a line removed by certain rules waits until one of them has
        # removed something: in most texts it is never tried at all.
        self._anchors = [_anchors(r) for r in self.rules]
        self._chains = [r.action == "drop" and self._neighbourly[i] and not self._wide[i] for i, r in enumerate(self.rules)]
        # Which of _conditions_hold's two passes a rule needs: structure (cheap), content (after the pattern).
        self._structure = [_has_structure(r.when) for r in self.rules]
        self._content = [_has_content(r.when) for r in self.rules]

    def _maybe_in(self, rule: Rule, doc: Document) -> bool:
        """A whole-text search that may skip a document; on a timeout, the lines are tried one by
        one, so that the error can name the line."""
        whole = self._whole_text.get(rule.id)
        if whole is None:
            return True
        try:
            return self._call(rule, whole.search, doc.text, 0, doc.timeout) is not None
        except CleanerError:
            return True

    def _call(self, rule: Rule, method, text: str, line_no: int, timeout: Optional[float]):
        """Run one of the rule's pattern methods, under ``timeout`` if given; a runaway names rule and line."""
        if timeout is None:
            return method(text)
        try:
            return method(text, timeout=timeout)
        except TimeoutError:
            raise CleanerError(
                f"rule {rule.id!r} ({rule.where}): pattern timed out after {timeout:g}s on line {line_no}"
            ) from None

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
        limit = self.timeout + len(text) * 1e-6
        budget = Budget(3 * self.timeout + 1.0 + len(text) * 5e-6)
        doc = Document(text, self.timeout)
        doc.budget = budget
        cands = self._gate.candidates(doc)
        if not cands:
            return []
        if sum(map(len, cands.values())) <= FEW_TESTS:
            return self._run(doc, cands)  # a time limit on each of a few calls is cheaper than a timer
        # One deadline for the whole text instead of a time limit on every pattern call (see
        # deadline.py). If it passes, the text is cleaned again with a limit on each call, which
        # either finds the runaway pattern or was only a slow text, within what is left of the budget.
        def run(armed: bool) -> list[Removal]:
            if armed:
                doc.timeout = None
            return self._run(doc, cands)
        try:
            return within(limit, run)
        except Overrun:
            doc = cands = None  # the first attempt's state goes before the second is built
            doc = Document(text, self.timeout)
            doc.budget = budget
            return self._run(doc, self._gate.candidates(doc))

    def _run(self, doc: Document, cands: dict[int, set[int]]) -> list[Removal]:
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
            for ri in range(len(self.rules)):  # in order; an edit may give a later rule its first candidate
                doc.budget.check()
                if self.exhaustive:
                    pool = cands.get(ri)
                    if pool:
                        now.add(ri, self._apply(ri, doc, pool, pool, cands))
                    continue
                if last is not None and now.latest < 0 and ri > last.latest:
                    break  # nothing changed since any rule from here on last ran
                pool = cands.get(ri)
                if not pool:
                    continue
                anchors = self._anchors[ri]
                if anchors is not None and (not doc.dropped or (anchors and anchors.isdisjoint(fired))):
                    continue
                if last is not None and not (self._wide[ri] and (now.latest >= 0 or last.latest >= ri)):
                    lines = [*now.edited, *last.since(last.edited, ri)]
                    if self._neighbourly[ri]:
                        lines += [*now.near, *last.since(last.near, ri)]
                    pool = pool.intersection(lines)
                if pool:
                    changed = self._apply(ri, doc, pool, cands[ri], cands)
                    if changed:
                        now.add(ri, changed)
                        fired.update((self.rules[ri].id, self.rules[ri].category))
            if not now.latest >= 0:
                break
            last = now
        if not doc.dropped and not doc.pieces:
            return []
        return build_log(doc)

    def _apply(self, ri: int, doc: Document, pool: set[int], everywhere: set[int], cands) -> set[int]:
        """Apply one rule to the lines of ``pool`` still there (a chain may go on through any of its
        candidate lines, ``everywhere``); the lines it changed."""
        rule = self.rules[ri]
        if doc.held and rule.action == "drop":
            # A line holding a line separator between text is never removed whole (document.py):
            # to a rule that removes lines, it is a line the rule does not match.
            pool, everywhere = pool - doc.held, everywhere - doc.held
        if rule.window > 1:
            return self._apply_window(rule, doc, sorted(pool - doc.dropped.keys()))
        texts, search, timeout = doc.texts, rule.pattern.search, doc.timeout
        w = rule.when
        structure, content = self._structure[ri], self._content[ri]
        check = doc.budget.check

        def holds(li):  # structure first (cheap, and usually false), then the pattern, then the rest
            check()
            return ((not structure or self._conditions_hold(rule, doc, li, cheap=True))
                    and (search(texts[li]) if timeout is None else self._call(rule, search, texts[li], li + 1, timeout))
                    and (not content or self._conditions_hold(rule, doc, li)))

        step = self._step[ri]
        if step:
            # Only a line just beyond a removed line can hold: start from those, not from every line.
            pool = doc.past_removed(step, self._anchors[ri]) & pool
        elif w.repeated_within is not None:
            pool = pool & doc.repeated_lines()
        if self._chains[ri]:
            return self._chain(rule, doc, pool, everywhere, step or (1 if w.prev else -1), holds)
        live = sorted(pool - doc.dropped.keys())
        if w.first is not None or w.last is not None:
            hits = self._edge_hits(rule, doc, live, holds)
        elif rule.action in ("strip", "replace") and not structure and not content and not w.min_run:
            hits = live  # finding the matches below is the test: one pattern call a line, not two
        else:
            hits = [li for li in live if (not doc.blank[li] or rule.action != "drop") and holds(li)]
        if rule.when.min_run:
            hits = _runs(hits, doc, rule.when.min_run)
        changed = set()
        for li in hits:
            check()
            if rule.action == "drop":
                doc.drop(li, rule)
                changed.add(li)
                continue
            line = texts[li]
            if rule.action == "fix-encoding":
                edits, detail = _repair(line, li in doc.held)
            else:
                repl = rule.replacement if rule.action == "replace" else ""
                matches = self._call(rule, _all_matches(rule), line, li + 1, doc.timeout)
                edits = [(m.start(), m.end(), m.expand(repl) if repl else "") for m in matches]
                edits, detail = [e for e in edits if line[e[0]:e[1]] != e[2]], ""
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

    def _chain(self, rule: Rule, doc: Document, pool: set[int], everywhere: set[int], step: int, holds) -> set[int]:
        """A rule that looks at its neighbours, run so that each removal is seen by the next line
        tested: top down for `prev` (step 1), bottom up for `next` (-1). A list under a removed
        heading goes in one pass, the line past each removal tested even when outside ``pool``."""
        heap = [step * li for li in pool if li not in doc.dropped]
        heapq.heapify(heap)
        changed, seen = set(), set()
        while heap:
            li = step * heapq.heappop(heap)
            if li in seen:
                continue
            seen.add(li)
            if not doc.blank[li] and holds(li):
                doc.drop(li, rule)
                changed.add(li)
                b = doc.beyond(li, step)
                if b in everywhere and b not in seen:
                    heapq.heappush(heap, step * b)
        return changed

    def _apply_window(self, rule: Rule, doc: Document, live: list[int]) -> set[int]:
        """Windows of ``rule.window`` consecutive lines still there (removed lines are looked
        through), each holding a candidate line; a window whose text the pattern matches goes whole."""
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
            doc.budget.check()
            span = spans[first]
            if any(i in taken for i in span) or doc.blank[span[0]] or doc.blank[span[-1]]:
                continue
            if not doc.held.isdisjoint(span):  # a held line is never removed whole (document.py)
                continue
            window = "\n".join(doc.texts[i] for i in span)
            if self._call(rule, rule.pattern.fullmatch, window, span[0] + 1, doc.timeout) and self._conditions_hold(rule, doc, span[0], span[-1]):
                taken.update(span)
        for i in taken:
            doc.drop(i, rule)
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
                doc.budget.check()
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
        if w.prev is not None and not self._neighbour_ok(rule, w.prev, doc, range(li - 1, -1, -1), cheap):
            return False
        if w.next is not None and not self._neighbour_ok(rule, w.next, doc, range(last + 1, doc.n), cheap):
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

    def _neighbour_ok(self, rule: Rule, cond: Neighbour, doc: Document, order, cheap: bool = False) -> bool:
        # A side that asks for no removal (neither `removed: true` nor `removed_by`) sees removed
        # lines as absent, as the output will: it looks past them to the nearest line still there,
        # so that its verdict is the same when the output is cleaned again (idempotence).
        absent = cond.skip_removed or not (cond.removed or cond.removed_by)
        found, gap = None, False
        for i in order:
            if doc.blank[i] and i not in doc.dropped:
                gap = True
                continue
            by = doc.dropped.get(i)
            if by is not None and (absent or (
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
        if cond.pattern is not None and not self._call(rule, cond.pattern.search, text, found + 1, doc.timeout):
            return False
        if cond.not_pattern is not None and self._call(rule, cond.not_pattern.search, text, found + 1, doc.timeout):
            return False
        return True


def _repair(line: str, held: bool) -> tuple[list, str]:
    """ftfy's repair of a line as edits, and its steps. On a line held by a line separator, each
    piece between separators is repaired on its own: no edit may take a separator (document.py),
    and a repair with one of its edits left out could be half made, and made again on the next
    pass (an insertion kept, the deletion beside it refused)."""
    if not held:
        fixed, detail = normalise.fix_encoding(line)
        return normalise.diff_spans(line, fixed), detail
    edits, details, pos = [], [], 0
    for m in [*SEPARATOR.finditer(line), None]:
        end = m.start() if m is not None else len(line)
        piece = line[pos:end]
        fixed, detail = normalise.fix_encoding(piece)
        if fixed != piece:
            edits.extend((pos + a, pos + b, new) for a, b, new in normalise.diff_spans(piece, fixed))
            if detail not in details:
                details.append(detail)
        if m is not None:
            pos = m.end()
    return edits, "; ".join(details)


def _all_matches(rule: Rule):
    return lambda text, **timeout: list(rule.pattern.finditer(text, **timeout))


def _removed_side(rule: Rule) -> int:
    """+1 if the rule can only hold just below a removed line (a `prev` that must be removed), -1 if
    only just above one (`next`), 0 if neither."""
    for side, step in ((rule.when.prev, 1), (rule.when.next, -1)):
        if side is not None and (side.removed_by or side.removed) and not side.skip_removed and side.exists is not False:
            return step
    return 0


def _anchors(rule: Rule) -> Optional[frozenset]:
    """For a rule that holds only beside a removed line: the rules (ids or categories) that must
    have removed it, empty if any rule will do. None for other rules."""
    step = _removed_side(rule)
    if not step:
        return None
    return frozenset((rule.when.prev if step == 1 else rule.when.next).removed_by)


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


def _has_structure(w) -> bool:
    return any(x is not None for x in (w.final_punctuation, w.repeated_within, w.prev, w.next))


def _has_content(w) -> bool:
    # Neighbours are walked again for their patterns; edges are checked here for windows only.
    return (w.min_words is not None or w.max_words is not None
            or any(n is not None and (n.pattern is not None or n.not_pattern is not None) for n in (w.prev, w.next)))


def _wide(rule: Rule) -> bool:
    """Whether a rule's verdict on a line can change when any other line changes, not only its neighbours."""
    w = rule.when
    # A repeat counts the lines still there between two copies: any removal between them counts.
    return rule.window > 1 or any(x is not None for x in (w.first, w.last, w.min_run, w.repeated_within))


def _still_there(doc: Document, li: int, step: int, most: int) -> list[int]:
    """Up to ``most`` lines not removed (blank or not) past line li, in the direction of ``step``."""
    out, i = [], li + step
    while len(out) < most and 0 <= i < doc.n:
        if i not in doc.dropped:
            out.append(i)
        i += step
    return out


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
