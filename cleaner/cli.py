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
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

import typer
from typer.core import TyperCommand, TyperGroup
from typing_extensions import Annotated

from . import __version__
from .api import Cleaner, load_rules
from .config import load_settings
from .display import print_eval, print_mined, print_problems, print_rules, print_summary
from .examples import check_examples
from .formats import compression, is_jsonl, open_in, read_lines, refuse_parquet
from .jsonl import BadRecord, Options, read_record, run_jsonl, version_of
from .language import code_of
from .logsink import LogSink
from .model import CleanerError
from .report import Progress, RunStats
from .rules import pack_files
from .textio import atomic_output, check_targets, read_text, std_stream
from .textmode import clean_in_place, clean_text, progress_for, show_changes

# click's exceptions, wherever this typer takes click from (newer typers carry their own copy).
_click = sys.modules[typer.BadParameter.__module__]


def _named_not_typed(params: list) -> list:
    """Help that names what a value is (``PATH``, ``N``, ``--in-place/--no-in-place``), not the
    Python type behind it (``<list[Path]>``, ``<bool>``): arguments and flags show no type."""
    for p in params:
        if getattr(p, "param_type_name", "") == "argument" or getattr(p, "is_flag", False):
            p.display_type_rich = _no_type
    return params


def _no_type(ctx=None):
    return None


class _Command(TyperCommand):
    def get_params(self, ctx):
        return _named_not_typed(super().get_params(ctx))


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
        except typer.Abort:
            _say_problems("interrupted")
            code = 130
        if not standalone_mode:
            return code
        sys.exit(code or 0)


class _Group(_OneLineErrors):
    def get_params(self, ctx):
        return _named_not_typed(super().get_params(ctx))


def _say_problems(message: str) -> None:
    for line in message.splitlines() or [""]:
        typer.echo(f"cleaner: {line}", err=True)


_HELP = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(
    cls=_Group,
    help="Remove scraping residue (captions, credits, navigation, stray tokens) from article text, "
    "and log every change.",
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    context_settings=_HELP,
)
rules_app = typer.Typer(cls=_Group, help="List and test rule packs.", no_args_is_help=True, context_settings=_HELP)
app.add_typer(rules_app, name="rules")


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"cleaner {__version__}")
        raise typer.Exit(0)


@app.callback()
def _settings(
    ctx: typer.Context,
    config: Annotated[Optional[Path], typer.Option("--config", metavar="PATH", help="Read settings from this file (\\[tool.cleaner] of a pyproject.toml, or a TOML file of its own) instead of the pyproject.toml found upward from here.")] = None,
    no_config: Annotated[bool, typer.Option("--no-config", help="Read no settings file.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit.")] = False,
):
    """Settings from \\[tool.cleaner] in the nearest pyproject.toml become the defaults of every command's
    options; an option given on the command line wins."""
    if no_config:
        return
    try:
        settings = load_settings(config)
    except CleanerError as e:
        _fail(str(e))
    if settings.values:
        ctx.default_map = _defaults_for(ctx.command, settings.values)


def _defaults_for(group, values: dict) -> dict:
    """click's default_map: each command gets the settings it has an option for."""
    out = {}
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            out[name] = _defaults_for(command, values)
        else:
            names = {p.name for p in command.params}
            out[name] = {k: v for k, v in values.items() if k in names}
    return out


RulesOpt = Annotated[List[Path], typer.Option("--rules", metavar="PATH", help="Add a rule pack (file or folder); repeatable. Added packs run after the defaults.")]
OnlyRulesOpt = Annotated[List[Path], typer.Option("--only-rules", metavar="PATH", help="Use these packs instead of the defaults; repeatable.")]
DisableOpt = Annotated[List[str], typer.Option("--disable", metavar="NAME", help="Turn off a rule id or a whole category; repeatable.")]
TimeoutOpt = Annotated[float, typer.Option("--regex-timeout", metavar="SECONDS", min=0.001, help="Seconds one pattern may run on one line.")]


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
            _fail("\n".join(e.problems))  # one line a problem, without the library's count
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


JobsOpt = Annotated[int, typer.Option("--jobs", "-j", metavar="N", min=0, help="Worker processes; 0 = all cores.")]
GlobOpt = Annotated[str, typer.Option("--glob", metavar="PATTERN", help="Which files to take from folders.")]


@dataclass
class _Run:
    """What every part of one command's run needs to know (black's Mode): built once, passed down."""

    cleaner: Cleaner
    jobs: int
    opts: Options  # JSONL fields and log shape
    quiet: bool = False
    verbose: bool = False
    diff: str = ""  # "", "plain" (for patch) or "colour" (for people)

    def new_stats(self) -> RunStats:
        """Counts for this run, with what a --report keeps when one is wanted."""
        if not self.opts.want_report:
            return RunStats()
        from .htmlreport import ReportData

        return RunStats(report=ReportData())

    def report(self, stats: RunStats, summary: bool = True) -> None:
        print_problems(stats)
        if summary and not self.quiet:
            print_summary(stats, verbose=self.verbose)


def _run(rules, only_rules, disable, timeout, jobs, quiet=False, verbose=False, diff=False, color=None,
         text_field="text", id_field="id", log_text=True, lang="auto", lang_field=None) -> _Run:
    cleaner = Cleaner([str(p) for p in only_rules] or None, [str(p) for p in rules], disable, timeout, lang=lang)
    if color is None:
        color = sys.stdout is not None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    opts = Options(text_field=text_field, id_field=id_field, version=version_of(cleaner), log_text=log_text,
                   lang_field=lang_field)
    return _Run(cleaner, jobs or os.cpu_count() or 1, opts, quiet, verbose,
                ("colour" if color else "plain") if diff else "")


def _corpus_mode(fmt: str, paths: list) -> bool:
    if fmt not in ("auto", "text", "jsonl"):
        raise CleanerError(f"--format {fmt!r}: use auto, text or jsonl")
    for p in paths:
        refuse_parquet(p)
    return fmt == "jsonl" or (fmt == "auto" and any(p != "-" and os.path.isfile(p) and is_jsonl(p) for p in paths))


QuietOpt = Annotated[bool, typer.Option("--quiet/--no-quiet", "-q", help="No run summary on stderr; problems are still reported.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose/--no-verbose", "-v", help="A fuller summary: every rule that fired, every heavy loss.")]
ReportOpt = Annotated[Optional[str], typer.Option("--report", metavar="PATH", help="Write a self-contained HTML review report of the run here: removals per rule with samples, pages that lost the most, rules that never fired.")]
StatsOpt = Annotated[Optional[str], typer.Option("--stats", metavar="PATH", help="Write the run's figures (the summary's) as JSON here, for pipelines.")]
ColorOpt = Annotated[Optional[bool], typer.Option("--color/--no-color", help="Colour the diff, each removed line with its rule (default: when stdout is a terminal and NO_COLOR is unset).")]
FormatOpt = Annotated[str, typer.Option("--format", metavar="auto|text|jsonl", help="auto (by file name, then content), text or jsonl.")]
TextFieldOpt = Annotated[str, typer.Option("--text-field", metavar="FIELD", help="JSONL: the field holding the text (dotted paths allowed).")]
IdFieldOpt = Annotated[str, typer.Option("--id-field", metavar="FIELD", help="JSONL: the field naming the document in the log.")]
LangOpt = Annotated[str, typer.Option("--lang", metavar="CODE|auto|none", help="The texts' language (ISO 639-1): its packs run beside the core packs. auto (the default) tells it for each text; none runs the core packs only.")]
LangFieldOpt = Annotated[Optional[str], typer.Option("--lang-field", metavar="FIELD", help="JSONL: the field holding a record's own language (e.g. metadata.language), used where present instead of --lang.")]


@app.command(cls=_Command)
@_guarded
def clean(
    paths: Annotated[Optional[List[str]], typer.Argument(metavar="PATH", help="Files, folders (with --in-place) or a JSONL corpus; none or '-' reads stdin.")] = None,
    log: Annotated[Optional[str], typer.Option("--log", metavar="PATH", help="Write the removal log (JSON Lines) here; '-' for stderr.")] = None,
    rules: RulesOpt = [],
    only_rules: OnlyRulesOpt = [],
    disable: DisableOpt = [],
    regex_timeout: TimeoutOpt = 2.0,
    in_place: Annotated[bool, typer.Option("--in-place/--no-in-place", "-i", help="Rewrite the files (atomically); files with nothing to remove are not touched.")] = False,
    glob: GlobOpt = "*.txt",
    output: Annotated[Optional[str], typer.Option("--output", "-o", metavar="PATH", help="Where the cleaned text or corpus goes ('-': stdout); .gz and .zst compress.")] = None,
    fmt: FormatOpt = "auto",
    text_field: TextFieldOpt = "text",
    id_field: IdFieldOpt = "id",
    log_text: Annotated[bool, typer.Option("--log-text/--no-log-text", help="Keep the removed text in the log and in JSONL metadata (enough to rebuild the original); --no-log-text keeps spans and rule ids only.")] = True,
    jobs: JobsOpt = 0,
    fail_on_change: Annotated[bool, typer.Option("--fail-on-change/--no-fail-on-change", help="Exit 1 if any file was changed (for pre-commit).")] = False,
    diff: Annotated[bool, typer.Option("--diff/--no-diff", help="Print what would change as a unified diff, and write nothing.")] = False,
    color: ColorOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    report: ReportOpt = None,
    stats_out: StatsOpt = None,
    repeated: Annotated[Optional[int], typer.Option("--repeated", metavar="K", min=2, help="JSONL: two passes; also remove lines that stand on at least K pages of their site (and --repeated-share of its pages) and are not prose.")] = None,
    repeated_share: Annotated[float, typer.Option("--repeated-share", metavar="SHARE", min=0.0, max=1.0, help="With --repeated: the least share of a site's pages a line must stand on.")] = 0.1,
    group_by: Annotated[Optional[str], typer.Option("--group-by", metavar="FIELD", help="With --repeated: the field naming a record's site (a URL field gives its host); default: url, then metadata.url.")] = None,
    lang: LangOpt = "auto",
    lang_field: LangFieldOpt = None,
):
    """Clean article text: cleaned text to stdout (or -o, or the files themselves with --in-place),
    the log of every change to --log."""
    paths = paths or ["-"]
    jsonl = _corpus_mode(fmt, paths)
    if output:
        refuse_parquet(output)
    if in_place and output:
        raise CleanerError("--in-place rewrites the files themselves; it takes no -o")
    if diff and (output or in_place or log or report or stats_out):
        raise CleanerError("--diff shows what would change and writes nothing; it takes no -o, --in-place, --log, --report or --stats")
    check_targets(paths, {"-o": output, "--log": log, "--report": report, "--stats": stats_out})
    run = _run(rules, only_rules, disable, regex_timeout, jobs, quiet, verbose, diff, color, text_field, id_field, log_text,
               lang, lang_field)
    run.opts.want_report = bool(report)
    if repeated and not jsonl:
        raise CleanerError("--repeated counts lines across the records of a JSONL corpus; give one")
    run.opts.repeat_k, run.opts.repeat_share, run.opts.group_by = repeated or 3, repeated_share, group_by
    if diff:
        code = _show_changes(run, paths, jsonl, glob, "would clean")
        raise typer.Exit(2 if code == 2 else 0)
    # The log is kept when the outputs it describes are: a failed run leaves neither behind.
    with LogSink(log, log_text) as sink:
        if in_place:
            code, stats = _clean_in_place(run, paths, glob, sink, fail_on_change)
        elif jsonl and repeated:
            with _first_pass(run, paths, output):
                code, stats = _clean_jsonl(run, paths, output, sink)
        elif jsonl:
            code, stats = _clean_jsonl(run, paths, output, sink)
        else:
            code, stats = _clean_text(run, paths, output, sink)
    _write_insight(run, stats, report, stats_out, f"cleaner clean {' '.join(paths)}")
    if code:
        raise typer.Exit(code)


@contextlib.contextmanager
def _first_pass(run: _Run, paths, output):
    """Count every line's pages per site (the first of --repeated's two passes), into a scratch
    folder beside the output that goes when the run ends."""
    from .repetition import count_corpus
    from .textio import temp_dir_near

    if paths == ["-"]:
        raise CleanerError("--repeated reads the corpus twice; give a file, not stdin")
    with temp_dir_near(output if output not in (None, "-") else None) as scratch:
        counts = count_corpus(paths[0], run.opts.text_field, run.opts.group_by, run.jobs,
                              os.path.join(scratch, "keys"))
        run.opts.repeated = counts.save(os.path.join(scratch, "repeated-lines.bin"))
        try:
            yield
        finally:
            run.opts.repeated = None


def _write_insight(run: _Run, stats: RunStats, report: Optional[str], stats_out: Optional[str], title: str) -> None:
    """The HTML review report and the JSON figures of a finished run, each written whole."""
    if not (report or stats_out):
        return
    from .htmlreport import stats_json, write_html

    if report:
        write_html(report, stats.report, run.cleaner.rules, title=title)
    if stats_out:
        with atomic_output(stats_out) as f:
            f.write(json.dumps(stats_json(stats, stats.report), ensure_ascii=False, indent=1).encode("utf-8") + b"\n")


def _stdin():
    return std_stream("stdin", sys.stdin)


def _stdout():
    return std_stream("stdout", sys.stdout)


def _clean_text(run: _Run, paths, output, sink) -> tuple[int, RunStats]:
    return 0, clean_text(run.cleaner, paths, output, sink, run.new_stats(), _stdin, _stdout)


def _clean_in_place(run: _Run, paths, glob, sink, fail_on_change) -> tuple[int, RunStats]:
    stats = run.new_stats()
    changed = clean_in_place(run.cleaner, paths, glob, run.jobs, sink, stats, run.opts.want_report, run.quiet)
    run.report(stats)
    if stats.error_count:
        return 2, stats
    return (1 if fail_on_change and changed else 0), stats


def _clean_jsonl(run: _Run, paths, output, sink) -> tuple[int, RunStats]:
    if len(paths) != 1:
        raise CleanerError("a JSONL corpus is cleaned one file at a time: give one input and -o OUT")
    (path,) = paths
    log_write = sink.write_bytes if sink.wanted else None
    size = os.path.getsize(path) if path != "-" and not compression(path) else None
    with progress_for(sink, total_bytes=size) as progress:
        stats = run_jsonl(run.cleaner, path, output, run.opts, run.jobs, log_write, progress,
                          getattr(sys.stdin, "buffer", None), getattr(sys.stdout, "buffer", None))
    run.report(stats)
    return (2 if stats.error_count else 0), stats


def _show_changes(run: _Run, paths, jsonl: bool, glob: str, verb: str) -> int:
    """List (and with a diff style, diff) what cleaning would change; write nothing. Returns the
    exit code of ``check``: 2 on problems, 1 if anything would change, else 0."""
    stats = RunStats()
    changed = show_changes(run.cleaner, paths, jsonl, glob, verb, run.diff, run.jobs, run.opts, stats, _stdin, _stdout)
    run.report(stats, summary=run.verbose)
    return 2 if stats.error_count else 1 if changed else 0


@app.command(cls=_Command)
@_guarded
def check(
    paths: Annotated[List[str], typer.Argument(metavar="PATH", help="Files, folders or JSONL corpora to check; '-' reads stdin.")],
    rules: RulesOpt = [],
    only_rules: OnlyRulesOpt = [],
    disable: DisableOpt = [],
    regex_timeout: TimeoutOpt = 2.0,
    glob: GlobOpt = "*.txt",
    fmt: FormatOpt = "auto",
    text_field: TextFieldOpt = "text",
    id_field: IdFieldOpt = "id",
    diff: Annotated[bool, typer.Option("--diff/--no-diff", help="Print a unified diff of each change (it applies with patch or git apply).")] = False,
    color: ColorOpt = None,
    jobs: JobsOpt = 0,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    lang: LangOpt = "auto",
    lang_field: LangFieldOpt = None,
):
    """Change nothing; list the files (or JSONL records, as FILE:LINE) that cleaning would change,
    with counts per category. Exit 1 if any would change, 0 if none."""
    jsonl = _corpus_mode(fmt, paths)
    run = _run(rules, only_rules, disable, regex_timeout, jobs, quiet, verbose, diff, color, text_field, id_field,
               lang=lang, lang_field=lang_field)
    code = _show_changes(run, paths, jsonl, glob, "would clean")
    if code:
        raise typer.Exit(code)


@rules_app.command("list", cls=_Command)
@_guarded
def rules_list(
    rules: RulesOpt = [],
    only_rules: OnlyRulesOpt = [],
    disable: DisableOpt = [],
    cost: Annotated[Optional[str], typer.Option("--cost", metavar="SAMPLE", help="Measure each rule's pattern on the lines of this text file or JSONL corpus: lines its gate lets through, microseconds a try, milliseconds per MB.")] = None,
    fmt: FormatOpt = "auto",
    text_field: TextFieldOpt = "text",
    lang: Annotated[Optional[str], typer.Option("--lang", metavar="CODE", help="Only the rules that run on text in this language (ISO 639-1): the core packs and its own.")] = None,
):
    """The rules in the order they apply, each with the languages it runs on; with --cost, what
    each rule's pattern costs on a sample."""
    std_stream("stdout", sys.stdout)
    loaded = load_rules(list(only_rules) or None, list(rules), disable, check=False)
    if lang is not None:
        code = code_of(lang)
        if code is None:
            raise CleanerError(f"--lang {lang!r}: give an ISO 639-1 code such as de")
        loaded = [r for r in loaded if not r.languages or code in r.languages]
    costs = None
    if cost:
        from .cost import pattern_costs

        costs = pattern_costs(loaded, _sample_lines(cost, fmt, text_field))
    print_rules(loaded, costs=costs)


def _sample_lines(path: str, fmt: str, text_field: str):
    """The lines of a sample: a text file, or the texts of a JSONL corpus."""
    if _corpus_mode(fmt, [path]):
        opts = Options(text_field=text_field)
        with open_in(path) as f:
            for n, line in enumerate(read_lines(f, path), 1):
                if line.strip():
                    try:
                        yield from read_record(line, opts)[1].split("\n")
                    except BadRecord as e:
                        raise CleanerError(f"{path}:{n}: {e}") from None
    else:
        yield from read_text(path).split("\n")


@rules_app.command("test", cls=_Command)
@_guarded
def rules_test(
    paths: Annotated[Optional[List[Path]], typer.Argument(metavar="PATH", help="Pack files or folders; default: the shipped packs.")] = None,
    defaults: Annotated[bool, typer.Option("--with-defaults/--alone", help="Load your packs beside the default packs, as `clean --rules` does (an id clash fails here), or alone, as `--only-rules` does.")] = True,
):
    """Run every rule's examples; each failure is reported with its file and line."""
    std_stream("stdout", sys.stdout)
    if paths:
        loaded = load_rules(None if defaults else list(paths), list(paths) if defaults else (), check=False)
        mine = {os.path.realpath(f) for f in pack_files(paths)}
        tested = [r for r in loaded if os.path.realpath(r.where.rpartition(":")[0]) in mine]
    else:
        loaded = tested = load_rules(check=False)
    problems = check_examples(loaded)
    if paths:
        problems = [p for p in problems if os.path.realpath(p.partition(":")[0]) in mine]
    n = sum(len(r.examples) for r in tested)
    for p in problems:
        typer.echo(p)
    typer.echo(f"{len(tested)} rules, {n} examples: {len(problems)} failed")
    if problems:
        raise typer.Exit(1)


@rules_app.command("conditions", cls=_Command)
@_guarded
def rules_conditions():
    """The conditions a rule's `when` may name, as a Markdown table (the README's)."""
    from .conditions import markdown_table

    std_stream("stdout", sys.stdout)
    typer.echo(markdown_table())


@app.command("mine", cls=_Command)
@_guarded
def mine_(
    corpus: Annotated[str, typer.Argument(metavar="PATH", help="A JSONL corpus (plain, .gz or .zst).")],
    output: Annotated[Optional[str], typer.Option("--output", "-o", metavar="PATH", help="Write the suggested rules here as a pack to review (YAML).")] = None,
    rules: RulesOpt = [],
    only_rules: OnlyRulesOpt = [],
    disable: DisableOpt = [],
    regex_timeout: TimeoutOpt = 2.0,
    text_field: TextFieldOpt = "text",
    id_field: IdFieldOpt = "id",
    group_by: Annotated[Optional[str], typer.Option("--group-by", metavar="FIELD", help="The field naming a record's site (a URL field gives its host); default: url, then metadata.url.")] = None,
    top: Annotated[int, typer.Option("--top", metavar="N", min=1, help="How many lines to list.")] = 50,
    min_pages: Annotated[int, typer.Option("--min-pages", metavar="N", min=2, help="The least pages of its site a line must stand on.")] = 3,
    jobs: JobsOpt = 0,
    report: ReportOpt = None,
):
    """List the lines that repeat most within sites and that no rule removed, with their counts,
    sites and example pages; -o writes a suggested rule for each (a general shape where one fits,
    else the exact line scoped to its site) as a pack to review."""
    from .mining import mine, suggest_pack, suggest_rule
    from .textio import temp_dir_near

    std_stream("stdout", sys.stdout)
    check_targets([corpus], {"-o": output, "--report": report})
    if not is_jsonl(corpus):
        raise CleanerError(f"{corpus}: mining reads a JSONL corpus")
    run = _run(rules, only_rules, disable, regex_timeout, jobs)
    with temp_dir_near(None) as scratch:
        mined = mine(corpus, run.cleaner, text_field, group_by, top, min_pages, id_field, run.jobs, scratch)
    print_mined(mined)
    if output:
        with atomic_output(output) as f:
            f.write(suggest_pack(mined).encode("utf-8"))
    if report:
        from types import SimpleNamespace

        from .htmlreport import ReportData

        data = ReportData()
        data.add_mined([SimpleNamespace(line=m.text, pages=m.pages, groups=m.groups, examples=m.examples,
                                        suggestion=suggest_rule(m)) for m in mined])
        _write_insight(run, RunStats(report=data), report, None, f"cleaner mine {corpus}")


@app.command("eval", cls=_Command)
@_guarded
def eval_(
    data: Annotated[Path, typer.Argument(metavar="PATH", help="JSONL records with 'noisy' and 'labels' or 'gold'.")],
    rules: RulesOpt = [],
    only_rules: OnlyRulesOpt = [],
    disable: DisableOpt = [],
    regex_timeout: TimeoutOpt = 2.0,
    as_json: Annotated[bool, typer.Option("--json/--no-json", help="Print one JSON object instead of the report.")] = False,
    jobs: JobsOpt = 0,
    worst: Annotated[int, typer.Option("--worst", metavar="N", min=0, help="How many documents that lost the most body text to show.")] = 10,
    report: ReportOpt = None,
    lang: LangOpt = "auto",
    page: Annotated[Optional[str], typer.Option("--page", metavar="ID", help="Show one record's lines instead: each with its label (and kind), prose score, place against the article span and the rule that removed it; lost body lines and missed residue marked.")] = None,
):
    """Measure the rules on annotated documents: line recall and precision, body retention, token F1,
    each rule's removals and false positives, and recall per line kind; --page ID shows one page's lines."""
    from .evaluate import evaluate_all, read_records, summarise

    std_stream("stdout", sys.stdout)

    if page is not None and report:
        raise CleanerError("--page shows one page; it takes no --report")
    check_targets([str(data)], {"--report": report})
    records = read_records(str(data))
    run = _run(rules, only_rules, disable, regex_timeout, jobs, lang=lang)  # the rules validated once, before any worker
    if page is not None:
        _show_page(run, records, str(data), page, as_json)
        return
    run.opts.want_report = bool(report)
    stats, reports = run.new_stats(), []
    with Progress(enabled=False if as_json else None, total_documents=len(records)) as progress:
        for doc in evaluate_all(records, run.cleaner, run.jobs, keep_results=bool(report)):
            reports.append(doc)
            if report:
                stats.add_document(doc.id, records[len(reports) - 1]["noisy"], doc.result)
                doc.result = None
            progress.update(len(reports), 0)
    cleaner = run.cleaner
    summary = summarise(reports, cleaner.rules, worst=worst)
    if report:
        stats.report.add_eval(summary, reports)
        _write_insight(run, stats, report, None, f"cleaner eval {data}")
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=1))
        return
    print_eval(summary)


def _show_page(run: _Run, records: list, data: str, page: str, as_json: bool) -> None:
    from .display import print_page
    from .evaluate import find_record, page_view

    try:
        record = find_record(records, page)
    except CleanerError as e:
        raise CleanerError(f"{data}: {e}") from None
    view = page_view(record, run.cleaner.clean)
    if as_json:
        typer.echo(json.dumps(view.to_dict(), ensure_ascii=False, indent=1))
    else:
        print_page(view)


def main() -> None:
    app(prog_name="cleaner")
