"""What people read on a terminal: the run summary, problems, the rule list and the eval report.

Only the CLI calls this; the library returns data and prints nothing.
"""
from __future__ import annotations

import typer

from .report import RunStats


def print_problems(stats: RunStats) -> None:
    """Each problem as one line on stderr, ``cleaner: FILE:LINE: what``."""
    for message in stats.errors:
        typer.echo(f"cleaner: {message}", err=True)
    if stats.error_count > len(stats.errors):
        typer.echo(f"cleaner: ... and {stats.error_count - len(stats.errors)} more problems", err=True)


def print_summary(stats: RunStats) -> None:
    typer.echo(stats.summary(), err=True)


def print_rules(rules) -> None:
    """The rules in the order they apply."""
    rows = [(str(i), r.id, r.category, r.description) for i, r in enumerate(rules, 1)]
    widths = [max(len(h), *(len(row[k]) for row in rows)) if rows else len(h)
              for k, h in enumerate(("ORDER", "ID", "CATEGORY"))]
    header = ("ORDER", "ID", "CATEGORY", "DESCRIPTION")
    for row in [header, *rows]:
        first = "  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths))
        typer.echo(f"{first}  {row[3]}")


def _fmt(x) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def print_eval(s: dict) -> None:
    echo = typer.echo
    echo(f"documents: {s['docs']}   residue lines: {s['boilerplate_lines']}   body lines: {s['body_lines']}   "
         f"removed lines: {s['removed_lines']}")
    echo(f"residue-line recall      {_fmt(s['boilerplate_line_recall'])}")
    echo(f"removal precision        {_fmt(s['removal_precision'])}")
    echo(f"body-token retention     {_fmt(s['body_token_retention'])}")
    if "token_f1" in s:
        echo(f"token P / R / F1 vs gold {_fmt(s['token_precision'])} / {_fmt(s['token_recall'])} / {_fmt(s['token_f1'])}")
    echo("\nper category:   removed  body  precision")
    for cat, c in s["categories"].items():
        echo(f"  {cat:22} {c['removed_lines']:6} {c['body_lines']:5}  {c['precision']:.3f}")
    echo("\nper rule:                                removed  body  precision")
    for r in s["rules"]:
        echo(f"  {r['rule']:38} {r['removed_lines']:6} {r['body_lines']:5}  {r['precision']:.3f}")
    if s["rules_never_fired"]:
        echo("\nrules that never fired: " + ", ".join(s["rules_never_fired"]))
    if s["most_body_lost"]:
        echo("\ndocuments that lost the most body text:")
        for d in s["most_body_lost"]:
            echo(f"  {d['id']}: {d['body_tokens_lost']} of {d['body_tokens']} body tokens")
            for line in d["lines"]:
                text = line["text"] if len(line["text"]) <= 100 else line["text"][:97] + "..."
                echo(f"    [{line['rule']}] {text}")
