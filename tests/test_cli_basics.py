"""What users of black, ruff and ftfy expect of a command: a version, short help, completion, quiet
and verbose, settings in pyproject.toml, a diff of what would change, corpus formats by name and
content, and rule packs placed by their number."""
import gzip
import json
import re
import shutil
import subprocess

import pytest

import cleaner
from conftest import FIXTURES, ROOT, SAMPLES, run_cli

ARTICLE = SAMPLES[1].read_bytes()  # "totor" at the top, "Comments" at the bottom
CLEANED = (FIXTURES / "expected" / SAMPLES[1].name).read_bytes()


def lines(proc, stream="stderr"):
    return getattr(proc, stream).decode().splitlines()


# --- version, help, completion ---------------------------------------------------------------

def test_version_is_the_package_version_and_the_changelogs_latest():
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.decode() == f"cleaner {cleaner.__version__}\n"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(r"^## \[?(\d+\.\d+\.\d+)", changelog, re.M).group(1) == cleaner.__version__


def test_short_help_shows_flags_and_value_names_not_python_types():
    proc = run_cli("clean", "-h", env_extra={"COLUMNS": "120"})
    out = proc.stdout.decode()
    assert proc.returncode == 0 and "Usage: cleaner clean" in out
    assert "--in-place" in out and "--no-in-place" in out and "--log-text" in out and "--no-log-text" in out
    assert "PATH" in out and "<bool>" not in out and "<list[" not in out and "<str>" not in out


def test_shell_completion_is_available():
    proc = run_cli("--show-completion", "bash", env_extra={"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"})
    assert proc.returncode == 0 and b"complete" in proc.stdout and b"cleaner" in proc.stdout


def test_usage_errors_are_one_line():
    proc = run_cli("clean", "--bogus")
    (line,) = lines(proc)
    assert proc.returncode == 2 and line.startswith("cleaner: No such option: --bogus")


def test_the_wheel_ships_the_typing_marker_and_the_licence():
    assert (ROOT / "cleaner" / "py.typed").exists() and "MIT License" in (ROOT / "LICENSE").read_text()


# --- quiet and verbose -----------------------------------------------------------------------

def test_quiet_silences_the_summary_but_not_problems(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_bytes(ARTICLE)
    (folder / "bad.txt").write_bytes(b"caf\xe9")
    proc = run_cli("clean", "--in-place", "--quiet", folder)
    assert proc.returncode == 2
    assert lines(proc) == [f"cleaner: {folder / 'bad.txt'}: invalid UTF-8 at byte 3 (line 1): b'\\xe9'; "
                           "convert it to UTF-8 first (e.g. iconv -f latin1 -t utf-8)"]
    (folder / "a.txt").write_bytes(ARTICLE)
    proc = run_cli("clean", "--in-place", folder / "a.txt")
    assert "documents: 1" in proc.stderr.decode() and proc.stderr.decode().count("documents:") == 1


def test_verbose_lists_every_rule_that_fired(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps({"id": p.name, "text": p.read_text(encoding="utf-8")}) + "\n"
                              for p in SAMPLES), encoding="utf-8")
    log = tmp_path / "log.jsonl"
    proc = run_cli("clean", corpus, "-o", tmp_path / "o.jsonl", "--verbose", "--log", log, env_extra={"COLUMNS": "150"})
    fired = {json.loads(x)["rule"] for x in log.read_text().splitlines()}
    assert proc.returncode == 0 and all(rule in proc.stderr.decode() for rule in fired)


# --- settings from pyproject.toml ----------------------------------------------------------------

def test_settings_come_from_the_nearest_pyproject_and_the_command_line_wins(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.cleaner]\ndisable = ["stray-tokens"]\n')
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    assert run_cli("clean", SAMPLES[1], cwd=sub).stdout == b"totor\n" + CLEANED
    assert run_cli("--no-config", "clean", SAMPLES[1], cwd=sub).stdout == CLEANED
    other = tmp_path / "other.toml"
    other.write_text('disable = ["comments"]\n')
    assert run_cli("--config", other, "clean", SAMPLES[1], cwd=sub).stdout == CLEANED + b"\nComments"


def test_packs_in_settings_are_relative_to_the_settings_file(tmp_path):
    (tmp_path / "packs").mkdir()
    (tmp_path / "packs" / "60-mine.yaml").write_text(
        "category: mine\nrules:\n  - id: drop-israeli\n    description: test\n    pattern: '^ISRAELI tanks'\n"
        "    action: drop\n")
    (tmp_path / "pyproject.toml").write_text('[tool.cleaner]\nrules = ["packs/"]\n')
    proc = run_cli("clean", SAMPLES[1], cwd=tmp_path)
    assert proc.returncode == 0 and not proc.stdout.startswith(b"ISRAELI") and b"Israel's military" in proc.stdout


@pytest.mark.parametrize("body, message", [
    ("[tool.cleaner]\nbogus = 1\n", "[tool.cleaner]: unknown key 'bogus'"),
    ("[tool.cleaner]\njobs = 'two'\n", "[tool.cleaner] jobs: must be int, not str"),
    ("[tool.cleaner\n", "not valid TOML"),
])
def test_bad_settings_are_one_line_naming_the_file(tmp_path, body, message):
    (tmp_path / "pyproject.toml").write_text(body)
    proc = run_cli("clean", SAMPLES[1], cwd=tmp_path)
    (line,) = lines(proc)
    assert proc.returncode == 2 and line.startswith(f"cleaner: {tmp_path / 'pyproject.toml'}: ") and message in line


# --- seeing what would change ----------------------------------------------------------------

def test_clean_diff_writes_nothing_and_shows_files_stdin_and_records(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(ARTICLE)
    proc = run_cli("clean", "--diff", path)
    assert proc.returncode == 0 and path.read_bytes() == ARTICLE
    assert "\n-totor\n" in proc.stdout.decode() and "\n-Comments\n\\ No newline at end of file\n" in proc.stdout.decode()
    proc = run_cli("clean", "--diff", "-", input=ARTICLE)
    assert proc.stdout.decode().startswith("would clean - (comments 1, stray-tokens 1)\n--- a/-\n+++ b/-\n")
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"text": "Nothing to remove.\n"}) + "\n" + json.dumps({"text": ARTICLE.decode()}) + "\n")
    proc = run_cli("clean", "--diff", corpus)
    assert proc.returncode == 0 and proc.stdout.decode().startswith(
        f"would clean {corpus}:2 (comments 1, stray-tokens 1)\n--- {corpus}:2\n+++ {corpus}:2\n")


def test_check_checks_jsonl_records_as_clean_cleans_them(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"text": "Nothing to remove.\n"}) + "\n{broken\n" + json.dumps({"text": ARTICLE.decode()}) + "\n")
    proc = run_cli("check", corpus)
    assert proc.returncode == 2  # a bad record is a problem, as in `clean`
    assert lines(proc, "stdout") == [f"would clean {corpus}:3 (comments 1, stray-tokens 1)"]
    assert lines(proc)[0].startswith(f"cleaner: {corpus}:2: not JSON")
    corpus.write_text(json.dumps({"text": "Nothing to remove.\n"}) + "\n")
    assert run_cli("check", corpus).returncode == 0


def test_colour_diff_names_each_rule_and_shows_invisible_characters():
    text = "Para\u00a0one.\nShare this article\n".encode()
    proc = run_cli("clean", "--diff", "--color", "-", input=text)
    out = proc.stdout.decode()
    assert "\x1b[31m-Share this article\x1b[0m  \x1b[2m[share-bar]\x1b[0m" in out
    assert "\u2423" in out and "[nbsp]" in out
    plain = run_cli("clean", "--diff", "--no-color", "-", input=text).stdout
    assert b"\x1b[" not in plain and "Para\u00a0one.".encode() in plain  # the plain diff still applies


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_check_diff_applies_with_git_apply(tmp_path, sample):
    (tmp_path / "a.txt").write_bytes(sample.read_bytes())
    proc = run_cli("check", "--diff", "a.txt", cwd=tmp_path)
    diff = proc.stdout.split(b"\n", 1)[1]
    applied = subprocess.run(["git", "apply", "--unsafe-paths", "-"], input=diff, cwd=tmp_path, capture_output=True)
    assert applied.returncode == 0, applied.stderr
    assert (tmp_path / "a.txt").read_bytes() == (FIXTURES / "expected" / sample.name).read_bytes()


# --- corpus formats --------------------------------------------------------------------------

def _records(n=3) -> bytes:
    return b"".join(json.dumps({"id": k, "text": ARTICLE.decode()}).encode() + b"\n" for k in range(n))


@pytest.mark.parametrize("name", ["c.json.gz", "c.ndjson", "c.jsonl.zst", "c.json", "corpus-without-suffix"])
def test_jsonl_corpora_are_known_by_name_or_content(tmp_path, name):
    import zstandard

    data = _records()
    packed = gzip.compress(data) if name.endswith(".gz") else zstandard.ZstdCompressor().compress(data) if name.endswith(".zst") else data
    (tmp_path / name).write_bytes(packed)
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.jsonl.zst"
        proc = run_cli("clean", tmp_path / name, "-o", out, "-j", jobs, "--quiet")
        assert proc.returncode == 0, proc.stderr
        got = zstandard.ZstdDecompressor().stream_reader(out.read_bytes(), read_across_frames=True).read()
        assert [json.loads(x)["text"] for x in got.splitlines()] == [CLEANED.decode()] * 3


def test_a_single_json_document_and_parquet_are_refused(tmp_path):
    (tmp_path / "doc.json").write_text('[\n  {"text": "x"}\n]\n')
    proc = run_cli("clean", tmp_path / "doc.json", "-o", tmp_path / "o.jsonl")
    assert proc.returncode == 2 and lines(proc)[0].endswith("not JSON Lines (one JSON object a line); a single JSON document is not a corpus")
    (tmp_path / "c.jsonl").write_bytes(_records())
    proc = run_cli("clean", tmp_path / "c.jsonl", "-o", tmp_path / "o.parquet")
    assert proc.returncode == 2 and "Parquet is not read or written" in lines(proc)[0]
    assert not (tmp_path / "o.parquet").exists()


def test_no_log_text_keeps_spans_and_rule_ids_only(tmp_path):
    (tmp_path / "c.jsonl").write_bytes(_records(1))
    run_cli("clean", tmp_path / "c.jsonl", "-o", tmp_path / "small.jsonl", "--no-log-text", "--log", tmp_path / "log.jsonl")
    run_cli("clean", tmp_path / "c.jsonl", "-o", tmp_path / "full.jsonl")
    small = json.loads((tmp_path / "small.jsonl").read_text())["metadata"]["cleaner"]["removals"]
    full = json.loads((tmp_path / "full.jsonl").read_text())["metadata"]["cleaner"]["removals"]
    assert small == [{k: v for k, v in r.items() if k != "text"} for r in full] and "text" in full[0]
    assert all("text" not in json.loads(x) for x in (tmp_path / "log.jsonl").read_text().splitlines())


# --- rule packs: placed by number, tested beside the defaults --------------------------------

def _pack(path, rule_id, pattern="^Zebra crossing$"):
    path.write_text(f"category: mine\nrules:\n  - id: {rule_id}\n    description: test\n"
                    f"    pattern: '{pattern}'\n    action: drop\n")


def test_a_numbered_pack_runs_among_the_defaults_by_its_number(tmp_path):
    _pack(tmp_path / "35-mine.yaml", "zebra")
    _pack(tmp_path / "unnumbered.yaml", "zebra-2", "^Zebra 2$")
    ids = [row.split()[1] for row in lines(run_cli("rules", "list", "--rules", tmp_path / "35-mine.yaml",
                                                   "--rules", tmp_path / "unnumbered.yaml"), "stdout")[1:]
           if row.split() and row.split()[0].isdigit()]
    categories = {r.id: r.category for r in cleaner.load_rules(check=False)}
    before = [i for i in ids[: ids.index("zebra")] if i in categories]
    after = [i for i in ids[ids.index("zebra") + 1:] if i in categories]
    assert {categories[i] for i in before} >= {"captions", "credits"} and "related" not in {categories[i] for i in before}
    assert "related" in {categories[i] for i in after} and ids[-1] == "zebra-2"


def test_rules_test_loads_the_defaults_so_an_id_clash_fails_there(tmp_path):
    _pack(tmp_path / "60-mine.yaml", "share-bar")
    proc = run_cli("rules", "test", tmp_path)
    assert proc.returncode == 2 and "duplicate rule id 'share-bar'" in lines(proc)[0]
    proc = run_cli("rules", "test", "--alone", tmp_path)
    assert proc.returncode == 0 and lines(proc, "stdout") == ["1 rules, 0 examples: 0 failed"]


def test_a_rule_pack_with_several_mistakes_is_one_line_each(tmp_path):
    pack = tmp_path / "60-bad.yaml"
    pack.write_text("category: bad\nrules:\n  - id: a\n    description: x\n    pattern: '(unclosed'\n"
                    "  - id: b\n    description: y\n    pattern: 'x'\n    window: 1000000000\n"
                    "  - id: c\n    description: z\n    pattern: '(?P<n>x)'\n    action: replace\n    replacement: '\\9'\n")
    proc = run_cli("clean", "--rules", pack, input=b"text\n")
    problems = lines(proc)
    assert proc.returncode == 2 and len(problems) == 3
    assert all(p.startswith(f"cleaner: {pack}:") for p in problems)


def test_an_upper_case_trigger_is_lower_cased_not_silently_dead(tmp_path):
    pack = tmp_path / "t.yaml"
    pack.write_text('category: t\nrules:\n  - id: t1\n    description: x\n    triggers: ["Sponsored", "ÄHNLICHE"]\n'
                    '    pattern: "(?i)^(?:sponsored|ähnliche beiträge)$"\n', encoding="utf-8")
    proc = run_cli("clean", "--only-rules", pack, "-q", input="SPONSORED\nÄhnliche Beiträge\nKeep me.\n".encode())
    assert proc.stdout == b"Keep me.\n"


def test_a_clean_result_prints_as_a_short_summary():
    result = cleaner.clean(ARTICLE.decode())
    assert repr(result) == ("CleanResult(text='ISRAELI tanks have rolled into Rafah ...' (2643 chars), "
                            "removals=2 by comments-prompt, lowercase-token-at-top)")
    assert cleaner.Cleaner.__doc__ and "timeout" in cleaner.Cleaner.__doc__ and cleaner.CleanResult.__doc__
