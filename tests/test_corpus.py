"""Folders in place, `check`, and JSONL corpora: what a user running cleaner over a corpus relies on."""
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from cleaner import apply_removals, clean
from cleaner.corpus import find_files
from conftest import FIXTURES, ROOT, SAMPLES, read, run_cli

EXPECTED = {p.name: (FIXTURES / "expected" / p.name).read_bytes() for p in SAMPLES}


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "tree"
    (root / "sub").mkdir(parents=True)
    for p in SAMPLES:
        shutil.copy(p, root / p.name)
    (root / "sub" / "clean.txt").write_bytes(EXPECTED[SAMPLES[2].name])
    (root / "notes.md").write_text("totor\nNot a .txt file.\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.txt").write_text("totor\nOutside the tree.\n")
    (root / "link.txt").symlink_to(outside / "o.txt")
    (root / "linkdir").symlink_to(outside)
    return root


def test_find_files_recurses_by_glob_and_stays_inside_the_tree(tree):
    found = [os.path.relpath(p, tree) for p in find_files([str(tree)])]
    assert found == [p.name for p in SAMPLES] + ["sub/clean.txt"]
    assert [os.path.relpath(p, tree) for p in find_files([str(tree)], "*.md")] == ["notes.md"]


def test_in_place_rewrites_changed_files_and_leaves_the_rest_alone(tree, tmp_path):
    untouched = tree / "sub" / "clean.txt"
    os.utime(untouched, (1_000_000_000, 1_000_000_000))
    os.chmod(tree / SAMPLES[0].name, 0o640)
    log = tmp_path / "log.jsonl"
    proc = run_cli("clean", "--in-place", tree, "--log", log)
    assert proc.returncode == 0, proc.stderr
    for p in SAMPLES:
        assert (tree / p.name).read_bytes() == EXPECTED[p.name]
    assert untouched.stat().st_mtime == 1_000_000_000 and untouched.read_bytes() == EXPECTED[SAMPLES[2].name]
    assert (tree / SAMPLES[0].name).stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "outside" / "o.txt").read_text() == "totor\nOutside the tree.\n"
    records = [json.loads(x) for x in log.read_text().splitlines()]
    assert {r["doc"] for r in records} == {str(tree / p.name) for p in SAMPLES}
    err = proc.stderr.decode()
    assert f"cleaned {tree / SAMPLES[1].name} (comments 1, stray-tokens 1)" in err
    assert "documents: 4  changed: 3  unchanged: 1" in err
    again = run_cli("clean", "--in-place", tree, "--fail-on-change")
    assert again.returncode == 0  # nothing left to change


def test_fail_on_change_exits_1_like_pre_commit_fixers(tree):
    assert run_cli("clean", "--in-place", "--fail-on-change", tree / SAMPLES[1].name).returncode == 1


def test_check_changes_nothing_and_exits_1(tree):
    before = {p.name: (tree / p.name).read_bytes() for p in SAMPLES}
    proc = run_cli("check", tree, "--diff")
    assert proc.returncode == 1
    out = proc.stdout.decode()
    assert f"would clean {tree / SAMPLES[1].name} (comments 1, stray-tokens 1)\n" in out
    assert "-totor\n" in out and "+++ " in out
    assert {p.name: (tree / p.name).read_bytes() for p in SAMPLES} == before
    clean_only = run_cli("check", tree / "sub")
    assert clean_only.returncode == 0 and clean_only.stdout == b""


def test_check_reports_unreadable_files_with_exit_2(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"caf\xe9\n")
    proc = run_cli("check", tmp_path)
    assert proc.returncode == 2 and b"bad.txt: invalid UTF-8 at byte 3" in proc.stderr


def test_killing_in_place_never_leaves_a_half_written_file(tmp_path):
    big = (read(SAMPLES[0]) + "\n\n") * 40  # ~170 KB a file: writes take a moment
    originals = {}
    for i in range(150):
        p = tmp_path / f"doc{i:03d}.txt"
        p.write_text(big, encoding="utf-8", newline="")
        originals[p] = p.read_bytes()
    cleaned = clean(big).text.encode("utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "cleaner", "clean", "--in-place", str(tmp_path), "--jobs", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and not any(p.read_bytes() != originals[p] for p in list(originals)[:20]):
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    states = {"old": 0, "new": 0}
    for p, old in originals.items():
        data = p.read_bytes()
        assert data in (old, cleaned), f"{p.name} is neither the old nor the new content"
        states["old" if data == old else "new"] += 1
    assert states["new"] >= 1  # the kill landed mid-run, not before it began


# --- JSONL ---------------------------------------------------------------------------------

def records(n=300):
    texts = [read(p) for p in SAMPLES] + ["Nothing to remove here.\n"]
    return [{"id": f"doc-{i}", "meta": {"source": "test", "n": i}, "text": texts[i % len(texts)], "score": 0.5}
            for i in range(n)]


def write_jsonl(path, recs, extra_lines=()):
    lines = [json.dumps(r) for r in recs] + list(extra_lines)
    data = ("\n".join(lines) + "\n").encode("utf-8")
    if str(path).endswith(".gz"):
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


def test_jsonl_records_keep_their_fields_and_carry_the_log(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", records(8))
    out = tmp_path / "out.jsonl"
    proc = run_cli("clean", src, "-o", out, "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    in_lines = src.read_bytes().splitlines(keepends=True)
    out_lines = out.read_bytes().splitlines(keepends=True)
    assert len(out_lines) == 8
    for before, after in zip(in_lines, out_lines):
        b, a = json.loads(before), json.loads(after)
        result = clean(b["text"])
        if not result.removals:
            assert after == before  # untouched record: byte for byte
            continue
        assert list(a)[:4] == ["id", "meta", "text", "score"] and a["meta"] == b["meta"] and a["score"] == 0.5
        assert a["text"] == result.text
        log = a["metadata"]["cleaner"]
        assert set(log) == {"version", "rules", "removals"}
        # The spans are in the original text: with the removed text they rebuild it exactly.
        rebuilt, pos = [], 0
        for r in log["removals"]:
            assert b["text"][r["start"]:r["end"]] == r["text"]
        assert apply_removals(b["text"], [type("R", (), r)() for r in log["removals"]]) == a["text"]


def test_jsonl_parallel_output_equals_serial_byte_for_byte(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", records(3000))
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert run_cli("clean", src, "-o", one, "--jobs", "1", "--log", tmp_path / "l1").returncode == 0
    assert run_cli("clean", src, "-o", two, "--jobs", "2", "--log", tmp_path / "l2").returncode == 0
    assert one.read_bytes() == two.read_bytes()
    assert (tmp_path / "l1").read_bytes() == (tmp_path / "l2").read_bytes()


def test_jsonl_gzip_in_and_out_and_stdin(tmp_path):
    recs = records(50)
    plain = write_jsonl(tmp_path / "in.jsonl", recs)
    gz = write_jsonl(tmp_path / "in.jsonl.gz", recs)
    ref = tmp_path / "ref.jsonl"
    assert run_cli("clean", plain, "-o", ref, "--jobs", "1").returncode == 0
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.jsonl.gz"
        assert run_cli("clean", gz, "-o", out, "--jobs", jobs).returncode == 0
        assert gzip.decompress(out.read_bytes()) == ref.read_bytes()
        out2 = tmp_path / f"plain{jobs}.jsonl.gz"
        assert run_cli("clean", plain, "-o", out2, "--jobs", jobs).returncode == 0
        assert gzip.decompress(out2.read_bytes()) == ref.read_bytes()
    piped = run_cli("clean", "--format", "jsonl", "--jobs", "2", input=plain.read_bytes())
    assert piped.stdout == ref.read_bytes()


def test_jsonl_bad_records_are_reported_passed_through_and_fail_the_run(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", records(3), ["not json", '{"id": "x"}', '{"id": "y", "text": 5}', "[1, 2]"])
    out = tmp_path / "out.jsonl"
    for jobs in ("1", "2"):
        proc = run_cli("clean", src, "-o", out, "--jobs", jobs)
        assert proc.returncode == 2
        err = proc.stderr.decode()
        assert f"{src}:4: not JSON" in err
        assert f"{src}:5: no field 'text'" in err
        assert f"{src}:6: field 'text' is int, not a string" in err
        assert f"{src}:7: not a JSON object" in err
        assert out.read_bytes().splitlines()[3:] == [b"not json", b'{"id": "x"}', b'{"id": "y", "text": 5}', b"[1, 2]"]


def test_jsonl_dotted_text_field_and_id_field_in_the_log(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [{"doc_id": "a1", "content": {"body": "totor\nThe text."}}])
    out, log = tmp_path / "out.jsonl", tmp_path / "log.jsonl"
    proc = run_cli("clean", src, "-o", out, "--text-field", "content.body", "--id-field", "doc_id", "--log", log, "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text())["content"]["body"] == "The text."
    assert json.loads(log.read_text())["doc"] == "a1"


def test_jsonl_refuses_to_overwrite_its_input(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", records(2))
    proc = run_cli("clean", src, "-o", src)
    assert proc.returncode == 2 and b"is also the input" in proc.stderr


def test_pre_commit_runs_both_hooks_for_real(tmp_path):
    pre_commit = shutil.which("pre-commit", path=os.path.dirname(sys.executable))
    if pre_commit is None:
        pytest.skip("pre-commit is not installed")
    repo = tmp_path / "corpus"
    repo.mkdir()
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    git = lambda *a: subprocess.run(["git", *a], cwd=repo, check=True, capture_output=True, env=env)
    git("init", "-q")
    shutil.copy(SAMPLES[1], repo / "article.txt")
    (repo / "clean.txt").write_bytes(EXPECTED[SAMPLES[2].name])
    git("add", ".")
    run = lambda hook: subprocess.run([pre_commit, "try-repo", str(ROOT), hook, "--all-files"], cwd=repo,
                                      capture_output=True, env=env, timeout=900)
    checked = run("cleaner-check")
    assert checked.returncode == 1, checked.stdout.decode()[-2000:]
    assert (repo / "article.txt").read_bytes() == SAMPLES[1].read_bytes()
    fixed = run("cleaner")
    assert fixed.returncode == 1, fixed.stdout.decode()[-2000:]  # files were modified
    assert (repo / "article.txt").read_bytes() == EXPECTED[SAMPLES[1].name]
    git("add", ".")
    assert run("cleaner-check").returncode == 0
    assert run("cleaner").returncode == 0


def test_progress_shows_on_a_terminal_and_never_in_a_pipe(tmp_path):
    import pty

    src = write_jsonl(tmp_path / "in.jsonl", records(40))
    piped = run_cli("clean", src, "-o", tmp_path / "a.jsonl", "--jobs", "1")
    assert b"\r" not in piped.stderr and b"MB/s" not in piped.stderr
    master, slave = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "cleaner", "clean", str(src), "-o", str(tmp_path / "b.jsonl"), "--jobs", "1"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave, cwd=ROOT, timeout=60)
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
    assert proc.returncode == 0
    assert b"40 documents" in seen and b"MB/s" in seen
