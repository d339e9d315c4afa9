"""Idempotence fuzzer: cleaning the output of clean() again must change nothing.

Each case is built from (seed, index) alone, so any failure can be replayed:

    .venv/bin/python benchmarks/fuzz_idempotence.py --cases 1000000            # the long run
    .venv/bin/python benchmarks/fuzz_idempotence.py --seconds 60                 # as many as fit
    .venv/bin/python benchmarks/fuzz_idempotence.py --replay 1:12345             # one case, shown

Cases, in turn: random Unicode with every line-break-like character ("\\n", "\\r\\n", a lone "\\r",
"\\v", "\\f", "\\x1c"-"\\x1e", "\\x85", "\\u2028", "\\u2029"), non-breaking and invisible spaces,
mojibake pieces and residue words; real lines of the development sets (benchmarks/data/dev.jsonl,
and ../shared/bench/dev2.jsonl where present - read, never copied) shuffled; and real lines
mutated (characters of those kinds put in, spaces made non-breaking, lines repeated nearby, ends
padded). Each case also checks that the log is an exact patch of the input. Prints the count, the
failures (each with its --replay argument and the input's repr) and the time.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BREAKS = ["\n", "\n", "\n", "\r\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
SPACES = [" ", "\t", "\u00a0", "\u202f", "\u2007", "\u200b", "\u2060", "\ufeff", "\u00ad", "\u3000", "\u200d"]
PIECES = ["Â", "â€™", "Ã©", "â€œ", "â€\x9d", "™", "Ã", "€", "•", "+", "|", "X", "7", "1 / 23", "Credit: AP",
          "Photo: Getty Images", "Advertisement", "Comments", "Click here", "newsletter", "By Jane Doe",
          "read more on war", "Most Popular", "Tags", "© 2019", "Image 3 of 12", "Share", "x", "widgetbar"]
WORDS = ["the", "minister", "said", "talks", "would", "resume", "in", "Cairo", "café", "Zürich", "“quoted”", "it's", "—"]


def _dev_lines() -> list[str]:
    lines: set[str] = set()
    for path in (ROOT / "benchmarks" / "data" / "dev.jsonl", ROOT.parent / "shared" / "bench" / "dev2.jsonl"):
        if path.exists():
            with path.open(encoding="utf-8") as f:
                for record in f:
                    lines.update(line for line in json.loads(record)["noisy"].split("\n") if line.strip())
    return sorted(lines)


_LINES: list[str] = []


def random_unicode(rng: random.Random) -> str:
    out = []
    for _ in range(rng.randint(1, 40)):
        r = rng.random()
        if r < 0.25:
            out.append(rng.choice(BREAKS))
        elif r < 0.45:
            out.append(rng.choice(SPACES))
        elif r < 0.65:
            out.append(rng.choice(PIECES))
        elif r < 0.8:
            out.append(rng.choice(WORDS))
        elif r < 0.9:
            out.append(chr(rng.randint(0x20, 0x2FF)))
        else:
            c = rng.randint(0, 0x10FFFF)
            out.append(chr(c) if not 0xD800 <= c <= 0xDFFF else "?")
    return "".join(out)


def mutate(rng: random.Random, line: str) -> str:
    for _ in range(rng.randint(1, 3)):
        r = rng.random()
        k = rng.randint(0, len(line))
        if r < 0.3:
            line = line[:k] + rng.choice(SPACES + BREAKS[3:]) + line[k:]
        elif r < 0.45:
            line = line.replace(" ", "\u00a0", rng.randint(1, 3))
        elif r < 0.6:
            line = line + rng.choice([" ", "\t", "\r", "\r ", "\u00a0", "\u200b", "\r\u200b", "\r\t"])
        elif r < 0.7:
            line = rng.choice(SPACES) + line
        elif r < 0.8:
            line = line[:k] + rng.choice(PIECES) + line[k:]
        elif r < 0.9:
            line = line.encode("utf-8").decode("cp1252", errors="replace") if rng.random() < 0.5 else line.upper()
        else:
            line = line[:k]
    return line


def real_lines(rng: random.Random, mutated: bool) -> str:
    n = rng.randint(1, 30)
    lines = [rng.choice(_LINES) for _ in range(n)]
    for _ in range(rng.randint(0, 4)):  # repeats nearby: what repeated-caption rules look at
        k = rng.randrange(len(lines))
        lines.insert(min(len(lines), k + rng.randint(1, 14)), lines[k])
    if mutated:
        lines = [mutate(rng, line) if rng.random() < 0.3 else line for line in lines]
    seps = ["\n", "\n\n", "\n", "\r\n"]
    sep = rng.choice(seps)
    text = "".join(line + (sep if rng.random() < 0.8 else rng.choice(seps)) for line in lines)
    return text if rng.random() < 0.7 else text.rstrip("\r\n") + rng.choice(["", "\t", " ", "\n\t"])


def make_case(seed: int, index: int) -> str:
    rng = random.Random(f"{seed}:{index}")
    kind = index % 3
    if kind == 0:
        return random_unicode(rng)
    return real_lines(rng, mutated=kind == 2)


def check(text: str) -> str | None:
    """What is wrong with cleaning ``text``, or None."""
    from cleaner import apply_removals, clean

    once = clean(text)
    if apply_removals(text, once.removals) != once.text:
        return "the log is not an exact patch of the input"
    again = clean(once.text)
    if again.removals:
        r = again.removals[0]
        return f"cleaning twice changes more: {r.rule} on line {r.line}: {r.text!r} -> {r.replacement!r}"
    return None


def _init(lines):
    global _LINES
    _LINES = lines


def _run_block(args):
    seed, start, stop, until = args
    failures, done = [], 0
    for index in range(start, stop):
        if until and time.time() > until:
            break
        text = make_case(seed, index)
        try:
            problem = check(text)
        except Exception as e:  # a crash is a failure too
            problem = f"{type(e).__name__}: {e}"
        if problem:
            failures.append((index, problem, text))
        done += 1
    return done, failures


def run(seed: int, cases: int, seconds: float | None, jobs: int, block: int = 2000) -> tuple[int, list]:
    lines = _dev_lines()
    until = time.time() + seconds if seconds else 0.0
    blocks = [(seed, s, min(cases, s + block), until) for s in range(0, cases, block)]
    total, failures = 0, []
    with Pool(jobs, initializer=_init, initargs=(lines,)) as pool:
        for done, found in pool.imap(_run_block, blocks):
            total += done
            failures.extend(found)
    return total, failures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--seconds", type=float, default=None, help="stop after this long (whatever the count)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--replay", metavar="SEED:INDEX", help="build one case, show it and check it")
    args = ap.parse_args()
    if args.replay:
        seed, index = map(int, args.replay.split(":"))
        _init(_dev_lines())
        text = make_case(seed, index)
        print(repr(text))
        problem = check(text)
        print(problem or "ok: cleaning twice changes nothing more")
        return 1 if problem else 0
    t = time.perf_counter()
    total, failures = run(args.seed, args.cases, args.seconds, args.jobs)
    took = time.perf_counter() - t
    print(f"cases: {total:,} (seed {args.seed}), failures: {len(failures)}, {took:.0f}s, {total / took:,.0f} cases/s")
    for index, problem, text in failures[:50]:
        shown = repr(text) if len(text) < 300 else repr(text[:300]) + "..."
        print(f"  --replay {args.seed}:{index}: {problem}\n      {shown}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
