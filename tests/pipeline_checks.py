"""Checks shared by the datatrove tests (tests/test_datatrove.py on LocalPipelineExecutor,
tests/test_ray.py on RayPipelineExecutor): the pipeline JsonlReader(in/) -> CleanerStep ->
JsonlWriter(out/) under a tmp_path, compared with `cleaner clean` on the same records."""
import json
import os

from conftest import run_cli


def pipeline(tmp_path, **step_options):
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    from cleaner.integrations.datatrove import CleanerStep

    return [
        JsonlReader(str(tmp_path / "in"), compression=None, add_file_path=False),
        CleanerStep(**step_options),
        JsonlWriter(str(tmp_path / "out"), compression=None),
    ]


def read_jsonl(folder):
    out = {}
    for name in sorted(os.listdir(folder)):
        with open(folder / name, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                out[r["id"]] = r
    return out


def check_against_the_cli(tmp_path, total):
    """Every record the pipeline wrote to out/ has the text and removal log that `cleaner clean`
    gives the same records of in/. Returns the CLI's removals: (count, count per rule)."""
    got = read_jsonl(tmp_path / "out")
    assert len(got) == total
    # The same records through the CLI's JSONL mode.
    cat = tmp_path / "all.jsonl"
    cat.write_bytes(b"".join((tmp_path / "in" / f).read_bytes() for f in sorted(os.listdir(tmp_path / "in"))))
    proc = run_cli("clean", cat, "-o", tmp_path / "cli.jsonl", "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    want = {r["id"]: r for r in map(json.loads, (tmp_path / "cli.jsonl").read_text(encoding="utf-8").splitlines())}
    removals, by_rule = 0, {}
    for doc_id, rec in want.items():
        assert got[doc_id]["text"] == rec["text"]
        assert got[doc_id].get("metadata", {}).get("cleaner") == rec.get("metadata", {}).get("cleaner")
        for r in rec.get("metadata", {}).get("cleaner", {}).get("removals", []):
            removals += 1
            by_rule[r["rule"]] = by_rule.get(r["rule"], 0) + 1
    assert removals > 0
    return removals, by_rule


def check_stats(logs, total, removals, by_rule):
    """The run's merged stats.json counts every document, every removal, and every removal per rule."""
    stats = json.loads((logs / "stats.json").read_text())
    (mine,) = [s for s in stats if "cleaner" in s["name"]]
    counts = {k: (v["total"] if isinstance(v, dict) else v) for k, v in mine["stats"].items()}
    assert counts["total"] == total
    assert counts["removals"] == removals
    assert {k[len("rule/"):]: v for k, v in counts.items() if k.startswith("rule/")} == by_rule


def output_mtimes(tmp_path):
    return {p: p.stat().st_mtime_ns for p in (tmp_path / "out").iterdir()}
