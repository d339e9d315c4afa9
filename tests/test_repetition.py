"""Repetition as a rule (issue #13): grouping, the bounded-memory count, the second pass's exact log,
mining's suggested rules, and the datatrove two-step pipeline."""
import gzip
import json
import os
import pickle
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner import Cleaner, apply_removals, load_rules
from cleaner.repetition import (CATEGORY, RULE_ID, LineCounter, RepeatedLines, count_corpus, group_of, line_hash,
                                normalise_line, remove_repeated)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FURNITURE = ["Daily Bugle Online", "Bugle Weather Desk", "Local Desk Picks", "Reader Services"]  # no default rule takes these
PROSE = [
    "The council met on Tuesday to discuss the budget for next year and the roads.",
    "Officials said the plan would cost more than expected, and residents were unhappy about it.",
    "Work on the new bridge is due to start in the spring, weather permitting, the engineer said.",
    "A spokesman declined to comment on the figures when asked about them by reporters.",
    "Several people at the meeting asked why the library would close early on weekends.",
    "The mayor promised a full answer by the end of the month, and the meeting ended.",
]


def page(n: int, furniture=FURNITURE) -> str:
    body = [PROSE[(n + i) % len(PROSE)].replace("The", f"The {n}th", 1) for i in range(3)]
    # The furniture stands between the paragraphs, where no default rule can tell it from a
    # subheading: only its repetition across pages gives it away.
    return "\n\n".join([furniture[0], body[0], furniture[1], body[1], *furniture[2:-1], body[2], furniture[-1]]) + "\n"


def write_corpus(path, pages=12, sites=3, compress=False):
    opener = gzip.open if compress else open
    with opener(path, "wt", encoding="utf-8") as f:
        for n in range(pages):
            f.write(json.dumps({"id": f"d{n}", "url": f"https://www.site{n % sites}.example/a/{n}", "text": page(n)}) + "\n")
        f.write("not json\n")  # skipped by the count; the second pass reports it
        f.write(json.dumps({"id": "no-url", "text": page(99)}) + "\n")


@pytest.fixture(scope="module")
def cleaner():
    return Cleaner()


# --- groups and lines -------------------------------------------------------------------------

def test_group_of():
    assert group_of({"url": "https://www.Example.com/a?b=1"}, None) == "example.com"
    assert group_of({"metadata": {"url": "http://news.example.org/x"}}, None) == "news.example.org"
    assert group_of({"url": "", "metadata": {"url": "http://b.example/x"}}, None) == "b.example"
    assert group_of({"text": "x"}, None) is None
    assert group_of({"site": "example.com"}, "site") == "example.com"
    assert group_of({"site": None}, "site") is None
    assert group_of({"meta": {"src": "https://www.a.example/p"}}, "meta.src") == "a.example"
    assert group_of({"meta": {"feed": "sports"}}, "meta.feed") == "sports"
    assert group_of({"shard": 7}, "shard") == "7"


def test_normalised_lines_and_their_hash_are_stable():
    assert normalise_line("  12 Comments\u00a0 so  FAR ") == "0 comments so far"
    assert normalise_line("\uff21B") == "ab"  # NFKC
    assert line_hash("Share  this") == line_hash("share this") != line_hash("share that")
    code = "from cleaner.repetition import line_hash; print(line_hash('Share this'))"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                           env={**os.environ, "PYTHONHASHSEED": "123"})
    assert int(other.stdout) == line_hash("Share this")


# --- counting -----------------------------------------------------------------------------------

def test_counter_counts_pages_not_lines_and_merges(tmp_path):
    a, b = LineCounter(str(tmp_path / "a"), shards=4), LineCounter(str(tmp_path / "b"), shards=4)
    a.add("x.example", "Share\nShare\nOne.\n\nTwo.")
    a.add("x.example", "share\nThree.")
    b.add("x.example", "SHARE\nOne.")
    b.add("y.example", "Share")
    b.add(None, "Share")  # no group: not counted
    a.merge(b)
    rep = a.finish()
    assert rep.pages("x.example", "Share") == 3 and rep.group_pages("x.example") == 3
    assert rep.pages("x.example", "One.") == 2
    assert rep.pages("x.example", "Two.") == 0  # on one page only: not kept
    assert rep.pages("y.example", "Share") == 0 and rep.group_pages("y.example") == 0
    assert not os.path.exists(tmp_path / "a") and not os.path.exists(tmp_path / "b")


def test_a_shard_too_big_for_memory_is_split_and_counts_the_same(tmp_path):
    c = LineCounter(str(tmp_path / "c"), shards=2)
    for n in range(400):
        c.add(f"s{n % 7}", "\n".join(f"line {'abc'[n % 3]} {'abcdefghij'[i % 10] * (1 + i // 10)}" for i in range(30)))
    folder = c.close()
    whole = LineCounter.combine([folder], 2)
    split = LineCounter.combine([folder], 2, limit=4096)  # forces splits, two levels deep
    assert whole == split and len(whole) > 100
    assert not [p for p in os.listdir(folder) if "split" in p]


def test_count_corpus_streams_alike_with_jobs_and_compression(tmp_path):
    plain, packed = tmp_path / "c.jsonl", tmp_path / "c.jsonl.gz"
    write_corpus(plain, pages=40)
    write_corpus(packed, pages=40, compress=True)
    one = count_corpus(str(plain), "text", None, jobs=1, scratch=str(tmp_path / "s1"))
    assert one.group_pages("site0.example") == 14 and one.pages("site0.example", "Daily Bugle Online") == 14
    assert count_corpus(str(plain), "text", None, jobs=2, scratch=str(tmp_path / "s2")) == one
    assert count_corpus(str(packed), "text", None, jobs=2, scratch=str(tmp_path / "s3")) == one
    assert count_corpus(str(packed), "text", None, jobs=1, scratch=str(tmp_path / "s4")) == one
    for s in ("s1", "s2", "s3", "s4"):
        assert os.listdir(tmp_path / s) == []  # the scratch folder is left empty


def test_counts_save_load_and_pickle(tmp_path):
    c = LineCounter(str(tmp_path / "c"))
    for n in range(5):
        c.add("a.example", page(n))
    rep = c.finish()
    assert RepeatedLines.load(rep.save(str(tmp_path / "counts.bin"))) == rep
    os.mkdir(tmp_path / "folder")
    rep.save(str(tmp_path / "folder"))
    assert RepeatedLines.load(str(tmp_path / "folder")) == rep
    again = pickle.loads(pickle.dumps(rep))
    assert again == rep and again.pages("a.example", "Daily Bugle Online") == 5
    (tmp_path / "bad.bin").write_bytes(b"nonsense")
    with pytest.raises(ValueError):
        RepeatedLines.load(str(tmp_path / "bad.bin"))


# The peak of this process's own memory: VmHWM (getrusage's ru_maxrss survives exec, so a child
# of a big test process would report its parent's peak).
MEMORY = r"""
import json, re, resource, sys
from cleaner.repetition import count_corpus
rep = count_corpus(sys.argv[1], "text", None, jobs=1, scratch=sys.argv[2])
try:
    peak = int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1)) / 1024
except (OSError, AttributeError):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"kept": len(rep), "rss": peak}))
"""


def test_counting_memory_stays_bounded_on_a_generated_corpus(tmp_path):
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    try:
        from bench_repeated import generate
    finally:
        sys.path.pop(0)
    corpus = str(tmp_path / "gen.jsonl")
    generate(corpus, 6, 500)
    out = subprocess.run([sys.executable, "-c", MEMORY, corpus, str(tmp_path / "s")], capture_output=True,
                         text=True, cwd=ROOT, check=True)
    got = json.loads(out.stdout)
    assert got["kept"] > 500 and got["rss"] < 100


# --- the second pass --------------------------------------------------------------------------

def counts_for(pages, group="a.example"):
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        c = LineCounter(d + "/c")
        for p in pages:
            c.add(group, p)
        return c.finish()


def check_patch(text, out):
    assert apply_removals(text, out.removals) == out.text
    rs = list(out.removals)
    assert rs == sorted(rs, key=lambda r: (r.start, r.end))
    assert all(a.end <= b.start for a, b in zip(rs, rs[1:]))
    for r in rs:
        assert text[r.start:r.end] == r.text and r.line == text.count("\n", 0, r.start) + 1


def test_repeated_furniture_goes_with_its_own_rule_and_detail(cleaner):
    pages = [page(n) for n in range(6)]
    rep = counts_for(pages)
    text = pages[0]
    out = remove_repeated(text, cleaner.clean(text), "a.example", rep, k=3)
    check_patch(text, out)
    assert out.text == "\n\n".join(PROSE[0:3]).replace("The", "The 0th", 1) + "\n"
    mine = [r for r in out.removals if r.rule == RULE_ID]
    assert mine and all(r.category == CATEGORY and r.detail == "on 6 of 6 pages of a.example" for r in mine)
    # The same counts again on the output: nothing more goes.
    again = remove_repeated(out.text, cleaner.clean(out.text), "a.example", rep, k=3, clean=cleaner.clean)
    assert again.removals == ()
    # Below K, for another group, or with no group: nothing goes.
    for k, group in ((7, "a.example"), (3, "b.example"), (3, None)):
        res = cleaner.clean(text)
        assert remove_repeated(text, res, group, rep, k=k) is res


def test_prose_headings_and_lines_inside_prose_stay(cleaner):
    disclaimer = "This article is for information only and is not financial advice of any kind."
    prose = [p.replace("The", f"The {n}th", 1) for n, p in enumerate(PROSE)]  # each on one page only
    pages = [f"{disclaimer}\n\n{prose[n]}\n\nIngredients:\n\n{prose[n][::-1]}\n\nBugle Weather Desk\nReader Services\n" for n in range(6)]
    rep = counts_for(pages)
    out = remove_repeated(pages[0], cleaner.clean(pages[0]), "a.example", rep, k=3)
    # The repeated disclaimer is prose, the heading stands between unrepeated prose; only the furniture goes.
    assert out.text == f"{disclaimer}\n\n{prose[0]}\n\nIngredients:\n\n{prose[0][::-1]}\n"


def test_the_engine_log_and_an_edit_inside_a_removed_line_fold_into_one_patch(cleaner):
    # "totor" is removed by a default rule; the NBSP edit sits inside a repeated line that goes.
    pages = [f"totor\nBugle\u00a0Weather Desk \u00a0 online\n\n{PROSE[n % 6]}\n\nReader Services\nDaily Bugle Weekly"
             for n in range(5)]
    rep = counts_for(pages)
    text = pages[0]
    res = cleaner.clean(text)
    assert any(r.replacement for r in res.removals)  # the NBSP edit inside the line
    out = remove_repeated(text, res, "a.example", rep, k=3)
    check_patch(text, out)
    assert out.text == PROSE[0]  # no final newline in, none out
    assert {r.rule for r in out.removals} >= {RULE_ID}


@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_layout_stays(cleaner, eol):
    pages = [eol.join(["Daily Bugle Online", "", "Local Desk Picks", "", PROSE[n % 6], "", "", "Bugle Weather Desk", "",
                       PROSE[(n + 2) % 6], "", "Reader Services", "", "Daily Bugle Weekly", ""]) for n in range(5)]
    rep = counts_for(pages)
    out = remove_repeated(pages[0], cleaner.clean(pages[0]), "a.example", rep, k=3)
    check_patch(pages[0], out)
    assert out.text == PROSE[0] + eol + eol + eol + PROSE[2] + eol  # a doubled blank line that was there stays


_LINE = st.sampled_from(FURNITURE + PROSE + ["", "", "Home", "Tags: news, roads", "12 comments", "totor"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_LINE, min_size=0, max_size=9), min_size=1, max_size=6),
       st.sampled_from(["\n", "\r\n"]), st.booleans(), st.integers(2, 4), st.sampled_from([0.0, 0.1, 0.5]))
def test_property_exact_patch_layout_and_idempotence(cleaner, pages, eol, final, k, share):
    texts = [eol.join(p) + (eol if final and p else "") for p in pages]
    rep = counts_for(texts)
    for text in texts:
        res = cleaner.clean(text)
        out = remove_repeated(text, res, "a.example", rep, k=k, share=share, clean=cleaner.clean)
        check_patch(text, out)
        if out is not res:
            o = out.text
            assert not o.startswith(("\n", "\r\n")) or res.text.startswith(("\n", "\r\n"))
            assert (eol * 3 not in o) or (eol * 3 in res.text)
            assert text.endswith("\n") == o.endswith("\n") or not o
        again = remove_repeated(out.text, cleaner.clean(out.text), "a.example", rep, k=k, share=share,
                                clean=cleaner.clean)
        assert again.removals == () or cleaner.clean(res.text).removals  # the engine's own idempotence aside


# --- mining -------------------------------------------------------------------------------------

def test_mining_finds_unremoved_repeated_lines_and_its_suggestions_load_and_pass(tmp_path, cleaner):
    from cleaner.mining import MinedLine, mine, suggest_pack, suggest_rule

    corpus = tmp_path / "c.jsonl"
    with open(corpus, "w", encoding="utf-8") as f:
        for n in range(9):
            lines = ["Daily Bugle Online", "Sign up for the Daily Bugle newsletter", PROSE[n % 6], "Bugle Weather Desk",
                     "Reader Services", "© 2024 Daily Bugle Media"]
            f.write(json.dumps({"id": f"p{n}", "url": f"https://bugle.example/{n}", "text": "\n\n".join(lines)}) + "\n")
    mined = mine(str(corpus), cleaner, top=10, min_pages=3)
    assert mined and all(m.pages == 9 and m.group == "bugle.example" and len(m.examples) == 3 for m in mined)
    assert {"Daily Bugle Online", "Bugle Weather Desk", "Reader Services"} <= {m.text for m in mined}
    assert "© 2024 Daily Bugle Media" not in {m.text for m in mined}  # a rule removes it
    assert PROSE[0] not in {m.text for m in mined}
    # Suggestions: a shape where one fits, else the exact line scoped to the site - all load and pass.
    extra = [MinedLine("Share this article on Facebook", "x.example", 5, 9, ["a", "b"]),
             MinedLine("Copyright 2012 Example Media (all rights reserved)", "x.example", 5, 9, ["a"]),
             MinedLine("37 Comments", "x.example", 5, 9, ["a"]),
             MinedLine("Oddly [specific] *line* (v2.0) $5 ^", "x.example", 5, 9, ["a"])]
    rules = {m.text: suggest_rule(m) for m in mined + extra}
    assert "general shape (share-prompt" in rules["Share this article on Facebook"]
    assert "general shape (comment-counter" in rules["37 Comments"]
    assert "scoped to x.example" in rules["Oddly [specific] *line* (v2.0) $5 ^"]
    for m in mined + extra:
        pack = tmp_path / f"99-one-{abs(hash(m.text))}.yaml"
        pack.write_text("category: mined\ndescription: one\nrules:\n" + "".join("  " + x for x in suggest_rule(m).splitlines(True)),
                        encoding="utf-8")
        loaded = [r for r in load_rules(extra=[str(pack)]) if r.path == str(pack)]
        assert len(loaded) == 1 and loaded[0].examples
    whole = tmp_path / "99-mined.yaml"
    whole.write_text(suggest_pack(mined + extra), encoding="utf-8")
    assert len([r for r in load_rules(extra=[str(whole)]) if r.path == str(whole)]) == len(mined + extra)


# --- datatrove ----------------------------------------------------------------------------------

def test_datatrove_two_step_equals_count_corpus_and_remove_repeated(tmp_path, cleaner):
    pytest.importorskip("datatrove")
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    from cleaner.integrations.datatrove_repeated import RepeatCountStep, RepeatedCleanerStep

    (tmp_path / "in").mkdir()
    n = 0
    for part in range(3):
        with open(tmp_path / "in" / f"part{part}.jsonl", "w", encoding="utf-8") as f:
            for _ in range(8):
                f.write(json.dumps({"id": f"d{n}", "url": f"https://site{n % 2}.example/{n}", "text": page(n)}) + "\n")
                n += 1
    counts = tmp_path / "counts"
    reader = lambda: JsonlReader(str(tmp_path / "in"), compression=None, add_file_path=False)  # noqa: E731
    LocalPipelineExecutor([reader(), RepeatCountStep(str(counts))], tasks=3, workers=2,
                          logging_dir=str(tmp_path / "logs1")).run()
    LocalPipelineExecutor([reader(), RepeatedCleanerStep(str(counts), k=3),
                           JsonlWriter(str(tmp_path / "out"), compression=None)], tasks=3, workers=2,
                          logging_dir=str(tmp_path / "logs2")).run()
    got = {}
    for name in sorted(os.listdir(tmp_path / "out")):
        for line in open(tmp_path / "out" / name, encoding="utf-8"):
            r = json.loads(line)
            got[r["id"]] = r
    # The same records through count_corpus + remove_repeated directly.
    corpus = tmp_path / "all.jsonl"
    corpus.write_bytes(b"".join((tmp_path / "in" / f).read_bytes() for f in sorted(os.listdir(tmp_path / "in"))))
    rep = count_corpus(str(corpus), "text", None, jobs=1, scratch=str(tmp_path / "s"))
    assert RepeatedLines.load(str(counts)) == rep
    assert len(got) == n
    removed = 0
    for line in corpus.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        out = remove_repeated(r["text"], cleaner.clean(r["text"]), group_of(r, None), rep, k=3, clean=cleaner.clean)
        assert got[r["id"]]["text"] == out.text
        log = got[r["id"]].get("metadata", {}).get("cleaner", {}).get("removals", [])
        assert [(x["rule"], x["start"], x["end"]) for x in log] == [(x.rule, x.start, x.end) for x in out.removals]
        removed += sum(x.rule == RULE_ID for x in out.removals)
    assert removed > 0


# --- from the command line -------------------------------------------------------------------

def test_clean_repeated_is_count_corpus_then_remove_repeated(tmp_path, cleaner):
    import json

    from cleaner.jsonl import metadata_log, version_of
    from conftest import run_cli

    corpus = tmp_path / "c.jsonl"
    write_corpus(corpus)
    counts = count_corpus(str(corpus), "text", None, 1, str(tmp_path / "scratch"))
    expected = []
    for line in corpus.read_text(encoding="utf-8").splitlines():
        if line == "not json":
            continue
        record = json.loads(line)
        result = remove_repeated(record["text"], cleaner.clean(record["text"]), group_of(record, None), counts,
                                 3, 0.1, clean=cleaner.clean)
        expected.append((result.text, metadata_log(version_of(cleaner), result.removals)["removals"]))
    assert any(r["rule"] == "repeated-in-site" for _, log in expected for r in log)
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.jsonl"
        proc = run_cli("clean", corpus, "-o", out, "--repeated", "3", "-j", jobs, "--quiet")
        assert proc.returncode == 2 and proc.stderr.decode().startswith(f"cleaner: {corpus}:13: not JSON")
        got = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines() if x != "not json"]
        assert [(r["text"], r.get("metadata", {}).get("cleaner", {}).get("removals", [])) for r in got] == expected
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".cleaner-")]  # the first pass's scratch is gone
    proc = run_cli("clean", os.path.join(ROOT, "fixtures", "000_51d0d749251eb2e3.txt"), "--repeated", "3")
    assert proc.returncode == 2 and b"--repeated counts lines across the records of a JSONL corpus" in proc.stderr


def test_mine_lists_lines_and_writes_a_pack_that_loads(tmp_path):
    from cleaner import load_rules
    from conftest import run_cli

    corpus = tmp_path / "c.jsonl"
    write_corpus(corpus)
    pack = tmp_path / "mined.yaml"
    proc = run_cli("mine", corpus, "-o", pack, "--report", tmp_path / "mined.html", env_extra={"COLUMNS": "150"})
    assert proc.returncode == 0, proc.stderr
    rows = proc.stdout.decode().splitlines()
    assert rows[0].split() == ["PAGES", "OF", "SITE", "SITES", "LINE"]
    assert any("Bugle Weather Desk" in row for row in rows[1:])
    assert load_rules([pack], check=True)
    assert "Mined repeated lines" in (tmp_path / "mined.html").read_text(encoding="utf-8")
