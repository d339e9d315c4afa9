"""Corpus throughput: `cleaner clean corpus.jsonl -o out.jsonl` with --jobs 1 and --jobs 2, against a
plain read-parse-serialise-write pass over the same file in the same run, with peak memory.

    .venv/bin/python benchmarks/bench_corpus.py [--mb 200] [--memory 100,1000]

The corpus (generated under benchmarks/out/, not committed) mixes the sample fixtures and the
development set's noisy pages, one JSON record a line. --memory also cleans corpora of those sizes
(MB) with --jobs 2 and reports peak RSS, to show it stays flat as the input grows.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
PY = sys.executable


def build_corpus(mb: float, seed: int = 0) -> Path:
    path = OUT / f"corpus-{int(mb)}mb.jsonl"
    if path.exists() and path.stat().st_size >= mb * 1e6:
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "fixtures").glob("*.txt"))]
    dev = ROOT / "benchmarks" / "data" / "dev.jsonl"
    texts += [json.loads(line)["noisy"] for line in dev.open(encoding="utf-8")]
    rng = random.Random(seed)
    size, n = 0, 0
    with path.open("w", encoding="utf-8") as f:
        while size < mb * 1e6:
            line = json.dumps({"id": f"doc-{n}", "text": rng.choice(texts), "meta": {"source": "bench", "n": n}},
                              ensure_ascii=False) + "\n"
            f.write(line)
            size += len(line.encode("utf-8"))
            n += 1
    return path


def timed(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of the largest process the command ran (workers included)."""
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
             "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
             "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)")
    out = subprocess.run([PY, "-c", probe, *cmd], capture_output=True, text=True, check=True).stdout.split()
    if out[2] != "0":
        raise SystemExit(f"{cmd[0] if cmd[1] != '-c' else 'python -c <script>'} exited {out[2]}")
    return float(out[0]), int(out[1])


IDENTITY = ("import json, sys\n"
            "with open(sys.argv[1], encoding='utf-8') as f, open(sys.argv[2], 'w', encoding='utf-8') as o:\n"
            "    for line in f:\n"
            "        o.write(json.dumps(json.loads(line), ensure_ascii=False) + '\\n')\n")

# The peer: datatrove's C4 filter run as a line cleaner, its line rules only. Off: the sentence count
# (min_num_sentences), which runs spaCy's sentence splitter on every line (about 30x slower) and
# judges whole documents, and the end-punctuation rule, which drops every headline and list line.
DATATROVE = ("import sys, json\n"
             "from datatrove.data import Document\n"
             "from datatrove.pipeline.filters import C4QualityFilter\n"
             "f = C4QualityFilter(filter_no_terminal_punct=False, min_num_sentences=-1)\n"
             "with open(sys.argv[1], encoding='utf-8') as src, open(sys.argv[2], 'w', encoding='utf-8') as o:\n"
             "    for line in src:\n"
             "        r = json.loads(line); d = Document(text=r['text'], id=r['id'])\n"
             "        f.filter(d); o.write(json.dumps({'id': d.id, 'text': d.text}) + '\\n')\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=200)
    ap.add_argument("--memory", default="", help="comma-separated corpus sizes in MB for the memory check")
    args = ap.parse_args()
    corpus = build_corpus(args.mb)
    mb = corpus.stat().st_size / 1e6
    out = OUT / "cleaned.jsonl"
    rows = []
    t_id, rss_id = timed([PY, "-c", IDENTITY, str(corpus), str(out)])
    rows.append(("stdlib json identity pass", t_id, rss_id))
    cleaner = [PY, "-m", "cleaner", "clean", str(corpus), "-o", str(out)]
    t1, rss1 = timed(cleaner + ["--jobs", "1"])
    rows.append(("cleaner --jobs 1", t1, rss1))
    t2, rss2 = timed(cleaner + ["--jobs", "2"])
    rows.append(("cleaner --jobs 2", t2, rss2))
    peer_note = ""
    try:
        rows.append(("datatrove C4 line rules (peer)", *timed([PY, "-c", DATATROVE, str(corpus), str(out)])))
    except SystemExit as e:  # datatrove not installed
        peer_note = f"peer not run: {e}"
    print(f"corpus: {corpus.name}, {mb:.0f} MB")
    print(f"{'pass':34} {'MB/s':>7} {'x identity':>11} {'peak RSS MiB':>13}")
    for name, t, rss in rows:
        print(f"{name:34} {mb / t:7.1f} {t_id / t:11.2f} {rss / 1024:13.0f}")
    if peer_note:
        print(peer_note.splitlines()[0][:200])
    print(f"--jobs 2 / --jobs 1 throughput: {t1 / t2:.2f}x  (target >= 1.7)")
    print(f"--jobs 1 / identity pass: {t_id / t1:.2f}x  (target >= 0.3)")
    for size in [float(s) for s in args.memory.split(",") if s]:
        path = build_corpus(size)
        t, rss = timed([PY, "-m", "cleaner", "clean", str(path), "-o", str(out), "--jobs", "2"])
        print(f"memory: {path.stat().st_size / 1e6:.0f} MB corpus, --jobs 2: peak RSS {rss / 1024:.0f} MiB per process, "
              f"{path.stat().st_size / 1e6 / t:.1f} MB/s")
    out.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
