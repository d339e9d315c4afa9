"""The condition registry, the line statistics and the article's span, as a rule author relies on them."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import Cleaner
from cleaner import conditions as conditions_module
from cleaner.conditions import CONDITIONS, Condition, markdown_table
from cleaner.linestats import WEIGHTS, line_stats, stoplist
from cleaner.model import CleanerError
from cleaner.plan import compile_plan
from cleaner.span import find_span

ROOT = Path(__file__).resolve().parent.parent


def _pack(tmp_path, rules) -> Path:
    path = tmp_path / "pack.yaml"
    path.write_text(yaml.safe_dump({"category": "t", "rules": rules}), encoding="utf-8")
    return path


def test_the_readme_table_is_the_registry():
    assert markdown_table() in (ROOT / "README.md").read_text(encoding="utf-8")


def test_rules_conditions_prints_the_table():
    out = subprocess.run([sys.executable, "-m", "cleaner", "rules", "conditions"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == markdown_table()


def test_an_unknown_condition_is_refused_naming_every_known_one(tmp_path):
    path = _pack(tmp_path, [{"id": "x", "description": "d", "pattern": "x", "when": {"prose": 1}}])
    with pytest.raises(CleanerError) as info:
        Cleaner(rules=[path])
    assert "unknown key 'prose'" in str(info.value)
    assert all(key in str(info.value) for key in CONDITIONS)


@pytest.mark.parametrize("when, says", [
    ({"prose_score": [0.5]}, "prose_score must be [low, high]"),
    ({"prose_score": ["a", 1]}, "prose_score must be [low, high]"),
    ({"outside_article": "inside"}, "outside_article must be before, after or true"),
    ({"outside_article": 3}, "'outside_article' must be str/bool"),
    ({"min_run": 5000}, "'min_run' must be at most 1,000"),
])
def test_a_condition_validates_its_own_value(tmp_path, when, says):
    path = _pack(tmp_path, [{"id": "x", "description": "d", "pattern": "x", "when": when}])
    with pytest.raises(CleanerError) as info:
        Cleaner(rules=[path])
    assert says in str(info.value)


def test_a_new_condition_is_one_class(tmp_path, monkeypatch):
    """Adding a condition touches the registry only: validation, scheduling and the table follow."""

    class Shouting(Condition):
        key, kind = "shouting", bool
        help = "`true`: the line is all capitals"

        def before(self, t, li, last):
            text = t.doc.texts[li]
            return (text.isupper()) == self.value

    monkeypatch.setitem(CONDITIONS, "shouting", Shouting)
    path = _pack(tmp_path, [{"id": "loud", "description": "d", "pattern": "^\\w", "max_length": 40,
                             "when": {"shouting": True}}])
    cleaner = Cleaner(rules=[path])
    assert cleaner.clean("BREAKING NEWS\nThe vote was close.\n").text == "The vote was close.\n"
    assert "`when.shouting` | line |" in markdown_table()
    assert not compile_plan(0, cleaner.rules[0]).wide


def test_scopes_decide_what_the_rounds_test_again(tmp_path):
    path = _pack(tmp_path, [
        {"id": "a", "description": "d", "pattern": "x", "when": {"outside_article": "after"}},
        {"id": "b", "description": "d", "pattern": "x", "when": {"prev": {"pattern": "y"}}},
        {"id": "c", "description": "d", "pattern": "x", "when": {"prose_score": [None, 0.3]}},
    ])
    a, b, c = (compile_plan(i, r) for i, r in enumerate(Cleaner(rules=[path], check=False).rules))
    assert (a.wide, a.neighbourly) == (True, False)
    assert (b.wide, b.neighbourly) == (False, True)
    assert (c.wide, c.neighbourly) == (False, False)


def test_the_prose_score_is_the_documented_formula():
    import math
    s = line_stats("The council met on Tuesday, and it voted to keep the library open.")
    z = (WEIGHTS["bias"] + WEIGHTS["log_words"] * math.log1p(s.words) + WEIGHTS["title"] * s.title
         + WEIGHTS["symbols"] * s.symbols + WEIGHTS["handles"] * s.handles + WEIGHTS["end"] * s.end)
    assert s.score == pytest.approx(1 / (1 + math.exp(-z)))
    assert (s.words, s.end, s.handles) == (13, True, False)


@pytest.mark.parametrize("prose, residue", [
    ("The council met on Tuesday, and it voted to keep the library open.", "More From Our Network"),
    ("She said the new rules would take effect in the spring.", "Photo: Jane Roe/Agency"),
    ("Prices rose by 3% in March, the office said.", "Share on Facebook | Twitter | Email"),
    ("Follow the reporter at @someone for more of her work on the harbour.", "@someone | www.example.com"),
])
def test_sentences_score_above_residue(prose, residue):
    assert line_stats(prose).score > 0.5 > line_stats(residue).score


def test_the_figures_are_plain():
    s = line_stats("Read More At WWW.EXAMPLE.COM")
    assert s.handles and s.title == 1.0 and not s.end
    assert line_stats("").score < 0.3 and line_stats("").words == 0
    assert line_stats("the and of a").stopwords() == 1.0
    assert stoplist("de") and "und" in stoplist("de") and stoplist("xx") == frozenset()


def test_the_span_is_the_max_sum_stretch():
    lines = list(range(7))
    scores = [0.1, 0.9, 0.9, 0.2, 0.9, 0.1, 0.1]
    words = [3, 30, 25, 4, 30, 3, 3]
    span = find_span(lines, scores, words)
    assert (span.first, span.last, span.clear) == (1, 4, True)  # the short line inside stays inside
    assert (span.where(0), span.where(3), span.where(6)) == ("before", None, "after")


def test_a_barrier_ends_the_span_and_the_first_strong_stretch_wins():
    lines = list(range(8))
    scores = [0.9, 0.9, 0.9, 0.1, 0.9, 0.9, 0.9, 0.9]
    words = [20, 20, 20, 2, 40, 40, 40, 40]  # a thread longer than the article, under its heading (line 3)
    span = find_span(lines, scores, words, frozenset({3}))
    assert (span.first, span.last, span.where(5)) == (0, 2, "after")
    assert find_span(lines, scores, words).last == 7  # without the barrier, one stretch


def test_a_barrier_under_a_lead_paragraph_does_not_cut_the_article_short():
    # A "Comments" link in a share bar under the first paragraph: fewer than three prose lines
    # above it are no article, so the span is the stretch below it, and nothing after it is "after".
    lines = list(range(7))
    scores = [0.9, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9]
    span = find_span(lines, scores, [30, 1, 30, 30, 30, 30, 30], frozenset({1}))
    assert (span.first, span.last, span.where(0)) == (2, 6, "before")


def test_a_barrier_already_removed_still_splits():
    # The heading (line 3) is gone from the lines (an earlier rule took it), and still ends the search.
    lines = [0, 1, 2, 4, 5, 6, 7]
    scores = [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
    span = find_span(lines, scores, [20, 20, 20, 40, 40, 40, 40], [3])
    assert (span.first, span.last) == (0, 2)


def test_a_page_of_short_lines_has_no_clear_span():
    lines = list(range(8))
    scores = [0.45, 0.1, 0.45, 0.1, 0.45, 0.1, 0.45, 0.1]
    span = find_span(lines, scores, [6] * 8)
    assert span is None or not span.clear
    assert find_span([0, 1], [0.1, 0.2], [3, 3]) is None


def test_an_edge_walk_asks_for_the_span_only_for_a_run_it_found(tmp_path, monkeypatch):
    # A rule that walks in from the bottom takes the span's test on its hits, after the walk: a
    # page with no run to take never works the span out, and what it takes is what testing the
    # span line by line as it walked would take.
    import cleaner.engine as engine

    asked = []
    real = engine.find_span
    monkeypatch.setattr(engine, "find_span", lambda *a, **k: asked.append(1) or real(*a, **k))
    path = _pack(tmp_path, [{"id": "foot-tags", "description": "d", "pattern": "^[A-Z][a-z]+$",
                             "when": {"outside_article": "after", "last": 2, "min_run": 3}}])
    c = Cleaner(rules=[path], check=False)
    prose = "\n\n".join(["The ferry resumed on Monday after a week of storms kept every boat in the harbour."] * 4)
    assert c.clean(prose + "\n\nLeeds\n\nYork\n").removals == () and asked == []
    out = c.clean(prose + "\n\nLeeds\n\nYork\n\nHull\n")
    assert out.text == prose + "\n" and asked
    # Short lines at the top are not below the article, walked to or not.
    assert c.clean("Leeds\n\nYork\n\nHull\n\n" + prose + "\n").removals == ()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=160)
                | st.sampled_from(["Ann Lee", "“Quote,” she said.", "Über 3 km — oder?", "À la carte", "@handle",
                                   "www.example.com", "ÉTÉ 2019", "x\u00a0y", "٣ أرقام", "", "a\nb", "ǅemal Ǉubo"]),
                max_size=60))
def test_a_page_s_line_figures_at_once_are_each_line_s_figures(lines):
    # line_stats_many counts a page in one go (and lines that are not ASCII through ASCII stand-ins):
    # it must give every figure, to the last bit of the score, that line_stats gives the line alone.
    from cleaner.linestats import line_stats_many

    def figures(s):
        return (s.words, s.title, s.symbols, s.handles, s.end, s.score)

    assert [figures(s) for s in line_stats_many(lines)] == [figures(line_stats(line)) for line in lines]
