"""Engine throughput: MB/s of clean() on a corpus built from the fixtures, as a ratio to the floor
of splitting and joining the same text in the same run, and the cost of 200 rules against 50.

    .venv/bin/python benchmarks/bench_engine.py [--mb 20] [--repeat 3]

Absolute MB/s drift by ~30% on shared machines; the ratios are the figures to compare.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner import Cleaner  # noqa: E402
from cleaner.rules import default_rules_dir  # noqa: E402


def corpus(mb: float, seed: int = 0) -> list[str]:
    """Documents from the sample fixtures and their expected outputs, shuffled paragraph order."""
    rng = random.Random(seed)
    bases = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "fixtures").glob("*.txt"))]
    bases += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "fixtures" / "expected").glob("*.txt"))]
    docs, size = [], 0
    while size < mb * 1e6:
        paras = rng.choice(bases).split("\n\n")
        rng.shuffle(paras)
        doc = "\n\n".join(paras)
        docs.append(doc)
        size += len(doc.encode("utf-8"))
    return docs


def synthetic_pack(n: int, folder: Path, shape_every: int = 10) -> Path:
    """n extra rules shaped like real ones (a literal trigger, a guarded pattern) that rarely fire."""
    lines = ["category: synthetic", "rules:"]
    for i in range(n):
        if shape_every and i % shape_every == shape_every - 1:  # a shape rule: lone short lines, no trigger word
            lines += [
                f"  - id: synthetic-{i}",
                "    description: benchmark filler",
                f"    max_length: {3 + i % 7}",
                f"    pattern: '^(?:{i % 10}|[ivx]{{1,4}})\\.$'",
            ]
            continue
        word = f"zq{i:03d}promo"
        lines += [
            f"  - id: synthetic-{i}",
            "    description: benchmark filler",
            f"    triggers: [{word}]",
            f"    pattern: '(?i)^(?:sign up for|subscribe to)? ?{word}\\b[^.!?]{{0,60}}$'",
        ]
    path = folder / f"synthetic-{n}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=20.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    docs = corpus(args.mb)
    mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6

    def floor():
        for d in docs:
            "\n".join(d.split("\n"))

    t_floor = best_of(floor, args.repeat)
    default = Cleaner()
    t_default = best_of(lambda: [default.clean(d) for d in docs], args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        # Rule-count scaling: packs of 50 and 200 rules shaped like real ones (a trigger word, a guarded
        # pattern); then the same with one rule in ten a shape rule, which tests every short line.
        sized = {}
        for shape_every in (0, 10):
            for total in (50, 200):
                c = Cleaner(rules=[synthetic_pack(total, Path(tmp), shape_every)], check=False)
                assert len(c.rules) == total
                sized[shape_every, total] = best_of(lambda: [c.clean(d) for d in docs], args.repeat)
    print(f"corpus: {len(docs)} documents, {mb:.1f} MB (fixtures, paragraphs shuffled)")
    print(f"{'pass':32} {'MB/s':>8} {'time / floor':>13}")
    print(f"{'split + join (floor)':32} {mb / t_floor:8.1f} {1.0:13.2f}")
    print(f"{f'clean(), default packs ({len(default.rules)} rules)':32} {mb / t_default:8.1f} {t_default / t_floor:13.2f}")
    for (shape_every, total), t in sized.items():
        label = f"clean(), {total} rules" + (" (1 in 10 shape)" if shape_every else "")
        print(f"{label:32} {mb / t:8.1f} {t / t_floor:13.2f}")
    print(f"200 rules / 50 rules time, trigger rules: {sized[0, 200] / sized[0, 50]:.2f}  (target <= 1.2)")
    print(f"200 rules / 50 rules time, 1 in 10 shape rules: {sized[10, 200] / sized[10, 50]:.2f}")
    print(f"default packs / floor time: {t_default / t_floor:.2f}  (target <= 10)")

if __name__ == "__main__":
    main()
