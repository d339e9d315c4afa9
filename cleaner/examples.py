"""Run every rule's own examples: texts it must change (and into what) and texts it must keep."""
from __future__ import annotations

from typing import Sequence

from .engine import Engine
from .model import CleanerError, Example, Rule


def example_engine(rule: Rule, rules: Sequence[Rule], timeout: float = 2.0) -> Engine:
    """The rule alone, behind the earlier rules its conditions name (``removed_by``), and the
    rules those name in turn; behind all earlier rules if it wants a neighbour removed by any."""
    earlier = list(rules[: rules.index(rule)]) if rule in rules else []
    if _by_any(rule):
        return Engine(earlier + [rule], timeout=timeout)
    wanted, deps = _names(rule), []
    for r in reversed(earlier):  # later rules first, so a dependency's own dependencies are seen
        if r.id in wanted or r.category in wanted:
            deps.append(r)
            wanted |= _names(r)
    return Engine(list(reversed(deps)) + [rule], timeout=timeout)


def _names(rule: Rule) -> set[str]:
    return {n for side in (rule.when.prev, rule.when.next) if side for n in side.removed_by}


def _by_any(rule: Rule) -> bool:
    return any(side is not None and side.removed and not side.removed_by for side in (rule.when.prev, rule.when.next))


def example_problem(rule: Rule, example: Example, engine: Engine) -> str | None:
    """What is wrong with one example, or None if the rule does what the example says."""
    try:
        result = engine.clean(example.text)
    except CleanerError as e:
        return f"{rule.path}:{example.line}: rule {rule.id!r}: {e}"
    fired = any(r.rule == rule.id for r in result.removals)
    if example.result is None:
        # With dependencies (rules named in removed_by) those may change the text; this rule must not.
        alone = len(engine.rules) == 1
        if fired or (alone and result.text != example.text):
            return f"{rule.path}:{example.line}: rule {rule.id!r} changes a text it must keep: {example.text!r} -> {result.text!r}"
    elif not fired or result.text != example.result:
        return (f"{rule.path}:{example.line}: rule {rule.id!r} should turn {example.text!r} into "
                f"{example.result!r}, gives {result.text!r}")
    return None


def check_examples(rules: Sequence[Rule], timeout: float = 2.0) -> list[str]:
    problems = []
    for rule in rules:
        engine = example_engine(rule, rules, timeout)
        problems.extend(p for p in (example_problem(rule, ex, engine) for ex in rule.examples) if p)
    return problems
