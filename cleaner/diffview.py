"""A cleaning run as a diff: plain for ``patch`` and ``git apply``, or coloured for people, with each
removed line's rule and the invisible characters an edit touched made visible."""
from __future__ import annotations

import bisect
import difflib
import os
import re

#: Characters a reader cannot see, shown by name in the coloured view (the plain diff keeps the bytes,
#: so that it still applies).
_INVISIBLE = {
    "\u00a0": "\u2423",  # NBSP as an open box
    "\u200b": "\u27e8ZWSP\u27e9",
    "\u200c": "\u27e8ZWNJ\u27e9",
    "\u200d": "\u27e8ZWJ\u27e9",
    "\u2060": "\u27e8WJ\u27e9",
    "\ufeff": "\u27e8BOM\u27e9",
    "\u00ad": "\u27e8SHY\u27e9",
    "\t": "\u2192",
    "\r": "\u240d",
}
_SHOW = re.compile("[" + "".join(_INVISIBLE) + "]")
_HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@")

RED, GREEN, CYAN, DIM, BOLD, RESET = "\x1b[31m", "\x1b[32m", "\x1b[36m", "\x1b[2m", "\x1b[1m", "\x1b[0m"


def diff_name(path: str) -> tuple[str, str]:
    """The two header names, ``a/x`` and ``b/x`` as git writes them (an absolute path as it is)."""
    return (path, path) if os.path.isabs(path) else (f"a/{path}", f"b/{path}")


def unified_diff(old: str, new: str, path: str) -> str:
    """A diff that ``patch`` and ``git apply`` take: lines end at ``\\n`` only (as the engine counts
    them), and a last line without one is marked as diff marks it."""
    a, b = diff_name(path)
    out = []
    for line in difflib.unified_diff(_diff_lines(old), _diff_lines(new), fromfile=a, tofile=b):
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


def _diff_lines(text: str) -> list[str]:
    lines = text.split("\n")
    last = lines.pop()
    return [line + "\n" for line in lines] + ([last] if last else [])


def colour_diff(old: str, new: str, path: str, removals) -> str:
    """The same diff for a terminal: removed lines red with the rules that removed them, added lines
    green, and invisible characters (NBSP, zero-width spaces, tabs, CR) shown by name."""
    rules_by_line = _rules_by_line(old, removals)
    out, old_line = [], 0
    for line in unified_diff(old, new, path).splitlines():
        hunk = _HUNK.match(line)
        if hunk:
            old_line = int(hunk.group(1))
            out.append(f"{CYAN}{line}{RESET}")
        elif line.startswith(("---", "+++")):
            out.append(f"{BOLD}{line}{RESET}")
        elif line.startswith("-"):
            rules = rules_by_line.get(old_line, ())
            tag = f"  {DIM}[{', '.join(rules)}]{RESET}" if rules else ""
            out.append(f"{RED}-{_visible(line[1:], RED)}{RESET}{tag}")
            old_line += 1
        elif line.startswith("+"):
            out.append(f"{GREEN}+{_visible(line[1:], GREEN)}{RESET}")
        elif line.startswith("\\"):
            out.append(f"{DIM}{line}{RESET}")
        else:
            out.append(line)
            old_line += 1
    return "\n".join(out) + "\n"


def _visible(text: str, colour: str) -> str:
    return _SHOW.sub(lambda m: f"{BOLD}{_INVISIBLE[m.group()]}{RESET}{colour}", text)


def _rules_by_line(text: str, removals) -> dict[int, list[str]]:
    """1-based input line -> the rules whose changes touch it, in log order."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    out: dict[int, list[str]] = {}
    for r in removals:
        first = bisect.bisect_right(starts, r.start)
        last = bisect.bisect_right(starts, max(r.start, r.end - 1))
        for line in range(first, last + 1):
            names = out.setdefault(line, [])
            if r.rule not in names:
                names.append(r.rule)
    return out
