"""Repetition as a rule (issue #13): what the second pass adds, and what the first pass costs.

(a) Quality: residue-line recall with and without ``remove_repeated`` after the default rules, and
    the removal precision of the lines it adds - on ``../shared/bench/dev2.jsonl`` grouped by
    ``site`` (skipped when absent; AGPL, read for measurement only) and on
    ``benchmarks/data/dev.jsonl`` grouped by URL host. Counts come from the set itself.
(b) Cost: a generated JSONL corpus (``--mb``, ``--sites``) in a temporary folder; the counting pass's
    peak RSS (a child process each, ``--jobs``), and the time of count + clean + remove as a ratio
    of a plain clean of the same corpus in the same run (both through the library's JSONL paths).

    .venv/bin/python benchmarks/bench_repeated.py --mb 1000 --sites 10000
    .venv/bin/python benchmarks/bench_repeated.py --quality-only --k 2
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner import Cleaner  # noqa: E402
from cleaner.evaluate import BOILER, label_from_gold, removed_lines  # noqa: E402
from cleaner.repetition import (DEFAULT_SHARE, count_corpus, group_of, remove_repeated)  # noqa: E402

DEV = ROOT / "benchmarks" / "data" / "dev.jsonl"
DEV2 = ROOT.parent / "shared" / "bench" / "dev2.jsonl"


def quality(path: Path, group_field, k: int, share: float, cleaner, show: int = 0) -> dict:
    scratch = tempfile.mkdtemp(prefix="bench-repeated-")
    try:
        # The set as a corpus: counted over its raw text, grouped as asked.
        corpus = os.path.join(scratch, "corpus.jsonl")
        with open(path, "rb") as f, open(corpus, "wb") as out:
            for line in f:
                r = json.loads(line)
                out.write(json.dumps({"text": r["noisy"], "url": r.get("url"), "site": r.get("site")}).encode() + b"\n")
        repeated = count_corpus(corpus, "text", group_field, jobs=1, scratch=os.path.join(scratch, "s"))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    boiler = base_hit = added_boiler = added_body = 0
    false = []
    with open(path, "rb") as f:
        for line in f:
            r = json.loads(line)
            noisy = r["noisy"]
            labels = r.get("labels") or label_from_gold(noisy, r["gold"])
            res = cleaner.clean(noisy)
            group = group_of({"url": r.get("url"), "site": r.get("site")}, group_field)
            two = remove_repeated(noisy, res, group, repeated, k=k, share=share, clean=cleaner.clean)
            before, after = removed_lines(noisy, res.removals), removed_lines(noisy, two.removals)
            lines = noisy.split("\n")
            for i, lab in enumerate(labels):
                if lab is None or not lines[i].strip():
                    continue
                boiler += lab == BOILER
                base_hit += lab == BOILER and i in before
                if i in after and i not in before:
                    if lab == BOILER:
                        added_boiler += 1
                    else:
                        added_body += 1
                        false.append((group, lines[i]))
    added = added_boiler + added_body
    out = {"boilerplate_lines": boiler, "recall_without": base_hit / boiler,
           "recall_with": (base_hit + added_boiler) / boiler, "recall_gain": added_boiler / boiler,
           "added_lines": added, "added_body_lines": added_body,
           "added_precision": added_boiler / added if added else None}
    if show:
        out["false_positives"] = false[:show]
    return out


# --- cost -------------------------------------------------------------------------------------

WORDS = ("the of and to in a is that for it as was with be by on not he this are or from at which but have "
         "an they you were her she there been one all we their has would when if so no will more can who out "
         "up said about into than them some could what its only other new time people year years first").split()


def sentence(rng) -> str:
    w = [rng.choice(WORDS) for _ in range(rng.randint(8, 30))]
    return " ".join(w).capitalize() + "."


def generate(path: str, mb: float, sites: int, seed: int = 1) -> int:
    """A JSONL corpus of about ``mb`` MB over ``sites`` sites: each page is unrepeated prose with a
    site's own header and footer lines (and some shared widely) around it."""
    rng = random.Random(seed)
    furniture = {}
    target = int(mb * 1e6)
    n = size = 0
    with open(path, "w", encoding="utf-8") as out:
        while size < target:
            s = rng.randrange(sites)
            if s not in furniture:
                r = random.Random(s)
                furniture[s] = ([f"Menu {r.randrange(10**6)} Home News Sport", f"Sign up for the site{s} newsletter"],
                                [f"Share this: site{s}", "Follow us on Twitter", f"© {2000 + s % 20} Site {s} Media"])
                if len(furniture) > 2000:
                    furniture.pop(next(iter(furniture)))
            head, foot = furniture[s]
            body = [sentence(rng) + " " + sentence(rng) for _ in range(rng.randint(4, 14))]
            text = "\n\n".join(head + [f"{rng.randint(1, 99)} comments"] + body + foot)
            line = json.dumps({"id": f"p{n}", "url": f"https://www.site{s}.example/{n}", "text": text}) + "\n"
            out.write(line)
            size += len(line)
            n += 1
    return n


CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
from cleaner.repetition import count_corpus
t = time.perf_counter()
rep = count_corpus({path!r}, "text", None, jobs={jobs}, scratch={scratch!r})
took = time.perf_counter() - t
rep.save({out!r})
print(json.dumps({{"seconds": took, "kept": len(rep),
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "children_peak_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}}))
"""


def count_in_child(path, jobs, scratch, out) -> dict:
    code = CHILD.format(root=str(ROOT), path=path, jobs=jobs, scratch=scratch, out=out)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def clean_corpus(path, out_path, jobs, repeated=None, k=3, share=DEFAULT_SHARE) -> float:
    """A plain clean of the corpus through the library (records read, cleaned, written), with
    ``remove_repeated`` after the rules when counts are given. Returns seconds."""
    from cleaner.jsonl import Options, read_record
    from cleaner.parallel import map_in_order

    cleaner = Cleaner()
    opts = Options()

    def task(lines, clean):
        out = []
        for line in lines:
            record, text, _ = read_record(line, opts)
            res = clean(text)
            if repeated is not None:
                res = remove_repeated(text, res, group_of(record, None), repeated, k=k, share=share, clean=clean)
            record["text"] = res.text
            out.append(json.dumps(record))
        return "\n".join(out)

    global _TASK
    _TASK = task
    t = time.perf_counter()
    with open(path, "rb") as f, open(out_path, "w", encoding="utf-8") as out:
        batch = []
        def batches():
            nonlocal batch
            for line in f:
                batch.append(line)
                if len(batch) >= 500:
                    yield batch
                    batch = []
            if batch:
                yield batch
        for chunk in map_in_order(_run, batches(), cleaner, jobs):
            out.write(chunk + "\n")
    return time.perf_counter() - t


_TASK = None


def _run(lines, clean):
    return _TASK(lines, clean)  # forked workers inherit _TASK


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=50.0, help="size of the generated corpus (default 50)")
    ap.add_argument("--sites", type=int, default=10000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--k", type=int, default=2, help="K for the quality figures (the issue's runs use 2)")
    ap.add_argument("--share", type=float, default=DEFAULT_SHARE)
    ap.add_argument("--quality-only", action="store_true")
    ap.add_argument("--cost-only", action="store_true")
    ap.add_argument("--no-time", action="store_true", help="measure the counting pass's memory only")
    ap.add_argument("--show", type=int, default=0, help="print this many added body lines (false positives)")
    ap.add_argument("--tmp", default=None, help="folder for the generated corpus (default: a temporary one)")
    args = ap.parse_args()
    cleaner = Cleaner()
    if not args.cost_only:
        sets = [("dev.jsonl by URL host", DEV, None)]
        if DEV2.exists():
            sets.insert(0, ("dev2.jsonl by site", DEV2, "site"))
        else:
            print("dev2.jsonl: not found under ../shared/bench/, skipped")
        for name, path, field in sets:
            q = quality(path, field, args.k, args.share, cleaner, args.show)
            prec = "n/a" if q["added_precision"] is None else f"{q['added_precision']:.3f}"
            print(f"{name} (K={args.k}, share={args.share}): residue-line recall {q['recall_without']:.3f} -> "
                  f"{q['recall_with']:.3f} (+{q['recall_gain']:.3f}); added lines {q['added_lines']}, "
                  f"of them body {q['added_body_lines']}: precision {prec}")
            for group, text in q.get("false_positives", []):
                print(f"    body line removed ({group}): {text[:100]!r}")
    if args.quality_only:
        return
    tmp = tempfile.mkdtemp(prefix="bench-repeated-", dir=args.tmp)
    try:
        corpus = os.path.join(tmp, "corpus.jsonl")
        t = time.perf_counter()
        pages = generate(corpus, args.mb, args.sites)
        size = os.path.getsize(corpus) / 1e6
        print(f"generated {size:.0f} MB, {pages:,} pages, {args.sites:,} sites in {time.perf_counter() - t:.0f} s")
        counts = os.path.join(tmp, "counts.bin")
        for jobs in sorted({1, args.jobs}):
            c = count_in_child(corpus, jobs, os.path.join(tmp, "scratch"), counts)
            workers = f", workers' peak {c['children_peak_rss_mib']:.0f} MiB" if jobs > 1 else ""
            print(f"counting pass --jobs {jobs}: {c['seconds']:.1f} s ({size / c['seconds']:.1f} MB/s), "
                  f"peak RSS {c['peak_rss_mib']:.0f} MiB{workers}; {c['kept']:,} repeated (site, line) pairs kept")
        if args.no_time:
            return
        from cleaner.repetition import RepeatedLines

        repeated = RepeatedLines.load(counts)
        out = os.path.join(tmp, "out.jsonl")
        plain = clean_corpus(corpus, out, args.jobs)
        t = time.perf_counter()
        count_corpus(corpus, "text", None, jobs=args.jobs, scratch=os.path.join(tmp, "scratch"))
        counting = time.perf_counter() - t
        second = clean_corpus(corpus, out, args.jobs, repeated, k=3)
        print(f"plain clean --jobs {args.jobs}: {plain:.1f} s; count {counting:.1f} s + clean with repetition "
              f"{second:.1f} s = {counting + second:.1f} s")
        print(f"two-pass / one-pass time: {(counting + second) / plain:.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
