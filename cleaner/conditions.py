"""The conditions a rule's ``when`` may name: one small class each, in one registry.

A condition declares its YAML key and type, its scope - what its verdict on a line depends on
besides the line itself: nothing (``line``), the nearest lines still there (``neighbour``) or any
line of the text (``document``) - and how it is tested:

- ``before(t, li, last)``: a cheap test made before the rule's pattern runs (no pattern call, no
  word split), for conditions that are usually false and so save the pattern call;
- ``after(t, li, last)``: a test made once the pattern has matched;
- ``walk``: a condition that decides how lines are visited instead (edges, runs); for a window
  rule, whose windows are tried one by one, ``after`` tests it like any other.

``li`` is the line tested, ``last`` the last line of a window (``li`` for a single line), and ``t``
the trial in progress (``engine.Trial``: the document, the rule and its pattern calls). Validation,
the rounds' re-test scheduling (plan.py) and the README's table (``markdown_table``) all come from
``CONDITIONS``: adding a condition is one class here, a rule whose examples use it, and its line
in the docs.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Optional

from .linestats import ends_sentence


@dataclass(frozen=True)
class Condition:
    """One ``when`` key of one rule, with the value the rule gave it."""

    value: Any

    key: ClassVar[str]
    kind: ClassVar[type] = int  # the YAML type of the value
    most: ClassVar[Optional[int]] = None  # the largest number allowed (a larger one is a mistake)
    scope: ClassVar[str] = "line"  # "line", "neighbour" or "document"
    walk: ClassVar[Optional[str]] = None  # "edges" or "runs": lines are visited this way instead
    help: ClassVar[str] = ""  # the README's description
    explains: ClassVar[bool] = False  # a removal it allowed says the line's prose figures in the log

    @classmethod
    def parse(cls, check, m, what: str) -> Optional["Condition"]:
        """The condition as the YAML mapping ``m`` gives it, or None (a problem is recorded)."""
        value = check.typed(m, cls.key, cls.kind, what, most=cls.most)
        return None if value is None else cls(value)

    #: Overridden by a condition that can rule lines out all at once: (t, pool) -> smaller pool.
    narrow = None
    #: Overridden by a condition that tests before the pattern; None: no such test.
    before = None
    #: Overridden by a condition that tests once the pattern matched; None: no such test.
    after = None

    def settled_from(self, edge: str) -> bool:
        """Whether, walking in from ``edge`` ("first": the top, "last": the bottom), the first line
        that fails this test has every line further in failing it too: an edge walk may then make
        the test on its hits alone, after the walk (engine.py, ``Plan.after_edges``)."""
        return False


class First(Condition):
    key, most, scope, walk = "first", 1_000, "document", "edges"
    help = ("among the first N non-blank lines still there (other lines the rule matches do not "
            "count, so residue stacked at an edge goes at once)")

    def after(self, t, li: int, last: int) -> bool:  # a window (single lines walk in from the edge)
        return t.doc.live_count(range(li - 1, -1, -1), self.value) < self.value


class Last(Condition):
    key, most, scope, walk = "last", 1_000, "document", "edges"
    help = "among the last N non-blank lines still there (as `first`)"

    def after(self, t, li: int, last: int) -> bool:
        return t.doc.live_count(range(last + 1, t.doc.n), self.value) < self.value


class MinWords(Condition):
    key, most = "min_words", 10_000
    help = "at least N words in the line (or window)"

    def after(self, t, li: int, last: int) -> bool:
        return len(t.text_of(li, last).split()) >= self.value


class MaxWords(Condition):
    key, most = "max_words", 10_000
    help = "at most N words in the line (or window)"

    def after(self, t, li: int, last: int) -> bool:
        text = t.text_of(li, last)
        # A word needs a character and a space: the length bounds the count, so most lines need no split.
        return (len(text) + 1) // 2 <= self.value or len(text.split()) <= self.value


class FinalPunctuation(Condition):
    key, kind = "final_punctuation", bool
    help = "`true`: must end in `. ! ? : ; …` (before closing quotes); `false`: must not"

    def before(self, t, li: int, last: int) -> bool:
        return ends_sentence(t.doc.texts[last]) == self.value


class MinRun(Condition):
    key, most, scope, walk = "min_run", 1_000, "document", "runs"
    help = "the line stands in a run of at least N consecutive matching lines (blank lines do not break a run)"


class RepeatedWithin(Condition):
    key, most, scope = "repeated_within", 1_000, "document"
    help = ("the same text, as edits left it (ends stripped), stands on one of the N non-blank lines "
            "still there above; removed lines neither match nor count")

    def narrow(self, t, pool: set) -> set:
        """Only a line whose text stands on an earlier line can hold."""
        return pool & t.doc.repeated_lines()

    def before(self, t, li: int, last: int) -> bool:
        return t.doc.repeats_above(li, self.value)


class _Range(Condition):
    """A line statistic (linestats.py) within ``[low, high]``; either end may be null."""

    kind, explains = list, True
    stat: ClassVar[str] = ""  # the LineStats figure it bounds

    @classmethod
    def parse(cls, check, m, what: str):
        value = check.typed(m, cls.key, list, what)
        if value is None:
            return None
        if len(value) != 2 or not all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))
                                      for v in value):
            check.bad(m.key_lines[cls.key], f"{what}: {cls.key} must be [low, high], each a number or null")
            return None
        return cls((value[0], value[1]))

    def figure(self, t, li: int) -> float:
        return getattr(t.stats(li), self.stat)

    def after(self, t, li: int, last: int) -> bool:
        low, high = self.value
        x = self.figure(t, li)
        return (low is None or x >= low) and (high is None or x <= high)


class ProseScore(_Range):
    key, stat = "prose_score", "score"
    help = ("the line's prose score, 0 to 1 (see *Line statistics*), lies in `[low, high]` (either "
            "may be `null`): `[null, 0.3]` for lines that do not read as prose")


class TitleShare(_Range):
    key, stat = "title_share", "title"
    help = "the share of the line's words that start with a capital letter lies in `[low, high]`"


class SymbolShare(_Range):
    key, stat = "symbol_share", "symbols"
    help = "the share of digits, punctuation and symbols among the line's non-space characters lies in `[low, high]`"


class StopwordShare(_Range):
    key = "stopword_share"
    help = "the share of the line's words on the language's stoplist (the `stopwords` package) lies in `[low, high]`"

    def figure(self, t, li: int) -> float:
        return t.stats(li).stopwords(t.language)


class OutsideArticle(Condition):
    key, kind, scope, explains = "outside_article", (str, bool), "document", True
    help = ("`before`, `after` or `true` (either): the line lies outside the article's span (see "
            "*The article's span*); on a page with no clear span it never holds")

    @classmethod
    def parse(cls, check, m, what: str):
        value = check.typed(m, cls.key, (str, bool), what)
        if value is None:
            return None
        if value not in ("before", "after", True):
            check.bad(m.key_lines[cls.key], f"{what}: outside_article must be before, after or true")
            return None
        return cls(value)

    def _holds(self, spans, li: int) -> bool:
        return any(self.value is True and span.where(li) or span.where(li) == self.value for span in spans)

    def before(self, t, li: int, last: int) -> bool:
        # Before the pattern only once the span is known: working it out costs a page's line
        # figures, which most pages never need, as no line there meets the rest of the rule.
        if t.rule.region:
            return True
        known = t.doc.article.get(False)  # t.known_article(), inline: this runs once a line
        return True if known is None else self._holds([known] if known else [], li)

    def after(self, t, li: int, last: int) -> bool:
        return self._holds(t.spans(), li)

    def settled_from(self, edge: str) -> bool:
        # A span is one stretch: from the bottom, the first line in it or above it has every line
        # further up in it or above it too (and with no clear span every line fails).
        return (edge, self.value) in (("last", "after"), ("first", "before"))

    def narrow(self, t, pool: set) -> set:
        """Once the span is known, only the lines on the named side of it, in one pass."""
        known = t.known_article()
        if known is None or t.rule.region:
            return pool
        if not known or not known.clear:
            return set()
        if self.value == "before":
            return {li for li in pool if li < known.first}
        if self.value == "after":
            return {li for li in pool if li > known.last}
        return {li for li in pool if li < known.first or li > known.last}


class ArticleDistance(_Range):
    key, scope = "article_distance", "document"
    help = ("outside a clear span, how many non-blank lines still there stand between the line and "
            "the article lies in `[low, high]`: `[1, null]` spares the line next to it (a headline "
            "just above); inside the span, or with no clear span, it never holds")

    def after(self, t, li: int, last: int) -> bool:
        span = t.article()
        where = span.where(li) if span else None
        if where is None:
            return False
        low, high = self.value
        lines = range(li + 1, span.first) if where == "before" else range(span.last + 1, li)
        n = t.doc.live_count(lines, int(high) + 1 if high is not None else len(lines) + 1)
        return (low is None or n >= low) and (high is None or n <= high)


class Neighbour(Condition):
    """``prev`` or ``next``: a condition on the nearest non-blank line before or after the line."""

    kind, scope = dict, "neighbour"
    step: ClassVar[int] = 0  # -1: look up (prev), 1: look down (next)
    help = ("the nearest non-blank line before: `pattern`, `not_pattern`, `removed: true/false`, "
            "`removed_by: [rule ids or categories]`, `adjacent: true` (no blank line between), "
            "`exists: true/false`. A side that asks for no removal looks past removed lines to the "
            "nearest line still there (as the output will read; `skip_removed: true` says so "
            "explicitly); a side with `removed: true` or `removed_by` sees the nearest line, removed "
            "or not, and `skip_other_removed: true` looks past lines removed by rules that "
            "`removed_by` does not name")

    KEYS: ClassVar[set] = {"pattern", "not_pattern", "removed", "removed_by", "adjacent", "exists",
                           "skip_removed", "skip_other_removed"}

    @classmethod
    def parse(cls, check, m, what: str):
        side = m[cls.key]
        what = f"{what} {cls.key!r}"
        if not isinstance(side, dict):
            check.bad(getattr(side, "line", m.key_lines[cls.key]), f"{what} must be a mapping")
            return None
        check.keys(side, cls.KEYS, what)
        removed_by = check.typed(side, "removed_by", list, what, default=[])
        if not all(isinstance(x, str) for x in removed_by):
            check.bad(side.key_lines["removed_by"], f"{what}: removed_by must list rule ids or categories")
            removed_by = []
        return cls(Side(
            pattern=check.pattern(side, "pattern", what)[0],
            not_pattern=check.pattern(side, "not_pattern", what)[0],
            removed=check.typed(side, "removed", bool, what),
            removed_by=tuple(removed_by),
            adjacent=check.typed(side, "adjacent", bool, what, default=False),
            exists=check.typed(side, "exists", bool, what),
            skip_removed=check.typed(side, "skip_removed", bool, what, default=False),
            skip_other_removed=check.typed(side, "skip_other_removed", bool, what, default=False),
        ))

    @property
    def removed_side(self) -> int:
        """+1 if the rule can only hold just below a removed line (a `prev` that must be removed),
        -1 if only just above one (`next`), 0 if the side asks for no removal."""
        s = self.value
        if (s.removed_by or s.removed) and not s.skip_removed and s.exists is not False:
            return -self.step
        return 0

    def _order(self, t, li: int, last: int):
        return range(li - 1, -1, -1) if self.step < 0 else range(last + 1, t.doc.n)

    def before(self, t, li: int, last: int) -> bool:
        return self._holds(t, li, last, cheap=True)

    def after(self, t, li: int, last: int) -> bool:
        return self._holds(t, li, last, cheap=False)

    def _holds(self, t, li: int, last: int, cheap: bool) -> bool:
        # A side that asks for no removal (neither `removed: true` nor `removed_by`) sees removed
        # lines as absent, as the output will: it looks past them to the nearest line still there,
        # so that its verdict is the same when the output is cleaned again (idempotence).
        cond, doc = self.value, t.doc
        absent = cond.skip_removed or not (cond.removed or cond.removed_by)
        found, gap = None, False
        for i in self._order(t, li, last):
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
        if cond.pattern is not None and not t.call(cond.pattern.search, text, found + 1):
            return False
        if cond.not_pattern is not None and t.call(cond.not_pattern.search, text, found + 1):
            return False
        return True


@dataclass(frozen=True)
class Side:
    """What a ``prev``/``next`` condition asks of the neighbouring line."""

    pattern: Any = None  # compiled regex the neighbour's text must match (search)
    not_pattern: Any = None  # compiled regex the neighbour's text must not match
    removed: Optional[bool] = None  # neighbour already removed (True) or still there (False)
    removed_by: tuple[str, ...] = ()  # ...removed by one of these rule ids or categories
    adjacent: bool = False  # no blank line in between
    exists: Optional[bool] = None  # True: there must be such a line; False: there must be none
    skip_removed: bool = False  # look past lines already removed to the nearest line still there
    skip_other_removed: bool = False  # look past lines removed by rules that removed_by does not name


class Prev(Neighbour):
    key, step = "prev", -1


class Next(Neighbour):
    key, step = "next", 1
    help = "as `prev`, for the nearest non-blank line after"


#: Every condition, by its ``when`` key, in the order the README lists them.
CONDITIONS: dict[str, type[Condition]] = {c.key: c for c in (
    First, Last, MinWords, MaxWords, FinalPunctuation, MinRun, RepeatedWithin, Prev, Next,
    ProseScore, TitleShare, SymbolShare, StopwordShare, OutsideArticle, ArticleDistance,
)}


def markdown_table() -> str:
    """The README's table of conditions, from the registry."""
    rows = ["| condition | scope | holds when |", "|---|---|---|"]
    rows += [f"| `when.{key}` | {cls.scope} | {cls.help} |" for key, cls in CONDITIONS.items()]
    return "\n".join(rows)
