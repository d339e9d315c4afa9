"""The data that flows through cleaner: rules in, a result with its removal log out.

Frozen dataclasses only; no behaviour beyond small derived views.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

class CleanerError(Exception):
    """The one error the library raises: bad rules, bad input or a runaway pattern.

    Its message is ready to print as it is: one line, or for several problems (a rule pack with
    many mistakes) a count and then one line each; ``problems`` holds those lines alone.
    """

    def __init__(self, message: str, problems: tuple = ()):
        super().__init__(message)
        self.problems: tuple = tuple(problems) or (message,)


@dataclass(frozen=True)
class Example:
    """A text a rule must change into ``result`` (``result`` None means: must stay as it is)."""

    text: str
    result: Optional[str]
    line: int  # where the example stands in its YAML file, for error messages


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    description: str
    pattern: Any  # compiled `regex` pattern
    source: str  # the pattern as written
    action: str  # a key of actions.ACTIONS
    replacement: str = ""
    window: int = 1  # how many consecutive lines the pattern sees at once
    triggers: tuple[str, ...] = ()  # lower-case literals: a line without one is never tested...
    max_length: Optional[int] = None  # ...unless the rule is a shape rule and the line is this short
    when: tuple = ()  # its conditions (conditions.py), in the registry's order
    region: Optional[str] = None  # "to_end" or "from_top": a matched line takes the rest of the text with it
    languages: tuple[str, ...] = ()  # ISO 639-1 codes of the texts it runs on; empty: every text
    examples: tuple[Example, ...] = ()
    path: str = ""
    line: int = 0  # where the rule starts in its file

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def signature(self) -> tuple:
        """Everything about the rule that decides what it does to a text (its examples aside)."""
        return (self.id, self.category, self.source, self.action, self.replacement, self.window, self.triggers,
                self.max_length, self.when, self.region, self.languages)

    def condition(self, key: str):
        """The rule's condition of that ``when`` key, or None."""
        return next((c for c in self.when if c.key == key), None)


@dataclass(frozen=True)
class RulePack:
    path: str
    category: str
    description: str
    rules: tuple[Rule, ...]
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Removal:
    """One change, as an exact patch against the input: ``input[start:end]`` became ``replacement``.

    ``rule`` and ``category`` say which rule made it; ``line`` is the 1-based input line where it
    starts; ``text`` is ``input[start:end]``; ``replacement`` is ``""`` for a removal; ``detail``
    says more where a rule has more to say (ftfy's steps behind a mojibake repair).
    """

    rule: str
    category: str
    line: int  # 1-based line of ``start`` in the input
    start: int
    end: int
    text: str
    replacement: str = ""
    detail: str = ""  # e.g. the ftfy steps behind a repair

    def to_dict(self) -> dict:
        d = {
            "rule": self.rule,
            "category": self.category,
            "line": self.line,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "replacement": self.replacement,
        }
        if self.detail:
            d["detail"] = self.detail
        return d


@dataclass(frozen=True)
class CleanResult:
    """What ``clean`` returns: the clean ``text`` and ``removals``, every change in input order.

    ``apply_removals(input, result.removals) == result.text`` always holds; no removals means the
    text came back exactly as it went in. It prints as a short summary, not the whole text.
    """

    text: str
    removals: tuple[Removal, ...]
    language: Optional[str] = None  # the language whose packs ran (None: the core packs only)

    @property
    def changed(self) -> bool:
        return bool(self.removals)

    def __repr__(self) -> str:
        preview = self.text if len(self.text) <= 40 else self.text[:37] + "..."
        rules = sorted({r.rule for r in self.removals})
        shown = ", ".join(rules[:5]) + (f", +{len(rules) - 5} more" if len(rules) > 5 else "")
        return (f"CleanResult(text={preview!r} ({len(self.text)} chars), "
                f"removals={len(self.removals)}{f' by {shown}' if shown else ''})")


def apply_removals(text: str, removals) -> str:
    """Apply a removal log to the text it was made from; gives the cleaned text exactly."""
    out, pos = [], 0
    for r in sorted(removals, key=lambda r: r.start):
        if r.start < pos:
            raise ValueError(f"overlapping removals at offset {r.start}")
        out.append(text[pos:r.start])
        out.append(r.replacement)
        pos = r.end
    out.append(text[pos:])
    return "".join(out)
