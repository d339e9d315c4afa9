"""Engine and rule-loading cases as data (sqlfluff's rule fixtures): each ``tests/cases/*.yaml`` holds
a pack (a ``rules:`` list) and cases - an input with the output and removals it must give, or a pack
that must be refused with the given message fragments. One generic runner; a case is one test."""
from pathlib import Path

import pytest
import yaml

from cleaner import Cleaner, CleanerError, apply_removals

CASES = Path(__file__).parent / "cases"


def _cases():
    for path in sorted(CASES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            yield pytest.param(path, data.get("pack"), case, id=f"{path.stem}::{case['name']}")


def _cleaner(tmp_path, rules) -> Cleaner:
    pack = tmp_path / "case.yaml"
    pack.write_text(yaml.safe_dump({"category": "case", "rules": rules}, allow_unicode=True), encoding="utf-8")
    return Cleaner(rules=[pack])


@pytest.mark.parametrize("path, pack, case", list(_cases()))
def test_case(tmp_path, path, pack, case):
    rules = case.get("pack", pack)
    if "error" in case:
        with pytest.raises(CleanerError) as info:
            _cleaner(tmp_path, rules)
        for fragment in case["error"]:
            assert fragment in str(info.value)
        return
    cleaner = _cleaner(tmp_path, rules)
    result = cleaner.clean(case["input"])
    expected = case["input"] if case.get("output") == "same" else case.get("output")
    assert expected is not None or "removals" in case, "a case says its output (or `same`) or its removals"
    if expected is not None:
        assert result.text == expected
    assert apply_removals(case["input"], result.removals) == result.text
    if "removals" in case:
        got = [{k: getattr(r, k) for k in want} for r, want in zip(result.removals, case["removals"])]
        assert len(result.removals) == len(case["removals"]) and got == case["removals"]
    assert cleaner.clean(result.text).removals == ()  # nothing more on a second pass


def test_every_case_file_has_cases():
    files = sorted(CASES.glob("*.yaml"))
    assert files and all(yaml.safe_load(f.read_text(encoding="utf-8")).get("cases") for f in files)
