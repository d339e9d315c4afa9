"""What a rule does to a line its pattern matched: one function per action, in one table.

An action that edits returns its edits (``(start, end, new text)`` in the line's current
coordinates) and a detail for the log; ``drop`` takes the whole line, which the engine does itself.
"""
from __future__ import annotations

from typing import Callable, Optional

from . import normalise
from .document import SEPARATOR

Edits = tuple[list[tuple[int, int, str]], str]


def strip(t, li: int, line: str) -> Edits:
    """Every match goes, the rest of the line stays."""
    return _matches(t, li, line, "")


def replace(t, li: int, line: str) -> Edits:
    """Every match becomes the rule's replacement (with its groups expanded)."""
    return _matches(t, li, line, t.rule.replacement)


def fix_encoding(t, li: int, line: str) -> Edits:
    """ftfy's repair of the line, with the steps it took as the detail.

    On a line held by a line separator, each piece between separators is repaired on its own: no
    edit may take a separator (document.py), and a repair with one of its edits left out could be
    half made, and made again on the next pass (an insertion kept, the deletion beside it refused)."""
    if li not in t.doc.held:
        fixed, detail = normalise.fix_encoding(line)
        return normalise.diff_spans(line, fixed), detail
    edits, details, pos = [], [], 0
    for m in [*SEPARATOR.finditer(line), None]:
        end = m.start() if m is not None else len(line)
        piece = line[pos:end]
        fixed, detail = normalise.fix_encoding(piece)
        if fixed != piece:
            edits.extend((pos + a, pos + b, new) for a, b, new in normalise.diff_spans(piece, fixed))
            if detail not in details:
                details.append(detail)
        if m is not None:
            pos = m.end()
    return edits, "; ".join(details)


def _matches(t, li: int, line: str, repl: str) -> Edits:
    pattern = t.rule.pattern
    found = t.call(lambda text, **limit: list(pattern.finditer(text, **limit)), line, li + 1)
    edits = [(m.start(), m.end(), m.expand(repl) if repl else "") for m in found]
    return [e for e in edits if line[e[0]:e[1]] != e[2]], ""


#: The actions that find the pattern's matches themselves: on a line with none they change nothing,
#: so the engine need not test the pattern first. (ftfy's repair would change any line it is given.)
SEARCHING = frozenset({"strip", "replace"})

#: Every action by its name; None: the line goes whole.
ACTIONS: dict[str, Optional[Callable[..., Edits]]] = {
    "drop": None,
    "strip": strip,
    "replace": replace,
    "fix-encoding": fix_encoding,
}
