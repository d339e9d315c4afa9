"""Bytes in and out. Text is UTF-8; anything else is refused, never guessed at or altered.

Line endings are the text's own: files are read and written as bytes, so CRLF stays CRLF.
"""
from __future__ import annotations

import os
import tempfile

from .model import CleanerError

#: Bytes of a NUL-free prefix we look at to call a file binary.
BINARY_SNIFF = 8192


def decode(data: bytes, name: str) -> str:
    """UTF-8 bytes to text, or a CleanerError naming the input and the first bad byte offset."""
    nul = data.find(b"\0", 0, BINARY_SNIFF)
    if nul >= 0:
        raise CleanerError(f"{name}: binary file (NUL byte at offset {nul}), not cleaned")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise CleanerError(
            f"{name}: invalid UTF-8 at byte {e.start} (line {line}): {data[e.start:e.start + 1]!r}; "
            "convert it to UTF-8 first (e.g. iconv -f latin1 -t utf-8)"
        ) from None


def read_text(path: str) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except IsADirectoryError:
        raise CleanerError(f"{path}: is a folder (use --in-place or check for folders)") from None
    except OSError as e:
        raise CleanerError(f"{path}: cannot read: {e.strerror}") from None
    return decode(data, path)


def write_atomic(path: str, text: str) -> None:
    """Replace a file's content all at once: a temporary file beside it, then rename.

    A crash at any moment leaves either the old or the new content, never a mix; the file keeps
    its permissions.
    """
    folder = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=".cleaner-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
