"""What each rule's pattern costs on a sample of text, so that a rule author sees an expensive one.

A rule's pattern is tried only on the lines its gate lets through (a trigger word, a short enough
line, or every line for a rule with neither), so its cost is the number of lines it is tried on
times what one try costs. Both are measured here on the lines of a sample, by replaying the pattern
alone: the figures leave out the engine's own work and the conditions, and a window rule is timed
on single lines.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable, Sequence

from .document import Document
from .gate import Gate
from .model import Rule
from .plan import compile_plans

#: Each rule is timed for at least this long (seconds), for a stable figure.
MIN_TIME = 0.005


@dataclass(frozen=True)
class RuleCost:
    rule: str
    tried: int  # lines of the sample its gate lets through
    us_per_try: float  # microseconds one search takes, on average, on those lines
    ms_per_mb: float  # milliseconds the rule's searches take per MB of sample text


def _tried_lines(rules: Sequence[Rule], lines: list[str]) -> dict[int, list[str]]:
    """Each rule's lines, as the engine's own gate picks them (no whole-text skip: every line counts)."""
    doc = Document("\n".join(lines))
    cands = Gate(compile_plans(rules)).candidates(doc)
    return {ri: [lines[li] for li in sorted(found)] for ri, found in cands.items()}


def gate_allows(rule: Rule, line: str) -> bool:
    """Whether the engine's gate lets ``rule`` try ``line`` (trigger words and shape length)."""
    return bool(_tried_lines([rule], [line]).get(0))


def pattern_costs(rules: Sequence[Rule], lines: Iterable[str]) -> list[RuleCost]:
    """Each rule's cost on ``lines``, in rule order."""
    lines = [line for line in lines if line.strip()]
    megabytes = max(sum(len(line.encode("utf-8")) + 1 for line in lines) / 1e6, 1e-9)
    tried_by = _tried_lines(rules, lines)
    out = []
    for ri, rule in enumerate(rules):
        tried = tried_by.get(ri, [])
        per_try = _time_searches(rule.pattern, tried) if tried else 0.0
        out.append(RuleCost(rule.id, len(tried), per_try * 1e6, per_try * len(tried) * 1e3 / megabytes))
    return out


def _time_searches(pattern, lines: list[str]) -> float:
    """Seconds one search of ``pattern`` takes on average over ``lines``."""
    search = pattern.search
    rounds, spent = 0, 0.0
    while spent < MIN_TIME:
        start = time.perf_counter()
        for line in lines:
            search(line)
        spent += time.perf_counter() - start
        rounds += 1
    return spent / (rounds * len(lines))
