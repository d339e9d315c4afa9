"""What a stage of packs costs: clean() time on the development pages with the default packs,
against the same packs less the named ones, timed in one run (CPU time), alternating, best of
several rounds.

    python benchmarks/bench_stage_cost.py [--packs 47-lists-and-menus 66-comment-threads] [--data FILE]

The default packs are the article-span stage (issue #11): the line statistics and the span are
only worked out for pages where one of their rules has a candidate line.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner import Cleaner  # noqa: E402
from cleaner.rules import default_rules_dir, load_packs  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packs", nargs="+", default=["47-lists-and-menus", "66-comment-threads"])
    ap.add_argument("--data", default=str(ROOT / "benchmarks" / "data" / "dev.jsonl"))
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    texts = [json.loads(line)["noisy"] for line in open(args.data, encoding="utf-8")]
    stage = [str(default_rules_dir() / f"{name}.yaml") for name in args.packs]
    ids = [r.id for pack in load_packs(stage) for r in pack.rules]
    full, without = Cleaner(check=False), Cleaner(disable=ids, check=False)
    best = {"with": float("inf"), "without": float("inf")}
    for _ in range(args.rounds):
        for name, cleaner in (("without", without), ("with", full)):
            start = time.process_time()
            for t in texts:
                cleaner.clean(t)
            best[name] = min(best[name], time.process_time() - start)
    per_page = {k: v / len(texts) * 1e6 for k, v in best.items()}
    print(f"{len(texts)} pages of {Path(args.data).name}; stage: {', '.join(args.packs)} ({len(ids)} rules)")
    print(f"clean() without the stage: {per_page['without']:8.0f} us a page")
    print(f"clean() with the stage:    {per_page['with']:8.0f} us a page")
    print(f"the stage's cost: {best['with'] / best['without'] - 1:+.1%} of clean() time (target <= +15%)")


if __name__ == "__main__":
    main()
