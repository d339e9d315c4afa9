"""Every example of every shipped rule runs as a test of its own (sqlfluff-style generated cases)."""
import pytest

from cleaner import load_rules
from cleaner.examples import example_engine, example_problem

RULES = load_rules(check=False)
CASES = [
    pytest.param(rule, ex, id=f"{rule.id}-{'keep' if ex.result is None else 'change'}-line{ex.line}")
    for rule in RULES for ex in rule.examples
]


@pytest.mark.parametrize("rule, example", CASES)
def test_rule_example(rule, example):
    assert example_problem(rule, example, example_engine(rule, RULES)) is None


def test_every_rule_has_an_example_to_change_and_one_to_keep():
    for rule in RULES:
        kinds = {ex.result is None for ex in rule.examples}
        assert kinds == {True, False}, f"{rule.where}: rule {rule.id!r} needs examples of both kinds"


def test_every_rule_has_a_gate_or_is_known_to_look_at_every_line():
    # A rule with no trigger words and no max_length is tested on every line: slow. Only these may.
    ungated = {r.id for r in RULES if not r.triggers and not r.max_length}
    assert ungated <= {"mojibake"}
