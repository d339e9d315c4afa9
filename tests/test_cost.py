"""`cleaner rules list --cost`: what each rule's pattern costs on a sample, for rule authors."""
import json

from cleaner import load_rules
from cleaner.cost import gate_allows, pattern_costs
from conftest import SAMPLES, run_cli


def test_a_rule_is_timed_only_on_the_lines_its_gate_lets_through(tmp_path):
    pack = tmp_path / "p.yaml"
    pack.write_text("category: t\nrules:\n"
                    "  - id: worded\n    description: d\n    triggers: [zebra]\n    pattern: 'zebra'\n"
                    "  - id: short\n    description: d\n    max_length: 5\n    pattern: '^\\w+$'\n"
                    "  - id: every\n    description: d\n    pattern: 'x'\n", encoding="utf-8")
    rules = load_rules([pack], check=False)
    lines = ["A Zebra crossing.", "Hi", "Nothing here at all.", ""]
    assert [gate_allows(r, "A Zebra crossing.") for r in rules] == [True, False, True]
    costs = pattern_costs(rules, lines)
    assert [(c.rule, c.tried) for c in costs] == [("worded", 1), ("short", 1), ("every", 3)]
    assert all(c.us_per_try > 0 and c.ms_per_mb > 0 for c in costs)


def test_rules_list_cost_reads_text_and_jsonl_samples(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps({"body": p.read_text(encoding="utf-8")}) + "\n" for p in SAMPLES))
    for args in ([SAMPLES[0]], [corpus, "--text-field", "body"]):
        proc = run_cli("rules", "list", "--cost", *args, env_extra={"COLUMNS": "120"})
        rows = proc.stdout.decode().splitlines()
        assert proc.returncode == 0 and rows[0].split() == ["ORDER", "ID", "CATEGORY", "LINES", "TRIED", "US", "A",
                                                           "TRY", "MS", "PER", "MB"]
        assert len(rows) == 1 + len(load_rules(check=False))
    proc = run_cli("rules", "list", "--cost", corpus)  # no "text" field in these records
    assert proc.returncode == 2 and proc.stderr.decode().startswith(f"cleaner: {corpus}:1: no field 'text'")
