"""The hostile-user audit (issue #9), engine side: one definition of a line, memory within a small
multiple of the text, loading that stays linear, and rule packs bounded and checked at load."""
import json
import random
import time
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from cleaner import Cleaner, CleanerError, apply_removals, clean, load_rules
from cleaner.document import SEPARATORS
from cleaner.rules import LIMITS, MAX_PACK_BYTES, MAX_PACK_RULES
from conftest import ROOT, run_cli
import strategies as S

# --- one definition of a line: it ends at "\n"; other separators never cost the text beside them

BODY = "The minister said on Tuesday that talks would resume in Cairo."
# Residue the default packs remove on a line of its own, each glued to article text by a separator
# in the way that used to take the article text with it.
GLUED = {  # kind: (the line, its residue)
    "caption": ("Para one.{sep}Credit: AP", "Credit: AP"),
    "credit": ("Para one.{sep}Photo: Getty Images", "Photo: Getty Images"),
    "share": ("Share on Facebook Share on Twitter{sep}Cairo", "Share on Facebook Share on Twitter"),
    "navigation": ("read more on the israel-hamas war{sep}Talks resume in Cairo", "read more on the israel-hamas war"),
}


def check_patch(text, result):
    assert apply_removals(text, result.removals) == result.text
    for r in result.removals:
        assert text[r.start:r.end] == r.text and r.line == text.count("\n", 0, r.start) + 1


@pytest.mark.parametrize("sep", list(SEPARATORS), ids=[f"U+{ord(c):04X}" for c in SEPARATORS])
@pytest.mark.parametrize("kind", list(GLUED))
def test_a_line_separator_never_costs_the_text_beside_it(kind, sep):
    line, residue = GLUED[kind]
    line = line.format(sep=sep)
    around = "Intro paragraph of the story goes here.\n\n{}\n\n" + BODY + "\n"
    assert residue not in clean(around.format(residue)).text  # on a line of its own, it goes
    text = around.format(line)
    result = clean(text)
    assert line in result.text  # held together by the separator, the line stays whole
    check_patch(text, result)
    assert clean(result.text).removals == ()


def test_a_line_ends_at_newline_only_and_crlf_is_one_ending():
    text = "Intro paragraph.\r\n\r\nComments\r\n\r\nThe story\u2028goes on.\r\n"
    result = clean(text)
    assert result.text == "Intro paragraph.\r\n\r\nThe story\u2028goes on.\r\n"
    assert [(r.rule, r.line) for r in result.removals] == [("comments-prompt", 3)]


def test_a_separator_at_a_line_end_is_not_between_text(tmp_path):
    # Only a separator with text on both sides holds a line: "Credit: AP\u2028" is one piece of text.
    text = "The story.\n\nPara one.\n\nCredit: AP\u2028\n\nThe end.\n"
    assert clean(text).text == "The story.\n\nPara one.\n\nThe end.\n"


def user_pack(tmp_path, body: str) -> Cleaner:
    p = tmp_path / "user.yaml"
    p.write_text("category: user\nrules:\n" + body, encoding="utf-8")
    return Cleaner(rules=[p], check=False)


def test_an_edit_never_removes_a_separator_nor_reaches_across_one(tmp_path):
    c = user_pack(tmp_path, '  - id: credit-tail\n    description: d\n    action: strip\n'
                            '    triggers: ["credit:"]\n    pattern: "Credit:.*$"\n')
    assert c.clean("Para one. Credit: AP\n").text == "Para one. \n"  # on its own, the tail goes
    text = "Credit: AP\u2028Para one.\n"  # ".*" would take "Para one." too: the edit is not made
    assert c.clean(text).text == text
    text = "Para one.\u2028Photo Credit: AP\n"  # within one piece it is made
    assert c.clean(text).text == "Para one.\u2028Photo \n"


def test_a_window_never_takes_a_held_line(tmp_path):
    c = user_pack(tmp_path, '  - id: pair\n    description: d\n    window: 2\n    triggers: ["pair"]\n'
                            '    pattern: "pair one\\\\npair two.*"\n')
    assert c.clean("pair one\npair two\nThe story.\n").text == "The story.\n"
    text = "pair one\npair two\u2028The story.\n"
    assert c.clean(text).text == text


def test_a_replacement_that_brings_a_separator_holds_the_line(tmp_path):
    c = user_pack(tmp_path, '  - id: br\n    description: d\n    action: replace\n    replacement: "\\u2028"\n'
                            '    triggers: ["<br>"]\n    pattern: "<br>"\n'
                            '  - id: credit-line\n    description: d\n    triggers: ["credit"]\n    pattern: "Credit: AP"\n')
    text = "Para one.<br>Credit: AP\nThe story.\n"
    once = c.clean(text)
    assert once.text == "Para one.\u2028Credit: AP\nThe story.\n"
    assert c.clean(once.text).removals == ()


def _keeps_alone(segment: str) -> bool:
    return clean(segment).removals == ()


segment = st.one_of(S.sentence, S.caption_text, S.nav_line, S.agency.map(lambda a: f"Credit: {a}"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(S.article,
       st.lists(st.tuples(st.integers(0, 8), st.lists(segment, min_size=2, max_size=4),
                          st.lists(st.sampled_from(SEPARATORS), min_size=3, max_size=3)), min_size=1, max_size=3),
       st.lists(st.tuples(st.integers(0, 8), S.residue), max_size=3))
def test_text_between_separators_that_no_rule_removes_alone_survives(paragraphs, held, residue):
    blocks = list(paragraphs)
    lines = []
    for pos, segments, seps in held:
        line = segments[0] + "".join(sep + seg for sep, seg in zip(seps, segments[1:]))
        lines.append((line, [s for s in segments if _keeps_alone(s)]))
        blocks.insert(min(pos, len(blocks)), line)
    for pos, res in residue:
        blocks.insert(min(pos, len(blocks)), res)
    text = "\n\n".join(blocks) + "\n"
    result = clean(text)
    check_patch(text, result)
    for line, kept in lines:
        for s in kept:
            assert s in result.text
    assert clean(result.text).text == result.text


# --- memory: a long text of distinct lines stays within a small multiple of its size

def _distinct_lines_text(mb: float) -> str:
    with (ROOT / "benchmarks" / "data" / "dev.jsonl").open(encoding="utf-8") as f:
        lines = sorted({line for record in f for line in json.loads(record)["noisy"].split("\n") if line.strip()})
    rng, out, size, n = random.Random(1), [], 0, 0
    while size < mb * 1e6:
        line = f"{rng.choice(lines)} {n}\n" + ("\n" if n % 4 == 3 else "")
        out.append(line)
        size += len(line.encode("utf-8"))
        n += 1
    return "".join(out)


def test_peak_memory_of_a_long_text_is_a_small_multiple_of_its_size():
    # Python's own allocations while cleaning (the text itself excluded), against the text's UTF-8
    # size; benchmarks/bench_memory.py measures the whole process on larger texts.
    text = _distinct_lines_text(1.0)
    clean("warm up\n")
    tracemalloc.start()
    try:
        result = clean(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.removals
    assert peak / len(text.encode("utf-8")) < 10


# --- loading: linear in the number of rules, and bounded

def bulk_pack(path, n: int):
    path.write_text("category: bulk\nrules:\n" + "".join(
        f"- {{id: r{i}, description: d, triggers: [w], pattern: '^w$'}}\n" for i in range(n)), encoding="utf-8")
    return path


def test_loading_rules_grows_linearly(tmp_path):
    small, large = bulk_pack(tmp_path / "small.yaml", 2000), bulk_pack(tmp_path / "large.yaml", 4000)

    def seconds(path) -> float:
        t = time.perf_counter()
        load_rules([path])
        return time.perf_counter() - t
    ratio = seconds(large) / seconds(small)
    if ratio > 2.5:  # one retry: a busy machine can slow either run
        ratio = min(ratio, seconds(large) / seconds(small))
    assert ratio <= 2.5


def test_a_pack_too_large_in_bytes_is_refused_at_once(tmp_path):
    p = tmp_path / "huge.yaml"
    p.write_text("category: bulk\nrules: []\n" + "#" * MAX_PACK_BYTES + "\n", encoding="utf-8")
    with pytest.raises(CleanerError) as info:
        load_rules([p])
    assert str(info.value) == f"{p}: rule pack too large: over {MAX_PACK_BYTES:,} bytes (the limit of one pack)"
    proc = run_cli("rules", "test", p)
    assert proc.returncode == 2 and proc.stderr.decode().strip() == f"cleaner: {info.value}"


def test_a_pack_with_too_many_rules_is_refused_at_once(tmp_path):
    p = tmp_path / "many.yaml"
    p.write_text("category: bulk\nrules: [" + "{}, " * (MAX_PACK_RULES + 1) + "]\n", encoding="utf-8")
    with pytest.raises(CleanerError) as info:
        load_rules([p])
    limit = MAX_PACK_RULES
    assert str(info.value) == f"{p}:2: too many rules in one pack: {limit + 1:,} (the limit is {limit:,})"


# --- numbers in the schema are bounded; replacements are checked at load

def one_rule(tmp_path, extra: str, pattern: str = "x"):
    p = tmp_path / "pack.yaml"
    p.write_text(f"category: t\nrules:\n  - id: r\n    description: d\n    pattern: '{pattern}'\n{extra}",
                 encoding="utf-8")
    return p


@pytest.mark.parametrize("key", sorted(LIMITS))
def test_numbers_in_the_schema_are_bounded(tmp_path, key):
    where = "" if key in ("window", "max_length") else "when:\n      "
    p = one_rule(tmp_path, f"    {where}{key}: {LIMITS[key] + 1}\n")
    with pytest.raises(CleanerError) as info:
        load_rules([p], check=False)
    line = 6 if not where else 7
    assert str(info.value) == f"{p}:{line}: rule 'r': {key!r} must be at most {LIMITS[key]:,}, not {LIMITS[key] + 1:,}"
    load_rules([one_rule(tmp_path, f"    {where}{key}: {LIMITS[key]}\n")], check=False)  # the bound itself is fine


def test_a_window_of_a_billion_lines_is_refused(tmp_path):
    p = one_rule(tmp_path, "    window: 1000000000\n")
    with pytest.raises(CleanerError, match=r"'window' must be at most 20, not 1,000,000,000"):
        load_rules([p], check=False)


def test_the_shipped_packs_are_within_the_bounds():
    for r in load_rules(check=False):
        assert r.window <= LIMITS["window"] and (r.max_length or 0) <= LIMITS["max_length"]


@pytest.mark.parametrize("replacement, problem", [
    ("\\\\9", "no such group"),
    ("\\\\g<nope>", "unknown group"),
])
def test_a_replacement_with_a_bad_group_is_refused_at_load(tmp_path, replacement, problem):
    p = one_rule(tmp_path, f'    action: replace\n    replacement: "{replacement}"\n', pattern="(?P<name>a)(b)")
    with pytest.raises(CleanerError) as info:
        load_rules([p], check=False)
    bad = replacement.replace("\\\\", "\\")
    assert str(info.value) == f"{p}:7: rule 'r': replacement {bad!r} is invalid: {problem}"
    proc = run_cli("clean", "--only-rules", p, input=b"ab\n")
    assert proc.returncode == 2 and proc.stderr.decode().strip() == f"cleaner: {info.value}"


@pytest.mark.parametrize("replacement, result", [("\\\\1-\\\\2", "a-b"), ("\\\\g<name>", "a"), ("[\\\\g<2>]", "[b]")])
def test_a_replacement_with_good_groups_loads_and_works(tmp_path, replacement, result):
    p = one_rule(tmp_path, f'    action: replace\n    replacement: "{replacement}"\n    triggers: [ab]\n',
                 pattern="(?P<name>a)(b)")
    assert Cleaner(rules=[p], check=False).clean("x ab y\n").text == f"x {result} y\n"


# --- linear time, and one limit on all the work on a text (issue #10)

def _best_seconds(text: str, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        _LONG.clean(text)
        best = min(best, time.perf_counter() - t)
    return best


_LONG = Cleaner(timeout=60.0)  # the per-text limit must not stop these texts on a busy machine


@pytest.mark.parametrize("make", [
    lambda k: "word\u00a0" * k + "end.\n",                       # k edits in one line (the edit pieces)
    lambda k: "Line of the story\n\nAdvertisement\n\n" * (k // 2),  # k lines alternating with ads (the blank lines they leave)
    lambda k: "Firefighters battle the blaze near the town of Kineta\n" * k,  # k repeats (the repeat index)
], ids=["nbsp-in-one-line", "alternating-advertisement", "repeated-caption"])
def test_clean_time_grows_linearly(make):
    # 32,000 against 4,000 in the same test: linear is 8x, quadratic 64x; 20x leaves room for noise.
    small, large = make(4000), make(32000)
    _best_seconds(small, 1)  # warm up
    ratio = _best_seconds(large, 2) / _best_seconds(small)
    assert ratio < 20, f"32k/4k time ratio {ratio:.1f} (linear: 8)"


def test_all_the_work_on_a_text_is_under_one_limit_that_ends_in_one_line(monkeypatch):
    # Outside the main thread no timer guards the text: the budget alone stops the Python work.
    import threading
    import cleaner.engine as engine
    from cleaner.deadline import Budget

    monkeypatch.setattr(engine, "Budget", lambda seconds: Budget(0.0))
    text = "The story goes on, line after line.\n" * 2000 + "Advertisement\n"
    errors = []
    worker = threading.Thread(target=lambda: errors.append(_catch(text)))
    worker.start()
    worker.join(30)
    (message,) = errors
    assert message.startswith("text not cleaned within 0s, the limit for its size") and "\n" not in message


def test_the_attempt_after_a_deadline_overrun_is_bounded_too(monkeypatch):
    # The timer passing used to start a second attempt with no limit at all on Python work.
    import cleaner.engine as engine
    from cleaner.deadline import Budget, Overrun

    def overrun(seconds, work):
        raise Overrun
    monkeypatch.setattr(engine, "within", overrun)
    monkeypatch.setattr(engine, "Budget", lambda seconds: Budget(0.0))
    assert _catch("The story goes on, line after line.\n" * 2000 + "Advertisement\n").startswith("text not cleaned within")


def _catch(text: str) -> str:
    try:
        clean(text)
    except CleanerError as e:
        return str(e)
    return "no error"
