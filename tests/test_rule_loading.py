"""Malformed packs: every problem reported at once, each as path:line: what is wrong."""
import textwrap

import pytest

from cleaner import Cleaner, CleanerError, load_rules
from conftest import run_cli

GOOD_RULE = """\
  - id: {id}
    description: A test rule.
    triggers: [zap]
    pattern: "^zap$"
    examples:
      remove: ["zap"]
      keep: ["zap zap"]
"""


# A rule whose keep-example it removes: line 9 is that example.
FAILING_EXAMPLE = """\
category: test
rules:
  - id: zap
    description: d
    triggers: [zap]
    pattern: "zap"
    examples:
      remove: ["zap"]
      keep: ["zap in a sentence."]
"""


def pack(tmp_path, body, name="pack.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(body), encoding="utf-8")
    return p


def problems(*paths, **kw):
    with pytest.raises(CleanerError) as info:
        load_rules(list(paths), **kw)
    return str(info.value)


def test_good_pack_loads(tmp_path):
    p = pack(tmp_path, "category: test\ndescription: d\nrules:\n" + GOOD_RULE.format(id="zap-line"))
    rules = load_rules([p])
    assert [r.id for r in rules] == ["zap-line"]
    assert Cleaner(rules=[p]).clean("a\nzap\nb\n").text == "a\nb\n"


def test_all_problems_reported_at_once_with_lines(tmp_path):
    p = pack(tmp_path, """\
        category: test
        colour: blue
        rules:
          - id: one
            description: unknown key below
            pattern: "x"
            trigers: [x]
          - description: no id
            pattern: "y"
          - id: three
            description: bad regex
            pattern: "(unclosed"
          - id: four
            description: bad action
            pattern: "z"
            action: explode
    """)
    msg = problems(p)
    assert msg.startswith("5 problem(s) in the rule packs:")
    assert f"{p}:2: unknown key 'colour' in pack" in msg
    assert f"{p}:7: unknown key 'trigers' in rule 'one'" in msg
    assert f"{p}:8: rule: missing required key 'id'" in msg
    assert f"{p}:12: rule 'three': pattern does not compile" in msg
    assert f"{p}:16: rule 'four': action 'explode' is not one of" in msg


def test_duplicate_yaml_keys_are_refused(tmp_path):
    p = pack(tmp_path, """\
        category: test
        rules:
          - id: dup
            description: first
            description: second
            pattern: "x"
    """)
    assert f"{p}:5: duplicate key 'description' (first at line 4)" in problems(p)


def test_duplicate_ids_across_packs(tmp_path):
    a = pack(tmp_path, "category: a\nrules:\n" + GOOD_RULE.format(id="same"), "10-a.yaml")
    b = pack(tmp_path, "category: b\nrules:\n" + GOOD_RULE.format(id="same"), "20-b.yaml")
    assert f"{b}:3: duplicate rule id 'same' (first at {a}:3)" in problems(tmp_path)


def test_failing_example_names_file_and_line(tmp_path):
    p = pack(tmp_path, FAILING_EXAMPLE)
    assert f"{p}:9: rule 'zap' changes a text it must keep" in problems(p)


def test_invalid_yaml_and_non_mapping(tmp_path):
    p = pack(tmp_path, "category: test\nrules: [\n", "broken.yaml")
    assert problems(p).startswith(f"{p}:3: invalid YAML")
    q = pack(tmp_path / ".." , "- just\n- a list\n", "list.yaml")
    assert "a rule pack must be a mapping" in problems(q)


def test_yaml_is_loaded_safely(tmp_path):
    p = pack(tmp_path, "category: !!python/object/apply:os.system ['echo pwned']\nrules: []\n")
    assert "invalid YAML" in problems(p)


def test_removed_by_must_name_something_real(tmp_path):
    p = pack(tmp_path, """\
        category: test
        rules:
          - id: cap
            description: d
            pattern: "x"
            max_length: 3
            when:
              next: {removed_by: [no-such-rule]}
    """)
    assert "removed_by names 'no-such-rule'" in problems(p)


def test_window_rules_only_drop(tmp_path):
    p = pack(tmp_path, """\
        category: test
        rules:
          - id: win
            description: d
            pattern: "a\\nb"
            window: 2
            action: strip
            max_length: 3
    """)
    assert "can only be dropped" in problems(p)


def test_unknown_disable_name_is_an_error():
    with pytest.raises(CleanerError, match="--disable 'no-such-thing'"):
        load_rules(disable=["no-such-thing"])


def test_cli_reports_malformed_pack_with_exit_2(tmp_path):
    p = pack(tmp_path, "category: test\nrules:\n  - id: x\n    description: d\n    pattern: '('\n")
    proc = run_cli("clean", "--rules", p, input=b"text\n")
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert proc.stderr.decode().startswith(f"cleaner: {p}:5: rule 'x': pattern does not compile")
    assert b"Traceback" not in proc.stderr


def test_cli_rules_test_reports_failures_with_file_and_line(tmp_path):
    p = pack(tmp_path, FAILING_EXAMPLE)
    proc = run_cli("rules", "test", p)
    assert proc.returncode == 1
    assert f"{p}:9: rule 'zap' changes a text it must keep".encode() in proc.stdout
    assert b"1 rules, 2 examples: 1 failed" in proc.stdout
    ok = run_cli("rules", "test")
    assert ok.returncode == 0 and b" 0 failed" in ok.stdout


def test_a_passed_example_check_is_remembered_only_for_the_same_rules(tmp_path, monkeypatch):
    from cleaner import Cleaner
    from cleaner import examples

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CLEANER_NO_CACHE", raising=False)
    pack = tmp_path / "p.yaml"
    good = ('category: c\nrules:\n  - id: ad\n    description: d\n    pattern: "^Ad$"\n'
            '    examples:\n      remove: ["Ad"]\n      keep: ["Ads work."]\n')
    pack.write_text(good, encoding="utf-8")
    Cleaner(rules=[pack])
    assert examples.examples_passed(Cleaner(rules=[pack], check=False).rules)  # remembered
    pack.write_text(good.replace('remove: ["Ad"]', 'remove: ["Advert"]'), encoding="utf-8")
    with pytest.raises(CleanerError, match="should turn 'Advert'"):
        Cleaner(rules=[pack])  # another pack: checked anew
    monkeypatch.setenv("CLEANER_NO_CACHE", "1")
    pack.write_text(good, encoding="utf-8")
    assert not examples.examples_passed(Cleaner(rules=[pack], check=False).rules)
