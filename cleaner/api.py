"""The library's front door: ``clean(text)`` and ``Cleaner``."""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterable, Optional, Sequence, Union

from .engine import Engine
from .language import detect
from .examples import check_examples_once
from .model import CleanResult, CleanerError, Rule
from .rules import default_rules_dir, load_packs

PathLike = Union[str, os.PathLike]


def load_rules(
    rules: Optional[Iterable[PathLike]] = None,
    extra: Iterable[PathLike] = (),
    disable: Iterable[str] = (),
    check: bool = True,
) -> list[Rule]:
    """The rules in the order they apply: packs in the order of their file names' number prefix
    (the defaults are ``10-`` to ``90-``, so ``35-mine.yaml`` runs between ``30-credits`` and
    ``40-related``), packs without one after all numbered packs, in the order given; rules as
    written in each pack. On a tie the earlier source goes first (the defaults before ``extra``).

    ``rules``: pack files or folders, None for the default packs; ``extra``: packs added to them.
    ``disable`` takes rule ids or categories; an unknown name is an error (a typo should not
    silently disable nothing). ``check`` runs every rule's examples.
    """
    sources = [default_rules_dir()] if rules is None else list(rules)
    packs = sorted(load_packs(sources + list(extra)), key=pack_order)  # stable: ties keep their order
    out = [r for pack in packs for r in pack.rules]
    disable = list(disable)
    known = {r.id for r in out} | {r.category for r in out}
    unknown = [d for d in disable if d not in known]
    if unknown:
        raise CleanerError(f"--disable {unknown[0]!r}: no rule or category of that name")
    out = [r for r in out if r.id not in disable and r.category not in disable]
    if check:
        problems = check_examples_once(out)
        if problems:
            raise CleanerError(problems[0] if len(problems) == 1
                               else f"{len(problems)} rule examples fail:\n" + "\n".join(problems), problems)
    return out


_PREFIX = re.compile(r"(\d+)[-_ .]")


def pack_order(pack) -> tuple:
    """Where a pack runs: by the number its file name starts with; unnumbered packs last."""
    m = _PREFIX.match(os.path.basename(str(pack.path)))
    return (0, int(m.group(1))) if m else (1, 0)


@dataclass(frozen=True)
class CleanerConfig:
    """What a Cleaner is built from: enough to build an equal one elsewhere (a worker process)."""

    rules: Optional[tuple[str, ...]] = None
    extra: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    timeout: float = 2.0
    lang: str = "auto"


#: ``lang`` values that are not a language: detect it, or run the core packs only.
AUTO, NO_LANGUAGE = "auto", "none"


class Cleaner:
    """Rules loaded and compiled once, then ``clean(text)`` as often as needed.

    ``rules``: pack files or folders to use instead of the default packs (None: the defaults).
    ``extra``: packs added to them, placed by their number prefix (see ``load_rules``).
    ``disable``: rule ids or categories to turn off; an unknown name is a ``CleanerError``.
    ``timeout``: seconds one pattern may run on one line before the text fails with a
    ``CleanerError`` naming the rule and the line.
    ``check``: run every rule's examples while loading (a pack whose examples fail is refused).
    ``lang``: the language of the texts, an ISO 639-1 code; ``"auto"`` (the default) tells it for
    each text from its stopwords (language.py), ``"none"`` runs the core packs only. A text gets
    the core packs (those that declare no languages) and the packs of its language, if any.

    Loading is the slow part (tens of milliseconds): make one Cleaner and reuse it. ``clean`` may be
    called from many threads at once.
    """

    def __init__(
        self,
        rules: Optional[Iterable[PathLike]] = None,
        extra: Iterable[PathLike] = (),
        disable: Iterable[str] = (),
        timeout: float = 2.0,
        check: bool = True,
        lang: str = AUTO,
    ):
        self.config = CleanerConfig(None if rules is None else tuple(str(p) for p in rules),
                                    tuple(str(p) for p in extra), tuple(disable), timeout, _language_option(lang))
        self.rules: Sequence[Rule] = tuple(load_rules(rules, extra, disable, check=check))
        #: The languages that have packs among the rules.
        self.languages: tuple[str, ...] = tuple(sorted({code for r in self.rules for code in r.languages}))
        self._engines: dict[Optional[str], Engine] = {None: Engine([r for r in self.rules if not r.languages], timeout=timeout)}

    @classmethod
    def from_config(cls, config: CleanerConfig, check: bool = True) -> "Cleaner":
        return cls(config.rules, config.extra, config.disable, config.timeout, check=check, lang=config.lang)

    def language_of(self, text: str, lang: Optional[str] = None) -> Optional[str]:
        """The language whose packs clean ``text``: ``lang`` (or the Cleaner's own ``lang``) if it
        names one that has packs, the detected one for ``"auto"``; None for the core packs only."""
        told = _language_option(lang) if lang is not None else self.config.lang
        found = self._told_or_seen(text, told)
        return found if found in self.languages else None

    def _told_or_seen(self, text: str, told: str) -> Optional[str]:
        """The language given, or for "auto" the one detected among those with packs and English."""
        if told == AUTO:
            return detect(text, (*self.languages, "en")) if self.languages else None
        return None if told == NO_LANGUAGE else told

    def _engine_for(self, language: Optional[str]) -> Engine:
        engine = self._engines.get(language)
        if engine is None:  # built on first use: most corpora need one or two
            engine = self._engines[language] = Engine(
                [r for r in self.rules if not r.languages or language in r.languages], timeout=self.config.timeout,
                language=language)
        return engine

    @property
    def fingerprint(self) -> str:
        """A short hash of the rules as loaded: two runs with the same fingerprint clean alike."""
        h = hashlib.sha256()
        for r in self.rules:
            h.update(repr(r.signature()).encode("utf-8"))
        h.update(self.config.lang.encode("utf-8"))
        return h.hexdigest()[:16]

    def clean(self, text: str, lang: Optional[str] = None) -> CleanResult:
        """Clean one text: the clean text and the log of every change (``CleanResult``).

        ``text`` must be ``str``; decode bytes first (``data.decode("utf-8")``): guessing an encoding
        would change characters no log records. Raises ``TypeError`` for anything else, and
        ``CleanerError`` when a pattern runs away. ``lang`` overrides the Cleaner's ``lang`` for
        this text (a JSONL record's own language field, say). ``result.language`` says which
        language's packs ran, None for the core packs only.
        """
        if not isinstance(text, str):
            hint = "; decode it first, e.g. data.decode('utf-8')" if isinstance(text, (bytes, bytearray)) else ""
            raise TypeError(f"clean() takes str, not {type(text).__name__}{hint}")
        told = _language_option(lang) if lang is not None else self.config.lang
        seen = self._told_or_seen(text, told)
        language = seen if seen in self.languages else None
        result = self._engine_for(language).clean(text)
        if told == AUTO and seen is None and result.removals and self.languages:
            # A text whose opening is all menus may show its language only once the core packs have
            # taken them: that is the language a second pass would see in the output, so the text
            # is cleaned with it now (cleaning twice changes nothing more).
            language = self.language_of(result.text, AUTO)
            if language is not None:
                result = self._engine_for(language).clean(text)
        return replace(result, language=language) if language else result

    __call__ = clean


def _language_option(lang: str) -> str:
    """``lang`` checked: an ISO 639-1 code, ``"auto"`` or ``"none"``."""
    lang = str(lang).strip().lower()
    if lang not in (AUTO, NO_LANGUAGE) and not re.fullmatch(r"[a-z]{2}", lang):
        raise CleanerError(f"language {lang!r}: give an ISO 639-1 code such as de, 'auto' or 'none'")
    return lang


@lru_cache(maxsize=1)
def _default() -> Cleaner:
    return Cleaner()


def clean(text: str) -> CleanResult:
    """Clean one text with the default packs (compiled once, on first use); see ``Cleaner.clean``."""
    return _default().clean(text)
