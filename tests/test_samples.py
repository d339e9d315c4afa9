"""The three sample articles come out exactly as written by hand in fixtures/expected/."""
import json

import pytest

from cleaner import apply_removals, clean
from conftest import FIXTURES, SAMPLES, read, run_cli

IDS = [p.name for p in SAMPLES]


@pytest.mark.parametrize("path", SAMPLES, ids=IDS)
def test_sample_matches_hand_written_expectation(path):
    assert clean(read(path)).text == read(FIXTURES / "expected" / path.name)


@pytest.mark.parametrize("path", SAMPLES, ids=IDS)
def test_cli_output_is_byte_identical_to_expectation(path):
    proc = run_cli("clean", path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (FIXTURES / "expected" / path.name).read_bytes()


@pytest.mark.parametrize("path", SAMPLES, ids=IDS)
def test_expected_outputs_pass_through_untouched(path):
    expected = read(FIXTURES / "expected" / path.name)
    result = clean(expected)
    assert result.text == expected and result.removals == ()


def test_000_removes_the_caption_blocks_and_read_more_and_fixes_nbsp():
    text = read(FIXTURES / "000_51d0d749251eb2e3.txt")
    result = clean(text)
    by_rule = {}
    for r in result.removals:
        by_rule.setdefault(r.rule, []).append(r)
    # Seven caption blocks, logged as two changes: five after the third paragraph, two at the end.
    blocks = by_rule["caption-counter-caption"]
    assert len(blocks) == 2
    assert sum(r.text.count("\n7\n") for r in blocks) == 7
    assert blocks[-1].end == len(text)  # the last block has no final newline: the log reaches the end
    assert [r.text for r in by_rule["read-more-on"]] == ["read more on israel-hamas war\n\n"]
    assert {r.text for r in by_rule["nbsp"]} == {"\u00a0"} and len(by_rule["nbsp"]) == 3
    assert "\u00a0" not in result.text
    assert "“significant”" in result.text  # curly quotes stay
    assert result.text.startswith("IDF take out 20 Hamas gunmen")  # the headline stays
    assert not result.text.endswith("\n")


def test_001_removes_stray_token_and_comments():
    result = clean(read(FIXTURES / "001_fb9026f417ed8751.txt"))
    assert [(r.rule, r.text) for r in result.removals] == [
        ("lowercase-token-at-top", "totor\n"),
        ("comments-prompt", "\nComments"),
    ]


def test_002_keeps_subheadings_and_drops_nav_lines():
    result = clean(read(FIXTURES / "002_04b2eba9f973b9f6.txt"))
    assert [r.rule for r in result.removals] == ["latest-follow-live", "teaser-link"]
    for heading in ("Ceasefire deal rejected", "Israel and Hamas urged to 'go the extra mile'"):
        assert f"\n\n{heading}\n\n" in result.text


@pytest.mark.parametrize("path", SAMPLES, ids=IDS)
def test_layout_has_no_doubled_or_edge_blank_lines(path):
    out = clean(read(path)).text
    assert "\n\n\n" not in out
    assert not out.startswith("\n") and not out.endswith("\n\n")


@pytest.mark.parametrize("path", SAMPLES, ids=IDS)
def test_log_is_an_exact_patch_with_correct_fields(path):
    text = read(path)
    result = clean(text)
    assert apply_removals(text, result.removals) == result.text
    prev_end = 0
    for r in result.removals:
        assert r.start >= prev_end, "records are sorted and do not overlap"
        assert text[r.start:r.end] == r.text
        assert r.line == text.count("\n", 0, r.start) + 1
        prev_end = r.end


def test_cli_log_records_are_json_lines_with_the_documented_fields(tmp_path):
    log = tmp_path / "log.jsonl"
    proc = run_cli("clean", SAMPLES[0], "--log", log)
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert records and all(
        {"doc", "rule", "category", "line", "start", "end", "text", "replacement"} <= set(r) for r in records
    )
    text = read(SAMPLES[0])
    assert records == [{"doc": str(SAMPLES[0]), **r.to_dict()} for r in clean(text).removals]
