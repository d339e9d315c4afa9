"""Bad-input fuzzing of the command line (issue #9's standing check): a seeded generator of cases
over the bad-input matrix, each run as the real CLI in a child process and checked for invariants.

    .venv/bin/python benchmarks/fuzz_cli.py [--seed 0] [--cases 200] [--seconds S] [--json]
    .venv/bin/python benchmarks/fuzz_cli.py --seed 0 --replay 17      # one case again, kept on disk

A case picks an input (text file, folder, stdin, JSONL, .jsonl.gz, corrupt gzip, invalid UTF-8,
binary, a record with a lone surrogate, records with NaN/-Infinity/1.10/1e5, escapes, a bad user
rule pack), an output (stdout, a new file, a precious existing file, the input itself by name,
symlink or hard link, a folder, a missing folder, a path under a regular file, /sys, a copy of the
/dev/full and /dev/null devices, /dev/full or a closed fd as stdout), a --log variant and flags
(--in-place, --jobs 1/2, check, check --diff, eval, rules test, usage errors), and random
combinations of these. Invariants checked after each run:

  traceback            no "Traceback" on stderr
  exit_code            the exit code is one documented for the command (no signal, no 120)
  error_not_reported   a case with a certain error (bad input, unwritable output, same file...) exits 2
  unexpected_error     a case with nothing wrong (good input, writable outputs) does not exit 2
  stderr_format        on exit 2, every stderr line starts with "cleaner:", besides what the README
                       allows there: the run summary at the end (`clean`: from its first line,
                       `documents: N  changed: N  unchanged: N`, to the end), `cleaned PATH (...)`
                       lines (--in-place) and log records (--log -)
  input_changed        no input file changes (or vanishes) unless --in-place
  in_place_content     a file cleaned in place holds its old or its cleaned content in full
  cleaned_not_written  a file reported `cleaned` holds its cleaned content
  special_replaced     symlinks and device files stay what they were (not replaced by a file)
  output_not_whole     an output or log file holds its old content (or is absent) or a complete new one
  jsonl_passthrough    a bad record (its text holds a lone surrogate, not JSON, no text) passes
                       through byte for byte and is reported by line; a cleaned record's other fields
                       keep their bytes (NaN, 1.10, 1e5, escapes, a lone surrogate in another field)
  stray_files          no `.cleaner-*` or other new files left beside the outputs after a normal end
  hang                 every run ends within the timeout

The machine may run as root: chmod cannot make a folder unwritable, so writes are made to fail with
a path under a regular file (ENOTDIR), /sys (EACCES), device copies made with mknod (skipped with a
note where mknod is not allowed), and `ulimit -f 1` (EFBIG: a "full disk" for regular files).
Never with the real /dev entries as -o: a wrong rename there would replace a system device.
"""
from __future__ import annotations

import argparse
import atexit
import gzip
import json
import os
import random
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
TIMEOUT = 20.0
ULIMIT_BLOCKS = 1  # `ulimit -f 1`: regular files may not grow past 1 KiB
BIG = 2048  # an output at least this large surely fails under the ulimit
PRECIOUS = b"precious: this file existed before the run\n"
SYS_PATH = "/sys/cleaner-fuzz-output.txt"

INVARIANTS = ("traceback", "exit_code", "error_not_reported", "unexpected_error", "stderr_format", "input_changed",
              "in_place_content", "cleaned_not_written", "special_replaced", "output_not_whole",
              "jsonl_passthrough", "stray_files", "hang")

# Exit codes the README documents, per command.
DOCUMENTED = {"clean": {0, 2}, "clean --fail-on-change": {0, 1, 2}, "check": {0, 1, 2}, "eval": {0, 2},
              "rules test": {0, 1, 2}, "usage": {2}}

# --- texts (written for this file; nothing copied from any corpus) ---------------------------------

PARAS = [
    "The council met on Tuesday to discuss the budget for the coming year.",
    "Residents said the new bus timetable had left some villages without a service after six.",
    "The river rose by two metres overnight, and the lower road was closed before dawn.",
    "Engineers expect the bridge to reopen in the spring, once the supports have been checked.",
    "A spokesperson for the water company said supplies were not affected by the flooding.",
    "Teachers at the school will vote next week on whether to accept the revised offer.",
    "The festival, now in its twelfth year, drew more visitors than ever to the harbour front.",
    "Police asked anyone who saw the collision on the ring road to come forward.",
    "Farmers in the valley say the late frost has cut this year's apple harvest by a third.",
    "The museum's new wing, designed by a local firm, opens to the public on Saturday.",
    "Café owners on the square welcomed the decision to keep the street closed to traffic.",
    "Tickets for the final went on sale at nine and were gone within the hour.",
]
TOPS = ["totor", "Photo: Jane Doe/Reuters"]
BOTTOMS = ["Comments", "Share this article", "Read more: Why the bridge closed"]


def _article(rng: random.Random, n: int, residue: bool = True, crlf: bool = False, final_nl: bool = True) -> str:
    lines = rng.sample(PARAS, min(n, len(PARAS)))
    while len(lines) < n:
        lines.append(rng.choice(PARAS))
    if residue:
        if rng.random() < 0.5:
            i = rng.randrange(len(lines))
            lines[i] = lines[i].replace(" ", "\u00a0", 1)  # an NBSP repair
        lines = [rng.choice(TOPS)] + lines + [rng.choice(BOTTOMS)]
    text = "\n".join(lines) + ("\n" if final_nl else "")
    return text.replace("\n", "\r\n") if crlf else text


def good_text(rng: random.Random, kind: Optional[str] = None) -> str:
    kind = kind or rng.choice(["residue", "residue", "clean", "crlf", "nofinal", "long", "fixture"])
    if kind == "clean":
        return _article(rng, 3, residue=False)
    if kind == "crlf":
        return _article(rng, 3, crlf=True)
    if kind == "nofinal":
        return _article(rng, 2, final_nl=False)
    if kind == "long":
        return _article(rng, 40)
    if kind == "fixture":
        fixtures = sorted((ROOT / "fixtures").glob("*.txt"))
        if fixtures:
            return rng.choice(fixtures).read_bytes().decode("utf-8")
        return _article(rng, 30)
    return _article(rng, rng.randint(2, 5))


INVALID_UTF8 = "Caf\u00e9 society met again.\nThe end.\n".encode("latin-1")
BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"

GOOD_PACK = ('category: user\nrules:\n  - id: fuzz-sponsored\n    description: A sponsored label.\n'
             '    triggers: [sponsored]\n    pattern: "(?i)^sponsored content$"\n'
             '    examples:\n      remove: ["Sponsored content"]\n      keep: ["Sponsored content is everywhere."]\n')
FAILING_PACK = ('category: user\nrules:\n  - id: fuzz-failing\n    description: An example that fails.\n'
                '    triggers: [sponsored]\n    pattern: "(?i)^sponsored content$"\n'
                '    examples:\n      remove: ["Sponsored by the council"]\n')
BAD_PACKS = {
    "bad-group-number": ('category: user\nrules:\n  - id: fuzz-bad-ref\n    description: d\n    pattern: "(?i)(the)"\n'
                         '    action: replace\n    replacement: "\\\\9"\n'),
    "bad-group-name": ('category: user\nrules:\n  - id: fuzz-bad-name\n    description: d\n    pattern: "(?i)(?P<w>the)"\n'
                       '    action: replace\n    replacement: "\\\\g<nope>"\n'),
    "bad-regex": 'category: user\nrules:\n  - id: fuzz-bad-regex\n    description: d\n    pattern: "(totor"\n',
    "duplicate-key": ('category: user\nrules:\n  - id: fuzz-dup\n    description: d\n    description: e\n'
                      '    pattern: "totor"\n'),
    "unknown-key": 'category: user\nrules:\n  - id: fuzz-unknown\n    description: d\n    pattern: "x"\n    colour: red\n',
}

_CLEANERS: dict = {}
_PACK_DIR: Optional[str] = None


def _good_pack_path() -> str:
    global _PACK_DIR
    if _PACK_DIR is None:
        _PACK_DIR = tempfile.mkdtemp(prefix="fuzz-pack-")
        atexit.register(shutil.rmtree, _PACK_DIR, True)
        Path(_PACK_DIR, "60-fuzz.yaml").write_text(GOOD_PACK, encoding="utf-8")
    return os.path.join(_PACK_DIR, "60-fuzz.yaml")


def expected_clean(text: str, good_pack: bool = False):
    """(clean text, number of removals), from the library in this process."""
    key = bool(good_pack)
    if key not in _CLEANERS:
        from cleaner import Cleaner

        _CLEANERS[key] = Cleaner(extra=[_good_pack_path()] if good_pack else [])
    result = _CLEANERS[key].clean(text)
    return result.text, len(result.removals)


# --- cases -------------------------------------------------------------------------------------------

@dataclass
class Target:
    """An output or log file: afterwards it holds its old content (or is absent) or a complete new one."""

    path: str
    role: str  # "text" | "jsonl" | "log"
    old: Optional[bytes]
    text: Optional[bytes] = None  # role text: the complete output
    jsonl: Optional["JsonlExpect"] = None  # role jsonl
    removals: int = 0  # role log: records in a complete log
    gz: bool = False


@dataclass
class JsonlExpect:
    lines: list  # input lines (bytes, with their endings)
    errors: set  # 1-based numbers of lines that must pass through unchanged and be reported
    verbatim: dict  # line number -> [(key, raw value as written)] that must stay as written in the output line
    field_path: str
    name: str  # the input as the CLI names it in messages
    good_pack: bool = False


@dataclass
class Case:
    seed: int
    index: int
    command: str  # a key of DOCUMENTED
    tags: list = field(default_factory=list)
    args: list = field(default_factory=list)
    redirects: str = ""
    ulimit: bool = False
    must_fail: list = field(default_factory=list)  # why exit 2 is certain
    must_exit: Optional[int] = None  # an exact code when known without an error (rules test: 1)
    may_fail: list = field(default_factory=list)  # why exit 2 would be fair without a certain error
    summary_ok: bool = False
    cleaned_ok: bool = False
    json_lines_ok: bool = False
    in_place: dict = field(default_factory=dict)  # realpath -> (old bytes, cleaned bytes or None)
    targets: list = field(default_factory=list)
    stdout_text: Optional[bytes] = None  # complete stdout on exit 0 (text mode)
    stdout_jsonl: Optional[JsonlExpect] = None
    stdout_gz: bool = False  # stdout carries gzip (an -o NAME.gz that links to stdout)
    notes: list = field(default_factory=list)

    def cli(self) -> str:
        return " ".join(["cleaner", *map(shlex.quote, self.args)]) + (f" {self.redirects}" if self.redirects else "")


class Builder:
    """Makes one case's files in its folder, from its own random stream (seed and index)."""

    def __init__(self, seed: int, index: int, folder: Path):
        self.rng = random.Random(f"{seed}:{index}")
        self.dir = folder
        self.case = Case(seed, index, "clean")
        self.n = 0
        (folder / "tmpdir").mkdir(parents=True, exist_ok=True)
        # Most cases hold one fault (so the error a run reports is the one meant), some none, some several.
        k = self.rng.choices([0, 1, 2, 3], [25, 50, 18, 7])[0]
        self.faults = set(self.rng.sample(FAULT_DIMS, k))

    def faulty(self, dim: str) -> bool:
        return dim in self.faults

    def pick(self, dim: str, good: list, bad: list) -> str:
        return self.rng.choice(bad if self.faulty(dim) else good)

    # files
    def name(self, stem: str, ext: str) -> str:
        self.n += 1
        return f"{stem}{self.n}{ext}"

    def write(self, rel: str, data: bytes) -> str:
        p = self.dir / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        return rel

    def tag(self, *tags: str) -> None:
        self.case.tags.extend(tags)

    def fail(self, why: str) -> None:
        self.case.must_fail.append(why)

    def device(self, which: str) -> Optional[str]:
        """A copy of /dev/full or /dev/null in the case folder (mknod), or None where not allowed."""
        rel = self.name(which, ".dev")
        minor = {"full": 7, "null": 3}[which]
        try:
            os.mknod(self.dir / rel, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
        except (PermissionError, OSError) as e:
            self.case.notes.append(f"mknod not allowed ({e.strerror}): /dev/{which} copy skipped")
            return None
        return rel

    def pack(self) -> tuple[list, bool]:
        """--rules options: none, a good user pack, or a bad one (a certain error)."""
        if not self.faulty("rules"):
            if self.rng.random() < 0.85:
                return [], False
            rel = self.write(self.name("good-pack", ".yaml"), GOOD_PACK.encode())
            self.tag("rules=good")
            return ["--rules", rel], True
        kind = self.rng.choice(sorted(BAD_PACKS))
        rel = self.write(self.name(kind, ".yaml"), BAD_PACKS[kind].encode())
        self.tag(f"rules={kind}")
        self.fail(f"rule pack {kind}")
        return ["--rules", rel], False

    def stdout(self, writes_stdout: bool) -> str:
        """stdout: a pipe, /dev/full or closed. A certain error when output is due there."""
        if not self.faulty("stdout"):
            return "pipe"
        kind = self.rng.choice(["devfull", "closed"])
        self.tag(f"stdout={kind}")
        self.case.redirects = (self.case.redirects + (" >/dev/full" if kind == "devfull" else " >&-")).strip()
        if writes_stdout:
            self.fail(f"stdout {kind}")
        return kind


def build(seed: int, index: int, folder: Path) -> Case:
    b = Builder(seed, index, folder)
    r = b.rng.random()
    if r < 0.32:
        _build_clean_text(b)
    elif r < 0.64:
        _build_clean_jsonl(b)
    elif r < 0.80:
        _build_in_place(b)
    elif r < 0.88:
        _build_check(b)
    elif r < 0.94:
        _build_eval(b)
    elif r < 0.97:
        _build_rules_test(b)
    else:
        _build_usage(b)
    return b.case


# output and log targets shared by text and JSONL mode
FAULT_DIMS = ["input", "output", "log", "stdout", "stdin", "rules", "ulimit", "record"]
OUTPUTS_OK = ["stdout", "stdout", "dash", "new", "new", "precious", "precious", "null-dev", "stdout-link"]
OUTPUTS_BAD = ["same-name", "same-dotslash", "same-symlink", "same-hardlink", "folder", "missing-dir", "notdir", "sys",
               "full-dev"]
LOGS_OK = ["none"] * 4 + ["dash", "new", "precious"]
LOGS_BAD = ["same-input", "same-input-symlink", "same-input-hardlink", "same-output", "same-output-symlink",
            "same-output-hardlink", "folder", "missing-dir", "notdir", "sys", "full-dev"]



UNWRITABLE = ("folder", "missing-dir", "notdir", "sys")


def _unwritable(b, choice: str, option: str, filename: str, sys_path: str) -> str:
    """A place ``option`` cannot write to, of the kind ``choice`` names; the case must then fail."""
    if choice == "folder":
        rel = b.name(option.strip("-") + "dir", "")
        (b.dir / rel).mkdir()
        b.fail(f"{option} is a folder")
        return rel
    if choice == "missing-dir":
        b.fail(f"{option} in a missing folder")
        return f"{b.name('missing', '')}/{filename}"
    if choice == "notdir":
        parent = b.write(b.name("plain", ".file"), b"a regular file\n")
        b.fail(f"{option} under a regular file")
        return f"{parent}/{filename}"
    b.fail(f"{option} in /sys")
    return sys_path


def _place_output(b: Builder, choice: str, inputs: list, ext: str) -> tuple[Optional[str], Optional[str]]:
    """(the -o value or None, the kind actually used). ``inputs``: input files (relative paths)."""
    if choice.startswith("same-") and not inputs:
        choice = "new"
    if choice in ("full-dev", "null-dev"):
        dev = b.device(choice.split("-")[0])
        if dev is None:
            choice = "new"
        else:
            b.tag(f"out={choice}")
            return dev, choice
    b.tag(f"out={choice}")
    if choice == "stdout":
        return None, choice
    if choice == "dash":
        return "-", choice
    if choice in ("new", "precious"):
        rel = b.name("out", ext)
        if choice == "precious":
            b.write(rel, PRECIOUS)
        return rel, choice
    if choice.startswith("same-"):
        src = b.rng.choice(inputs)
        b.fail(f"output is the input ({choice})")
        if choice == "same-name":
            return src, choice
        if choice == "same-dotslash":
            return "./" + src, choice
        rel = b.name("alias", ext)
        if choice == "same-symlink":
            os.symlink(os.path.basename(src) if "/" not in src else os.path.abspath(b.dir / src), b.dir / rel)
        else:
            os.link(b.dir / src, b.dir / rel)
        return rel, choice
    if choice in UNWRITABLE:
        return _unwritable(b, choice, "-o", f"out{ext}", SYS_PATH), choice
    if choice == "stdout-link":
        rel = b.name("stdout-link", ext)
        os.symlink("/proc/self/fd/1", b.dir / rel)
        return rel, choice
    raise AssertionError(choice)


def _place_log(b: Builder, choice: str, inputs: list, output: Optional[str], out_kind: str) -> tuple[Optional[str], str]:
    if choice.startswith("same-input") and not inputs:
        choice = "new"
    if choice.startswith("same-output") and (output is None or out_kind not in ("new", "precious")):
        choice = "new"
    if choice == "full-dev":
        dev = b.device("full")
        if dev is None:
            choice = "new"
        else:
            b.tag("log=full-dev")
            return dev, choice
    if choice != "none":
        b.tag(f"log={choice}")
    if choice == "none":
        return None, choice
    if choice == "dash":
        b.case.json_lines_ok = True
        return "-", choice
    if choice in ("new", "precious"):
        rel = b.name("log", ".jsonl")
        if choice == "precious":
            b.write(rel, PRECIOUS)
        return rel, choice
    if choice.startswith("same-input") or choice.startswith("same-output"):
        src = b.rng.choice(inputs) if choice.startswith("same-input") else output
        b.fail(f"log is the {choice[5:]}")
        if choice in ("same-input", "same-output"):
            return src, choice
        rel = b.name("log-alias", ".jsonl")
        if choice.endswith("symlink"):
            os.symlink(os.path.abspath(b.dir / src), b.dir / rel)
        else:
            if not (b.dir / src).exists():
                b.write(src, PRECIOUS)
            os.link(b.dir / src, b.dir / rel)
        return rel, choice
    if choice in UNWRITABLE:
        return _unwritable(b, choice, "--log", "log.jsonl", SYS_PATH.replace(".txt", ".jsonl")), choice
    raise AssertionError(choice)


def _target_for(b: Builder, path: Optional[str], kind: str, role: str, **expect) -> None:
    """Register an output/log file to check afterwards (plain files only: aliases are inputs)."""
    if path is None or kind not in ("new", "precious"):
        return
    if not (b.dir / path).exists() and kind == "precious":
        return
    old = (b.dir / path).read_bytes() if (b.dir / path).exists() else None
    b.case.targets.append(Target(path, role, old, **expect))


def _jobs(b: Builder) -> list:
    r = b.rng.random()
    if r < 0.4:
        return []
    j = "1" if r < 0.7 else "2"
    b.tag(f"jobs={j}")
    return ["--jobs", j]


def _ulimit(b: Builder) -> bool:
    if b.faulty("ulimit"):
        b.case.ulimit = True
        b.case.may_fail.append("ulimit -f 1: any file written (temporary ones too) may pass 1 KiB")
        b.tag("ulimit-f")
        return True
    return False


def _build_clean_text(b: Builder) -> None:
    c, rng = b.case, b.rng
    c.command = "clean"
    c.summary_ok = True  # the README puts it under corpora; allowed for any `clean`
    limited = _ulimit(b)
    pack_args, good_pack = b.pack()
    operands, files, expected, removals, stdin_used = [], [], [], 0, False
    kinds = [rng.choices(["good", "stdin", "empty"], [12, 3, 1])[0] for _ in range(rng.choice([0, 1, 1, 1, 2, 3]))]
    if b.faulty("input"):
        bad = rng.choice(["invalid-utf8", "binary", "missing", "folder"])
        if kinds and rng.random() < 0.5:
            kinds[rng.randrange(len(kinds))] = bad
        else:
            kinds.insert(rng.randint(0, len(kinds)), bad)
    for kind in kinds:
        if kind == "stdin" and stdin_used:
            kind = "good"
        b.tag(f"in={kind}")
        if kind == "good":
            text = good_text(rng, "long" if limited and not files else None)
            rel = b.write(b.name("a", ".txt"), text.encode())
            operands.append(rel)
            files.append(rel)
            t, n = expected_clean(text, good_pack)
            expected.append(t.encode())
            removals += n
        elif kind == "stdin":
            stdin_used = True
            operands.append("-")
        elif kind == "empty":
            operands.append(b.write(b.name("empty", ".txt"), b""))
            files.append(operands[-1])
        elif kind == "invalid-utf8":
            operands.append(b.write(b.name("latin1-", ".txt"), INVALID_UTF8))
            b.fail("invalid UTF-8 input")
        elif kind == "binary":
            operands.append(b.write(b.name("image", ".png"), BINARY))
            b.fail("binary input")
        elif kind == "missing":
            operands.append(b.name("missing", ".txt"))
            b.fail("missing input")
        elif kind == "folder":
            rel = b.name("dir", "")
            b.write(f"{rel}/x.txt", good_text(rng).encode())
            operands.append(rel)
            b.fail("folder without --in-place")
    if not operands or stdin_used:
        # stdin: a file, or closed
        stdin_kind = b.pick("stdin", ["text"], ["closed", "invalid-utf8"])
        if stdin_kind == "closed":
            c.redirects = "0<&-"
            b.tag("stdin=closed")
            b.fail("stdin closed")
        elif stdin_kind == "invalid-utf8":
            b.write("stdin.txt", INVALID_UTF8)
            c.redirects = "<stdin.txt"
            b.tag("stdin=invalid-utf8")
            b.fail("invalid UTF-8 on stdin")
        else:
            text = good_text(rng)
            b.write("stdin.txt", text.encode())
            c.redirects = "<stdin.txt"
            b.tag("stdin=text")
            t, n = expected_clean(text, good_pack)
            pos = operands.index("-") if "-" in operands else 0
            expected.insert(pos, t.encode())
            removals += n
    out_text = b"".join(expected)
    output, out_kind = _place_output(b, b.pick("output", OUTPUTS_OK, OUTPUTS_BAD), files, ".txt")
    log, log_kind = _place_log(b, b.pick("log", LOGS_OK, LOGS_BAD), files, output, out_kind)
    to_stdout = output in (None, "-") or out_kind == "stdout-link"
    if out_kind == "stdout-link":
        c.redirects = c.redirects  # stdout stays a pipe
    else:
        b.stdout(to_stdout and bool(out_text))
    if out_kind == "full-dev" and out_text:
        b.fail("-o is a full device")
    if log_kind == "full-dev" and removals:
        b.fail("--log is a full device")
    if limited and out_kind in ("new", "precious") and len(out_text) >= BIG:
        b.fail("output over the file size limit")
    if limited and log_kind in ("new", "precious") and removals >= 25:
        b.fail("log over the file size limit")
    _target_for(b, output, out_kind, "text", text=out_text)
    _target_for(b, log, log_kind, "log", removals=removals)
    if to_stdout:
        c.stdout_text = out_text
    c.args = ["clean", *operands, *(["-o", output] if output else []), *(["--log", log] if log else []),
              *pack_args, *_jobs(b)]


def _record(rng: random.Random, n: int, kind: str, field_path: str) -> tuple[bytes, list, bool]:
    """(raw line without its end, raw values that must stay, whether it is a bad record)."""
    sep = rng.choice([", ", ","])
    colon = rng.choice([": ", ":"])

    def line(fields: list) -> bytes:
        return ("{" + sep.join(f'"{k}"{colon}{v}' for k, v in fields) + "}").encode("utf-8")

    def text_fields(text_raw: str) -> list:
        if field_path == "text":
            return [("text", text_raw)]
        return [("content", '{"body"%s%s}' % (colon, text_raw))]

    doc_id = ("id", json.dumps(f"doc-{n}"))
    if kind == "plain":
        text = good_text(rng, rng.choice(["residue", "clean", "crlf", "fixture"]))
        return line([doc_id, *text_fields(json.dumps(text, ensure_ascii=rng.random() < 0.5)),
                     ("meta", '{"source"%s"fuzz"}' % colon)]), [], False
    if kind == "long":
        return line([doc_id, *text_fields(json.dumps(good_text(rng, "long")))]), [], False
    if kind == "numbers":
        values = [("score", "NaN"), ("low", "-Infinity"), ("high", "Infinity"), ("ratio", "1.10"), ("big", "1e5"),
                  ("exp", "1E+05"), ("neg", "-0.0"), ("whole", "2.0")]
        picked = rng.sample(values, rng.randint(2, len(values)))
        text = _article(rng, 2)
        fields = [doc_id, *picked[: len(picked) // 2], *text_fields(json.dumps(text)), *picked[len(picked) // 2:]]
        return line(fields), picked, False
    if kind == "escapes":
        values = [("title", r'"Caf\u00e9 \/ news"'), ("emoji", r'"\ud83d\ude00"'), ("quote", r'"say \"hi\""'),
                  ("bigint", "123456789012345678901234567890")]
        picked = rng.sample(values, rng.randint(1, len(values)))
        fields = [doc_id, *text_fields(json.dumps(_article(rng, 2))), *picked]
        return line(fields), picked, False
    if kind == "surrogate":
        where = rng.choice(["text", "other"])
        if where == "text":
            raw = json.dumps(_article(rng, 2))[:-1] + '\\ud800 and on."'
            return line([doc_id, *text_fields(raw)]), [], True
        # Not a bad record (the README: a lone surrogate in the *text* is): the record is cleaned, or
        # passed through; either way the other field keeps its bytes.
        title = ("title", r'"half \udc00 a pair"')
        return line([doc_id, title, *text_fields(json.dumps(_article(rng, 2)))]), [title], False
    if kind == "not-json":
        return b'{"id": "broken", "text": "unterminated', [], True
    if kind == "no-text":
        return line([doc_id, ("body", json.dumps(_article(rng, 2)))]), [], True
    if kind == "text-not-string":
        return line([doc_id, *text_fields("5")]), [], True
    raise AssertionError(kind)


def _jsonl_content(b: Builder, field_path: str, limited: bool) -> tuple[list, set, dict]:
    rng = b.rng
    kinds = ["plain"] * 6 + ["numbers", "numbers", "escapes", "blank", "long"]
    picked = [rng.choice(kinds) for _ in range(rng.randint(1, 7))]
    if b.faulty("record"):
        bad = rng.choice(["surrogate", "surrogate", "not-json", "no-text", "text-not-string"])
        picked.insert(rng.randint(0, len(picked)), bad)
    if limited:
        picked += ["long", "long"]
    lines, errors, verbatim = [], set(), {}
    for n, kind in enumerate(picked, 1):
        if kind == "blank":
            lines.append(b"\n")
            continue
        raw, keep, bad = _record(rng, n, kind, field_path)
        end = b"\r\n" if rng.random() < 0.1 else b"\n"
        lines.append(raw + end)
        if bad:
            errors.add(n)
        if keep:
            verbatim[n] = keep
    for kind in sorted(set(picked) - {"plain", "long", "blank"}):
        b.tag(f"record={kind}")
    if lines and lines[-1].strip() and rng.random() < 0.15:
        lines[-1] = lines[-1].rstrip(b"\r\n")
        b.tag("no-final-newline")
    return lines, errors, verbatim


def _build_clean_jsonl(b: Builder) -> None:
    c, rng = b.case, b.rng
    c.command = "clean"
    c.summary_ok = True
    limited = _ulimit(b)
    pack_args, good_pack = b.pack()
    field_path = "text" if rng.random() < 0.85 else "content.body"
    lines, errors, verbatim = _jsonl_content(b, field_path, limited)
    data = b"".join(lines)
    if b.faulty("input"):
        kind = rng.choice(["not-gzip", "truncated-gz", "corrupt-gz", "missing"])
    else:
        kind = rng.choices(["jsonl", "jsonl.gz", "ndjson", "stdin", "stdin-dash"], [10, 4, 1, 2, 1])[0]
    b.tag(f"in={kind}")
    args, files, name = [], [], None
    if kind in ("jsonl", "ndjson"):
        rel = b.write(b.name("corpus", "." + kind), data)
        args, files, name = [rel], [rel], rel
    elif kind == "jsonl.gz":
        rel = b.write(b.name("corpus", ".jsonl.gz"), gzip.compress(data, mtime=0))
        args, files, name = [rel], [rel], rel
    elif kind in ("stdin", "stdin-dash"):
        args, name = (["-"] if kind == "stdin-dash" else []) + ["--format", "jsonl"], "<stdin>"
        if b.faulty("stdin"):
            c.redirects = "0<&-"
            b.tag("stdin=closed")
            b.fail("stdin closed")
        else:
            b.write("stdin.jsonl", data)
            c.redirects = "<stdin.jsonl"
    elif kind == "missing":
        args = [b.name("missing", ".jsonl")]
        b.fail("missing input")
    else:
        big = b"".join(lines * max(1, 40 // max(1, len(lines))))  # long enough that corruption is inside the stream
        packed = gzip.compress(big, mtime=0)
        if kind == "not-gzip":
            packed = big
        elif kind == "truncated-gz":
            packed = packed[: max(12, len(packed) // 2)]
        else:
            mid = len(packed) // 2
            packed = packed[:mid] + bytes(x ^ 0x5A for x in packed[mid: mid + 8]) + packed[mid + 8:]
        rel = b.write(b.name("corrupt", ".jsonl.gz"), packed)
        args, files = [rel], [rel]
        b.fail(f"{kind} input")
    if errors and name is not None and "stdin closed" not in c.must_fail:
        b.fail("bad records")
    assert data.splitlines(keepends=True) == lines
    expect = JsonlExpect(lines, errors, verbatim, field_path, name or "", good_pack) if name else None
    ext = ".jsonl.gz" if rng.random() < 0.2 else ".jsonl"
    output, out_kind = _place_output(b, b.pick("output", OUTPUTS_OK, OUTPUTS_BAD), files, ext)
    log, log_kind = _place_log(b, b.pick("log", LOGS_OK, LOGS_BAD), files, output, out_kind)
    to_stdout = output in (None, "-") or out_kind == "stdout-link"
    if out_kind != "stdout-link":
        b.stdout(to_stdout and bool(data))
    if out_kind == "full-dev" and data:
        b.fail("-o is a full device")
    removals = _jsonl_removals(expect) if expect else 0
    if log_kind == "full-dev" and removals:
        b.fail("--log is a full device")
    if limited and out_kind in ("new", "precious") and len(data) >= BIG and not ext.endswith(".gz"):
        b.fail("output over the file size limit")
    if expect:
        _target_for(b, output, out_kind, "jsonl", jsonl=expect, gz=(output or "").endswith(".gz"))
        _target_for(b, log, log_kind, "log", removals=removals)
        if to_stdout:
            c.stdout_jsonl = expect
            # -o NAME.gz that is a link to stdout: gzip by its name, onto stdout
            c.stdout_gz = out_kind == "stdout-link" and ext.endswith(".gz")
    else:
        _target_for(b, output, out_kind, "jsonl", jsonl=None)
        _target_for(b, log, log_kind, "log", removals=0)
    if field_path != "text":
        args += ["--text-field", field_path]
        b.tag("text-field=content.body")
    c.args = ["clean", *args, *(["-o", output] if output else []), *(["--log", log] if log else []),
              *pack_args, *_jobs(b)]


def _jsonl_removals(expect: JsonlExpect) -> int:
    total = 0
    for n, line in enumerate(expect.lines, 1):
        text = _text_of(line, expect.field_path) if n not in expect.errors else None
        if isinstance(text, str):
            total += expected_clean(text, expect.good_pack)[1]
    return total


def _text_of(line: bytes, field_path: str):
    try:
        record = json.loads(line.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    for key in field_path.split("."):
        if not isinstance(record, dict):
            return None
        record = record.get(key)
    return record


def _build_in_place(b: Builder) -> None:
    c, rng = b.case, b.rng
    c.summary_ok = c.cleaned_ok = True
    fail_on_change = rng.random() < 0.3
    c.command = "clean --fail-on-change" if fail_on_change else "clean"
    limited = _ulimit(b)
    pack_args, good_pack = b.pack()
    operands, named_files = [], []

    def add_file(rel: str, data: bytes, cleanable: bool = True) -> None:
        b.write(rel, data)
        cleaned = None
        if cleanable:
            cleaned = expected_clean(data.decode("utf-8"), good_pack)[0].encode()
            if limited and cleaned != data and len(cleaned) >= BIG:
                b.fail("in-place write over the file size limit")
        c.in_place[os.path.realpath(b.dir / rel)] = (data, cleaned)

    kinds = [rng.choices(["file", "folder", "symlink"], [6, 4, 2])[0] for _ in range(rng.randint(1, 3))]
    if b.faulty("input"):
        kinds.insert(rng.randint(0, len(kinds)), rng.choice(["invalid-utf8", "missing", "invalid-in-folder"]))
    for kind in kinds:
        b.tag(f"in={kind}")
        if kind == "file":
            rel = b.name("a", ".txt")
            add_file(rel, good_text(rng, "long" if limited else None).encode())
            operands.append(rel)
            named_files.append(rel)
        elif kind == "invalid-utf8":
            rel = b.write(b.name("latin1-", ".txt"), INVALID_UTF8)
            c.in_place[os.path.realpath(b.dir / rel)] = (INVALID_UTF8, None)
            operands.append(rel)
            b.fail("invalid UTF-8 input")
        elif kind == "missing":
            operands.append(b.name("missing", ".txt"))
            b.fail("missing input")
        elif kind == "symlink":
            real = f"real/{b.name('target', '.txt')}"
            add_file(real, good_text(rng, "long" if limited else "residue").encode())
            rel = b.name("link", ".txt")
            os.symlink(os.path.abspath(b.dir / real), b.dir / rel)
            operands.append(rel)
            c.may_fail.append("a symlink named for --in-place may be refused")
        else:
            folder = b.name("docs", "")
            for k in range(rng.randint(1, 3)):
                add_file(f"{folder}/{b.name('f', '.txt')}", good_text(rng, "long" if limited else None).encode())
            if rng.random() < 0.3:
                add_file(f"{folder}/sub/{b.name('g', '.txt')}", good_text(rng).encode())
            if rng.random() < 0.3:
                b.write(f"{folder}/{b.name('notes', '.md')}", good_text(rng).encode())
            if rng.random() < 0.25:
                outside = f"outside/{b.name('o', '.txt')}"
                b.write(outside, good_text(rng, "residue").encode())
                os.symlink(os.path.abspath(b.dir / outside), b.dir / folder / b.name("out-link", ".txt"))
                b.tag("link-out-of-tree")
            if rng.random() < 0.25:
                inside = sorted(p for p in (b.dir / folder).glob("f*.txt"))[0]
                os.symlink(inside.name, b.dir / folder / b.name("in-link", ".txt"))
                b.tag("link-in-tree")
            if kind == "invalid-in-folder":
                rel = f"{folder}/{b.name('latin1-', '.txt')}"
                b.write(rel, INVALID_UTF8)
                c.in_place[os.path.realpath(b.dir / rel)] = (INVALID_UTF8, None)
                b.fail("invalid UTF-8 file in the folder")
            operands.append(folder)
    log, log_kind = _place_log(b, b.pick("log", LOGS_OK, LOGS_BAD), named_files, None, "stdout")
    removals = 0
    if log_kind == "full-dev":
        removals = sum(1 for old, new in c.in_place.values() if new is not None and new != old)
        if removals:
            b.fail("--log is a full device")
    if log_kind in ("same-input", "same-input-symlink", "same-input-hardlink"):
        pass  # must_fail set by _place_log; the file is an input, checked as one
    _target_for(b, log, log_kind, "log", removals=-1)
    b.stdout(False)
    c.args = ["clean", "--in-place", *operands, *(["--log", log] if log else []), *pack_args, *_jobs(b),
              *(["--fail-on-change"] if fail_on_change else [])]
    if fail_on_change:
        b.tag("fail-on-change")


def _build_check(b: Builder) -> None:
    c, rng = b.case, b.rng
    c.command = "check"
    pack_args, good_pack = b.pack()
    operands, changes = [], False
    kinds = [rng.choice(["file", "folder"]) for _ in range(rng.randint(1, 3))]
    if b.faulty("input"):
        kinds.insert(rng.randint(0, len(kinds)), rng.choice(["invalid-utf8", "missing"]))
    for kind in kinds:
        b.tag(f"in={kind}")
        if kind == "file":
            text = good_text(rng)
            operands.append(b.write(b.name("a", ".txt"), text.encode()))
            changes |= expected_clean(text, good_pack)[0] != text
        elif kind == "folder":
            folder = b.name("docs", "")
            for _k in range(rng.randint(1, 3)):
                text = good_text(rng)
                b.write(f"{folder}/{b.name('f', '.txt')}", text.encode())
                changes |= expected_clean(text, good_pack)[0] != text
            operands.append(folder)
        elif kind == "invalid-utf8":
            operands.append(b.write(b.name("latin1-", ".txt"), INVALID_UTF8))
            b.fail("invalid UTF-8 input")
        else:
            operands.append(b.name("missing", ".txt"))
            b.fail("missing input")
    diff = rng.random() < 0.5
    if diff:
        b.tag("diff")
    b.stdout(changes)
    c.args = ["check", *operands, *(["--diff"] if diff else []), *pack_args, *_jobs(b)]


def _build_eval(b: Builder) -> None:
    c, rng = b.case, b.rng
    c.command = "eval"
    if b.faulty("input"):
        kind = rng.choices(["invalid-utf8", "labels-5", "not-json", "missing", "folder", "no-noisy", "labels-short"],
                           [3, 3, 1, 1, 1, 1, 1])[0]
    else:
        kind = rng.choices(["good", "gold", "empty"], [5, 2, 1])[0]
    b.tag(f"in={kind}")

    def rec(n: int) -> dict:
        body = rng.sample(PARAS, 2)
        return {"id": f"e{n}", "noisy": "\n".join(["totor", *body, "Comments"]),
                "labels": ["boilerplate", "body", "body", "boilerplate"]}

    records = [rec(n) for n in range(rng.randint(1, 4))]
    rel = b.name("eval", ".jsonl")
    if kind == "good":
        b.write(rel, "".join(json.dumps(r) + "\n" for r in records).encode())
    elif kind == "gold":
        for r in records:
            r["gold"] = "\n".join(r["noisy"].split("\n")[1:3])
            del r["labels"]
        b.write(rel, "".join(json.dumps(r) + "\n" for r in records).encode())
    elif kind == "invalid-utf8":
        b.write(rel, json.dumps(records[0]).encode() + b"\n" + b'{"noisy": "caf\xe9", "labels": ["body"]}\n')
        b.fail("invalid UTF-8 eval file")
    elif kind == "labels-5":
        records[-1]["labels"] = 5
        b.write(rel, "".join(json.dumps(r) + "\n" for r in records).encode())
        b.fail("labels: 5")
    elif kind == "not-json":
        b.write(rel, b'{"noisy": "x", "labels": [\n')
        b.fail("not JSON")
    elif kind == "missing":
        b.fail("missing eval file")
    elif kind == "folder":
        (b.dir / rel).mkdir()
        b.fail("eval file is a folder")
    elif kind == "empty":
        b.write(rel, b"")
        c.may_fail.append("an empty eval file")
    elif kind == "no-noisy":
        b.write(rel, b'{"labels": ["body"]}\n')
        b.fail("record without noisy")
    elif kind == "labels-short":
        records[0]["labels"] = ["body"]
        b.write(rel, "".join(json.dumps(r) + "\n" for r in records).encode())
        b.fail("labels do not match lines")
    as_json = rng.random() < 0.4
    if as_json:
        b.tag("json")
    b.stdout(not c.must_fail)
    c.args = ["eval", rel, *(["--json"] if as_json else []), *_jobs(b)]


def _build_rules_test(b: Builder) -> None:
    c = b.case
    c.command = "rules test"
    kind = b.pick("rules", ["good", "failing-example"], ["missing", *sorted(BAD_PACKS)])
    b.tag(f"pack={kind}")
    if kind == "missing":
        args = [b.name("missing", ".yaml")]
        b.fail("missing pack")
    else:
        text = {"good": GOOD_PACK, "failing-example": FAILING_PACK}.get(kind) or BAD_PACKS[kind]
        rel = b.write(b.name("pack", ".yaml"), text.encode())
        args = [rel]
        if kind in BAD_PACKS:
            b.fail(f"rule pack {kind}")
        elif kind == "failing-example":
            c.must_exit = 1
    b.stdout(not c.must_fail)
    c.args = ["rules", "test", *args]


USAGE = [["clean", "--no-such-option"], ["clean", "--jobs", "-1"], ["eval"], ["check"], ["frobnicate"],
         ["clean", "--format", "xml"], ["clean", "--regex-timeout", "0"], ["rules", "test", "--bogus"],
         ["clean", "-o"], ["check", "--jobs", "many", "x.txt"], ["clean", "--disable", "no-such-rule"]]


def _build_usage(b: Builder) -> None:
    c = b.case
    c.command = "usage"
    c.args = list(b.rng.choice(USAGE))
    b.tag("usage:" + " ".join(c.args))
    b.fail("usage error")


# --- running and checking -----------------------------------------------------------------------------

def shell_command(case: Case, folder: Path) -> str:
    parts = [f"cd {shlex.quote(str(folder))}", 'export TMPDIR="$PWD/tmpdir"']
    if case.ulimit:
        parts.append(f"ulimit -f {ULIMIT_BLOCKS}")
    parts.append("exec " + " ".join(map(shlex.quote, [PY, "-m", "cleaner", *case.args]))
                 + (f" {case.redirects}" if case.redirects else ""))
    return " && ".join(parts)


@dataclass
class Outcome:
    code: Optional[int]
    stdout: bytes
    stderr: bytes
    seconds: float
    timed_out: bool


def run_case(case: Case, folder: Path, timeout: float = TIMEOUT) -> Outcome:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    t = time.monotonic()
    proc = subprocess.Popen(["bash", "-c", shell_command(case, folder)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        return Outcome(proc.returncode, out, err, time.monotonic() - t, False)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
        return Outcome(None, out, err, time.monotonic() - t, True)


def snapshot(folder: Path) -> dict:
    """relative path -> ("file", bytes) | ("dir",) | ("link", target) | ("chr", rdev) | ("other",)."""
    snap = {}
    for top, dirs, files in os.walk(folder):
        for name in dirs + files:
            full = os.path.join(top, name)
            rel = os.path.relpath(full, folder)
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                snap[rel] = ("link", os.readlink(full))
            elif stat.S_ISDIR(st.st_mode):
                snap[rel] = ("dir",)
            elif stat.S_ISREG(st.st_mode):
                with open(full, "rb") as f:
                    snap[rel] = ("file", f.read())
            elif stat.S_ISCHR(st.st_mode):
                snap[rel] = ("chr", st.st_rdev)
            else:
                snap[rel] = ("other",)
    return snap


SUMMARY_FIRST = re.compile(r"documents: \d+  changed: \d+  unchanged: \d+.*")
CLEANED_LINE = re.compile(r"cleaned (.+) \(([\w-]+ \d+(, )?)+\)")


def stderr_lines(err: str, summary_ok: bool, cleaned_ok: bool, json_lines_ok: bool) -> tuple[list, list]:
    """(lines starting `cleaner:`, lines that are neither that nor allowed there)."""
    lines = err.splitlines()
    said, other = [], []
    in_summary = False
    for line in lines:
        # The README: "at the end, on stderr: documents, changed and unchanged, ...": from its first
        # line to the end, anything but a `cleaner:` line (an error met after it) is the summary.
        in_summary = in_summary or (summary_ok and bool(SUMMARY_FIRST.fullmatch(line)))
        if line.startswith("cleaner: "):
            said.append(line)
        elif in_summary:
            continue
        elif cleaned_ok and CLEANED_LINE.fullmatch(line):
            continue
        elif json_lines_ok and _is_json_object(line):
            continue
        else:
            other.append(line)
    return said, other


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def _jsonl_whole(data: bytes, expect: JsonlExpect) -> Optional[str]:
    """None if ``data`` is a complete cleaned corpus for ``expect``, else what is wrong."""
    out = data.splitlines(keepends=True)
    if len(out) != len(expect.lines):
        return f"{len(out)} lines for {len(expect.lines)} input lines"
    for n, (a, o) in enumerate(zip(expect.lines, out), 1):
        if a == o:
            continue
        if n in expect.errors:
            return f"line {n}: a bad record was not passed through unchanged"
        text = _text_of(a, expect.field_path)
        if not isinstance(text, str):
            return f"line {n}: changed"
        if _text_of(o, expect.field_path) != expected_clean(text, expect.good_pack)[0]:
            return f"line {n}: not the cleaned text"
    return None


def _passthrough_problems(data: bytes, expect: JsonlExpect, err: str) -> list:
    out = data.splitlines(keepends=True)
    problems = []
    for n in sorted(expect.errors):
        if n <= len(out) and out[n - 1] != expect.lines[n - 1]:
            problems.append(f"line {n}: bad record not passed through byte for byte")
        if not re.search(rf"^cleaner: .*:{n}: ", err, re.M):
            problems.append(f"line {n}: bad record not reported by line ({expect.name}:{n})")
    for n, pairs in sorted(expect.verbatim.items()):
        if n <= len(out) and out[n - 1] != expect.lines[n - 1]:
            lost = [f"{k}: {v}" for k, v in pairs
                    if not re.search(rb'"%s"\s*:\s*%s(?=\s*[,}])' % (k.encode(), re.escape(v.encode())), out[n - 1])]
            if lost:
                problems.append(f"line {n}: fields not kept as written: {', '.join(lost)}")
    return problems


def check_case(case: Case, folder: Path, before: dict, res: Outcome) -> dict:
    """invariant -> list of details (empty dict: all held)."""
    fails: dict = {}

    def bad(inv: str, detail: str) -> None:
        fails.setdefault(inv, []).append(detail)

    err = res.stderr.decode("utf-8", "replace")
    if res.timed_out:
        bad("hang", f"no exit within {TIMEOUT:.0f}s")
    if "Traceback" in err:
        last = [x for x in err.strip().splitlines() if x and not x.startswith(" ")][-1:]
        bad("traceback", last[0][:200] if last else "Traceback")
    code = res.code
    if not res.timed_out:
        if code not in DOCUMENTED[case.command]:
            bad("exit_code", f"exit {code} (documented: {sorted(DOCUMENTED[case.command])})")
        elif case.must_fail:
            if code != 2:
                bad("error_not_reported", f"exit {code}, expected 2: {'; '.join(case.must_fail)}")
        elif case.must_exit is not None and code != case.must_exit:
            bad("exit_code", f"exit {code}, expected {case.must_exit}")
        elif code == 2 and not case.may_fail:
            said = [x for x in err.splitlines() if x.startswith("cleaner: ")]
            bad("unexpected_error", f"exit 2 with nothing wrong: {said[0][:160] if said else err[:160]!r}")
    if code == 2:
        said, other = stderr_lines(err, case.summary_ok, case.cleaned_ok, case.json_lines_ok)
        if not said:
            bad("stderr_format", "exit 2 without a `cleaner:` line")
        if other:
            bad("stderr_format", f"{len(other)} other line(s), first: {other[0][:160]!r}")

    after = snapshot(folder)
    target_paths = {os.path.normpath(t.path) for t in case.targets}
    for rel, was in before.items():
        now = after.get(rel)
        real = os.path.realpath(folder / rel) if was[0] == "file" else None
        if was[0] in ("link", "chr", "other"):
            if now != was:
                bad("special_replaced", f"{rel}: was {was[0]} {was[1] if len(was) > 1 else ''}, now "
                    f"{now[0] if now else 'gone'}")
        elif was[0] == "dir":
            if now is None:
                bad("input_changed", f"{rel}/: folder gone")
        elif rel in target_paths:
            continue
        elif real in case.in_place:
            continue  # checked below, once per real file
        elif now != was:
            bad("input_changed", f"{rel}: {'gone' if now is None else 'changed'}" + _why(now, was))
    for real, (old, cleaned) in case.in_place.items():
        try:
            with open(real, "rb") as f:
                now = f.read()
        except OSError:
            bad("in_place_content", f"{os.path.relpath(real, folder)}: gone")
            continue
        if now != old and now != cleaned:
            bad("in_place_content", f"{os.path.relpath(real, os.path.realpath(folder))}: neither old nor cleaned "
                f"({len(now)} bytes; old {len(old)}, cleaned {len(cleaned) if cleaned is not None else '-'})")
    if case.cleaned_ok:
        for m in filter(None, map(CLEANED_LINE.fullmatch, err.splitlines())):
            real = os.path.realpath(folder / m.group(1))
            want = case.in_place.get(real)
            try:
                now = Path(real).read_bytes()
            except OSError:
                now = None
            if want is None or now != want[1]:
                bad("cleaned_not_written", f"reported `cleaned {m.group(1)}` but the file does not hold its cleaned text")
    for t in case.targets:
        entry = after.get(os.path.normpath(t.path))
        now = entry[1] if entry and entry[0] == "file" else None
        if entry is not None and entry[0] != "file":
            bad("output_not_whole", f"{t.path}: became a {entry[0]}")
            continue
        if now == t.old:
            continue
        problem = _whole_problem(t, now, code)
        if problem:
            bad("output_not_whole", f"{t.path} ({t.role}, {'precious' if t.old else 'new'}): {problem}")
        elif t.role == "jsonl" and t.jsonl is not None:
            data = gzip.decompress(now) if t.gz else now
            for p in _passthrough_problems(data, t.jsonl, err):
                bad("jsonl_passthrough", p)
    if case.stdout_text is not None and code == 0 and res.stdout != case.stdout_text:
        bad("output_not_whole", f"stdout: {len(res.stdout)} bytes, expected {len(case.stdout_text)}")
    if case.stdout_jsonl is not None and code in (0, 2) and res.stdout:
        stdout = gzip.decompress(res.stdout) if case.stdout_gz else res.stdout
        problem = _jsonl_whole(stdout, case.stdout_jsonl)
        if problem is None:
            for p in _passthrough_problems(stdout, case.stdout_jsonl, err):
                bad("jsonl_passthrough", p)
        elif code == 0:
            bad("output_not_whole", f"stdout: {problem}")
    if not res.timed_out and code is not None and code >= 0:
        new = sorted(rel for rel in after if rel not in before and os.path.normpath(rel) not in target_paths)
        if new:
            bad("stray_files", ", ".join(new[:4]) + (f" and {len(new) - 4} more" if len(new) > 4 else ""))
    return fails


def _why(now, was) -> str:
    if now is None or now[0] != "file" or was[0] != "file":
        return ""
    if not now[1]:
        return " (now empty)"
    return f" ({len(was[1])} -> {len(now[1])} bytes)"


def _whole_problem(t: Target, now: Optional[bytes], code) -> Optional[str]:
    if now is None:
        return "gone (the old file should stay)" if t.old is not None else None
    if t.role == "text":
        return None if now == t.text else f"{len(now)} bytes, neither old nor the complete output ({len(t.text)} bytes)"
    if t.role == "jsonl":
        if t.jsonl is None:
            return "written although the input could not be read"
        try:
            data = gzip.decompress(now) if t.gz else now
        except (OSError, EOFError, ValueError) as e:
            return f"not a whole gzip file ({e})"
        return _jsonl_whole(data, t.jsonl)
    # a log: JSON objects, one a line, every line ended; all of them when the run succeeded
    if now and not now.endswith(b"\n"):
        return "a log cut short (no final newline)"
    records = now.splitlines()
    for line in records:
        try:
            ok = isinstance(json.loads(line), dict) and "rule" in json.loads(line)
        except ValueError:
            ok = False
        if not ok:
            return f"not a removal log (line {line[:60]!r})"
    if code == 0 and t.removals >= 0 and len(records) != t.removals:
        return f"{len(records)} log records, expected {t.removals}"
    return None


# --- a run ---------------------------------------------------------------------------------------------

@dataclass
class Failure:
    index: int
    invariant: str
    detail: str
    cli: str
    tags: list
    seconds: float


def run_one(seed: int, index: int, base: Path, keep: bool = False) -> tuple[Case, Outcome, dict]:
    folder = base / f"case-{index}"
    case = build(seed, index, folder)
    before = snapshot(folder)
    res = run_case(case, folder)
    fails = check_case(case, folder, before, res)
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    return case, res, fails


def fuzz(seed: int = 0, cases: int = 200, seconds: Optional[float] = None, base: Optional[Path] = None,
         progress: Optional[Callable[[int], None]] = None) -> dict:
    """Run cases ``0..cases-1`` of ``seed`` (or until ``seconds`` pass); the report as a dict."""
    own = base is None
    base = Path(tempfile.mkdtemp(prefix="cleaner-fuzz-")) if own else base
    start = time.monotonic()
    failures, ran, notes, slowest = [], 0, set(), 0.0
    try:
        for index in range(cases):
            if seconds is not None and time.monotonic() - start >= seconds:
                break
            case, res, fails = run_one(seed, index, base)
            ran += 1
            notes.update(case.notes)
            slowest = max(slowest, res.seconds)
            for inv, details in fails.items():
                for d in details:
                    failures.append(Failure(index, inv, d, case.cli(), case.tags, res.seconds))
            if progress:
                progress(ran)
    finally:
        if own:
            shutil.rmtree(base, ignore_errors=True)
    by_inv: dict = {}
    for f in failures:
        by_inv.setdefault(f.invariant, []).append(f)
    return {
        "seed": seed, "cases": ran, "seconds": round(time.monotonic() - start, 1), "slowest_case": round(slowest, 1),
        "failing_cases": len({f.index for f in failures}),
        "failures": {inv: {
            "count": len(fs),
            "cases": len({f.index for f in fs}),
            "reproducer": _reproducer(seed, min(fs, key=lambda f: (len(f.tags), len(f.cli)))),
            "examples": [_example(seed, f) for f in _distinct(fs)[:6]],
        } for inv, fs in sorted(by_inv.items(), key=lambda kv: INVARIANTS.index(kv[0]))},
        "notes": sorted(notes),
    }


def _distinct(fs: list) -> list:
    seen, out = set(), []
    for f in sorted(fs, key=lambda f: (len(f.tags), f.index)):
        key = (tuple(sorted(f.tags)), re.sub(r"\d+", "N", f.detail))
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _reproducer(seed: int, f: Failure) -> dict:
    return {"case": f.index, "cli": f.cli, "detail": f.detail, "tags": f.tags,
            "replay": f".venv/bin/python benchmarks/fuzz_cli.py --seed {seed} --replay {f.index}"}


def _example(seed: int, f: Failure) -> str:
    return f"case {f.index}: {f.cli}  ->  {f.detail}"


def format_report(rep: dict) -> str:
    lines = [f"fuzz_cli: seed {rep['seed']}, {rep['cases']} cases in {rep['seconds']}s "
             f"(slowest {rep['slowest_case']}s): {rep['failing_cases']} failing case(s)"]
    if not rep["failures"]:
        lines.append("all invariants held")
    for inv, info in rep["failures"].items():
        r = info["reproducer"]
        lines.append(f"\n{inv}: {info['count']} failure(s) in {info['cases']} case(s)")
        lines.append(f"  reproducer: {r['replay']}")
        lines.append(f"      {r['cli']}")
        lines.append(f"      -> {r['detail']}")
        for ex in info["examples"][1:]:
            lines.append(f"  also {ex}")
    for note in rep["notes"]:
        lines.append(f"note: {note}")
    return "\n".join(lines)


def replay(seed: int, index: int) -> int:
    base = Path(tempfile.mkdtemp(prefix=f"cleaner-fuzz-{seed}-{index}-"))
    case, res, fails = run_one(seed, index, base, keep=True)
    folder = base / f"case-{index}"
    print(f"case {index} of seed {seed}: {' '.join(case.tags)}")
    print(f"kept in {folder} (files as they are after the run; remove it when done)")
    print(f"command: {case.cli()}" + ("   [under ulimit -f 1]" if case.ulimit else ""))
    print(f"shell:   {shell_command(case, folder)}")
    if case.must_fail:
        print(f"certain errors: {'; '.join(case.must_fail)}")
    print(f"exit {res.code}{' (timed out)' if res.timed_out else ''} in {res.seconds:.1f}s")
    print("stderr:\n" + res.stderr.decode("utf-8", "replace")[-3000:])
    if res.stdout:
        print(f"stdout: {len(res.stdout)} bytes: {res.stdout[:300]!r}")
    for inv, details in fails.items():
        for d in details:
            print(f"FAIL {inv}: {d}")
    return 1 if fails else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=None, help="stop starting new cases after this long")
    ap.add_argument("--json", action="store_true", help="print the report as one JSON object")
    ap.add_argument("--replay", type=int, default=None, metavar="N", help="run case N again and keep its folder")
    a = ap.parse_args(argv)
    if a.replay is not None:
        return replay(a.seed, a.replay)
    tty = sys.stderr.isatty()
    rep = fuzz(a.seed, a.cases, a.seconds,
               progress=(lambda n: sys.stderr.write(f"\r{n}/{a.cases} cases")) if tty else None)
    if tty:
        sys.stderr.write("\n")
    print(json.dumps(rep, indent=1) if a.json else format_report(rep))
    return 1 if rep["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
