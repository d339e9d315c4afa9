"""Documents/s of the datatrove pipeline (JsonlReader -> CleanerStep -> JsonlWriter on
LocalPipelineExecutor) with 1 and 2 workers, against `cleaner clean --jobs 1/2` on the same corpus.

    .venv/bin/python benchmarks/bench_datatrove.py [--mb 50]
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_corpus import OUT, PY, build_corpus, timed  # noqa: E402

PIPELINE = """
import sys
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from cleaner.integrations.datatrove import CleanerStep
src, out, logs, workers = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
LocalPipelineExecutor([JsonlReader(src, compression=None, add_file_path=False), CleanerStep(),
                       JsonlWriter(out, compression=None)],
                      tasks=8, workers=workers, logging_dir=logs).run()
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=50)
    args = ap.parse_args()
    corpus = build_corpus(args.mb)
    docs = sum(1 for _ in corpus.open("rb"))
    split = OUT / "dt-in"
    shutil.rmtree(split, ignore_errors=True)
    split.mkdir(parents=True)
    lines = corpus.read_bytes().splitlines(keepends=True)
    for k in range(8):  # eight input files: one a datatrove task
        (split / f"part{k}.jsonl").write_bytes(b"".join(lines[k::8]))
    rows = []
    for workers in (1, 2):
        out, logs = OUT / "dt-out", OUT / "dt-logs"
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(logs, ignore_errors=True)
        t, _ = timed([PY, "-c", PIPELINE, str(split), str(out), str(logs), str(workers)])
        rows.append((f"datatrove pipeline, {workers} worker(s)", t))
    for jobs in (1, 2):
        t, _ = timed([PY, "-m", "cleaner", "clean", str(corpus), "-o", str(OUT / "cleaned.jsonl"), "--jobs", str(jobs)])
        rows.append((f"cleaner clean --jobs {jobs}", t))
    print(f"corpus: {corpus.name}, {docs} documents, {corpus.stat().st_size / 1e6:.0f} MB")
    print(f"{'run':36} {'docs/s':>9} {'MB/s':>7}")
    for name, t in rows:
        print(f"{name:36} {docs / t:9.0f} {corpus.stat().st_size / 1e6 / t:7.1f}")


if __name__ == "__main__":
    main()
