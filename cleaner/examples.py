"""Run every rule's own examples: texts it must change (and into what) and texts it must keep."""
from __future__ import annotations

from typing import Optional, Sequence

from .engine import Engine
from .model import CleanerError, Example, Rule


def example_engine(rule: Rule, rules: Sequence[Rule], timeout: float = 2.0, at: Optional[int] = None,
                   named: Optional[dict[str, list[int]]] = None) -> Engine:
    """The rule alone, behind the earlier rules its conditions name (``removed_by``), and the
    rules those name in turn; behind all earlier rules if it wants a neighbour removed by any.

    ``at`` (the rule's place in ``rules``) and ``named`` (see ``_by_name``) save a search of all
    rules for each rule: ``check_examples`` passes them, so that loading stays linear."""
    if at is None:
        at = list(rules).index(rule) if rule in rules else 0
    if _by_any(rule):
        return Engine(list(rules[:at]) + [rule], timeout=timeout)
    named = _by_name(rules) if named is None else named
    # Earlier rules with a wanted id or category, each one's own wants resolved among the rules
    # before it (a rule only ever waits on rules that run before it).
    deps: set[int] = set()
    reached: dict[str, int] = {}  # name -> the place it has been resolved before
    todo = [(name, at) for name in _names(rule)]
    while todo:
        name, before = todo.pop()
        if reached.get(name, -1) >= before:
            continue
        reached[name] = before
        for k in named.get(name, ()):
            if k >= before:
                break
            if k not in deps:
                deps.add(k)
                todo.extend((n, k) for n in _names(rules[k]))
    return Engine([rules[k] for k in sorted(deps)] + [rule], timeout=timeout)


def _by_name(rules: Sequence[Rule]) -> dict[str, list[int]]:
    """Rule id or category -> the places of the rules it names, in order."""
    named: dict[str, list[int]] = {}
    for k, r in enumerate(rules):
        named.setdefault(r.id, []).append(k)
        if r.category != r.id:
            named.setdefault(r.category, []).append(k)
    return named


def _names(rule: Rule) -> set[str]:
    return {n for side in _sides(rule) for n in side.removed_by}


def _by_any(rule: Rule) -> bool:
    return any(side.removed and not side.removed_by for side in _sides(rule))


def _sides(rule: Rule):
    """What the rule's `prev` and `next` conditions ask of the neighbouring lines."""
    return [c.value for c in (rule.condition("prev"), rule.condition("next")) if c is not None]


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
    named = _by_name(rules)
    for at, rule in enumerate(rules):
        if rule.examples:  # a rule with none needs no engine
            engine = example_engine(rule, rules, timeout, at, named)
            problems.extend(p for p in (example_problem(rule, ex, engine) for ex in rule.examples) if p)
    return problems


# --- a passed check, remembered ----------------------------------------------------------------
# Running every example of the shipped packs takes most of a second, at every start of the command
# line. A check that passed is remembered under a hash of everything it depends on - each rule as
# loaded, its examples, and the source of this package - so the same rules with the same engine are
# not checked again; any change to a pack or to the code checks them anew.

def _fingerprint(rules: Sequence[Rule]) -> str:
    import hashlib
    from pathlib import Path

    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        h.update(path.read_bytes())
    for r in rules:
        h.update(repr((r.signature(), r.examples)).encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:32]


def _marker(rules: Sequence[Rule]):
    import os
    from pathlib import Path

    if os.environ.get("CLEANER_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cleaner" / f"examples-passed-{_fingerprint(rules)}"


def examples_passed(rules: Sequence[Rule]) -> bool:
    """Whether these very rules passed their examples before (with this very code)."""
    marker = _marker(rules)
    return marker is not None and marker.exists()


def check_examples_once(rules: Sequence[Rule], timeout: float = 2.0) -> list[str]:
    """``check_examples``, unless these very rules passed before with this very code; a pass is
    remembered (one fingerprint for both: the package's source is read once)."""
    marker = _marker(rules)
    if marker is not None and marker.exists():
        return []
    problems = check_examples(rules, timeout)
    if not problems and marker is not None:
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        except OSError:  # a read-only home: the check simply runs again next time
            pass
    return problems
