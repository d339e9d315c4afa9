"""The engine's promises: byte-identical passthrough, idempotence, the log as an exact patch,
line endings kept, early changes folded into later removals, runaway patterns stopped."""
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from cleaner import Cleaner, CleanerError, apply_removals, clean
from cleaner.engine import Engine
from conftest import FIXTURES, ROOT, SAMPLES, read
import strategies as S

PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_patch(text, result):
    assert apply_removals(text, result.removals) == result.text
    pos = 0
    for r in result.removals:
        assert pos <= r.start <= r.end and text[r.start:r.end] == r.text
        assert r.line == text.count("\n", 0, r.start) + 1
        pos = r.end


@PROPS
@given(S.article, st.sampled_from(["\n\n", "\n"]), st.booleans())
def test_article_text_passes_through_byte_identical(paragraphs, sep, final_newline):
    text = sep.join(paragraphs) + ("\n" if final_newline else "")
    result = clean(text)
    assert result.removals == ()
    assert result.text is text or result.text == text


@PROPS
@given(S.article, st.lists(st.tuples(st.integers(0, 8), S.residue), max_size=5), st.booleans())
def test_residue_mixed_into_articles_is_removed_exactly(paragraphs, inserts, final_newline):
    blocks = list(paragraphs)
    for pos, res in sorted(inserts, key=lambda x: -x[0]):
        blocks.insert(min(pos, len(blocks)), res)
    text = "\n\n".join(blocks) + ("\n" if final_newline else "")
    result = clean(text)
    check_patch(text, result)
    # Everything that was article stays, in order, with the same layout; every residue block goes.
    assert result.text == "\n\n".join(paragraphs) + ("\n" if final_newline else "")
    assert clean(result.text).removals == ()  # cleaning twice changes nothing more


@PROPS
@given(st.text(st.characters(blacklist_categories=["Cs"]), max_size=400))
def test_any_text_gives_an_exact_patch_and_is_idempotent(text):
    result = clean(text)
    check_patch(text, result)
    again = clean(result.text)
    assert again.text == result.text


@PROPS
@given(st.lists(st.sampled_from(["", "x", "Comments", "totor", "read more on war", "a\u00a0b\u00a0 ",
                                 "Café\u00a0", "itâ€™s", "7", "Same caption line here", "  ", "\u00a0"]),
                max_size=12), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_residue_heavy_line_soups_keep_the_patch_property(lines, eol, final):
    text = eol.join(lines) + (eol if final and lines else "")
    result = clean(text)
    check_patch(text, result)
    assert clean(result.text).text == result.text


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_cleaning_twice_changes_nothing_more(path):
    once = clean(read(path)).text
    assert clean(once).removals == ()


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_crlf_input_keeps_crlf(path):
    text = read(path).replace("\n", "\r\n")
    expected = read(FIXTURES / "expected" / path.name).replace("\n", "\r\n")
    result = clean(text)
    assert result.text == expected
    check_patch(text, result)


@pytest.mark.parametrize("final", ["", "\n", "\r\n"])
def test_final_newline_is_kept_as_it_was(final):
    eol = final or "\n"
    text = f"totor{eol}The article.{eol}{eol}Comments{final}"
    assert clean(text).text == f"The article.{final}"


def test_empty_and_blank_input():
    assert clean("").text == "" and clean("").removals == ()
    assert clean("\n\n").text == "\n\n"


def test_everything_residue_gives_empty_output():
    text = "read more on the war\n\nComments\n"
    result = clean(text)
    assert result.text == ""
    check_patch(text, result)


def test_an_early_change_folds_into_a_later_removal():
    text = "The story.\n\nread\u00a0more on the war\n\nThe end.\n"
    result = clean(text)
    assert result.text == "The story.\n\nThe end.\n"
    assert [(r.rule, r.text) for r in result.removals] == [("read-more-on", "read\u00a0more on the war\n\n")]


def test_edits_inside_a_line_keep_input_offsets():
    text = "A\u00a0b\u00a0\u00a0c d\u200be.\u00a0  \nOnward we go.\t\n"
    result = clean(text)
    assert result.text == "A b c de.\nOnward we go.\n"
    check_patch(text, result)
    assert [r.rule for r in result.removals] == ["nbsp", "nbsp", "invisible-characters", "nbsp-at-line-end",
                                                 "trailing-whitespace"]


def test_mojibake_is_repaired_and_logged_with_ftfy_steps():
    text = "The minister said itâ€™s over.\n"
    result = clean(text)
    assert result.text == "The minister said it’s over.\n"
    (r,) = result.removals
    assert (r.rule, r.category, r.text, r.replacement) == ("mojibake", "normalisation", "â€™", "’")
    assert "decode('utf-8')" in r.detail and "encode(" in r.detail


def test_restyling_is_not_done():
    text = "“Curly” quotes, the ﬁ ligature, ＦＵＬＬ width and e\u0301 stay.\n"
    assert clean(text).text == text


def test_runaway_user_pattern_is_stopped_and_named(tmp_path):
    c = slow_pack(tmp_path)
    with pytest.raises(CleanerError, match=r"rule 'slow-rule' \(.*slow.yaml:3\): pattern timed out after 0.2s on line 2"):
        c.clean("fine\n" + "a" * 5000 + "b\n")


def slow_pack(tmp_path, **where):
    """A pack whose pattern (or neighbour pattern) backtracks for ever on a long line of a's."""
    if where.get("neighbour"):
        body = '    pattern: "^x$"\n    when:\n      next:\n        pattern: "(a|aa)+$"\n'
    else:
        body = '    pattern: "(a|aa)+$"\n'
    return user_cleaner(tmp_path, "  - id: slow-rule\n    description: d\n" + body, name="slow.yaml", timeout=0.2)


# Enough lines that the engine sets one deadline for the text rather than a limit on each call.
RUNAWAY = "fine\nx\n" + "a" * 5000 + "b\n" + "The story goes on.\n" * 6


def test_runaway_neighbour_pattern_is_stopped_and_named(tmp_path):
    c = slow_pack(tmp_path, neighbour=True)
    with pytest.raises(CleanerError, match=r"rule 'slow-rule' .*timed out after 0.2s on line 3"):
        c.clean(RUNAWAY)


def test_runaway_pattern_in_a_short_text_is_stopped_and_named(tmp_path):
    # Too few lines to be worth a deadline: each pattern call carries its own time limit.
    with pytest.raises(CleanerError, match=r"rule 'slow-rule' .*timed out after 0.2s on line 2"):
        slow_pack(tmp_path).clean("fine\n" + "a" * 5000 + "b\n")


def test_runaway_pattern_is_stopped_outside_the_main_thread(tmp_path):
    # No SIGALRM deadline there: every pattern call carries its own time limit.
    c = slow_pack(tmp_path)
    with ThreadPoolExecutor(1) as pool:
        with pytest.raises(CleanerError, match=r"rule 'slow-rule' .*timed out after 0.2s on line 3"):
            pool.submit(c.clean, RUNAWAY).result()


def test_a_sigalrm_handler_of_the_caller_is_left_alone(tmp_path):
    import signal

    calls = []
    previous = signal.signal(signal.SIGALRM, lambda *a: calls.append(a))
    try:
        c = slow_pack(tmp_path)
        assert c.clean("fine\n").text == "fine\n"
        with pytest.raises(CleanerError, match="timed out"):
            c.clean(RUNAWAY)
        assert signal.getsignal(signal.SIGALRM) is not signal.SIG_DFL and calls == []
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_the_deadline_leaves_no_timer_or_handler_behind(tmp_path):
    import signal

    c = slow_pack(tmp_path)
    c.clean("fine\n")
    with pytest.raises(CleanerError):
        c.clean(RUNAWAY)
    assert signal.getsignal(signal.SIGALRM) is signal.SIG_DFL
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_cleaner_is_safe_to_share_across_threads():
    c = Cleaner()
    texts = [read(p) for p in SAMPLES] * 20
    expected = [c.clean(t) for t in texts]
    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(c.clean, texts)) == expected


def test_clean_refuses_bytes_with_a_type_error():
    with pytest.raises(TypeError, match="takes str, not bytes; decode it first"):
        clean(b"text")
    with pytest.raises(TypeError, match="takes str, not NoneType"):
        clean(None)


def test_huge_line_is_handled():
    text = "The story.\n" + ("word " * 400_000) + "\nComments\n"
    result = clean(text)
    assert result.text == "The story.\n" + ("word " * 400_000).rstrip() + "\n"


def user_cleaner(tmp_path, rules_yaml: str, name: str = "user.yaml", timeout: float = 2.0) -> Cleaner:
    pack = tmp_path / name
    pack.write_text("category: user\nrules:\n" + rules_yaml, encoding="utf-8")
    return Cleaner(rules=[pack], timeout=timeout)


def test_an_ungated_pattern_that_looks_past_its_line_is_still_tried(tmp_path):
    # Over the whole text "x" is followed by "\n", a space; on its own line it is followed by nothing.
    c = user_cleaner(tmp_path, '  - id: lone-x\n    description: d\n    pattern: "^x(?!\\\\s)"\n')
    assert c.clean("x\nThe story goes on.\n").text == "The story goes on.\n"


def test_a_line_an_edit_shortens_meets_the_shape_rules_in_the_same_pass(tmp_path):
    c = user_cleaner(tmp_path, (
        '  - id: cut-tail\n    description: d\n    action: strip\n    triggers: ["read more"]\n'
        '    pattern: " - read more.*$"\n'
        '  - id: short-kicker\n    description: d\n    max_length: 10\n    pattern: "^Kicker$"\n'))
    text = "Kicker - read more about this and that in our long series of stories\nThe story goes on.\n"
    once = c.clean(text)
    assert once.text == "The story goes on.\n"
    assert c.clean(once.text).removals == ()


def test_an_edit_that_brings_a_trigger_word_gives_a_later_rule_the_line(tmp_path):
    c = user_cleaner(tmp_path, (
        '  - id: underscore\n    description: d\n    action: replace\n    replacement: " "\n'
        '    triggers: ["_"]\n    pattern: "_"\n'
        '  - id: by-line\n    description: d\n    triggers: ["by "]\n    pattern: "^by [A-Z]\\\\w+$"\n'))
    result = c.clean("by_Anmol\nThe story goes on.\n")
    assert result.text == "The story goes on.\n"
    assert [r.rule for r in result.removals] == ["by-line"]  # the early edit folds into the removal


def _dev_lines() -> list[str]:
    import json

    with (ROOT / "benchmarks" / "data" / "dev.jsonl").open(encoding="utf-8") as f:
        return sorted({line for record in f for line in json.loads(record)["noisy"].split("\n") if line.strip()})


DEV_LINES = _dev_lines()
INCREMENTAL_ENGINE = Cleaner()._engine_for(None)
EXHAUSTIVE_ENGINE = Engine(INCREMENTAL_ENGINE.rules, exhaustive=True)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(DEV_LINES), st.sampled_from(["\n", "\n\n"])), min_size=1, max_size=40))
def test_incremental_rounds_give_what_retesting_everything_gives(parts):
    # Real page lines (residue and body) in random order: later rounds test only lines whose
    # neighbours or text changed since each rule last ran, and must miss nothing.
    text = "".join(line + sep for line, sep in parts)
    assert INCREMENTAL_ENGINE.clean(text) == EXHAUSTIVE_ENGINE.clean(text)


# Small rules that feed each other: edits that bring trigger words or shorten lines, a line an edit
# empties, neighbour rules, chains, an edge rule and a window. Any order of any of them, on texts
# made of lines they touch, must give the same result both ways.
RULE_TEMPLATES = [
    'id: underscore\n  action: replace\n  replacement: " "\n  triggers: ["_"]\n  pattern: "_"',
    'id: cut-tail\n  action: strip\n  triggers: [" x"]\n  pattern: " x$"',
    'id: empty-zz\n  action: strip\n  triggers: ["zz"]\n  pattern: "^zz$"',
    'id: by-line\n  triggers: ["by "]\n  pattern: "^by [A-Z]\\\\w+$"',
    'id: short-word\n  max_length: 6\n  pattern: "^[A-Z]\\\\w*$"',
    'id: after-by\n  max_length: 40\n  pattern: "^[A-Z]"\n  when:\n    prev:\n      removed_by: [by-line, after-by]',
    'id: before-any\n  max_length: 20\n  pattern: "^[a-z]"\n  when:\n    next:\n      removed: true',
    'id: top-token\n  max_length: 12\n  pattern: "^[a-z]+$"\n  when:\n    first: 1',
    'id: pair\n  window: 2\n  triggers: ["pair"]\n  pattern: "^pair one\\\\npair two$"',
    'id: between\n  max_length: 30\n  pattern: "^\\\\w+$"\n  when:\n    prev:\n      removed: true\n    next:\n      removed: true',
]
TEST_LINES = ["by_Anmol", "by Bob", "Kicker x", "Kicker", "Photo of the day", "zz", "The story goes on.",
              "abc", "a", "Word _x", "pair one", "pair two", "A", "b_Kicker", "Kicker_x"]


@lru_cache(maxsize=None)
def _pack_engines(order: tuple[int, ...]) -> tuple[Engine, Engine]:
    import tempfile

    if 5 in order and 3 not in order:  # after-by names by-line
        order = (3, *order)
    body = "".join("  - " + RULE_TEMPLATES[i].replace("\n", "\n  ") + "\n    description: d\n" for i in order)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False, encoding="utf-8") as f:
        f.write("category: user\nrules:\n" + body)
    rules = Cleaner(rules=[f.name], check=False).rules
    return Engine(rules), Engine(rules, exhaustive=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.permutations(range(len(RULE_TEMPLATES))).flatmap(lambda p: st.integers(1, len(p)).map(lambda k: tuple(p[:k]))),
       st.lists(st.tuples(st.sampled_from(TEST_LINES), st.sampled_from(["\n", "\n\n"])), min_size=1, max_size=14))
def test_incremental_rounds_match_on_rules_that_feed_each_other(order, parts):
    incremental, exhaustive = _pack_engines(order)
    text = "".join(line + sep for line, sep in parts)
    assert incremental.clean(text) == exhaustive.clean(text)


def test_a_line_an_edit_rids_of_a_rules_trigger_word_is_not_tried_by_that_rule(tmp_path):
    # The gate's promise holds for edited lines too: a line without a rule's trigger word is not
    # tested by that rule, so the result depends on the text as it is, not on what it was.
    c = user_cleaner(tmp_path, (
        '  - id: x-to-y\n    description: d\n    action: replace\n    replacement: "Y"\n'
        '    triggers: ["x"]\n    pattern: "X"\n'
        '  - id: y-line\n    description: d\n    triggers: ["x"]\n    pattern: "^Y"\n'))
    result = c.clean("X marks the spot\nThe story goes on.\n")
    assert result.text == "Y marks the spot\nThe story goes on.\n"
    assert [r.rule for r in result.removals] == ["x-to-y"]
    assert c.clean(result.text).removals == ()


def test_a_refused_timer_falls_back_to_a_limit_on_each_call(tmp_path, monkeypatch):
    import signal

    def refuse(*args):
        raise OSError("no timers here")
    monkeypatch.setattr(signal, "setitimer", refuse)
    with pytest.raises(CleanerError, match=r"rule 'slow-rule' .*timed out after 0.2s on line 3"):
        slow_pack(tmp_path).clean(RUNAWAY)
    assert signal.getsignal(signal.SIGALRM) is signal.SIG_DFL
