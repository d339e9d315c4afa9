"""The benchmark scripts still run (tiny sizes; their figures are not checked here: speed is
measured by running them, never in unit tests)."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_bench(script: str, *args: str) -> str:
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args],
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.mark.parametrize("script, args, expect", [
    ("bench_engine.py", ["--mb", "0.3", "--repeat", "1"], "200 rules / 50 rules time"),
    ("profile_engine.py", ["--mb", "1", "--docs", "40"], "pattern calls a document, replayed"),
    ("bench_corpus.py", ["--mb", "1"], "--jobs 2 / --jobs 1 throughput"),
    ("bench_stage_cost.py", ["--rounds", "1"], "the stage's cost"),
    ("bench_stage_cost.py", ["--rounds", "1", "--languages"], "the stage's cost"),
    ("fit_prose_score.py", ["--lang", "de"], "AUC"),
    ("compare_langid.py", [], "stopword counts (cleaner)"),
])
def test_benchmark_runs(script, args, expect):
    assert expect in run_bench(script, *args)


def test_memory_benchmark_runs():
    assert "peak memory of clean() over reading the text" in run_bench("bench_memory.py", "--mb", "0.2")


def test_repeated_benchmark_runs():
    out = run_bench("bench_repeated.py", "--cost-only", "--mb", "0.3", "--sites", "20")
    assert "two-pass / one-pass time" in out and "peak RSS" in out


def test_scaling_benchmark_runs():
    assert "largest time ratio a doubling" in run_bench("bench_scaling.py", "--mb", "0.1", "--steps", "2")
