"""Lose nothing: outputs appear whole or not at all, records keep their bytes, files keep their owner
and links, and a killed run's leftovers are cleared by the next run."""
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.corpus import process_file
from cleaner.rawjson import replace_value, set_member
from conftest import FIXTURES, SAMPLES, run_cli

ARTICLE = SAMPLES[1].read_bytes()  # "totor" at the top, "Comments" at the bottom
CLEANED = (FIXTURES / "expected" / SAMPLES[1].name).read_bytes()


# --- records keep every byte the cleaner does not own --------------------------------------

def test_a_cleaned_record_keeps_its_other_fields_byte_for_byte(tmp_path):
    text = json.dumps(ARTICLE.decode())
    line = ('{"id": "a\\u00e9", "score": 1.10, "big": 1e5, "nan": NaN, "low": -Infinity, '
            f'"text": {text}, "tags": [1.0, {{"x": "}}"}}], "metadata": {{"lang": "en"}}}}\n')
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(line, encoding="utf-8")
    proc = run_cli("clean", corpus, "-o", tmp_path / "out.jsonl")
    assert proc.returncode == 0, proc.stderr
    out = (tmp_path / "out.jsonl").read_text(encoding="utf-8")
    head, _, rest = out.partition('"text": ')
    assert head == line.partition('"text": ')[0]  # every field before the text, as written
    assert '"tags": [1.0, {"x": "}"}], "metadata": {"lang": "en","cleaner":' in rest
    record = json.loads(out)
    assert record["text"] == CLEANED.decode() and math.isnan(record["nan"]) and record["low"] == -math.inf
    assert [r["rule"] for r in record["metadata"]["cleaner"]["removals"]] == ["lowercase-token-at-top", "comments-prompt"]


def test_a_lone_surrogate_in_the_text_is_a_bad_record_passed_through(tmp_path):
    good = json.dumps({"id": "g", "text": ARTICLE.decode()})
    bad = '{"id": "b", "text": "Credit: AP \\ud800 ' + "x" * 20 + '"}'
    other = '{"id": "o\\udc00", "text": ' + json.dumps(ARTICLE.decode()) + '}'
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("\n".join([good, bad, other]) + "\n", encoding="utf-8")
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.jsonl"
        proc = run_cli("clean", corpus, "-o", out, "--log", tmp_path / f"log{jobs}.jsonl", "-j", jobs)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr.decode()
        assert f"cleaner: {corpus}:2: field 'text' holds a lone surrogate (\\ud800)".encode() in proc.stderr
        lines = out.read_bytes().split(b"\n")
        assert lines[1] == bad.encode()  # byte for byte
        assert json.loads(lines[0])["text"] == json.loads(lines[2])["text"] == CLEANED.decode()
        assert lines[2].startswith(b'{"id": "o\\udc00", "text": ')  # the other field's escape stays


JSON_SCALARS = st.one_of(
    st.sampled_from(["1.10", "1e5", "-0", "NaN", "-Infinity", "true", "null", '"\\u00e9"', '"a\\"}b"', "[]", "{}"]),
    st.text(max_size=8).map(json.dumps),
    st.integers().map(str),
)
SPACE = st.sampled_from(["", " ", "\t", "  "])


@st.composite
def raw_objects(draw, depth=0):
    """A JSON object as bytes, written with odd spacing and number formats a serialiser would change."""
    keys = draw(st.lists(st.sampled_from(["text", "id", "metadata", "cleaner", "x", "é"]), max_size=5))
    parts = []
    for k in keys:
        value = draw(raw_objects(depth + 1)) if depth < 2 and draw(st.booleans()) else draw(JSON_SCALARS)
        parts.append(f"{draw(SPACE)}{json.dumps(k)}{draw(SPACE)}:{draw(SPACE)}{value}{draw(SPACE)}")
    return "{" + ",".join(parts) + draw(SPACE) + "}"


@settings(max_examples=300, deadline=None)
@given(raw_objects(), st.text(max_size=20))
def test_splicing_changes_exactly_what_a_parser_would(raw, new_text):
    line = raw.encode("utf-8") + b"\n"
    record = json.loads(line)
    value = json.dumps(new_text).encode()
    if "text" in record:
        out = replace_value(line, ["text"], value)
        assert json.loads(out) == json_with(record, ["text"], new_text)
        assert out.endswith(b"\n")
    meta = record.get("metadata", {})
    if isinstance(meta, dict):
        out = set_member(line, ["metadata", "cleaner"], value)
        assert json.loads(out) == json_with(record, ["metadata", "cleaner"], new_text)
        # what stands before the spliced member is untouched
        assert out.startswith(line[:_common_prefix(line, out)]) and len(out) >= len(line) - len(raw)


def json_with(record, path, value):
    """What a parser gives after ``record[path] = value`` (NaN compared as a string)."""
    copy = json.loads(json.dumps(record))
    holder = copy
    for k in path[:-1]:
        holder = holder.setdefault(k, {})
    holder[path[-1]] = value
    return json.loads(json.dumps(copy))


def _common_prefix(a: bytes, b: bytes) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


# --- in place: a file counts as cleaned only once written; owner, mode and links kept ------

def test_a_failed_in_place_write_is_an_error_not_a_cleaned_file(tmp_path, monkeypatch, cleaner):
    import cleaner.corpus as corpus

    path = tmp_path / "a.txt"
    path.write_bytes(ARTICLE)

    def full_disk(path, text):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(corpus, "write_atomic", full_disk)
    outcome = process_file(cleaner.clean, str(path), write=True)
    assert not outcome.changed and outcome.stats.documents == 0
    assert outcome.error == f"{path}: cannot write: No space left on device"
    assert path.read_bytes() == ARTICLE


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another owner")
def test_in_place_keeps_owner_and_mode(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(ARTICLE)
    os.chown(path, 1234, 5678)
    os.chmod(path, 0o640)
    assert run_cli("clean", "--in-place", path).returncode == 0
    st_ = os.stat(path)
    assert (st_.st_uid, st_.st_gid, st_.st_mode & 0o7777) == (1234, 5678, 0o640)
    assert path.read_bytes() == CLEANED


def test_in_place_through_a_symlink_cleans_its_target(tmp_path):
    target = tmp_path / "real.txt"
    target.write_bytes(ARTICLE)
    link = tmp_path / "link.txt"
    link.symlink_to(target.name)
    proc = run_cli("clean", "--in-place", link)
    assert proc.returncode == 0 and proc.stderr.startswith(f"cleaned {link} ".encode())
    assert link.is_symlink() and os.readlink(link) == "real.txt"
    assert target.read_bytes() == CLEANED


def test_leftovers_of_killed_runs_are_cleared_and_live_ones_kept(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale_file = tmp_path / f".cleaner-{dead.pid}-k3j2.tmp"
    stale_dir = tmp_path / f".cleaner-{dead.pid}-x9q1"
    live = tmp_path / f".cleaner-{os.getpid()}-live.tmp"  # this test's own pid: a run still going
    stale_file.write_text("half a file")
    stale_dir.mkdir()
    (stale_dir / "part-00000").write_text("half a shard")
    live.write_text("in progress")
    (tmp_path / "a.txt").write_bytes(ARTICLE)
    assert run_cli("clean", "--in-place", tmp_path / "a.txt").returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["a.txt", live.name])


def test_outputs_to_devices_are_written_not_replaced(tmp_path):
    proc = run_cli("clean", SAMPLES[1], "-o", os.devnull, "--log", os.devnull)
    assert proc.returncode == 0 and os.path.exists(os.devnull) and not os.path.isfile(os.devnull)


def test_interrupting_a_parallel_gzip_run_leaves_nothing_behind(tmp_path):
    out, log = tmp_path / "out.jsonl.gz", tmp_path / "log.jsonl"
    record = json.dumps({"text": ARTICLE.decode()}).encode() + b"\n"
    proc = subprocess.Popen([sys.executable, "-m", "cleaner", "clean", "--format", "jsonl", "-", "-j", "2",
                             "-o", str(out), "--log", str(log)],
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    proc.stdin.write(record * 5000)  # more than a batch: the workers are busy, stdin stays open
    proc.stdin.flush()
    time.sleep(2.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and err == b"cleaner: interrupted\n"
    assert list(tmp_path.iterdir()) == []


# --- the diff applies ----------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("patch") is None, reason="patch is not installed")
@pytest.mark.parametrize("text", [
    ARTICLE,  # no final newline
    ARTICLE.replace(b"\n", b"\r\n") + b"\r\n",
    b"Para one.\xe2\x80\xa8Credit: AP\nShare this article\nA\xc2\xa0line with a space.",
])
def test_check_diff_applies_with_patch(tmp_path, text):
    work = tmp_path / "work"
    work.mkdir()
    (work / "a.txt").write_bytes(text)
    expected = run_cli("clean", work / "a.txt").stdout
    proc = run_cli("check", "--diff", "a.txt", cwd=work)
    assert proc.returncode in (0, 1)
    diff = proc.stdout.split(b"\n", 1)[1] if proc.returncode == 1 else b""
    applied = subprocess.run(["patch", "-p1", "--binary", "-s"], input=diff, cwd=work, capture_output=True)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert (work / "a.txt").read_bytes() == expected
