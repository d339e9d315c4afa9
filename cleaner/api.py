"""The library's front door: ``clean(text)`` and ``Cleaner``."""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from typing import Iterable, Optional, Sequence, Union

from .engine import Engine
from .examples import check_examples
from .model import CleanResult, CleanerError, Rule
from .rules import default_rules_dir, load_packs

PathLike = Union[str, os.PathLike]


def load_rules(
    rules: Optional[Iterable[PathLike]] = None,
    extra: Iterable[PathLike] = (),
    disable: Iterable[str] = (),
    check: bool = True,
) -> list[Rule]:
    """The rules in the order they apply: packs in the order given, rules as written in each.

    ``rules``: pack files or folders, None for the default packs; ``extra`` packs come after them.
    ``disable`` takes rule ids or categories; an unknown name is an error (a typo should not
    silently disable nothing). ``check`` runs every rule's examples.
    """
    sources = [default_rules_dir()] if rules is None else list(rules)
    out = [r for pack in load_packs(sources + list(extra)) for r in pack.rules]
    disable = list(disable)
    known = {r.id for r in out} | {r.category for r in out}
    unknown = [d for d in disable if d not in known]
    if unknown:
        raise CleanerError(f"--disable {unknown[0]!r}: no rule or category of that name")
    out = [r for r in out if r.id not in disable and r.category not in disable]
    if check:
        problems = check_examples(out)
        if problems:
            raise CleanerError(problems[0] if len(problems) == 1
                               else f"{len(problems)} rule examples fail:\n" + "\n".join(problems))
    return out


class Cleaner:
    """Rules loaded and compiled once; ``clean`` may be called from many threads at once."""

    def __init__(
        self,
        rules: Optional[Iterable[PathLike]] = None,
        extra: Iterable[PathLike] = (),
        disable: Iterable[str] = (),
        timeout: float = 2.0,
        check: bool = True,
    ):
        self.rules: Sequence[Rule] = tuple(load_rules(rules, extra, disable, check=check))
        self._engine = Engine(self.rules, timeout=timeout)

    @property
    def fingerprint(self) -> str:
        """A short hash of the rules as loaded: two runs with the same fingerprint clean alike."""
        h = hashlib.sha256()
        for r in self.rules:
            h.update(repr((r.id, r.category, r.source, r.action, r.replacement, r.window, r.triggers,
                           r.max_length, r.when)).encode("utf-8"))
        return h.hexdigest()[:16]

    def clean(self, text: str) -> CleanResult:
        if not isinstance(text, str):
            raise CleanerError(f"clean() takes str, not {type(text).__name__}")
        return self._engine.clean(text)

    __call__ = clean


@lru_cache(maxsize=1)
def _default() -> Cleaner:
    return Cleaner()


def clean(text: str) -> CleanResult:
    """Clean one text with the default packs."""
    return _default().clean(text)
