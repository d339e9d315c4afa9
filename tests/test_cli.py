"""The shell filter as users run it: a child process, exit codes, stdout and stderr apart."""
import json
import subprocess
import sys

import pytest

from conftest import FIXTURES, ROOT, SAMPLES, run_cli

SAMPLE = SAMPLES[1]  # 001: "totor" at the top, "Comments" at the bottom
EXPECTED = (FIXTURES / "expected" / SAMPLE.name).read_bytes()


def test_stdin_to_stdout():
    proc = run_cli("clean", input=SAMPLE.read_bytes())
    assert proc.returncode == 0 and proc.stdout == EXPECTED and proc.stderr == b""


def test_dash_is_stdin_and_files_mix_in_order():
    proc = run_cli("clean", SAMPLES[0], "-", SAMPLES[2], input=SAMPLE.read_bytes())
    expected = b"".join((FIXTURES / "expected" / p.name).read_bytes() for p in (SAMPLES[0], SAMPLE, SAMPLES[2]))
    assert proc.returncode == 0 and proc.stdout == expected


def test_log_to_stderr_with_dash():
    proc = run_cli("clean", "--log", "-", input=SAMPLE.read_bytes())
    records = [json.loads(x) for x in proc.stderr.decode().splitlines()]
    assert [(r["doc"], r["rule"]) for r in records] == [("-", "lowercase-token-at-top"), ("-", "comments-prompt")]
    assert proc.stdout == EXPECTED


def test_disable_by_id_and_by_category():
    # The line is a thread's heading and a form field too: every rule that would take it is disabled.
    proc = run_cli("clean", "--disable", "comments-prompt", "--disable", "comment-thread-start", "--disable", "comment-form-field",
                   input=SAMPLE.read_bytes())
    assert proc.stdout == EXPECTED + b"\nComments"
    proc = run_cli("clean", "--disable", "stray-tokens", input=SAMPLE.read_bytes())
    assert proc.stdout == b"totor\n" + EXPECTED


def test_user_pack_added_and_only_rules(tmp_path):
    pack = tmp_path / "60-mine.yaml"
    pack.write_text('category: mine\nrules:\n  - id: no-sponsored\n    description: d\n'
                    '    triggers: [sponsored]\n    pattern: "(?i)^sponsored content$"\n', encoding="utf-8")
    text = b"totor\nThe article.\nSponsored content\n"
    assert run_cli("clean", "--rules", pack, input=text).stdout == b"The article.\n"
    assert run_cli("clean", "--only-rules", pack, input=text).stdout == b"totor\nThe article.\n"


def test_rules_list_shows_order_id_category_description():
    proc = run_cli("rules", "list", env_extra={"COLUMNS": "150"})  # wide enough that no id wraps
    lines = proc.stdout.decode().splitlines()
    assert lines[0].split() == ["ORDER", "ID", "CATEGORY", "LANGUAGES", "DESCRIPTION"]
    assert lines[1].split()[:4] == ["1", "mojibake", "normalisation", "all"]
    assert any(" caption-counter-caption " in line and " captions " in line for line in lines)


def test_invalid_utf8_is_refused_with_the_byte_offset(tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Caf\u00e9 society\n".encode("latin-1"))
    proc = run_cli("clean", bad)
    assert proc.returncode == 2 and proc.stdout == b""
    assert proc.stderr.decode() == (f"cleaner: {bad}: invalid UTF-8 at byte 3 (line 1): b'\\xe9'; "
                                    "convert it to UTF-8 first (e.g. iconv -f latin1 -t utf-8)\n")


def test_invalid_utf8_on_stdin():
    proc = run_cli("clean", input=b"ok\n\xff\n")
    assert proc.returncode == 2
    assert proc.stderr.decode().startswith("cleaner: <stdin>: invalid UTF-8 at byte 3 (line 2)")


def test_binary_file_is_refused(tmp_path):
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    proc = run_cli("clean", binary)
    assert proc.returncode == 2
    assert proc.stderr.decode() == f"cleaner: {binary}: binary file (NUL byte at offset 8), not cleaned\n"


def test_empty_file_gives_empty_output(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    proc = run_cli("clean", empty)
    assert proc.returncode == 0 and proc.stdout == b"" and proc.stderr == b""


def test_missing_file_and_folder_are_errors(tmp_path):
    proc = run_cli("clean", tmp_path / "nope.txt")
    assert proc.returncode == 2 and b"nope.txt: cannot read: No such file or directory" in proc.stderr
    proc = run_cli("clean", tmp_path)
    assert proc.returncode == 2 and b"is a folder" in proc.stderr


def test_crlf_bytes_survive_the_cli():
    crlf = SAMPLE.read_bytes().replace(b"\n", b"\r\n")
    proc = run_cli("clean", input=crlf)
    assert proc.stdout == EXPECTED.replace(b"\n", b"\r\n")


def test_huge_line_on_the_cli():
    text = b"The story.\n" + b"word " * 2_000_000 + b"\n"
    proc = run_cli("clean", input=text)
    assert proc.returncode == 0 and proc.stdout == b"The story.\n" + b"word " * 1_999_999 + b"word\n"


def test_catastrophic_user_regex_is_stopped_with_exit_2(tmp_path):
    pack = tmp_path / "slow.yaml"
    pack.write_text('category: user\nrules:\n  - id: slow-rule\n    description: d\n'
                    '    pattern: "(a|aa)+$"\n', encoding="utf-8")
    proc = run_cli("clean", "--only-rules", pack, "--regex-timeout", "0.2", input=b"a" * 5000 + b"b\n", timeout=30)
    assert proc.returncode == 2
    assert proc.stderr.decode() == f"cleaner: rule 'slow-rule' ({pack}:3): pattern timed out after 0.2s on line 1\n"


def test_closed_pipe_ends_quietly(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"".join(p.read_bytes() + b"\n" for p in SAMPLES) * 1)
    files = [big] * 400  # far more output than a pipe buffer holds
    cmd = f"{sys.executable} -m cleaner clean {' '.join(map(str, files))} | head -1"
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, cwd=ROOT, timeout=120)
    assert proc.stderr == b"", proc.stderr.decode()
    assert proc.returncode == 0
    assert proc.stdout.startswith(b"IDF take out 20 Hamas gunmen")


def test_bad_usage_exits_2():
    proc = run_cli("clean", "--no-such-option")
    assert proc.returncode == 2 and b"No such option" in proc.stderr


def test_no_stdin_and_no_tty_does_not_hang():
    proc = subprocess.run([sys.executable, "-m", "cleaner", "clean"], stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=30, cwd=ROOT)
    assert proc.returncode == 0 and proc.stdout == b""
