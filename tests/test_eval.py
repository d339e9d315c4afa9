"""`cleaner eval`: exact line figures from the removal log, per-rule false positives, gold labelling."""
import json
import re
from pathlib import Path

import pytest

from cleaner import Cleaner
from cleaner.evaluate import evaluate_doc, label_from_gold, summarise
from conftest import ROOT, run_cli

DEV = ROOT / "benchmarks" / "data" / "dev.jsonl"

DOC = {
    "id": "d1",
    "noisy": "totor\nThe mayor resigned on Friday after a long row.\n\nComments\n\nShe denied it.\n\nread more on politics",
    "labels": ["boilerplate", "body", None, "body", None, "body", None, "boilerplate"],
}


def test_line_figures_and_false_positives_per_rule():
    c = Cleaner()
    rep = evaluate_doc(DOC, c.clean)
    # "Comments" is labelled body here on purpose: it must show up as that rule's false positive.
    assert (rep.boiler, rep.boiler_removed, rep.body, rep.body_removed) == (2, 2, 3, 1)
    assert rep.false_by == {"comments-prompt": 1}
    s = summarise([rep], c.rules)
    assert s["boilerplate_line_recall"] == 1.0
    assert s["removal_precision"] == pytest.approx(2 / 3)
    by_rule = {r["rule"]: r for r in s["rules"]}
    assert by_rule["comments-prompt"]["body_lines"] == 1 and by_rule["read-more-on"]["body_lines"] == 0
    assert "caption-counter-caption" in s["rules_never_fired"]
    assert s["most_body_lost"][0]["lines"] == [{"rule": "comments-prompt", "text": "Comments"}]


def test_labels_from_gold_when_no_labels():
    noisy = "Share this story\nThe mayor resigned on Friday after a long row.\nPhoto: AP"
    assert label_from_gold(noisy, "The mayor resigned on Friday after a long row.") == ["boilerplate", "body", "boilerplate"]
    rep = evaluate_doc({"id": "g", "noisy": noisy, "gold": "The mayor resigned on Friday after a long row."}, Cleaner().clean)
    assert rep.boiler_removed == 2 and rep.tp_tokens == rep.gold_tokens == rep.out_tokens


def write(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_cli_json_and_parallel_runs_agree(tmp_path):
    data = write(tmp_path / "d.jsonl", [dict(DOC, id=f"d{i}") for i in range(12)])
    one = run_cli("eval", data, "--json", "--jobs", "1")
    two = run_cli("eval", data, "--json", "--jobs", "2")
    assert one.returncode == 0, one.stderr
    assert json.loads(one.stdout) == json.loads(two.stdout)
    assert json.loads(one.stdout)["docs"] == 12


def test_cli_report_names_the_figures(tmp_path):
    proc = run_cli("eval", write(tmp_path / "d.jsonl", [DOC]))
    out = proc.stdout.decode()
    assert proc.returncode == 0
    for label in ("residue-line recall", "removal precision", "body-token retention", "per rule:", "comments-prompt",
                  "documents that lost the most body text", "rules that never fired"):
        assert label in out


def test_cli_bad_records_exit_2_naming_the_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(DOC) + "\n{not json\n", encoding="utf-8")
    proc = run_cli("eval", bad)
    assert proc.returncode == 2 and proc.stderr.decode().startswith(f"cleaner: {bad}:2: not JSON")
    proc = run_cli("eval", write(tmp_path / "nolabels.jsonl", [{"id": "x", "noisy": "text"}]))
    assert proc.returncode == 2 and f"cleaner: {tmp_path / 'nolabels.jsonl'}:1: needs 'labels'".encode() in proc.stderr
    proc = run_cli("eval", write(tmp_path / "five.jsonl", [{"id": "x", "noisy": "a\nb", "labels": 5}]))
    assert proc.returncode == 2 and proc.stderr.decode().splitlines() == [
        f"cleaner: {tmp_path / 'five.jsonl'}:1: 'labels' must be a list, one label per line, not int"]
    latin1 = tmp_path / "latin1.jsonl"
    latin1.write_bytes(json.dumps(DOC).encode() + b"\n" + b'{"noisy": "caf\xe9", "labels": ["body"]}\n')
    proc = run_cli("eval", latin1)
    assert proc.returncode == 2 and proc.stderr.decode().splitlines() == [
        f"cleaner: {latin1}:2: invalid UTF-8 at byte 14 of the line"]


@pytest.mark.skipif(not DEV.exists(), reason="development set not present")
def test_default_packs_meet_the_development_set_targets():
    from cleaner.evaluate import read_records

    c = Cleaner()
    s = summarise([evaluate_doc(r, c.clean) for r in read_records(str(DEV))], c.rules)
    assert s["removal_precision"] >= 0.985
    assert s["body_token_retention"] >= 0.995
    assert s["boilerplate_line_recall"] >= 0.87  # #11 asks 0.88: see the README
    assert s["token_f1"] >= 0.972


SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "bench"


@pytest.mark.skipif(not (SHARED / "dev2.jsonl").exists(), reason="../shared/bench/dev2.jsonl (AGPL) is absent")
def test_default_packs_meet_the_second_development_set_figures():
    from cleaner.evaluate import read_records

    c = Cleaner()
    s = summarise([evaluate_doc(r, c.clean) for r in read_records(str(SHARED / "dev2.jsonl"))], c.rules)
    assert s["body_token_retention"] >= 0.99
    assert s["boilerplate_line_recall"] >= 0.70
    assert s["removal_precision"] >= 0.95
    assert s["kinds"]["comments"]["removed_share"] >= 0.95  # whole threads below the article
    assert s["kinds"]["body"]["removed_share"] <= 0.025


@pytest.mark.skipif(not (SHARED / "multi-dev.jsonl").exists(), reason="../shared/bench/multi-dev.jsonl is absent")
def test_language_packs_meet_the_multilingual_figures():
    import sys

    sys.path.insert(0, str(SHARED))
    from score_snippets import snippet_in  # the workplace scorer's own matching

    c = Cleaner()
    gone, kept = {}, {}
    for line in (SHARED / "multi-dev.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        out = c.clean(r["noisy"]).text
        lang = r["lang"]
        g, n = gone.get(lang, (0, 0))
        gone[lang] = (g + sum(not snippet_in(x, out) for x in r["without"]), n + len(r["without"]))
        k, m = kept.get(lang, (0, 0))
        kept[lang] = (k + sum(snippet_in(x, out) for x in r["with"]), m + len(r["with"]))
    share = lambda d, keys: sum(d[k][0] for k in keys) / sum(d[k][1] for k in keys)
    assert share(gone, ["de"]) >= 0.60
    assert share(gone, ["es"]) >= 0.60 and share(gone, ["fr"]) >= 0.60
    assert share(gone, list(gone)) >= 0.60
    assert all(share(gone, [lang]) >= 0.60 for lang in ("it", "pl", "pt"))
    assert share(kept, list(kept)) >= 0.99


# --- line kinds, per-rule precision, one page's lines -------------------------------------------
# A tiny page written for these tests: a headline, three body paragraphs, then residue below.

B1 = "The council voted on Tuesday to rebuild the old bridge over the river, after two years of delays and public meetings."
B2 = "Work is due to start in the spring and should take about eighteen months, the mayor told reporters afterwards. *"
B3 = "Residents who cross the river every day said they were relieved that a decision had finally been made."
PAGE = {
    "id": "k1", "url": "https://example.org/bridge",
    "noisy": "\n".join(["Bridge Vote", "", B1, "", B2, "", B3, "", "Comments", "", "Zork box", "", "read more on politics"]),
    "labels": ["boilerplate", None, "body", None, "body", None, "body", None, "boilerplate", None, "boilerplate", None, "body"],
    "line_kinds": ["headline", None, "body", None, "body", None, "body", None, "comments", None, "unannotated", None, "body"],
}
# Our own pack, so that these expectations do not move with the shipped packs.
PACK = """\
category: navigation
description: A pack for the eval tests.
rules:
  - id: zork-line
    description: The line "Zork box", below the article, when it does not read as prose.
    pattern: "^Zork box$"
    when:
      prose_score: [null, 0.5]
      outside_article: after
  - id: comments-word
    description: The word Comments alone.
    pattern: "^Comments$"
  - id: more-link
    description: A read-more link.
    pattern: "^read more on \\\\w+$"
  - id: star-strip
    description: A star at the end of a line.
    action: strip
    pattern: " \\\\*$"
  - id: never-fires
    description: Nothing in the page.
    pattern: "^Nothing like this$"
"""


@pytest.fixture
def pack(tmp_path):
    path = tmp_path / "pack.yaml"
    path.write_text(PACK, encoding="utf-8")
    return path


def test_kinds_figures_per_kind(pack):
    c = Cleaner([str(pack)])
    blank_kind = dict(PAGE, id="k2", line_kinds=["headline", "body"] + PAGE["line_kinds"][2:])  # a kind on a blank line
    s = summarise([evaluate_doc(PAGE, c.clean), evaluate_doc(blank_kind, c.clean)], c.rules)
    assert s["kinds"] == {
        "body": {"docs": 2, "lines": 8, "removed_lines": 2, "removed_share": 0.25},
        "comments": {"docs": 2, "lines": 2, "removed_lines": 2, "removed_share": 1.0},
        "headline": {"docs": 2, "lines": 2, "removed_lines": 0, "removed_share": 0.0},
        "unannotated": {"docs": 2, "lines": 2, "removed_lines": 2, "removed_share": 1.0},
    }


def test_no_kinds_no_kind_figures(tmp_path, pack):
    c = Cleaner([str(pack)])
    assert "kinds" not in summarise([evaluate_doc(DOC, c.clean)], c.rules)
    proc = run_cli("eval", write(tmp_path / "d.jsonl", [DOC]), "--only-rules", pack)
    assert proc.returncode == 0 and "per line kind" not in proc.stdout.decode()


def test_cli_prints_kinds_and_rule_precision_as_tables_and_json(tmp_path, pack):
    data = write(tmp_path / "k.jsonl", [PAGE, dict(PAGE, id="k2", line_kinds=None), DOC])
    proc = run_cli("eval", data, "--only-rules", pack)
    assert proc.returncode == 0, proc.stderr
    lines = [line.split() for line in proc.stdout.decode().splitlines()]
    start = lines.index(["per", "line", "kind", "(share", "removed:", "recall", "for", "a", "residue", "kind,", "loss",
                         "for", "body):"])
    assert lines[start + 1:start + 6] == [
        ["KIND", "DOCUMENTS", "LINES", "REMOVED", "SHARE"],
        ["body", "1", "4", "1", "0.250"],
        ["comments", "1", "1", "1", "1.000"],
        ["headline", "1", "1", "0", "0.000"],
        ["unannotated", "1", "1", "1", "1.000"],
    ]
    # Per rule: lines removed, of which labelled body, and precision (DOC labels its "Comments" body).
    assert ["comments-word", "navigation", "3", "1", "0.667"] in lines
    assert ["more-link", "navigation", "3", "2", "0.333"] in lines
    assert ["zork-line", "navigation", "2", "0", "1.000"] in lines
    assert "never-fires" in proc.stdout.decode().split("rules that never fired:")[1]
    s = json.loads(run_cli("eval", data, "--only-rules", pack, "--json").stdout)
    assert s["kinds"]["comments"] == {"docs": 1, "lines": 1, "removed_lines": 1, "removed_share": 1.0}
    assert {"rule": "more-link", "category": "navigation", "removed_lines": 3, "body_lines": 2,
            "precision": pytest.approx(1 / 3)} in s["rules"]


KIND_RECALL = ROOT.parent / "shared" / "bench" / "kind_recall.py"


@pytest.mark.skipif(not KIND_RECALL.exists(), reason="the workplace's kind_recall.py is not present")
def test_kinds_agree_with_the_benchmark_script(tmp_path):
    import subprocess
    import sys

    records = [PAGE, dict(PAGE, id="k2", noisy=PAGE["noisy"].replace("Bridge Vote", "Photo: AP"))]
    data = write(tmp_path / "k.jsonl", records)
    (tmp_path / "adapter.py").write_text("from cleaner import clean as _clean\n\n\ndef clean(text):\n"
                                         "    return _clean(text).text\n", encoding="utf-8")
    subprocess.run([sys.executable, str(KIND_RECALL), "--data", str(data), "--callable",
                    f"{tmp_path / 'adapter.py'}:clean", "--json-out", str(tmp_path / "out.json")],
                   check=True, capture_output=True, cwd=tmp_path)
    theirs = json.loads((tmp_path / "out.json").read_text())["per_kind"]
    ours = json.loads(run_cli("eval", data, "--json").stdout)["kinds"]
    assert {k: (v["docs"], v["lines"], v["removed_lines"]) for k, v in ours.items()} == \
        {k: (v["docs"], v["lines"], v["removed"]) for k, v in theirs.items()}


def test_bad_line_kinds_exit_2_naming_the_line(tmp_path):
    proc = run_cli("eval", write(tmp_path / "k.jsonl", [dict(PAGE, line_kinds=["body"])]))
    assert proc.returncode == 2 and proc.stderr.decode().splitlines() == [
        f"cleaner: {tmp_path / 'k.jsonl'}:1: 1 line kinds for 13 lines"]
    proc = run_cli("eval", write(tmp_path / "k.jsonl", [dict(PAGE, line_kinds="body")]))
    assert proc.returncode == 2 and proc.stderr.decode().splitlines() == [
        f"cleaner: {tmp_path / 'k.jsonl'}:1: 'line_kinds' must be a list, one kind per line, not str"]


def run_page(*args, columns=100):
    """``cleaner eval ... --page`` as it reads in a pipe, ``columns`` wide."""
    return run_cli("eval", *args, env_extra={"COLUMNS": str(columns)})


def page_rows(stdout: bytes) -> list:
    lines = stdout.decode().splitlines()
    return [line.split(None, 7) for line in lines[lines.index(next(x for x in lines if x.startswith("LINE"))) + 1:]]


def test_page_shows_each_line_with_label_kind_score_span_check_and_rule(tmp_path, pack):
    proc = run_page(write(tmp_path / "k.jsonl", [DOC, PAGE]), "--only-rules", pack, "--page", "k1")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert out.splitlines()[:3] == [
        "page k1  https://example.org/bridge",
        "article span: lines 3-7, clear",
        "lines: 7 non-blank; residue removed 2 of 3 (1 missed); body removed 1 of 4 (1 lost)",
    ]
    from cleaner.linestats import line_stats

    score = {n: f"{line_stats(line).score:.2f}" for n, line in enumerate(PAGE["noisy"].split("\n"), 1) if line}
    rows = [r for r in page_rows(proc.stdout) if r[0].isdigit()]  # not the wrapped "why:" of line 11
    assert [r[:3] for r in rows] == [["1", "residue", "headline"], ["3", "body", "body"], ["5", "body", "body"],
                                     ["7", "body", "body"], ["9", "residue", "comments"],
                                     ["11", "residue", "unannotated"], ["13", "body", "body"]]
    assert [r[3] for r in rows] == [score[int(r[0])] for r in rows]
    assert [r[4] for r in rows] == ["before", "in", "in", "in", "after", "after", "after"]
    assert rows[0][5:] == ["missed", "Bridge", "Vote"]  # residue kept
    assert rows[2][5] == "~star-strip"  # changed, not removed
    assert rows[4][5:] == ["comments-word", "Comments"]
    assert rows[6][5:7] == ["lost", "more-link"]  # body removed
    assert not re.search(r"\x1b\[", out) and all(len(line) <= 100 for line in out.splitlines())


def test_page_gives_the_removal_detail_under_its_line(tmp_path, pack):
    proc = run_page(write(tmp_path / "k.jsonl", [PAGE]), "--only-rules", pack, "--page", "k1")
    detail = next(r.detail for r in Cleaner([str(pack)]).clean(PAGE["noisy"]).removals if r.rule == "zork-line")
    assert detail.startswith("prose 0.26")
    lines = proc.stdout.decode().splitlines()
    at = next(i for i, line in enumerate(lines) if "zork-line" in line)
    assert lines[at + 1].startswith("     why: prose 0.26")
    assert " ".join(" ".join(lines[at + 1:at + 3]).split()) == "why: " + detail  # whole, wrapped


def test_page_cuts_long_lines_to_the_width(tmp_path, pack):
    long = dict(PAGE, noisy=PAGE["noisy"].replace(B1, B1 + " " + B1 + " " + B1))
    out = run_page(write(tmp_path / "k.jsonl", [long]), "--only-rules", pack, "--page", "k1").stdout.decode()
    assert all(len(line) <= 100 for line in out.splitlines())
    row = next(line for line in out.splitlines() if line.lstrip().startswith("3 "))
    assert len(row) == 100 and row.endswith("...")
    narrow = run_page(tmp_path / "k.jsonl", "--only-rules", pack, "--page", "k1", columns=80).stdout.decode()
    assert max(len(line) for line in narrow.splitlines()) == 80


def test_page_json_and_gold_labels_and_no_kinds(tmp_path, pack):
    gold = {"id": 7, "noisy": "Zork box\n" + B1, "gold": B1}
    proc = run_cli("eval", write(tmp_path / "g.jsonl", [gold]), "--only-rules", pack, "--page", "7", "--json")
    view = json.loads(proc.stdout)
    assert [(x["line"], x["label"], x["kind"], x["rule"], x["mismatch"]) for x in view["lines"]] == [
        (1, "boilerplate", None, None, "missed"), (2, "body", None, None, None)]
    out = run_page(tmp_path / "g.jsonl", "--only-rules", pack, "--page", "7").stdout.decode()
    assert next(line for line in out.splitlines() if line.startswith("LINE")).split() == [
        "LINE", "LABEL", "PROSE", "SPAN", "CHECK", "RULE", "TEXT"]  # no KIND column without kinds


def test_page_unknown_id_or_with_report_exits_2(tmp_path):
    data = write(tmp_path / "k.jsonl", [PAGE])
    proc = run_cli("eval", data, "--page", "nope")
    assert proc.returncode == 2 and proc.stderr.decode().splitlines() == [f"cleaner: {data}: no record with id 'nope'"]
    proc = run_cli("eval", data, "--page", "k1", "--report", tmp_path / "r.html")
    assert proc.returncode == 2 and proc.stderr.decode().splitlines() == [
        "cleaner: --page shows one page; it takes no --report"]
    assert not (tmp_path / "r.html").exists()
