"""Fit the prose score's weights (cleaner/data/prose_score.json) on the development sets.

A logistic regression of body (1) against residue (0) lines, over the labelled non-blank lines of
``dev.jsonl`` and ``../shared/bench/dev2.jsonl``, by Newton's method (IRLS) in plain Python: five
features and a bias need nothing more. Prints the weights and each set's AUC; ``--write`` saves
them. The features are those of ``cleaner.linestats.line_stats``, so what is fitted is what runs.
``--lang de`` also scores the lines of that language in ``../shared/bench/multi-dev.jsonl`` (a line
holding a snippet to keep against one holding residue): the fitted weights, and weights fitted on
those lines themselves.

    python benchmarks/fit_prose_score.py [--write] [--lang de]
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner.linestats import line_stats  # noqa: E402

SETS = {"dev": ROOT / "benchmarks" / "data" / "dev.jsonl", "dev2": ROOT.parent / "shared" / "bench" / "dev2.jsonl"}
MULTI = ROOT.parent / "shared" / "bench" / "multi-dev.jsonl"
FEATURES = ("log_words", "title", "symbols", "handles", "end")
WEIGHTS = ROOT / "cleaner" / "data" / "prose_score.json"


def features(line: str) -> tuple[float, ...]:
    s = line_stats(line)
    return (1.0, math.log1p(s.words), s.title, s.symbols, float(s.handles), float(s.end))


def labelled_lines(path: Path):
    with open(path, encoding="utf-8") as f:
        for row in map(json.loads, f):
            for line, label in zip(row["noisy"].split("\n"), row["labels"]):
                if label:
                    yield line, label == "body"


def snippet_lines(path: Path, lang: str):
    """(line, is body) for the lines of ``lang`` pages that hold a snippet to keep or one to drop."""
    import regex

    def key(text):
        return " ".join(regex.findall(r"\w+", text))

    with open(path, encoding="utf-8") as f:
        for row in map(json.loads, f):
            if row["lang"] != lang:
                continue
            keep, drop = [key(s) for s in row["with"] if key(s)], [key(s) for s in row["without"] if key(s)]
            for line in row["noisy"].split("\n"):
                k = key(line)
                if k and any(s in k for s in keep):
                    yield line, True
                elif k and any(s in k for s in drop):
                    yield line, False


def fit(X, y, iters: int = 12, l2: float = 1e-3) -> list[float]:
    d = len(X[0])
    w = [0.0] * d
    for _ in range(iters):
        g = [0.0] * d
        H = [[0.0] * d for _ in range(d)]
        for x, t in zip(X, y):
            z = sum(a * b for a, b in zip(w, x))
            p = 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
            e, s = p - t, p * (1 - p)
            for a in range(d):
                g[a] += e * x[a]
                for b in range(a, d):
                    H[a][b] += s * x[a] * x[b]
        for a in range(d):
            g[a] += l2 * w[a] * len(X)
            H[a][a] += l2 * len(X)
            for b in range(a):
                H[a][b] = H[b][a]
        w = [a - b for a, b in zip(w, _solve(H, g))]
    return w


def _solve(A, b):
    n = len(b)
    M = [row[:] + [b[i]] for i, row in enumerate(A)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(M[r][c]))
        M[c], M[p] = M[p], M[c]
        for r in range(n):
            if r != c:
                f = M[r][c] / M[c][c]
                M[r] = [x - f * y for x, y in zip(M[r], M[c])]
    return [M[i][n] / M[i][i] for i in range(n)]


def auc(scores, labels) -> float:
    """The chance that a body line scores above a residue line (ties count half)."""
    order = sorted(zip(scores, labels))
    ranks, i = {}, 0
    while i < len(order):
        j = i
        while j < len(order) and order[j][0] == order[i][0]:
            j += 1
        for k in range(i, j):
            ranks[k] = (i + j + 1) / 2
        i = j
    pos = sum(1 for _, l in order if l)
    neg = len(order) - pos
    return (sum(ranks[k] for k, (_, l) in enumerate(order) if l) - pos * (pos + 1) / 2) / (pos * neg)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help=f"save the weights to {WEIGHTS.relative_to(ROOT)}")
    ap.add_argument("--lang", help="also score the lines of this language in multi-dev.jsonl")
    args = ap.parse_args()
    data = {name: list(labelled_lines(p)) for name, p in SETS.items() if p.exists()}
    X = [features(line) for lines in data.values() for line, _ in lines]
    y = [1.0 if body else 0.0 for lines in data.values() for _, body in lines]
    w = fit(X, y)
    weights = {"bias": w[0], **dict(zip(FEATURES, w[1:]))}
    print(json.dumps(weights, indent=2))
    for name, lines in data.items():
        scores = [sum(a * b for a, b in zip(w, features(line))) for line, _ in lines]
        print(f"{name}: {len(lines)} lines, AUC {auc(scores, [b for _, b in lines]):.3f}")
    if args.lang and MULTI.exists():
        lines = list(snippet_lines(MULTI, args.lang))
        Xl, body = [features(line) for line, _ in lines], [b for _, b in lines]
        own = fit(Xl, [1.0 if b else 0.0 for b in body])
        score = lambda ws: auc([sum(a * b for a, b in zip(ws, x)) for x in Xl], body)
        print(f"multi-dev {args.lang}: {len(lines)} lines, AUC {score(w):.3f} with these weights, "
              f"{score(own):.3f} with weights fitted on them")
    if args.write:
        about = json.loads(WEIGHTS.read_text("utf-8"))["about"]
        WEIGHTS.write_text(json.dumps({"about": about, **weights}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
