"""Issue #9's bad-input matrix as named promises, each run as the real CLI in a child process,
and a bounded, seeded run of the fuzzer (benchmarks/fuzz_cli.py) over random combinations of it.

Every row of PROMISES runs in its own temporary folder and checks, besides its own point: no
traceback, the exit code, stderr as one `cleaner: ...` line per problem (a run summary allowed
where the README puts one), no file changed or left behind except those the row names.
The README's "What it promises" list names each row.
"""
from __future__ import annotations

import contextlib
import gzip
import json
import os
import random
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import fuzz_cli  # noqa: E402
from fuzz_cli import BAD_PACKS, INVALID_UTF8, PRECIOUS, Case, expected_clean, run_case, snapshot, stderr_lines  # noqa: E402

FUZZ_SEED = 116  # of seeds 0-149, the one whose first 40 cases cover the most of the matrix
FUZZ_CASES = 40  # about 30-40 s on 2 cores


def test_fuzz_seeded_run_holds_every_invariant(tmp_path):
    """The standing check: a fixed seed, a bounded number of random bad-input cases (the long run
    is `make fuzz`). A failure prints one reproducer per invariant."""
    report = fuzz_cli.fuzz(FUZZ_SEED, FUZZ_CASES, base=tmp_path)
    assert report["cases"] == FUZZ_CASES
    assert not report["failures"], fuzz_cli.format_report(report)


# --- the matrix, one named promise a row -----------------------------------------------------------

ARTICLE = fuzz_cli._article(random.Random(1), 3)  # "totor" or a credit at the top, a prompt at the bottom
LONG = fuzz_cli._article(random.Random(2), 60)  # cleaned, still far over the 1 KiB `ulimit -f 1`
assert expected_clean(ARTICLE)[0] != ARTICLE and len(expected_clean(LONG)[0]) > 4096


def rec(n: int, text: str, **extra) -> bytes:
    return json.dumps({"id": f"d{n}", "text": text, **extra}).encode() + b"\n"


CORPUS = rec(1, ARTICLE) + rec(2, "A quiet line with nothing to remove.\n") + rec(3, ARTICLE)
LONG_CORPUS = b"".join(rec(n, LONG) for n in range(4))
SURROGATE = b'{"id": "d2", "text": "totor\\nHalf a pair \\ud800 here.\\nComments\\n"}\n'
NUMBERS = (b'{"id": "d1", "score": NaN, "low": -Infinity, "ratio": 1.10, "big": 1e5, "text": '
           + json.dumps(ARTICLE).encode() + b"}\n")
ESCAPES = (b'{"id": "d1", "title": "Caf\\u00e9 \\/ news", "n": 123456789012345678901234567890, "text": '
           + json.dumps(ARTICLE).encode() + b"}\n")


def files(**named) -> Callable[[Path], None]:
    """A setup writing files: names with `__` for `/`, values bytes, ("link", target), ("hard", target),
    ("dir",), ("dev", minor) (a mknod copy of /dev/full (7) or /dev/null (3))."""

    def setup(d: Path) -> None:
        for key, value in named.items():
            p = d / key.replace("__", "/").replace("_DOT_", ".")
            p.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(value, bytes):
                p.write_bytes(value)
            elif value[0] == "link":
                os.symlink(value[1], p)
            elif value[0] == "hard":
                os.link(d / value[1], p)
            elif value[0] == "dir":
                p.mkdir()
            elif value[0] == "dev":
                try:
                    os.mknod(p, 0o666 | stat.S_IFCHR, os.makedev(1, value[1]))
                except OSError as e:
                    pytest.skip(f"mknod not allowed here ({e.strerror})")

    return setup


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


@dataclass
class Promise:
    name: str
    setup: Callable[[Path], None]
    args: list
    code: object = 2  # an exit code, or a set of allowed ones
    redirects: str = ""
    ulimit: bool = False  # `ulimit -f 1`: writes past 1 KiB fail (EFBIG), a full disk for regular files
    said: Optional[str] = None  # in the one `cleaner:` line
    lines: Optional[int] = 1  # how many `cleaner:` lines (None: at least one)
    changes: tuple = ()  # files that may change or appear (everything else stays byte for byte)
    check: Optional[Callable] = None  # check(folder, outcome) for the row's own point


def still(kind: str, *names: str):
    test = {"link": os.path.islink, "chr": lambda p: stat.S_ISCHR(os.lstat(p).st_mode)}[kind]

    def check(d: Path, res) -> None:
        for n in names:
            assert test(d / n), f"{n} is no longer a {kind}"
    return check


def both(*checks):
    def check(d, res):
        for c in checks:
            c(d, res)
    return check


def jsonl_lines(path_or_bytes, d: Optional[Path] = None) -> list:
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else (d / path_or_bytes).read_bytes()
    return data.splitlines(keepends=True)


def surrogate_passes(d: Path, res) -> None:
    out = jsonl_lines("o.jsonl", d)
    assert len(out) == 3 and out[1] == SURROGATE, "the record with a lone surrogate must pass through byte for byte"
    assert json.loads(out[0])["text"] == expected_clean(ARTICLE)[0]
    assert "c.jsonl:2: " in res.stderr.decode(), "reported by line"


def fields_verbatim(*raw: bytes):
    def check(d: Path, res) -> None:
        line = (d / "o.jsonl").read_bytes()
        assert json.loads(line.replace(b"NaN", b"0").replace(b"-Infinity", b"0"))["text"] == expected_clean(ARTICLE)[0]
        lost = [r.decode() for r in raw if r not in line]
        assert not lost, f"not kept as written: {lost}; line: {line[:300]!r}"
    return check


def in_place_symlink(d: Path, res) -> None:
    assert os.path.islink(d / "link.txt"), "the symlink was replaced by a regular file"
    target = (d / "real" / "t.txt").read_bytes()
    if res.code == 0:
        assert target == expected_clean(ARTICLE)[0].encode(), "exit 0, but the symlink's target was not cleaned"
    else:
        assert target == ARTICLE.encode()


def not_reported_cleaned(d: Path, res) -> None:
    err = res.stderr.decode()
    assert "cleaned long.txt" not in err, "a file that could not be written is reported as cleaned"
    assert (d / "long.txt").read_bytes() == LONG.encode()


def stdout_is(expected: bytes):
    def check(d: Path, res) -> None:
        assert res.stdout == expected
    return check


def three_problems(d: Path, res) -> None:
    lines = res.stderr.decode().splitlines()
    assert sum(line.startswith("cleaner: p.yaml:") for line in lines) == 3, "one `cleaner: FILE:LINE: ...` line a problem"


def stdout_jsonl(d: Path, res) -> None:
    assert [json.loads(x)["text"] for x in res.stdout.splitlines()] == [
        expected_clean(json.loads(x)["text"])[0] for x in CORPUS.splitlines()], "the cleaned corpus on stdout"


def jsonl_written(name: str):
    def check(d: Path, res) -> None:
        out = jsonl_lines(name, d)
        assert [json.loads(x)["text"] for x in out] == [expected_clean(json.loads(x)["text"])[0]
                                                       for x in CORPUS.splitlines()]
    return check


P = Promise
A = ARTICLE.encode()
PROMISES = [
    # --- data loss: an output or log that is an input, or the other output, is refused -----------------
    P("log-is-the-input", files(a_DOT_txt=A), ["clean", "a.txt", "--log", "a.txt"], said="a.txt"),
    P("log-is-the-input-jsonl", files(c_DOT_jsonl=CORPUS), ["clean", "c.jsonl", "-o", "o.jsonl", "--log", "c.jsonl"],
      said="c.jsonl"),
    P("log-is-the-output", files(x_DOT_txt=PRECIOUS, a_DOT_txt=A), ["clean", "a.txt", "-o", "x.txt", "--log", "x.txt"],
      said="x.txt"),
    P("log-is-the-output-jsonl", files(x_DOT_jsonl=PRECIOUS, c_DOT_jsonl=CORPUS),
      ["clean", "c.jsonl", "-o", "x.jsonl", "--log", "x.jsonl"], said="x.jsonl"),
    P("output-is-the-input-by-symlink", files(a_DOT_txt=A, l_DOT_txt=("link", "a.txt")),
      ["clean", "a.txt", "-o", "l.txt"], said="l.txt", check=still("link", "l.txt")),
    P("output-is-the-input-by-hard-link", files(a_DOT_txt=A, h_DOT_txt=("hard", "a.txt")),
      ["clean", "a.txt", "-o", "h.txt"], said="h.txt"),
    P("output-is-the-input-jsonl-by-symlink", files(c_DOT_jsonl=CORPUS, l_DOT_jsonl=("link", "c.jsonl")),
      ["clean", "c.jsonl", "-o", "l.jsonl"], said="l.jsonl"),
    P("log-is-the-input-by-symlink", files(a_DOT_txt=A, l_DOT_jsonl=("link", "a.txt")),
      ["clean", "a.txt", "--log", "l.jsonl"], said="l.jsonl"),
    P("log-is-the-input-by-hard-link", files(a_DOT_txt=A, h_DOT_jsonl=("hard", "a.txt")),
      ["clean", "a.txt", "--log", "h.jsonl"], said="h.jsonl"),
    P("log-is-the-output-by-symlink", files(a_DOT_txt=A, x_DOT_txt=PRECIOUS, l_DOT_jsonl=("link", "x.txt")),
      ["clean", "a.txt", "-o", "x.txt", "--log", "l.jsonl"]),
    P("log-is-the-output-by-hard-link", files(a_DOT_txt=A, x_DOT_txt=PRECIOUS, h_DOT_jsonl=("hard", "x.txt")),
      ["clean", "a.txt", "-o", "x.txt", "--log", "h.jsonl"]),
    P("in-place-log-is-an-input", files(a_DOT_txt=A), ["clean", "--in-place", "a.txt", "--log", "a.txt"], said="a.txt"),
    P("in-place-log-is-a-file-of-the-folder", files(docs__a_DOT_txt=A, docs__b_DOT_txt=A),
      ["clean", "--in-place", "docs", "--log", "docs/b.txt"], said="b.txt"),
    # --- data loss: every output appears whole or not at all; on error the old file stays ---------------
    P("output-kept-on-invalid-utf8", files(bad_DOT_txt=INVALID_UTF8, o_DOT_txt=PRECIOUS),
      ["clean", "bad.txt", "-o", "o.txt"], said="bad.txt: invalid UTF-8"),
    P("output-kept-on-a-later-bad-input", files(a_DOT_txt=A, bad_DOT_txt=INVALID_UTF8, o_DOT_txt=PRECIOUS),
      ["clean", "a.txt", "bad.txt", "-o", "o.txt"], said="bad.txt: invalid UTF-8"),
    P("log-kept-on-a-later-bad-input", files(a_DOT_txt=A, bad_DOT_txt=INVALID_UTF8, l_DOT_jsonl=PRECIOUS),
      ["clean", "a.txt", "bad.txt", "--log", "l.jsonl"], said="bad.txt: invalid UTF-8"),
    P("jsonl-output-kept-on-corrupt-gzip", files(c_DOT_jsonl_DOT_gz=gz(LONG_CORPUS)[:300], o_DOT_jsonl=PRECIOUS),
      ["clean", "c.jsonl.gz", "-o", "o.jsonl"], said="c.jsonl.gz"),
    P("output-kept-on-full-disk", files(long_DOT_txt=LONG.encode(), o_DOT_txt=PRECIOUS),
      ["clean", "long.txt", "-o", "o.txt"], ulimit=True),
    P("jsonl-output-kept-on-full-disk", files(c_DOT_jsonl=LONG_CORPUS, o_DOT_jsonl=PRECIOUS),
      ["clean", "c.jsonl", "-o", "o.jsonl", "--jobs", "1"], ulimit=True),
    P("jsonl-output-kept-on-full-disk-jobs-2", files(c_DOT_jsonl=LONG_CORPUS, o_DOT_jsonl=PRECIOUS),
      ["clean", "c.jsonl", "-o", "o.jsonl", "--jobs", "2"], ulimit=True),
    P("log-kept-on-full-disk", files(long_DOT_txt=(ARTICLE * 40).encode(), l_DOT_jsonl=PRECIOUS),
      ["clean", "long.txt", "--log", "l.jsonl"], ulimit=True, redirects=">/dev/null"),
    P("in-place-full-disk-is-not-reported-cleaned", files(long_DOT_txt=LONG.encode()),
      ["clean", "--in-place", "long.txt"], ulimit=True, said="long.txt", check=not_reported_cleaned),
    P("in-place-symlink-by-name-cleans-its-target", files(real__t_DOT_txt=A, link_DOT_txt=("link", "real/t.txt")),
      ["clean", "--in-place", "link.txt"], code={0, 2}, lines=None, changes=("real/t.txt",), check=in_place_symlink),
    P("jsonl-lone-surrogate-passes-through", files(c_DOT_jsonl=rec(1, ARTICLE) + SURROGATE + rec(3, ARTICLE)),
      ["clean", "c.jsonl", "-o", "o.jsonl"], said="c.jsonl:2: ", changes=("o.jsonl",), check=surrogate_passes),
    P("jsonl-lone-surrogate-passes-through-jobs-2", files(c_DOT_jsonl=rec(1, ARTICLE) + SURROGATE + rec(3, ARTICLE)),
      ["clean", "c.jsonl", "-o", "o.jsonl", "--jobs", "2"], said="c.jsonl:2: ", changes=("o.jsonl",),
      check=surrogate_passes),
    P("jsonl-numbers-kept-as-written", files(c_DOT_jsonl=NUMBERS), ["clean", "c.jsonl", "-o", "o.jsonl"], code=0,
      lines=0, changes=("o.jsonl",), check=fields_verbatim(b"NaN", b"-Infinity", b"1.10", b"1e5")),
    P("jsonl-other-fields-kept-as-written", files(c_DOT_jsonl=ESCAPES), ["clean", "c.jsonl", "-o", "o.jsonl"], code=0,
      lines=0, changes=("o.jsonl",), check=fields_verbatim(b'"Caf\\u00e9 \\/ news"', b"123456789012345678901234567890")),
    # --- a device or /dev/stdout as -o is written to, never replaced (copies: never the real /dev) -----
    P("jsonl-output-to-a-null-device", files(c_DOT_jsonl=CORPUS, null_DOT_dev=("dev", 3)),
      ["clean", "c.jsonl", "-o", "null.dev"], code=0, lines=0, check=still("chr", "null.dev")),
    P("text-output-to-a-null-device", files(a_DOT_txt=A, null_DOT_dev=("dev", 3)),
      ["clean", "a.txt", "-o", "null.dev"], code=0, lines=0, check=still("chr", "null.dev")),
    P("jsonl-output-to-dev-stdout", files(c_DOT_jsonl=CORPUS, so_DOT_jsonl=("link", "/proc/self/fd/1")),
      ["clean", "c.jsonl", "-o", "so.jsonl"], code=0, lines=0, check=both(still("link", "so.jsonl"), stdout_jsonl)),
    # --- one line and exit 2, never a traceback -------------------------------------------------------
    P("output-in-a-read-only-folder", files(a_DOT_txt=A), ["clean", "a.txt", "-o", "/sys/cleaner-test.txt"],
      said="/sys/cleaner-test.txt"),
    P("jsonl-output-in-a-read-only-folder", files(c_DOT_jsonl=CORPUS),
      ["clean", "c.jsonl", "-o", "/sys/cleaner-test.jsonl"], said="/sys/cleaner-test.jsonl"),
    P("output-under-a-regular-file", files(a_DOT_txt=A, f=b"x\n"), ["clean", "a.txt", "-o", "f/o.txt"], said="f/o.txt"),
    P("output-is-a-folder", files(a_DOT_txt=A, d=("dir",)), ["clean", "a.txt", "-o", "d"], said="d"),
    P("jsonl-output-is-a-folder", files(c_DOT_jsonl=CORPUS, d=("dir",)), ["clean", "c.jsonl", "-o", "d"], said="d"),
    P("jsonl-output-in-a-missing-folder", files(c_DOT_jsonl=CORPUS), ["clean", "c.jsonl", "-o", "missing/dir/x.jsonl"],
      said="missing/dir/x.jsonl"),
    P("log-in-a-missing-folder", files(a_DOT_txt=A), ["clean", "a.txt", "--log", "missing/l.jsonl"],
      said="missing/l.jsonl"),
    P("stdout-is-dev-full", files(a_DOT_txt=A), ["clean", "a.txt"], redirects=">/dev/full"),
    P("stdout-is-dev-full-jobs-2", files(a_DOT_txt=A), ["clean", "a.txt", "a.txt", "--jobs", "2"],
      redirects=">/dev/full"),
    P("jsonl-stdout-is-dev-full", files(c_DOT_jsonl=CORPUS), ["clean", "c.jsonl", "--jobs", "1"], redirects=">/dev/full"),
    P("jsonl-stdout-is-dev-full-jobs-2", files(c_DOT_jsonl=CORPUS), ["clean", "c.jsonl", "--jobs", "2"],
      redirects=">/dev/full"),
    P("jsonl-gz-stdout-is-dev-full-jobs-2", files(c_DOT_jsonl_DOT_gz=gz(CORPUS)), ["clean", "c.jsonl.gz", "--jobs", "2"],
      redirects=">/dev/full"),
    P("output-to-a-full-device", files(a_DOT_txt=A, full_DOT_dev=("dev", 7)), ["clean", "a.txt", "-o", "full.dev"],
      check=still("chr", "full.dev")),
    P("jsonl-output-to-a-full-device", files(c_DOT_jsonl=CORPUS, full_DOT_dev=("dev", 7)),
      ["clean", "c.jsonl", "-o", "full.dev"], check=still("chr", "full.dev")),
    P("stdin-closed", files(), ["clean"], redirects="0<&-"),
    P("jsonl-stdin-closed", files(), ["clean", "--format", "jsonl"], redirects="0<&-"),
    P("stdout-closed", files(a_DOT_txt=A), ["clean", "a.txt"], redirects=">&-"),
    P("jsonl-stdout-closed", files(c_DOT_jsonl=CORPUS), ["clean", "c.jsonl"], redirects=">&-"),
    P("jsonl-stdout-closed-with-output-file", files(c_DOT_jsonl=CORPUS), ["clean", "c.jsonl", "-o", "o.jsonl"],
      redirects=">&-", code=0, lines=0, changes=("o.jsonl",), check=jsonl_written("o.jsonl")),
    P("gz-that-is-not-gzip", files(c_DOT_jsonl_DOT_gz=CORPUS), ["clean", "c.jsonl.gz", "-o", "o.jsonl"],
      said="c.jsonl.gz"),
    P("gz-truncated", files(c_DOT_jsonl_DOT_gz=gz(LONG_CORPUS)[:-200]), ["clean", "c.jsonl.gz", "-o", "o.jsonl"],
      said="c.jsonl.gz"),
    P("gz-corrupt", files(c_DOT_jsonl_DOT_gz=(lambda z: z[:20] + bytes(b ^ 0x55 for b in z[20:60]) + z[60:])(
        gz(LONG_CORPUS))), ["clean", "c.jsonl.gz", "-o", "o.jsonl"], said="c.jsonl.gz"),
    P("gz-corrupt-to-stdout-jobs-2", files(c_DOT_jsonl_DOT_gz=gz(LONG_CORPUS)[:-200]),
      ["clean", "c.jsonl.gz", "--jobs", "2"], said="c.jsonl.gz", redirects=">/dev/null"),
    P("rules-replacement-bad-group-number", files(p_DOT_yaml=BAD_PACKS["bad-group-number"].encode(), a_DOT_txt=A),
      ["clean", "--rules", "p.yaml", "a.txt"], said="p.yaml:"),
    P("rules-replacement-bad-group-name", files(p_DOT_yaml=BAD_PACKS["bad-group-name"].encode(), a_DOT_txt=A),
      ["clean", "--rules", "p.yaml", "a.txt"], said="p.yaml:"),
    P("rules-test-bad-group-number", files(p_DOT_yaml=BAD_PACKS["bad-group-number"].encode()),
      ["rules", "test", "p.yaml"], said="p.yaml:"),
    P("rules-test-bad-group-name", files(p_DOT_yaml=BAD_PACKS["bad-group-name"].encode()),
      ["rules", "test", "p.yaml"], said="p.yaml:"),
    P("rules-pack-errors-one-line-each", files(p_DOT_yaml=b'category: user\nrules:\n  - id: x\n    pattern: "("\n'
                                               b'    colour: red\n'),
      ["clean", "--rules", "p.yaml"], lines=None, said="p.yaml:", redirects="</dev/null", check=three_problems),
    P("eval-invalid-utf8", files(e_DOT_jsonl=b'{"noisy": "caf\xe9", "labels": ["body"]}\n'), ["eval", "e.jsonl"],
      said="e.jsonl"),
    P("eval-labels-not-a-list", files(e_DOT_jsonl=b'{"id": "r1", "noisy": "a\\nb", "labels": 5}\n'),
      ["eval", "e.jsonl"]),
    P("eval-stdout-closed", files(e_DOT_jsonl=b'{"id": "r1", "noisy": "totor\\nThe council met.", '
                                                b'"labels": ["boilerplate", "body"]}\n'), ["eval", "e.jsonl", "--json"],
      redirects=">&-"),
    P("rules-test-stdout-closed", files(), ["rules", "test"], redirects=">&-"),
    P("check-stdout-closed", files(a_DOT_txt=A), ["check", "a.txt"], redirects=">&-"),
    P("usage-unknown-option", files(), ["clean", "--no-such-option"], said="--no-such-option"),
    P("usage-missing-argument", files(), ["eval"]),
    P("usage-bad-option-value", files(), ["clean", "--jobs", "-1"], said="--jobs"),
    P("usage-unknown-command", files(), ["frobnicate"], said="frobnicate"),
    P("usage-option-without-value", files(), ["clean", "-o"], said="-o"),
]


@pytest.mark.parametrize("p", PROMISES, ids=[p.name for p in PROMISES])
def test_promise(p: Promise, tmp_path):
    d = tmp_path / "case"
    (d / "tmpdir").mkdir(parents=True)
    p.setup(d)
    before = snapshot(d)
    case = Case(0, 0, "clean", args=p.args, redirects=p.redirects, ulimit=p.ulimit)
    res = run_case(case, d)
    err = res.stderr.decode("utf-8", "replace")
    shown = f"$ {case.cli()}{'   [ulimit -f 1]' if p.ulimit else ''}\nexit {res.code}\nstderr:\n{err[-2500:]}"
    assert not res.timed_out, shown
    assert "Traceback" not in err, shown
    assert res.code in (p.code if isinstance(p.code, set) else {p.code}), shown
    said, other = stderr_lines(err, summary_ok=True, cleaned_ok=True, json_lines_ok=False)
    assert not other, f"stderr lines that are not `cleaner: ...` (nor the run summary):\n{shown}"
    if p.lines is None:
        assert said or res.code == 0, shown
    else:
        assert len(said) == p.lines, shown
    if p.said:
        assert any(p.said in line for line in said), f"no `cleaner:` line names {p.said!r}\n{shown}"
    after = snapshot(d)
    allowed = set(p.changes)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k) and k not in allowed)
    assert not changed, f"changed, gone or left behind: {changed}\n{shown}"
    if p.check:
        p.check(d, res)


def test_readme_names_every_promise():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## What it promises"):]
    section = section[: section.index("\n## ", 5)]
    missing = [p.name for p in PROMISES if f"`{p.name}`" not in section]
    assert not missing, f"README's 'What it promises' does not name: {missing}"


# --- leftovers of a killed run are cleared by the next run -------------------------------------------

def _kill_a_run_midway(folder: Path, cwd: Path) -> list:
    """Leave what a `kill -9` leaves: a JSONL run writing into ``folder``, fed from a pipe that is
    never closed (so it waits with its temporary output open), killed with its workers."""
    proc = subprocess.Popen([sys.executable, "-m", "cleaner", "clean", "--format", "jsonl", "-o",
                             str(folder / "killed.jsonl"), "--jobs", "1"], cwd=cwd, stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        proc.stdin.write(rec(1, ARTICLE))
        proc.stdin.flush()
        end = time.monotonic() + fuzz_cli.TIMEOUT
        while time.monotonic() < end and proc.poll() is None and not _leftovers(folder):
            time.sleep(0.01)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdin.close()
    return _leftovers(folder)


def _leftovers(folder: Path) -> list:
    return sorted(n for n in os.listdir(folder) if n.startswith(".cleaner-"))


@pytest.mark.parametrize("next_run", [
    ["clean", "c.jsonl", "-o", "out/o.jsonl", "--jobs", "1"],
    ["clean", "c.jsonl", "-o", "out/o.jsonl.gz", "--jobs", "2"],
    ["clean", "a.txt", "-o", "out/o.txt"],
    ["clean", "a.txt", "--log", "out/log.jsonl"],
    ["clean", "--in-place", "out"],
], ids=["jsonl", "jsonl-gz-jobs-2", "text", "log", "in-place"])
def test_leftovers_of_a_killed_run_are_cleared_by_the_next_run(next_run, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "b.txt").write_bytes(A)
    (tmp_path / "a.txt").write_bytes(A)
    (tmp_path / "c.jsonl").write_bytes(CORPUS)
    assert _kill_a_run_midway(out, tmp_path), "the killed run left nothing behind to clear"
    proc = subprocess.run([sys.executable, "-m", "cleaner", *next_run], cwd=tmp_path, capture_output=True,
                          timeout=fuzz_cli.TIMEOUT)
    assert proc.returncode == 0, proc.stderr.decode()
    assert _leftovers(out) == [], "the next run writing into that folder left the killed run's temporary files"
