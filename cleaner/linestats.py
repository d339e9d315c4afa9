"""Cheap figures about one line, and the prose score they add up to.

Each figure is plain (on a line over 120 characters, taken from its first 120, the word count
scaled to the whole line): ``words`` (whitespace-separated), ``title`` (the share of words that start
with a capital letter), ``symbols`` (the share of digits, punctuation and symbols among the
non-space characters), ``handles`` (an @name, a web or mail address), ``end`` (ends a sentence:
``. ! ? : ; …`` before any closing quote) and ``stopwords`` (the share of words on the language's
stoplist, from the ``stopwords`` package).

The **prose score** is a logistic model of them, its weights in ``data/prose_score.json``, fitted on
the development sets by ``benchmarks/fit_prose_score.py``::

    score = 1 / (1 + exp(-(bias + w1*ln(1 + words) + w2*title + w3*symbols + w4*handles + w5*end)))

A sentence of ten words scores about 0.8; a short title-case line with no end punctuation (a
headline, a menu item, a name) about 0.1. The stopword share adds nothing once the others are in
(measured: the fit gives it no weight), so it is a figure for rules, not part of the score.
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import regex

_CAPITAL = regex.compile(r"(?<![\p{L}\p{M}\p{N}'’])\p{Lu}")  # a capital that starts a word
_SYMBOL = regex.compile(r"[^\p{L}\p{M}\s]")
_WORD = regex.compile(r"[\p{L}\p{M}]+")
_HANDLE = regex.compile(r"(?:^|\s)@\w|https?://|www\.|\w@\w+\.\w|\.(?:com|org|net)\b", regex.I)
_ENDERS, _CLOSERS = frozenset(".!?:;…"), "\"'”’»)]"
_LETTERS_AND_SPACE = bytes(range(65, 91)) + bytes(range(97, 123)) + b" \t\n\r\v\f"

HEAD = 120  # characters of a long line that its figures are taken from
WEIGHTS = json.loads((Path(__file__).parent / "data" / "prose_score.json").read_text("utf-8"))
_W = tuple(WEIGHTS[k] for k in ("bias", "log_words", "title", "symbols", "handles", "end"))


def ends_sentence(text: str) -> bool:
    """Whether a line ends in . ! ? : ; or … (before closing quotes or brackets)."""
    t = text.rstrip().rstrip(_CLOSERS)
    return bool(t) and t[-1] in _ENDERS


@lru_cache(maxsize=None)
def stoplist(lang: str = "en") -> frozenset:
    """The language's stopwords (ISO 639-1 code), lower-case; empty for a language the package lacks."""
    import stopwords

    try:
        return frozenset(w.lower() for w in stopwords.get_stopwords(lang) if w)
    except stopwords.LanguageNotAvailable:
        return frozenset()


class LineStats:
    """The figures of one line and its prose score (see the module's docstring)."""

    __slots__ = ("words", "title", "symbols", "handles", "end", "score", "text")

    def __init__(self, words: int, title: float, symbols: float, handles: bool, end: bool, score: float, text: str):
        self.words, self.title, self.symbols, self.handles, self.end = words, title, symbols, handles, end
        self.score, self.text = score, text

    def stopwords(self, lang: str = "en") -> float:
        """The share of the line's words (runs of letters) on the language's stoplist."""
        found = _WORD.findall(self.text.lower())
        stop = stoplist(lang)
        return sum(w in stop for w in found) / len(found) if found else 0.0

    def parts(self) -> str:
        """The score and its parts, as the log's detail shows them."""
        return (f"prose {self.score:.2f} (words {self.words}, title {self.title:.2f}, symbols "
                f"{self.symbols:.2f}, handles {int(self.handles)}, end {int(self.end)})")


def _ascii_table(marks: dict) -> bytes:
    """A bytes.translate table: the bytes of each value to its key, all others to a space."""
    table = bytearray(b" " * 256)
    for mark, chars in marks.items():
        for c in chars:
            table[c] = mark
    return bytes(table)


# On an ASCII line (most lines) the counts come from bytes.translate, several times faster than a
# split and a pattern, and exactly what they count: words are runs of what str.split() does not
# split on; a word start is a capital after no letter, digit or apostrophe.
_WHITESPACE = bytes(range(9, 14)) + bytes(range(28, 33))
_TOKENS = _ascii_table({ord("x"): bytes(c for c in range(128) if c not in _WHITESPACE)})
_CASES = _ascii_table({ord("U"): bytes(range(65, 91)), ord("x"): bytes(range(97, 123)) + bytes(range(48, 58)) + b"'"})


def _counts(head: str) -> tuple[int, int, int]:
    """Words, word starts in capitals, and digits or symbols in ``head``."""
    if head.isascii():  # most lines
        raw = head.encode()
        tokens, cases = raw.translate(_TOKENS), raw.translate(_CASES)
        words = tokens.count(b" x") + (tokens[:1] == b"x")
        capitals = cases.count(b" U") + (cases[:1] == b"U")
        return words, capitals, len(raw.translate(None, _LETTERS_AND_SPACE))
    return len(head.split()), len(_CAPITAL.findall(head)), len(_SYMBOL.findall(head))


def line_stats(line: str) -> LineStats:
    # A long line is judged by its first HEAD characters (its word count scaled to its length):
    # past a few sentences a line reads as prose or not, and the figures cost its length.
    head = line if len(line) <= HEAD else line[:HEAD]
    n, capitals, symbols = _counts(head)
    title = min(capitals / (n or 1), 1.0)  # "U.S.-BASED" holds three word starts
    if head is not line:
        n = round(n * len(line) / HEAD)
    chars = len(head) - head.count(" ")
    symbols = symbols / chars if chars > 0 else 0.0
    # The pattern is slow on long lines; these substrings rule it out on almost every line.
    handles = ("@" in line or "://" in line or "www." in line or ".com" in line or ".org" in line
               or ".net" in line or "WWW." in line) and _HANDLE.search(line) is not None
    end = ends_sentence(line)
    b, w_words, w_title, w_symbols, w_handles, w_end = _W
    z = b + w_words * math.log1p(n) + w_title * title + w_symbols * symbols + w_handles * handles + w_end * end
    score = 1.0 / (1.0 + math.exp(-z)) if z > -30 else 0.0
    return LineStats(n, title, symbols, handles, end, score, line)
