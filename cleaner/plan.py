"""A rule compiled into what the engine needs to know about it: one frozen ``Plan`` per rule.

Worked out once, at load: how lines reach the rule (its gate: trigger words, a shape length, a
whole-text search that may skip a text), what its verdict on a line depends on (the line, its
neighbours, the whole text: ``wide``/``neighbourly``, from the conditions' scopes), how its lines
are visited (``walk``), and its action.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

import regex

from .actions import ACTIONS, SEARCHING
from .conditions import Neighbour
from .model import Rule

# What lets a pattern see past the end of its line when run over a whole text.
_LOOKS_AROUND = ("(?=", "(?!", "(?<=", "(?<!", "\\A", "\\Z", "\\z", "\\G", "(?(")


@dataclass(frozen=True)
class Plan:
    index: int  # the rule's place in the order rules run
    rule: Rule
    # -- how lines reach it (gate.py)
    triggers: tuple[str, ...]
    max_length: Optional[int]
    whole_text: Any  # a MULTILINE pattern: no match in the whole text, no match in any line; or None
    # -- its conditions, as bound tests: before the pattern (cheap), after it
    before: tuple[Callable, ...]
    after: tuple[Callable, ...]  # those of the line and its neighbours first, the document's last
    after_wide: int  # how many of ``after``, at its end, look at the whole document
    # An edge walk's split of ``after``: what it tests as it walks, and what it may test on its
    # hits once it has walked (see Condition.settled_from): a span not asked for while walking
    # is one most pages never work out.
    after_walk: tuple[Callable, ...]
    after_edges: tuple[Callable, ...]
    narrow: tuple[Callable, ...]  # (trial, pool) -> the part of the pool that can hold at all
    first: Optional[int]
    last: Optional[int]
    min_run: Optional[int]
    # -- what its verdict depends on, for the rounds' re-tests (engine.py)
    wide: bool  # any line of the text (edges, runs, repeats, windows): re-run in full after a change
    neighbourly: bool  # the nearest lines still there: re-test the lines beside a change
    step: int  # +1/-1: holds only just below/above a removed line (see Neighbour.removed_side)
    anchors: Optional[frozenset]  # for such a rule, the rules (ids, categories) that must have removed it
    # -- how its lines are visited, and what it does to them
    walk: str  # "window", "chain", "edges" or "lines"
    region: Optional[str]  # "to_end"/"from_top": a hit outside the article takes the rest of the text
    explains: bool  # its conditions look at the prose score or the span: removals say those figures
    direction: int  # a chain's: 1 top down (it looks at `prev`), -1 bottom up (`next`)
    edit: Optional[Callable]  # the action (actions.py); None: the line goes whole
    searches: bool  # the action finds the pattern's matches itself (strip, replace)

    @property
    def drops(self) -> bool:
        return self.edit is None


def compile_plan(index: int, rule: Rule) -> Plan:
    conds = rule.when
    window = rule.window > 1
    # A walk condition (edges, runs) is carried out by the walk for single lines; a window is
    # tested as a whole, so there it is an ordinary test.
    tested = [c for c in conds if window or c.walk is None]
    sides = [c for c in conds if isinstance(c, Neighbour)]
    neighbourly = bool(sides)
    wide = window or rule.region is not None or any(c.scope == "document" for c in conds)
    step = next((c.removed_side for c in sides if c.removed_side), 0)
    anchors = None
    if step:
        side = next(c for c in sides if c.removed_side == step)
        anchors = frozenset(side.value.removed_by)  # empty: any rule's removal will do
    values = {c.key: c.value for c in conds}
    # The document's tests last: they may need the whole page worked out (the article's span).
    after = sorted((c for c in tested if c.after is not None and _tests_after(c)), key=lambda c: c.scope == "document")
    edges = [k for k in ("first", "last") if k in values]
    settled = [c for c in after if edges and all(c.settled_from(k) for k in edges)]
    edit = ACTIONS[rule.action]
    if window:
        walk = "window"
    elif rule.region:
        walk = "lines"
    elif edit is None and neighbourly and not wide:
        walk = "chain"
    elif "first" in values or "last" in values:
        walk = "edges"
    else:
        walk = "lines"
    whole_text = None
    if not rule.triggers and not rule.max_length and not window and not any(k in rule.source for k in _LOOKS_AROUND):
        whole_text = regex.compile(rule.pattern.pattern, rule.pattern.flags | regex.MULTILINE)
    return Plan(
        index=index, rule=rule, triggers=rule.triggers, max_length=rule.max_length, whole_text=whole_text,
        before=tuple(c.before for c in tested if c.before is not None),
        after=tuple(c.after for c in after),
        after_wide=sum(c.scope == "document" for c in after),
        after_walk=tuple(c.after for c in after if c not in settled), after_edges=tuple(c.after for c in settled),
        narrow=tuple(c.narrow for c in conds if c.narrow is not None),
        first=values.get("first"), last=values.get("last"), min_run=values.get("min_run"),
        wide=wide, neighbourly=neighbourly, step=step, anchors=anchors, walk=walk, edit=edit,
        direction=step or (1 if "prev" in values else -1), region=rule.region, searches=rule.action in SEARCHING,
        explains=rule.region is not None or any(c.explains for c in conds),
    )


def _tests_after(c) -> bool:
    # A neighbour side's second look only matters when it has a pattern to run.
    return not isinstance(c, Neighbour) or c.value.pattern is not None or c.value.not_pattern is not None


def compile_plans(rules: Sequence[Rule]) -> tuple[Plan, ...]:
    return tuple(compile_plan(i, r) for i, r in enumerate(rules))
