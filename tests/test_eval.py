"""`cleaner eval`: exact line figures from the removal log, per-rule false positives, gold labelling."""
import json

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
    assert s["removal_precision"] >= 0.97
    assert s["body_token_retention"] >= 0.99
    assert s["boilerplate_line_recall"] >= 0.80
    assert s["token_f1"] >= 0.96
