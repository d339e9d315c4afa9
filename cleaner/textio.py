"""Bytes in and out. Text is UTF-8; anything else is refused, never guessed at or altered.

Line endings are the text's own: files are read and written as bytes, so CRLF stays CRLF.

Every file the tool writes (``-o``, ``--log``, ``--in-place``) appears whole or not at all: it is
written to a temporary file beside its final name and renamed over it only when complete. Those
temporary names carry the writer's process id (``.cleaner-<pid>-…``), so that a later run can tell
the leftovers of a killed run from the files of a run still going, and clear them.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from typing import BinaryIO, Iterable, Iterator, Optional

from .model import CleanerError

#: Bytes of a NUL-free prefix we look at to call a file binary.
BINARY_SNIFF = 8192

#: Every temporary file or folder the tool makes starts with this, then ``<pid>-``.
TEMP_PREFIX = ".cleaner-"


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


def std_stream(name: str, stream) -> BinaryIO:
    """The byte stream under sys.stdin or sys.stdout; a closed one (``0<&-``, ``>&-``) is an error."""
    if stream is None or getattr(stream, "buffer", None) is None:
        hint = "name an input file" if name == "stdin" else "redirect it, or write to a file with -o where the command takes one"
        raise CleanerError(f"<{name}>: is closed; {hint}")
    return stream.buffer


# --- where outputs go ------------------------------------------------------------------------

def same_file(a: str, b: str) -> bool:
    """Whether two paths name one regular file: the same name, a symlink to it, or a hard link.

    Devices and pipes (``/dev/null``) are never the same file: nothing is lost by sharing them."""
    if a == "-" or b == "-" or _special(a) or _special(b):
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist yet: compare where they would be
        return os.path.realpath(a) == os.path.realpath(b)


def _special(path: str) -> bool:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def check_targets(inputs: Iterable[str], targets: dict[str, Optional[str]]) -> None:
    """Refuse an output that is an input, or another output (``{"-o": path, "--log": path}``).

    Writing it would destroy what is being read, or mix two outputs in one file.
    """
    named = [(opt, path) for opt, path in targets.items() if path and path != "-"]
    inputs = [p for p in inputs if p != "-"]
    for k, (opt, path) in enumerate(named):
        if os.path.isdir(path):
            raise CleanerError(f"{path}: is a folder; {opt} takes a file name")
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise CleanerError(f"{path}: cannot write: no such folder {folder}")
        for p in inputs:
            if same_file(p, path):
                raise CleanerError(f"{path}: is also the input ({opt}); write it elsewhere"
                                   + (" (or use --in-place)" if opt == "-o" else ""))
        for other_opt, other in named[:k]:
            if same_file(other, path):
                raise CleanerError(f"{path}: {other_opt} and {opt} name the same file")


@contextlib.contextmanager
def atomic_output(path: str) -> Iterator[BinaryIO]:
    """A binary file that replaces ``path`` only when the block ends without an error.

    The file's mode and owner are kept where it existed. A symlink is written through to its
    target. A device, pipe or socket (``/dev/null``, ``/dev/stdout``) cannot be replaced by a rename,
    so it is written to directly.
    """
    try:
        st = os.stat(path)  # through symlinks: /dev/stdout may be a pipe with no name to resolve
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise CleanerError(f"{path}: cannot write: {e.strerror}") from None
    target = os.path.realpath(path)
    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            raise CleanerError(f"{path}: is a folder; name a file")
        with _opened(path, "wb") as f:
            yield f
        return
    folder = os.path.dirname(target)
    sweep_leftovers(folder)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".tmp", dir=folder)
    except OSError as e:
        raise CleanerError(f"{path}: cannot write: {e.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        _keep_mode_and_owner(tmp, st)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _opened(path: str, mode: str):
    try:
        f = open(path, mode)
    except OSError as e:
        raise CleanerError(f"{path}: cannot write: {e.strerror}") from None
    with f:
        yield f


def _keep_mode_and_owner(tmp: str, st: Optional[os.stat_result]) -> None:
    if st is None:
        os.chmod(tmp, 0o666 & ~_umask())
        return
    os.chmod(tmp, st.st_mode & 0o7777)
    with contextlib.suppress(OSError):  # only root, or the owner keeping its own group, may do this
        if (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()):
            os.chown(tmp, st.st_uid, st.st_gid)
            os.chmod(tmp, st.st_mode & 0o7777)  # chown clears set-id bits


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: str, text: str) -> None:
    """Replace a file's content all at once (see ``atomic_output``); a crash at any moment leaves
    either the old or the new content, never a mix."""
    with atomic_output(path) as f:
        f.write(text.encode("utf-8"))


def temp_dir_near(path: Optional[str]) -> tempfile.TemporaryDirectory:
    """Scratch space beside the output, on its disk (a device's scratch goes to the system's)."""
    folder = os.path.dirname(os.path.realpath(path)) if path and not _special(path) else None
    if folder:
        sweep_leftovers(folder)
    try:
        return tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}{os.getpid()}-", dir=folder)
    except OSError as e:
        raise CleanerError(f"{path}: cannot write: {e.strerror}") from None


# --- leftovers of killed runs ----------------------------------------------------------------

_swept: set[str] = set()


def sweep_leftovers(folder: str) -> None:
    """Remove the temporary files and folders that runs killed before their rename left in
    ``folder`` (once per folder and process). Those of a run still going are left alone."""
    if folder in _swept:
        return
    _swept.add(folder)
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        pid = _writer_pid(name)
        if pid is None or _alive(pid):
            continue
        full = os.path.join(folder, name)
        with contextlib.suppress(OSError):
            if os.path.isdir(full) and not os.path.islink(full):
                shutil.rmtree(full)
            else:
                os.unlink(full)


def _writer_pid(name: str) -> Optional[int]:
    if not name.startswith(TEMP_PREFIX):
        return None
    pid, sep, _ = name[len(TEMP_PREFIX):].partition("-")
    return int(pid) if sep and pid.isdigit() else None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, under another user
        return True
    return True
