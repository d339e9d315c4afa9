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


def diff_spans(old: str, new: str) -> list[tuple[int, int, str]]:
    """The smallest edits (offsets into ``old``) that turn ``old`` into ``new``."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [(i1, i2, new[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
