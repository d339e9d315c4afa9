"""clean() microseconds a page on the development pages, this tree against an older commit, in one
run: the old commit is checked out in a git worktree (benchmarks/out/worktree-REV, not committed)
and each version is timed in its own process (CPU time, so that other work on the machine counts
less), in turns, best of several rounds.

    python benchmarks/bench_versions.py --old 9c1db51 [--data FILE] [--rounds 5]

Each version cleans with its own default packs; a third row runs this tree's engine on the old
commit's packs (this schema reads the old one), so that the engine and the packs are told apart.
It also says whether that row's outputs and logs are byte for byte the old engine's.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"

CHILD = r"""
import hashlib, json, sys, time
sys.path.insert(0, sys.argv[1])
from cleaner import Cleaner
texts = [json.loads(line)["noisy"] for line in open(sys.argv[2], encoding="utf-8")]
c = Cleaner(rules=[sys.argv[3]] if sys.argv[3] else None, check=False)
digest = hashlib.sha256()
for t in texts:
    r = c.clean(t)
    digest.update(json.dumps([r.text, [x.to_dict() for x in r.removals]]).encode("utf-8", "surrogatepass"))
start = time.process_time()
for t in texts:
    c.clean(t)
print((time.process_time() - start) / len(texts) * 1e6, digest.hexdigest())
"""


def worktree(rev: str) -> Path:
    path = OUT / f"worktree-{rev}"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), rev],
                       check=True, capture_output=True)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", required=True, help="the commit to compare with")
    ap.add_argument("--data", default=str(ROOT / "benchmarks" / "data" / "dev.jsonl"))
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    old = worktree(args.old)
    versions = {f"old ({args.old})": (old, ""), "new engine, old packs": (ROOT, str(old / "rules")),
                "new (this tree)": (ROOT, "")}
    best = {name: float("inf") for name in versions}
    digests = {}
    for _ in range(args.rounds):
        for name, (where, packs) in versions.items():
            out = subprocess.run([sys.executable, "-c", CHILD, str(where), args.data, packs],
                                 check=True, capture_output=True, text=True)
            us, digests[name] = out.stdout.split()
            best[name] = min(best[name], float(us))
    o, engine, n = best.values()
    for name, us in best.items():
        print(f"{name:24} {us:8.0f} us a page")
    old_digest, engine_digest, _ = digests.values()
    same = "byte-identical" if old_digest == engine_digest else "DIFFERENT"
    print(f"new engine / old engine, same packs: {engine / o:.2f}x the time; outputs and logs {same}")
    print(f"new / old: {n / o:.2f}x the time ({Path(args.data).name}, best of {args.rounds} rounds each)")


if __name__ == "__main__":
    main()
