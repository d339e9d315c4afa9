"""What people and scripts read: the run summary, problems, `rules list`, the eval report, progress.

Off a terminal everything is plain text (no escape codes, no trailing spaces, 100 columns or
$COLUMNS); on one, rich tables and a progress bar with percent and time left.
"""
import io
import json
import re

import pytest
from rich.console import Console

from cleaner import Cleaner
from cleaner.display import (make_console, print_eval, print_problems, print_rules, print_summary,
                             summary_text, TOP_RULES)
from cleaner.evaluate import evaluate_doc, summarise
from cleaner.model import Removal
from cleaner.report import Progress, RunStats
from conftest import SAMPLES, read, run_cli

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class _Result:
    def __init__(self, text, removals):
        self.text, self.removals = text, removals


def many_rules_stats(n_rules=30) -> RunStats:
    """A run where rule k (k = 0..n_rules-1) removed n_rules - k things, each in its own category pair."""
    stats = RunStats()
    for k in range(n_rules):
        removals = [Removal(f"rule-{k:02d}", f"cat-{k % 3}", 1, 0, 1, "x") for _ in range(n_rules - k)]
        stats.add_document(f"doc-{k}", "x" * 100, _Result("x" * 90, removals))
    stats.add_document("gutted.txt", "y" * 100, _Result("y" * 10, [Removal("rule-00", "cat-0", 1, 0, 90, "y" * 90)]))
    stats.add_document("untouched.txt", "z", _Result("z", []))
    stats.add_error("corpus.jsonl:7: not JSON")
    return stats


@pytest.fixture
def plain(monkeypatch):
    """Not a terminal, no $COLUMNS: what a pipe, a test or CI gets."""
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


def terminal_console(width=100, **kw) -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, force_terminal=True, width=width, color_system="truecolor", **kw), buf


# --- the run summary ---------------------------------------------------------------------------

def test_summary_holds_the_totals_the_categories_the_rules_the_losses_and_the_problems(plain, capsys):
    stats = many_rules_stats()
    print_summary(stats)
    err = capsys.readouterr().err
    assert not ANSI.search(err) and "\r" not in err
    lines = err.splitlines()
    assert lines[0] == f"documents: {stats.documents}  changed: {stats.documents - 1}  unchanged: 1"
    assert lines[1].startswith(f"bytes: {stats.bytes_in} in, {stats.bytes_out} out (") and lines[1].endswith("% removed)")
    assert lines[2] == f"removals: {stats.removals}"
    total = stats.removals
    # per category: name, count, share of all removals
    cat0 = stats.by_category["cat-0"]
    assert any(line.split() == ["cat-0", str(cat0), f"{cat0 / total:.1%}"] for line in lines)
    # per rule: rule, category, count, share; the most frequent first
    rows = [line.split() for line in lines if line.startswith("rule-")]
    assert rows[0] == ["rule-00", "cat-0", "31", f"{31 / total:.1%}"]
    assert [r[0] for r in rows] == [f"rule-{k:02d}" for k in range(TOP_RULES)]  # the top ones only
    assert any("20 more rules" in line and "--verbose" in line for line in lines)
    assert "documents that lost more than 50% of their text: 1 (worth a look)" in err
    assert any(line.split() == ["gutted.txt", "90%"] for line in lines)
    assert lines[-1] == "problems: 1"
    assert all(line == line.rstrip() and len(line) <= 100 for line in lines)


def test_verbose_summary_lists_every_rule(plain, capsys):
    stats = many_rules_stats(60)
    print_summary(stats, verbose=True)
    err = capsys.readouterr().err
    listed = [line.split()[0] for line in err.splitlines() if line.startswith("rule-")]
    assert listed == [f"rule-{k:02d}" for k in range(60)]
    assert "more rules" not in err


def test_summary_text_is_what_a_pipe_gets(plain, capsys):
    stats = many_rules_stats()
    print_summary(stats)
    assert capsys.readouterr().err == summary_text(stats) + "\n" == stats.summary() + "\n"


def test_summary_ties_are_ordered_by_name_so_runs_compare():
    a, b = RunStats(), RunStats()
    for stats, order in ((a, ["zeta", "alpha"]), (b, ["alpha", "zeta"])):
        for rule in order:
            stats.add_document(rule, "ab", _Result("a", [Removal(rule, "c", 1, 1, 2, "b")]))
    assert summary_text(a) == summary_text(b)


def test_rule_categories_survive_a_merge():
    a, b = RunStats(), RunStats()
    b.add_document("d", "ab", _Result("a", [Removal("r1", "captions", 1, 1, 2, "b")]))
    a.merge(b)
    assert a.rule_category == {"r1": "captions"}
    assert any(line.split()[:2] == ["r1", "captions"] for line in summary_text(a).splitlines())


def test_summary_on_a_terminal_is_styled_and_honours_no_color(monkeypatch):
    stats = many_rules_stats()
    console, buf = terminal_console()
    print_summary(stats, console=console)
    out = buf.getvalue()
    assert ANSI.search(out)
    assert "removals per rule" in ANSI.sub("", out) and "rule-00" in out
    monkeypatch.setenv("NO_COLOR", "1")
    console = make_console(stderr=True, terminal=True)
    console.file = buf = io.StringIO()
    print_summary(stats, console=console)
    assert not re.search(r"\x1b\[[0-9;]*3[0-9]", buf.getvalue())  # bold stays, colours go


def test_plain_width_follows_columns(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "60")
    rules = Cleaner().rules
    print_rules(rules)
    lines = capsys.readouterr().out.splitlines()
    assert max(map(len, lines)) <= 60 and max(map(len, lines)) > 50


def test_summary_of_a_cli_run_is_plain_and_printed_once(tmp_path):
    src = tmp_path / "in.jsonl"
    texts = [read(p) for p in SAMPLES]
    src.write_text("".join(json.dumps({"id": f"d{i}", "text": texts[i % len(texts)]}) + "\n" for i in range(8)))
    proc = run_cli("clean", src, "-o", tmp_path / "out.jsonl", "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr.decode()
    assert err.count("documents: 8  changed:") == 1
    assert "removals per category:" in err and "removals per rule:" in err
    assert not ANSI.search(err) and "\r" not in err


# --- problems ----------------------------------------------------------------------------------

def test_problems_are_one_plain_line_each(capsys):
    stats = RunStats()
    for n in range(60):
        stats.add_error(f"corpus.jsonl:{n}: not JSON")
    print_problems(stats)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "cleaner: corpus.jsonl:0: not JSON"
    assert all(line.startswith("cleaner: ") for line in lines)
    assert lines[-1] == "cleaner: ... and 10 more problems" and len(lines) == 51


# --- rules list --------------------------------------------------------------------------------

def test_rules_list_names_every_rule_in_order_with_its_whole_description(plain, capsys):
    rules = Cleaner().rules
    print_rules(rules)
    out = capsys.readouterr().out
    assert not ANSI.search(out)
    lines = out.splitlines()
    assert lines[0].split() == ["ORDER", "ID", "CATEGORY", "LANGUAGES", "DESCRIPTION"]
    starts = [line.split()[:4] for line in lines[1:] if line[:5].strip().isdigit()]
    assert starts == [[str(i), r.id, r.category, ",".join(r.languages) or "all"] for i, r in enumerate(rules, 1)]
    words = " ".join(line[lines[0].index("DESCRIPTION"):] for line in lines[1:]).split()
    assert words == " ".join(r.description for r in rules).split()  # wrapped, none of it lost
    assert all(len(line) <= 100 and line == line.rstrip() for line in lines)


# --- eval --------------------------------------------------------------------------------------

def eval_summary():
    c = Cleaner()
    doc = {"id": "d1", "noisy": "totor\nThe mayor resigned on Friday.\n\nComments\n\nShe denied it.\n\nread more on politics",
           "labels": ["boilerplate", "body", None, "body", None, "body", None, "boilerplate"]}
    return summarise([evaluate_doc(doc, c.clean)], c.rules)


def test_eval_report_holds_the_figures(plain, capsys):
    s = eval_summary()
    print_eval(s)
    out = capsys.readouterr().out
    assert not ANSI.search(out)
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["documents:", "1"]
    assert any(line.split() == ["removal", "precision", f"{s['removal_precision']:.3f}"] for line in lines)
    for label in ("residue-line recall", "body-token retention", "per category:", "per rule:",
                  "rules that never fired", "documents that lost the most body text"):
        assert label in out
    for r in s["rules"]:
        assert any(line.split() == [r["rule"], r["category"], str(r["removed_lines"]), str(r["body_lines"]),
                                    f"{r['precision']:.3f}"] for line in lines)
    assert any(line.split()[:5] == ["d1", "1", "of", str(s["most_body_lost"][0]["body_tokens"]), "comments-prompt"]
               for line in lines)
    never = " ".join(out[out.index("rules that never fired: "):].split("\n\n")[0].split())
    assert all(rule in never for rule in s["rules_never_fired"])  # wrapped, none lost
    assert all(len(line) <= 100 and line == line.rstrip() for line in lines)


# --- progress ----------------------------------------------------------------------------------

class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_progress_shows_percent_and_time_left_when_the_size_is_known():
    clock = Clock()
    console, buf = terminal_console()
    progress = Progress(total_bytes=10_000_000, console=console, clock=clock)
    assert progress.enabled
    for k in range(1, 5):
        clock.now += 1.0
        progress.update(k * 250, k * 1_000_000)
    screen = ANSI.sub("", buf.getvalue())
    last = screen.split("\r")[-1]
    assert "40%" in last and "1,000 documents" in last and "4.0/10.0 MB" in last and "1.0 MB/s" in last
    assert "0:00:06 left" in last  # 6 MB to go at 1 MB/s
    progress.done()
    assert buf.getvalue().endswith("\r\x1b[2K")  # the line is cleared: nothing left behind
    progress.done()  # twice is harmless


def test_progress_without_a_size_shows_documents_megabytes_and_speed():
    clock = Clock()
    console, buf = terminal_console()
    progress = Progress(console=console, clock=clock)
    for _ in range(3):
        clock.now += 0.5
        progress.add(1000, 2_000_000)
    last = ANSI.sub("", buf.getvalue()).split("\r")[-1]
    assert "3,000 documents" in last and "6.0 MB" in last and "4.0 MB/s" in last and "%" not in last


def test_progress_is_throttled_and_never_goes_backwards():
    clock = Clock()
    console, buf = terminal_console()
    progress = Progress(total_bytes=1000, console=console, clock=clock)
    clock.now += 1
    progress.update(1, 500)
    drawn = buf.getvalue()
    for n in range(2, 100):
        progress.update(n, 500 + n)  # within the same instant: no redraw
    assert buf.getvalue() == drawn
    progress.update(100, 400, force=True)  # a last figure that counts fewer bytes (text, not file bytes)
    assert "50%" in ANSI.sub("", buf.getvalue()).split("\r")[-1]


def test_progress_prints_lines_above_itself():
    clock = Clock()
    console, buf = terminal_console()
    progress = Progress(total_bytes=1000, console=console, clock=clock)
    clock.now += 1
    progress.update(1, 100)
    progress.print("cleaned a.txt (captions 1)")
    screen = ANSI.sub("", buf.getvalue())
    assert "\r\x1b[2Kcleaned a.txt (captions 1)\n" in buf.getvalue().replace("\x1b[0m", "")
    assert screen.endswith("left")  # and the bar is back below it
    progress.done()


def test_progress_is_silent_off_a_terminal(capsys):
    clock = Clock()
    progress = Progress(total_bytes=1000, clock=clock)  # stderr is captured: not a terminal
    assert not progress.enabled
    for n in range(5):
        clock.now += 1
        progress.add(1, 100)
    progress.update(5, 500, force=True)
    progress.done()
    assert capsys.readouterr().err == ""
    buf = io.StringIO()
    progress = Progress(total_bytes=1000, console=Console(file=buf, force_terminal=False), clock=clock)
    clock.now += 1
    progress.update(1, 100, force=True)
    progress.done()
    assert not progress.enabled and buf.getvalue() == ""


def test_progress_print_off_a_terminal_is_a_plain_line(capsys):
    Progress().print("cleaned a.txt (captions 1)")
    assert capsys.readouterr().err == "cleaned a.txt (captions 1)\n"


def test_progress_over_documents_for_eval():
    clock = Clock()
    console, buf = terminal_console()
    progress = Progress(total_documents=8, console=console, clock=clock)
    for n in range(1, 3):
        clock.now += 1
        progress.update(n, 0)
    last = ANSI.sub("", buf.getvalue()).split("\r")[-1]
    assert "25%" in last and "2/8 documents" in last and "0:00:06 left" in last
