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
MANY = 200  # lines counted together by line_stats_many: the copies of a long text stay small
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
    if not head.isascii():
        plain = _as_ascii(head)  # most such lines can be counted as if they were ASCII (see below)
        if plain is None:
            return len(head.split()), len(_CAPITAL.findall(head)), len(_SYMBOL.findall(head))
        head = plain
    raw = head.encode()
    tokens, cases = raw.translate(_TOKENS), raw.translate(_CASES)
    words = tokens.count(b" x") + (tokens[:1] == b"x")
    capitals = cases.count(b" U") + (cases[:1] == b"U")
    return words, capitals, len(raw.translate(None, _LETTERS_AND_SPACE))


def line_stats(line: str) -> LineStats:
    # A long line is judged by its first HEAD characters (its word count scaled to its length):
    # past a few sentences a line reads as prose or not, and the figures cost its length.
    head = line if len(line) <= HEAD else line[:HEAD]
    n, capitals, symbols = _counts(head)
    return _figures(line, head, n, capitals, symbols)


def line_stats_many(lines: list) -> list:
    """``[line_stats(line) for line in lines]``, faster for a page's worth of lines (the span's
    first look at a page): the counts come from one translate of many lines joined."""
    out = []
    for k in range(0, len(lines), MANY):
        part = lines[k:k + MANY]
        heads = [line if len(line) <= HEAD else line[:HEAD] for line in part]
        out += [_figures(line, head, n, capitals, symbols)
                for line, head, (n, capitals, symbols) in zip(part, heads, _counts_many(heads))]
    return out


def _figures(line: str, head: str, n: int, capitals: int, symbols: int) -> LineStats:
    """The figures and the score from the counts in ``head`` (one place, so both ways of counting
    give the same floats)."""
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


# The counts of many lines at once. Every count of _counts is a sum over characters (a symbol) or
# over pairs of neighbours (a word or a capital starts where the character before does not belong):
# so each character can stand in for any other that all three counts see alike, and the ASCII
# tables can count a line that holds other characters, once each of those is replaced by an ASCII
# character of its kind (an accented capital by "A", a dash or a quotation mark by "-", a curly
# apostrophe by "0": a symbol after which a capital starts no word).
def _kind(c: str) -> tuple:
    """How the counts of a non-ASCII line (str.split and the patterns) see one character: space,
    a capital, a character after which a capital starts no word, a digit or symbol."""
    return (c.isspace(), _CAPITAL.fullmatch(c) is not None, _CAPITAL.match(c + "A", 1) is None,
            _SYMBOL.fullmatch(c) is not None)


def _ascii_kind(c: str) -> tuple:
    """How the ASCII tables see one ASCII character (as ``_kind``)."""
    o = ord(c)
    return (_TOKENS[o] == 32, _CASES[o] == 85, _CASES[o] in (85, 120), bytes([o]) not in _LETTERS_AND_SPACE)


# The ASCII characters of a line that is not ASCII are counted as its other characters are: the
# tables must see each of them as the patterns do (true of every one; checked here, else no
# character stands in and every line is counted on its own).
_STANDINS = ({_ascii_kind(a): a for a in "Aa0- \x1c"}
             if all(_kind(chr(o)) == _ascii_kind(chr(o)) for o in range(128)) else {})
_NOT_ASCII = bytes(range(128))  # deleted: what is left of the UTF-8 is the other characters
# The tables with "\n" kept: it separates the lines joined.
_TOKENS_NL = _TOKENS[:10] + b"\n" + _TOKENS[11:]
_CASES_NL = _CASES[:10] + b"\n" + _CASES[11:]
_LETTERS_AND_SPACE_NL = _LETTERS_AND_SPACE.replace(b"\n", b"")


@lru_cache(maxsize=4096)
def _standin(c: str):
    """The ASCII character the counts see as they see ``c``, or None."""
    return _STANDINS.get(_kind(c))


def _as_ascii(text: str):
    """``text`` with each character that is not ASCII replaced by its stand-in; None if one has none."""
    try:
        others = text.encode().translate(None, _NOT_ASCII).decode()
    except UnicodeError:  # a lone surrogate
        return None
    for c in set(others):
        a = _standin(c)
        if a is None:
            return None
        text = text.replace(c, a)
    return text


def _counts_many(heads: list) -> list:
    """``[_counts(head) for head in heads]``: each head after a space (which counts its first word
    and capital as _counts does at a line's start), joined by "\n", translated once by each table."""
    text = " " + "\n ".join(heads)
    if text.count("\n") != len(heads) - 1:  # a line holding "\n" (an edit may leave one): not joined
        return [_counts(head) for head in heads]
    if not text.isascii():
        text = _as_ascii(text)
        if text is None:
            return [_counts(head) for head in heads]
    raw = text.encode()
    tokens = raw.translate(_TOKENS_NL).split(b"\n")
    cases = raw.translate(_CASES_NL).split(b"\n")
    symbols = raw.translate(None, _LETTERS_AND_SPACE_NL).split(b"\n")
    return [(t.count(b" x"), c.count(b" U"), len(y)) for t, c, y in zip(tokens, cases, symbols)]
