"""Encoding repair with ftfy: repair mojibake, never restyle.

ftfy is 20-30x slower than the rest of the engine and costs ~90 ms to import, so it is imported on
first use and only runs on lines whose rule pattern saw a hint of mojibake.
"""
from __future__ import annotations

import difflib
from functools import lru_cache


@lru_cache(maxsize=1)
def _config():
    import ftfy

    return ftfy.TextFixerConfig(
        unescape_html=False,          # "&amp;" may be article text (code, quoted markup)
        remove_terminal_escapes=False,  # not encoding damage
        fix_encoding=True,            # the point: UTF-8 read as Windows-1252/Latin-1
        restore_byte_a0=True,
        replace_lossy_sequences=True,
        decode_inconsistent_utf8=True,
        fix_c1_controls=True,
        fix_latin_ligatures=False,    # restyling: "ﬁ" stays as written
        fix_character_width=False,    # restyling: full-width forms stay
        uncurl_quotes=False,          # restyling: curly quotes stay
        fix_line_breaks=False,        # line endings are the caller's
        fix_surrogates=True,
        remove_control_chars=False,   # not encoding damage
        normalization=None,           # no NFC/NFKC: the text keeps its normal form
        explain=True,
    )


def fix_encoding(text: str) -> tuple[str, str]:
    """The repaired text and ftfy's steps, e.g. "encode('sloppy-windows-1252'), decode('utf-8')"."""
    import ftfy

    fixed, steps = ftfy.fix_and_explain(text, config=_config())
    described = ", ".join(f"{name}({arg!r})" for name, arg in (steps or []))
    return fixed, described


# Up to this many characters (old and new together), a line's edits are difflib's, exactly; difflib
# takes time that grows faster than the square of the length, so a longer line is cut at stretches
# both texts share and difflib sees only what lies between them.
EXACT = 600
_SYNC = 8  # characters both texts must share to count as back in step
_REACH = 48  # how far apart the two may get before they are back in step


def diff_spans(old: str, new: str) -> list[tuple[int, int, str]]:
    """The smallest edits (offsets into ``old``) that turn ``old`` into ``new``; on a long line,
    small edits found in time linear in its length."""
    if old == new:  # most lines a rule suspects of mojibake have none: no diff to work out
        return []
    if len(old) + len(new) <= EXACT:
        return _difflib(old, new, 0, 0)
    edits: list[tuple[int, int, str]] = []
    i = j = 0
    n, m = len(old), len(new)
    while True:
        while i < n and j < m and old[i] == new[j]:
            i += 1
            j += 1
        if i == n and j == m:
            return edits
        step = _back_in_step(old, new, i, j)
        if step is None:  # out of step for good: the rest is one edit
            edits.append((i, n, new[j:]))
            return edits
        a, b = step
        edits.extend(_difflib(old[i:i + a], new[j:j + b], i, j))
        i, j = i + a, j + b


def _back_in_step(old: str, new: str, i: int, j: int):
    """The nearest (a, b), fewest characters skipped first, after which old[i + a:] and new[j + b:]
    start with the same ``_SYNC`` characters (or are the same to their ends)."""
    n, m = len(old), len(new)
    for d in range(1, 2 * _REACH + 1):
        for a in range(min(d, _REACH), max(-1, d - _REACH - 1), -1):
            b = d - a
            x, y = i + a, j + b
            if x > n or y > m:
                continue
            if n - x >= _SYNC and m - y >= _SYNC:
                if old[x:x + _SYNC] == new[y:y + _SYNC]:
                    return a, b
            elif old[x:] == new[y:]:
                return a, b
    return None


def _difflib(old: str, new: str, i0: int, j0: int) -> list[tuple[int, int, str]]:
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [(i0 + i1, i0 + i2, new[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
