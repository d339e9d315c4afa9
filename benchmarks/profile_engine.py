"""Where a page's cleaning time goes, and the floor under it.

    .venv/bin/python benchmarks/profile_engine.py [--docs 2000] [--mb 20]

Times, per document, on the first documents of the corpus benchmark's corpus (real pages from the
development set and the fixtures; built by bench_corpus.py if missing):

- the whole of ``clean()``, and its steps: splitting the text into lines, finding each rule's
  candidate lines (the gate), and building the removal log;
- the floor: the very pattern calls ``clean()`` made, replayed in a bare loop, and a JSON round trip
  of the record (orjson, as the CLI does; stdlib json, as the identity pass does).

What is left of ``clean()`` once the steps are taken out is Python work around the pattern calls:
conditions, neighbour chains, rounds. Each figure is the best of five runs in this one process.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_corpus import build_corpus  # noqa: E402
from cleaner import Cleaner  # noqa: E402
from cleaner import engine as engine_module  # noqa: E402
from cleaner.document import Document  # noqa: E402
from cleaner.log import build_log  # noqa: E402


class _Recorder:
    """Stands in for a compiled pattern and notes each call (method, text)."""

    def __init__(self, pattern, calls: list):
        self._p, self._calls = pattern, calls
        self.pattern, self.flags = pattern.pattern, pattern.flags

    def __getattr__(self, name):
        method = getattr(self._p, name)

        def call(text, *args, **kwargs):
            self._calls.append((method, text))
            return method(text, *args, **kwargs)
        return call


def best(work, n: int, runs: int = 5) -> float:
    """Microseconds per document, best of ``runs``."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        work()
        times.append(time.perf_counter() - t)
    return min(times) / n * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--mb", type=float, default=20, help="size of the corpus the documents come from")
    args = ap.parse_args()
    with build_corpus(args.mb).open("rb") as f:
        lines = [line for _, line in zip(range(args.docs), f)]
    texts = [orjson.loads(line)["text"] for line in lines]
    n = len(texts)
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    cleaner = Cleaner()
    engine = cleaner._engine_for(None)

    docs: list[Document] = []
    original = engine_module.build_log

    def keep(doc):
        docs.append(doc)
        return original(doc)
    engine_module.build_log = keep
    try:
        for t in texts:
            engine.clean(t)
    finally:
        engine_module.build_log = original

    rows = [
        ("clean(), all of it", best(lambda: [engine.clean(t) for t in texts], n)),
        ("  split into lines (Document)", best(lambda: [Document(t) for t in texts], n)),
        ("  gate: candidate lines", best(lambda: [engine._gate.candidates(Document(t)) for t in texts], n)
         - best(lambda: [Document(t) for t in texts], n)),
        ("  removal log", best(lambda: [build_log(d) for d in docs], n)),
    ]
    rows.append(("  the rest: rules applied", rows[0][1] - rows[1][1] - rows[2][1] - rows[3][1]))

    calls: list = []
    recorded = Cleaner()
    for rule in recorded.rules:
        object.__setattr__(rule, "pattern", _Recorder(rule.pattern, calls))
    replay_engine = engine_module.Engine(recorded.rules)
    for t in texts:
        replay_engine.clean(t)
    rows += [
        (f"floor: its {len(calls) / n:.0f} pattern calls a document, replayed", best(lambda: [m(t) for m, t in calls], n)),
        ("floor: orjson loads + dumps", best(lambda: [orjson.dumps(orjson.loads(x)) for x in lines], n)),
        ("floor: stdlib json loads + dumps", best(lambda: [json.dumps(json.loads(x), ensure_ascii=False) for x in lines], n)),
    ]
    print(f"{n} documents, {mb:.1f} MB ({mb / n * 1e3:.1f} KB a document)")
    print(f"{'step':52} {'us/doc':>8} {'share':>6}")
    for name, us in rows:
        share = f"{us / rows[0][1]:6.0%}" if not name.startswith("floor") else ""
        print(f"{name:52} {us:8.0f} {share}")


if __name__ == "__main__":
    main()
