"""Peak memory of cleaning one large text: `clean()` on generated texts of distinct, realistic lines,
as a multiple of the text's size, next to just reading the text in the same run.

    .venv/bin/python benchmarks/bench_memory.py [--mb 10,50]

Each figure is measured in a fresh child process (peak RSS from resource.getrusage), so that one
run does not inherit the memory of another. The text is the development set's noisy lines and the
fixtures' lines, each made distinct by a running number (so no line repeats, as in the audit's
1,000,000-line file), with a blank line after every fourth. The multiple is (peak RSS of the
cleaning process - the rules' own memory - peak RSS of the reading process) / text size in bytes:
what cleaning costs over holding the text.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
PY = sys.executable


def build_text(mb: float, seed: int = 0) -> Path:
    path = OUT / f"lines-{mb:g}mb.txt"
    if path.exists():
        return path
    OUT.mkdir(parents=True, exist_ok=True)
    lines = [line for p in sorted((ROOT / "fixtures").glob("*.txt"))
             for line in p.read_text(encoding="utf-8").split("\n") if line.strip()]
    with (ROOT / "benchmarks" / "data" / "dev.jsonl").open(encoding="utf-8") as f:
        lines += [line for record in f for line in json.loads(record)["noisy"].split("\n") if line.strip()]
    rng = random.Random(seed)
    size, n = 0, 0
    part = path.with_suffix(".part")  # renamed when whole: a killed run leaves no short text behind
    with part.open("w", encoding="utf-8", newline="") as f:
        while size < mb * 1e6:
            # A running number makes every line distinct; at the end, so that a line's shape (a
            # credit, a heading) stays where the rules look for it.
            line = f"{rng.choice(lines)} {n}\n" + ("\n" if n % 4 == 3 else "")
            f.write(line)
            size += len(line.encode("utf-8"))
            n += 1
    part.replace(path)
    return path


READ = ("import resource, sys\n"
        "text = open(sys.argv[1], encoding='utf-8', newline='').read()\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")

CLEAN = ("import resource, sys\n"
         "from cleaner import clean\n"
         "clean('warm up: rules loaded and compiled before the text is read\\n')\n"
         "text = open(sys.argv[1], encoding='utf-8', newline='').read()\n"
         "result = clean(text)\n"
         "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, len(result.removals))\n")


def peak_kib(script: str, path: Path) -> list[int]:
    """Peak RSS (KiB) of a fresh Python process running ``script`` on ``path``, and what else it printed."""
    out = subprocess.run([PY, "-c", script, str(path)], capture_output=True, text=True, check=True,
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout.split()
    return [int(x) for x in out]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", default="10,50", help="text sizes in MB, comma-separated")
    args = ap.parse_args()
    base = peak_kib("import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)", ROOT)[0]
    loaded = peak_kib(CLEAN.split("text = ")[0] + "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n", ROOT)[0]
    rules = loaded - base
    print(f"python alone: {base / 1024:.0f} MiB; the default rules loaded add {rules / 1024:.0f} MiB (counted apart below)")
    print(f"{'text':>8} {'lines':>9} {'removals':>9} {'read: peak':>11} {'clean(): peak':>14} {'clean() over read':>18}")
    for mb in (float(x) for x in args.mb.split(",")):
        path = build_text(mb)
        size = path.stat().st_size
        with path.open("rb") as f:
            n_lines = sum(1 for _ in f)
        read = peak_kib(READ, path)[0]
        cleaned, removals = peak_kib(CLEAN, path)
        over = cleaned - rules - read
        print(f"{size / 1e6:6.1f}MB {n_lines:>9,} {removals:>9,} {read / 1024:7.0f} MiB {cleaned / 1024:10.0f} MiB "
              f"{over / 1024:7.0f} MiB {over * 1024 / size:4.1f}x")
    print("peak memory of clean() over reading the text (the rules apart), as a multiple of the text's UTF-8 size: "
          "the last column")


if __name__ == "__main__":
    main()
