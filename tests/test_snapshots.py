"""Frozen output and log of every fixture, checked by a person when first written.

Byte-level matters (CRLF, NBSP, final newline) are asserted by hand in the other tests: syrupy's
serialiser does not show them.
"""
import pytest

from cleaner import clean
from conftest import SAMPLES, read


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_output_and_log_snapshot(path, snapshot):
    result = clean(read(path))
    assert result.text == snapshot(name="text")
    assert [r.to_dict() for r in result.removals] == snapshot(name="log")
