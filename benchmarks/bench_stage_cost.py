"""What a stage of packs costs: clean() time on the development pages with the default packs,
against the same packs less the named ones, timed in one run (CPU time), alternating, best of
several rounds.

    python benchmarks/bench_stage_cost.py [--packs 47-lists-and-menus 64-comment-threads] [--data FILE]
    python benchmarks/bench_stage_cost.py --languages     # English text: --lang auto against --lang none
    python benchmarks/bench_stage_cost.py --instructions  # CPU instructions under valgrind (about 3 minutes)

The default packs are the article-span stage (issue #11): the line statistics and the span are
only worked out for pages where one of their rules has a candidate line. --languages measures what
the language packs cost English text instead: telling its language (they then do not run).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner import Cleaner  # noqa: E402
from cleaner.rules import default_rules_dir, load_packs  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packs", nargs="+", default=["47-lists-and-menus", "64-comment-threads", "85-around-the-article"])
    ap.add_argument("--data", default=str(ROOT / "benchmarks" / "data" / "dev.jsonl"))
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--languages", action="store_true", help="--lang auto against --lang none instead")
    ap.add_argument("--instructions", action="store_true",
                    help="count CPU instructions under valgrind's callgrind instead of timing: load does not move them")
    ap.add_argument("--child", choices=["none", "with", "without"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    texts = [json.loads(line)["noisy"] for line in open(args.data, encoding="utf-8")]
    if args.instructions:
        return count_instructions(args, len(texts))
    if args.languages:
        full, without = Cleaner(check=False), Cleaner(check=False, lang="none")
        args.packs, ids = ["language detection and packs (--lang auto against none)"], []
    else:
        stage = [str(default_rules_dir() / f"{name}.yaml") for name in args.packs]
        ids = [r.id for pack in load_packs(stage) for r in pack.rules]
        full, without = Cleaner(check=False), Cleaner(disable=ids, check=False)
    if args.child:  # one pass under valgrind (see count_instructions); "none" counts what every pass costs
        for t in texts[:3]:
            full.clean(t), without.clean(t)
        cleaner = {"with": full, "without": without, "none": None}[args.child]
        for t in texts if cleaner is not None else ():
            cleaner.clean(t)
        return
    # Each text is cleaned both ways in turn, so that whatever else the machine does falls on both
    # alike; the best of the rounds is kept.
    best = {"with": float("inf"), "without": float("inf")}
    clock = time.process_time
    for _ in range(args.rounds):
        spent = {"with": 0.0, "without": 0.0}
        for t in texts:
            a = clock()
            without.clean(t)
            b = clock()
            full.clean(t)
            spent["without"] += b - a
            spent["with"] += clock() - b
        best = {k: min(best[k], spent[k]) for k in best}
    per_page = {k: v / len(texts) * 1e6 for k, v in best.items()}
    print(f"{len(texts)} pages of {Path(args.data).name}; stage: {', '.join(args.packs)} ({len(ids)} rules)")
    print(f"clean() without the stage: {per_page['without']:8.0f} us a page")
    print(f"clean() with the stage:    {per_page['with']:8.0f} us a page")
    target = 5 if args.languages else 15
    print(f"the stage's cost: {best['with'] / best['without'] - 1:+.1%} of clean() time (target <= +{target}%)")
    if not args.languages:
        span_share(full, texts)


def count_instructions(args, pages: int) -> None:
    """The stage's cost in instructions: each pass in its own process under callgrind, less a
    process that loads the same and cleans nothing."""
    counts = {}
    for mode in ("none", "without", "with"):
        cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
               "--child", mode, "--data", args.data, "--packs", *args.packs]
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
        except FileNotFoundError:
            sys.exit("bench_stage_cost.py: --instructions needs valgrind (apt install valgrind)")
        found = re.search(r"Collected : (\d+)", out.stderr)
        if found is None:
            sys.exit(f"bench_stage_cost.py: valgrind did not run: {out.stderr.strip()[-200:]}")
        counts[mode] = int(found.group(1))
    without, full = counts["without"] - counts["none"], counts["with"] - counts["none"]
    print(f"{pages} pages of {Path(args.data).name}; stage: {', '.join(args.packs)}")
    print(f"instructions a page without the stage: {without / pages / 1e6:.3f} M, with it: {full / pages / 1e6:.3f} M")
    print(f"the stage's cost: {full / without - 1:+.1%} of clean()'s instructions (target <= +15%)")


def span_share(cleaner, texts) -> None:
    """How many pages work out the article's span, how often, and what that takes (its line
    figures included), timed around the engine's own method in one more pass."""
    from cleaner import engine

    found, touched, spent = [0], [False], [0.0]
    inner = engine.Trial._span

    def timed(trial, regional):
        fresh = trial.doc.article.get(regional) is None
        start = time.process_time()
        try:
            return inner(trial, regional)
        finally:
            if fresh:
                found[0] += 1
                touched[0] = True
                spent[0] += time.process_time() - start

    engine.Trial._span = timed
    pages = 0
    try:
        for t in texts:
            touched[0] = False
            cleaner.clean(t)
            pages += touched[0]
    finally:
        engine.Trial._span = inner
    print(f"the span: worked out on {pages} of {len(texts)} pages, {found[0] / max(pages, 1):.1f} times "
          f"each, {spent[0] / max(pages, 1) * 1e6:.0f} us a page that needs it")


if __name__ == "__main__":
    main()
