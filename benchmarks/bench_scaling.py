"""clean() time against the size of what it works on: lines, edits in one line, repeats.

    .venv/bin/python benchmarks/bench_scaling.py --mb 50          # up to 50 MB inputs
    .venv/bin/python benchmarks/bench_scaling.py --mb 0.2         # a smoke run

Each series doubles one thing at a time, from 1/16 of --mb up to --mb, and prints the time and the
ratio to the previous size: about 2.0 a doubling is linear, about 4.0 quadratic.

- lines: distinct real page lines (the development set's, numbered), 1 in 10 residue;
- edits: one line holding k non-breaking spaces (each an edit of the `nbsp` rule);
- repeats: lines alternating with `Advertisement`, blank lines between (the repeat index, and the
  blank lines a removal leaves);
- captions: one caption line printed again and again (repeated_within over the lines still there).

The default packs run, with the pattern timeout raised so that the per-text limit (3 times the
timeout plus 2 s per million characters) leaves room for the largest inputs on a slow machine.
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


def dev_lines() -> list[str]:
    with (ROOT / "benchmarks" / "data" / "dev.jsonl").open(encoding="utf-8") as f:
        return sorted({line for r in f for line in json.loads(r)["noisy"].split("\n") if line.strip()})


def lines_text(size: int, lines: list[str]) -> str:
    out, n, total = [], 0, 0
    while total < size:
        line = f"{lines[n % len(lines)]} {n}\n" if n % 10 else "Advertisement\n"
        out.append(line)
        total += len(line)
        n += 1
    return "".join(out)


def edits_text(size: int) -> str:
    return "word\u00a0" * (size // 5) + "end.\n"


def repeats_text(size: int) -> str:
    block = "Line of the story\n\nAdvertisement\n\n"
    return block * (size // len(block))


def captions_text(size: int) -> str:
    block = "Firefighters battle the blaze near the town of Kineta\n"
    return block * (size // len(block))


SERIES = {"lines": None, "edits": edits_text, "repeats": repeats_text, "captions": captions_text}


def seconds(cleaner: Cleaner, text: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        cleaner.clean(text)
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=50.0, help="the largest input, in MB (default 50)")
    ap.add_argument("--steps", type=int, default=5, help="sizes: --mb halved this many times less one")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--series", default=",".join(SERIES))
    args = ap.parse_args()
    cleaner = Cleaner(timeout=60.0)
    lines = dev_lines()
    top = int(args.mb * 1e6)
    sizes = [top >> k for k in range(args.steps - 1, -1, -1)]
    print(f"{'series':10} {'input':>10} {'seconds':>9} {'MB/s':>7} {'x previous':>11}")
    worst = 0.0
    for name in args.series.split(","):
        make = SERIES[name] or (lambda size: lines_text(size, lines))
        previous = None
        for size in sizes:
            text = make(size)
            took = seconds(cleaner, text, args.repeat)
            ratio = took / previous if previous else float("nan")
            if previous and size >= 1e6:
                worst = max(worst, ratio)
            print(f"{name:10} {len(text.encode('utf-8')) / 1e6:9.2f}M {took:9.3f} {len(text) / took / 1e6:7.1f} "
                  f"{ratio:11.2f}", flush=True)
            previous = took
            del text
    print(f"largest time ratio a doubling (inputs of 1 MB and more): {worst:.2f} (2.0 is linear)")


if __name__ == "__main__":
    main()
