"""The command line: parse, call the library, print, exit. Nothing imports this module.

Exit codes: 0 done; 1 files would change (``check``) or rule examples fail (``rules test``);
2 bad usage, bad input or bad rules, with one line on stderr per problem, each starting
``cleaner:``, and no traceback; 130 interrupted.
"""
from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
from pathlib import Path
from typing import List, Optional

import typer
from typer.core import TyperGroup
from typing_extensions import Annotated

from .api import Cleaner, load_rules
from .corpus import describe, find_files, run_files
from .examples import check_examples
from .jsonl import Options, is_jsonl, run_jsonl, version_of
from .model import CleanerError
from .display import print_eval, print_problems, print_rules, print_summary
from .report import Progress, RunStats
from .rules import default_rules_dir
from .textio import atomic_output, check_targets, decode, read_text, std_stream

# click's exceptions, wherever this typer takes click from (newer typers carry their own copy).
_click = sys.modules[typer.BadParameter.__module__]


class _OneLineErrors(TyperGroup):
    """Usage errors as one line (``cleaner: No such option: --bogus``), like every other error."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except getattr(_click, "NoArgsIsHelpError", ()) as e:
            e.show()
            code = e.exit_code
        except _click.ClickException as e:
            _say_problems(e.format_message())
            code = e.exit_code
        except _click.Abort:
            _say_problems("interrupted")
            code = 130
        if not standalone_mode:
            return code
        sys.exit(code or 0)


def _say_problems(message: str) -> None:
    for line in message.splitlines() or [""]:
        typer.echo(f"cleaner: {line}", err=True)


app = typer.Typer(
    cls=_OneLineErrors,
    help="Remove scraping residue (captions, credits, navigation, stray tokens) from article text, "
    "and log every change.",
    pretty_exceptions_enable=False,
    add_completion=False,
    no_args_is_help=True,
)
rules_app = typer.Typer(help="List and test rule packs.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

RulesOpt = Annotated[List[Path], typer.Option("--rules", help="Add a rule pack (file or folder); repeatable.")]
OnlyRulesOpt = Annotated[List[Path], typer.Option("--only-rules", help="Use these packs instead of the defaults; repeatable.")]
DisableOpt = Annotated[List[str], typer.Option("--disable", help="Turn off a rule id or a whole category; repeatable.")]
TimeoutOpt = Annotated[float, typer.Option("--regex-timeout", min=0.001, help="Seconds one pattern may run on one line.")]


def _fail(message: str, code: int = 2):
    _say_problems(message)
    raise typer.Exit(code)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush has nowhere to fail."""
    if sys.stdout is None:
        return
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _guarded(fn):
    """Library and I/O errors become one line on stderr and exit 2; a closed stdout ends quietly."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except CleanerError as e:
            _fail(str(e))
        except BrokenPipeError:
            # The reader went away (`cleaner clean big | head`): nothing left to say to anyone.
            _silence_stdout()
            raise typer.Exit(0)
        except OSError as e:  # a full disk, a write refused: whatever file it was, name it
            _silence_stdout()
            _fail(f"{e.filename}: {e.strerror or e}" if e.filename else f"cannot write the output: {e.strerror or e}")
        except KeyboardInterrupt:
            _fail("interrupted", 130)

    return wrapper


class _LogSink:
    """The JSONL removal log: a file (whole or not at all), stderr (``-``), or nowhere."""

    def __init__(self, target: Optional[str]):
        self.path = target if target and target != "-" else None
        self.wanted = bool(target)
        self._file = None
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> "_LogSink":
        if self.path:
            self._file = self._stack.enter_context(atomic_output(self.path))
        return self

    def __exit__(self, *exc) -> None:
        self._stack.__exit__(*exc)

    def write(self, doc: str, removals) -> None:
        if self.wanted:
            self.write_bytes("".join(json.dumps({"doc": doc, **r.to_dict()}, ensure_ascii=False) + "\n"
                                     for r in removals).encode("utf-8"))

    def write_bytes(self, data: bytes) -> None:
        if self._file is not None:
            self._file.write(data)
        elif self.wanted:
            sys.stderr.write(data.decode("utf-8"))


def _inputs(paths: List[str]):
    """(name, text) for each operand; no operand or ``-`` is stdin."""
    for p in paths or ["-"]:
        if p == "-":
            yield "-", decode(std_stream("stdin", sys.stdin).read(), "<stdin>")
        else:
            yield p, read_text(p)


JobsOpt = Annotated[int, typer.Option("--jobs", "-j", min=0, help="Worker processes; 0 = all cores.")]
GlobOpt = Annotated[str, typer.Option("--glob", help="Which files to take from folders.")]


def _config(rules, only_rules, disable, timeout) -> dict:
    return dict(rules=[str(p) for p in only_rules] or None, extra=[str(p) for p in rules],
                disable=list(disable), timeout=timeout)


def _pool_factory(cleaner, config):
    from .parallel import make_pool

    return lambda jobs: make_pool(jobs, cleaner, config)


def _report(stats, quiet: bool = False) -> None:
    print_problems(stats)
    if not quiet:
        print_summary(stats)


@app.command()
@_guarded
def clean(
    paths: Annotated[Optional[List[str]], typer.Argument(help="Files, folders (with --in-place) or a JSONL corpus; none or '-' reads stdin.")] = None,
    log: Annotated[Optional[str], typer.Option("--log", help="Write the removal log (JSON Lines) here; '-' for stderr.")] = None,
    rules: RulesOpt = [],
    only_rules: OnlyRulesOpt = [],
    disable: DisableOpt = [],
    regex_timeout: TimeoutOpt = 2.0,
    in_place: Annotated[bool, typer.Option("--in-place", "-i", help="Rewrite the files (atomically); files with nothing to remove are not touched.")] = False,
    glob: GlobOpt = "*.txt",
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="Where the cleaned text or corpus goes ('-': stdout).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="auto (by file name), text or jsonl.")] = "auto",
    text_field: Annotated[str, typer.Option("--text-field", help="JSONL: the field holding the text (dotted paths allowed).")] = "text",
    id_field: Annotated[str, typer.Option("--id-field", help="JSONL: the field naming the document in the log.")] = "id",
    jobs: JobsOpt = 0,
    fail_on_change: Annotated[bool, typer.Option("--fail-on-change", help="Exit 1 if any file was changed (for pre-commit).")] = False,
):
    """Clean article text: cleaned text to stdout (or -o, or the files themselves with --in-place),
    the log of every change to --log."""
    if fmt not in ("auto", "text", "jsonl"):
        raise CleanerError(f"--format {fmt!r}: use auto, text or jsonl")
    paths = paths or ["-"]
    if in_place and output:
        raise CleanerError("--in-place rewrites the files themselves; it takes no -o")
    check_targets(paths, {"-o": output, "--log": log})
    config = _config(rules, only_rules, disable, regex_timeout)
    cleaner = Cleaner(**config)
    jobs = jobs or os.cpu_count() or 1
    # The log is kept when the outputs it describes are: a failed run leaves neither behind.
    with _LogSink(log) as sink:
        if in_place:
            code = _clean_in_place(cleaner, config, paths, glob, jobs, sink, fail_on_change)
        elif fmt == "jsonl" or (fmt == "auto" and any(p != "-" and is_jsonl(p) for p in paths)):
            code = _clean_jsonl(cleaner, config, paths, output, text_field, id_field, jobs, sink)
        else:
            code = _clean_text(cleaner, paths, output, sink)
    if code:
        raise typer.Exit(code)


def _clean_text(cleaner, paths, output, sink) -> int:
    folders = [p for p in paths if p != "-" and os.path.isdir(p)]
    if folders:
        raise CleanerError(f"{folders[0]}: is a folder; use --in-place to clean folders, or `cleaner check`")
    to_file = output and output != "-"
    with (atomic_output(output) if to_file else contextlib.nullcontext(std_stream("stdout", sys.stdout))) as out:
        for name, text in _inputs(paths):
            result = cleaner.clean(text)
            out.write(result.text.encode("utf-8"))
            out.flush()
            sink.write(name, result.removals)
    return 0


def _clean_in_place(cleaner, config, paths, glob, jobs, sink, fail_on_change) -> int:
    if "-" in paths:
        raise CleanerError("--in-place needs files or folders, not stdin")
    if any(is_jsonl(p) for p in paths):
        raise CleanerError("--in-place is for text files; clean a JSONL corpus with -o OUT.jsonl")
    files = find_files(paths, glob)
    if sink.path:
        check_targets(files, {"--log": sink.path})

    stats, changed, progress = RunStats(), 0, Progress(total_bytes=sum(os.path.getsize(f) for f in files))
    for outcome in run_files(lambda: cleaner.clean, files, True, False, jobs,
                             _pool_factory(cleaner, config), want_log=sink.wanted):
        stats.merge(outcome.stats)
        progress.update(stats.documents, stats.bytes_in)
        line = describe(outcome, "cleaned")
        if line:
            changed += 1
            if progress.enabled:
                typer.echo("", err=True)  # leave the progress line
            typer.echo(line, err=True)
            sink.write(outcome.path, outcome.removals)
    progress.update(stats.documents, stats.bytes_in, force=True)
    progress.done()
    _report(stats)
    if stats.error_count:
        return 2
    return 1 if fail_on_change and changed else 0


def _clean_jsonl(cleaner, config, paths, output, text_field, id_field, jobs, sink) -> int:
    if len(paths) != 1:
        raise CleanerError("a JSONL corpus is cleaned one file at a time: give one input and -o OUT")
    (path,) = paths
    opts = Options(text_field=text_field, id_field=id_field, version=version_of(cleaner))
    log_write = sink.write_bytes if sink.wanted else None
    size = os.path.getsize(path) if path != "-" and not path.endswith(".gz") else None
    stats = run_jsonl(cleaner, config, path, output, opts, jobs, log_write, Progress(total_bytes=size),
                      getattr(sys.stdin, "buffer", None), getattr(sys.stdout, "buffer", None))
    _report(stats)
    return 2 if stats.error_count else 0


@app.command()
@_guarded
def check(
    paths: Annotated[List[str], typer.Argument(help="Files and folders to check.")],
    rules: RulesOpt = [],
    only_rules: OnlyRulesOpt = [],
    disable: DisableOpt = [],
    regex_timeout: TimeoutOpt = 2.0,
    glob: GlobOpt = "*.txt",
    diff: Annotated[bool, typer.Option("--diff", help="Print a unified diff of each change.")] = False,
    jobs: JobsOpt = 0,
):
    """Change nothing; list the files that cleaning would change, with counts per category.
    Exit 1 if any would change, 0 if none."""
    config = _config(rules, only_rules, disable, regex_timeout)
    cleaner = Cleaner(**config)

    stats, changed = RunStats(), 0
    for outcome in run_files(lambda: cleaner.clean, find_files(paths, glob), False, diff,
                             jobs or os.cpu_count() or 1, _pool_factory(cleaner, config)):
        stats.merge(outcome.stats)
        line = describe(outcome, "would clean")
        if line:
            changed += 1
            typer.echo(line)
            if diff:
                typer.echo(outcome.diff, nl=False)
    _report(stats, quiet=True)
    if stats.error_count:
        raise typer.Exit(2)
    if changed:
        raise typer.Exit(1)


@rules_app.command("list")
@_guarded
def rules_list(
    rules: RulesOpt = [],
    only_rules: OnlyRulesOpt = [],
    disable: DisableOpt = [],
):
    """The rules in the order they apply."""
    print_rules(load_rules(list(only_rules) or None, list(rules), disable, check=False))


@rules_app.command("test")
@_guarded
def rules_test(
    paths: Annotated[Optional[List[Path]], typer.Argument(help="Pack files or folders; default: the shipped packs.")] = None,
):
    """Run every rule's examples; each failure is reported with its file and line."""
    loaded = load_rules(list(paths) if paths else [default_rules_dir()], check=False)
    problems = check_examples(loaded)
    n = sum(len(r.examples) for r in loaded)
    for p in problems:
        typer.echo(p)
    typer.echo(f"{len(loaded)} rules, {n} examples: {len(problems)} failed")
    if problems:
        raise typer.Exit(1)


def _evaluate(record):
    """One record's report, in a worker holding its compiled Cleaner (see parallel.worker_clean)."""
    from .evaluate import evaluate_doc
    from .parallel import worker_clean

    return evaluate_doc(record, worker_clean())


@app.command("eval")
@_guarded
def eval_(
    data: Annotated[Path, typer.Argument(help="JSONL records with 'noisy' and 'labels' or 'gold'.")],
    rules: RulesOpt = [],
    only_rules: OnlyRulesOpt = [],
    disable: DisableOpt = [],
    regex_timeout: TimeoutOpt = 2.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of the report.")] = False,
    jobs: JobsOpt = 0,
    worst: Annotated[int, typer.Option("--worst", min=0, help="How many documents that lost the most body text to show.")] = 10,
):
    """Measure the rules on annotated documents: line recall and precision, body retention, token F1,
    and each rule's removals and false positives."""
    from .evaluate import evaluate_doc, read_records, summarise

    records = read_records(str(data))
    config = _config(rules, only_rules, disable, regex_timeout)
    cleaner = Cleaner(**config)  # validates the rules once, in this process, before any worker starts
    jobs = jobs or os.cpu_count() or 1
    progress = sys.stderr.isatty() and not as_json
    reports = []
    if jobs == 1 or len(records) < 2 * jobs:
        it = (evaluate_doc(r, cleaner.clean) for r in records)
        pool = None
    else:
        pool = _pool_factory(cleaner, config)(jobs)
        it = pool.imap(_evaluate, records, chunksize=4)
    try:
        for n, rep in enumerate(it, 1):
            reports.append(rep)
            if progress:
                sys.stderr.write(f"\r{n}/{len(records)} documents")
    finally:
        if pool is not None:
            pool.terminate()
        if progress:
            sys.stderr.write("\n")
    summary = summarise(reports, cleaner.rules, worst=worst)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=1))
        return
    print_eval(summary)


def main() -> None:
    app(prog_name="cleaner")
