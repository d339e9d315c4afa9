"""The command line: parse, call the library, print, exit. Nothing imports this module.

Exit codes: 0 done; 1 files would change (``check``) or rule examples fail (``rules test``);
2 bad usage, bad input or bad rules, with one line on stderr and no traceback.
"""
from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import List, Optional

import typer
from typing_extensions import Annotated

from .api import Cleaner, load_rules
from .examples import check_examples
from .model import CleanerError
from .rules import default_rules_dir
from .textio import decode, read_text

app = typer.Typer(
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
    typer.echo(f"cleaner: {message}", err=True)
    raise typer.Exit(code)


def _guarded(fn):
    """Library errors become one line on stderr and exit 2; a closed stdout ends quietly."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except CleanerError as e:
            _fail(str(e))
        except BrokenPipeError:
            # The reader went away (`cleaner clean big | head`): nothing left to say to anyone.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(0)
        except KeyboardInterrupt:
            _fail("interrupted", 130)

    return wrapper


def _cleaner(rules, only_rules, disable, timeout) -> Cleaner:
    return Cleaner(rules=list(only_rules) or None, extra=list(rules), disable=disable, timeout=timeout)


class _LogSink:
    """The JSONL removal log: a file, stderr (``-``), or nowhere."""

    def __init__(self, target: Optional[str]):
        self.target = target
        self.stream = None
        if target == "-":
            self.stream = sys.stderr
        elif target:
            try:
                self.stream = open(target, "w", encoding="utf-8")
            except OSError as e:
                raise CleanerError(f"{target}: cannot write the log: {e.strerror}") from None

    def write(self, doc: str, removals) -> None:
        if self.stream is None:
            return
        for r in removals:
            record = {"doc": doc, **r.to_dict()}
            self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")

    def close(self) -> None:
        if self.stream is not None and self.stream is not sys.stderr:
            self.stream.close()


def _inputs(paths: List[str]):
    """(name, text) for each operand; no operand or ``-`` is stdin."""
    for p in paths or ["-"]:
        if p == "-":
            yield "-", decode(sys.stdin.buffer.read(), "<stdin>")
        else:
            yield p, read_text(p)


@app.command()
@_guarded
def clean(
    paths: Annotated[Optional[List[str]], typer.Argument(help="Files to clean; none or '-' reads stdin.")] = None,
    log: Annotated[Optional[str], typer.Option("--log", help="Write the removal log (JSON Lines) here; '-' for stderr.")] = None,
    rules: RulesOpt = [],
    only_rules: OnlyRulesOpt = [],
    disable: DisableOpt = [],
    regex_timeout: TimeoutOpt = 2.0,
):
    """Clean article text: cleaned text to stdout, the log of every change to --log."""
    cleaner = _cleaner(rules, only_rules, disable, regex_timeout)
    sink = _LogSink(log)
    out = sys.stdout.buffer
    try:
        for name, text in _inputs(paths or []):
            result = cleaner.clean(text)
            out.write(result.text.encode("utf-8"))
            out.flush()
            sink.write(name, result.removals)
    finally:
        sink.close()


@rules_app.command("list")
@_guarded
def rules_list(
    rules: RulesOpt = [],
    only_rules: OnlyRulesOpt = [],
    disable: DisableOpt = [],
):
    """The rules in the order they apply."""
    loaded = load_rules(list(only_rules) or None, list(rules), disable, check=False)
    rows = [(str(i), r.id, r.category, r.description) for i, r in enumerate(loaded, 1)]
    widths = [max(len(h), *(len(row[k]) for row in rows)) if rows else len(h)
              for k, h in enumerate(("ORDER", "ID", "CATEGORY"))]
    header = ("ORDER", "ID", "CATEGORY", "DESCRIPTION")
    for row in [header, *rows]:
        first = "  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths))
        typer.echo(f"{first}  {row[3]}")


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


def main() -> None:
    app(prog_name="cleaner")
