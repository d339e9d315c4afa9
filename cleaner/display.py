"""What people read on a terminal: the run summary, problems, the rule list and the eval report.

Only the CLI calls this; the library returns data and prints nothing.

Everything goes through ``rich``: on a terminal, tables fit and wrap to its width, with colour
(``NO_COLOR`` honoured). Anywhere else (a pipe, a file, a test, CI) the output is plain text for
``grep`` and scripts: no escape codes (even with ``FORCE_COLOR`` set), no box drawing, no trailing
spaces, lines wrapped at ``$COLUMNS`` or else at 100 columns. Tables have a header row and no
borders: each row starts at the first column and reads as whitespace-separated fields.
Problems are never in a table: one line each, ``cleaner: FILE:LINE: what``.
"""
from __future__ import annotations

import io
import os
import sys
import textwrap
from typing import TYPE_CHECKING, Iterable, Optional

import typer

from .report import UNUSUAL_LOSS, RunStats

if TYPE_CHECKING:  # rich is imported when something is printed, not with the CLI (it costs ~40 ms)
    from rich.console import Console, RenderableType

#: Width of plain (not a terminal) output when $COLUMNS does not say.
PLAIN_WIDTH = 100
#: Rules shown in the run summary unless ``verbose``.
TOP_RULES = 10
#: Documents shown under "lost more than half their text" unless ``verbose``.
TOP_LOSSES = 10


def _isatty(stream) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (ValueError, OSError):  # closed, or not a real stream
        return False


def plain_width() -> int:
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) >= 20 else PLAIN_WIDTH


def make_console(stderr: bool = False, terminal: Optional[bool] = None) -> Console:
    """A console on stdout or stderr: styled and as wide as the terminal when it is one
    (``terminal`` decides otherwise), plain and ``plain_width()`` wide when it is not."""
    if terminal is None:
        terminal = _isatty(sys.stderr if stderr else sys.stdout)
    from rich.console import Console

    return Console(
        stderr=stderr,
        force_terminal=terminal,
        force_interactive=terminal,
        color_system="auto" if terminal else None,
        width=None if terminal else plain_width(),
        # What is printed is data (rule descriptions, document ids, article lines): never markup.
        markup=False, emoji=False, highlight=False,
    )


def _table(*columns: tuple, **kw):
    """A borderless table: header row, then one row per item, first column flush left."""
    from rich.table import Table

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold", padding=(0, 1), **kw)
    for header, opts in columns:
        table.add_column(header, **opts)
    return table


_NUM = {"justify": "right", "no_wrap": True}
_NAME = {"overflow": "fold"}  # wraps only when the terminal is too narrow for it
_WRAP = {"overflow": "fold"}  # the long text: it takes the width left and wraps in it


def _emit(console: Console, items: Iterable[RenderableType]) -> None:
    """Print each item; on a plain console, as text with no trailing spaces."""
    if console.is_terminal:
        for item in items:
            console.print(item)
        return
    with console.capture() as capture:
        for item in items:
            console.print(item)
    text = "\n".join(line.rstrip() for line in capture.get().splitlines())
    console.file.write(text + "\n" if text else "")
    console.file.flush()


def _text(text: str, style: str = ""):
    from rich.text import Text

    return Text(text, style=style)


def _heading(text: str):
    return _text(text, "bold")


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "0.0%"


# --- a clean run ------------------------------------------------------------------------------

def print_problems(stats: RunStats) -> None:
    """Each problem as one line on stderr, ``cleaner: FILE:LINE: what``."""
    for message in stats.errors:
        typer.echo(f"cleaner: {message}", err=True)
    if stats.error_count > len(stats.errors):
        typer.echo(f"cleaner: ... and {stats.error_count - len(stats.errors)} more problems", err=True)


def summary_renderables(stats: RunStats, verbose: bool = False) -> list:
    """The end-of-run summary: totals, removals per category and per rule, documents that lost
    more than half their text, problems. Not ``verbose``: the most frequent rules only."""
    changed = stats.documents - stats.unchanged
    out: list = [
        _text(f"documents: {stats.documents}  changed: {changed}  unchanged: {stats.unchanged}"),
        _text(f"bytes: {stats.bytes_in} in, {stats.bytes_out} out "
              f"({_share(stats.bytes_in - stats.bytes_out, stats.bytes_in)} removed)"),
        _text(f"removals: {stats.removals}"),
    ]
    total = sum(stats.by_rule.values()) or stats.removals
    if stats.by_category:
        cats = _table(("CATEGORY", _NAME), ("REMOVALS", _NUM), ("SHARE", _NUM))
        for cat, n in sorted(stats.by_category.items(), key=lambda kv: (-kv[1], kv[0])):
            cats.add_row(cat, str(n), _share(n, total))
        out += [_text(""), _heading("removals per category:"), cats]
    if stats.by_rule:
        ranked = sorted(stats.by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
        shown = ranked if verbose else ranked[:TOP_RULES]
        category = stats.rule_category
        rules = _table(("RULE", _NAME), ("CATEGORY", _NAME), ("REMOVALS", _NUM), ("SHARE", _NUM))
        for rule, n in shown:
            rules.add_row(rule, category.get(rule, "?"), str(n), _share(n, total))
        heading = "removals per rule:" if len(shown) == len(ranked) else \
            f"removals per rule (the {len(shown)} most frequent of {len(ranked)}):"
        out += [_text(""), _heading(heading), rules]
        if len(shown) < len(ranked):
            rest = sum(n for _, n in ranked[len(shown):])
            out.append(_text(f"... {len(ranked) - len(shown)} more rules with {rest} removals "
                             f"({_share(rest, total)}); --verbose lists every rule", style="dim"))
    if stats.heavy_loss_count:
        out += [_text(""), _heading(f"documents that lost more than {UNUSUAL_LOSS:.0%} of their text: "
                                    f"{stats.heavy_loss_count} (worth a look)")]
        shown_losses = stats.heavy_losses if verbose else stats.heavy_losses[:TOP_LOSSES]
        losses = _table(("DOCUMENT", _WRAP), ("LOST", _NUM))
        for doc, share in shown_losses:
            losses.add_row(str(doc), f"{share:.0%}")
        out.append(losses)
        if stats.heavy_loss_count > len(shown_losses):
            out.append(_text(f"... and {stats.heavy_loss_count - len(shown_losses)} more", style="dim"))
    if stats.error_count:
        out += [_text(""), _text(f"problems: {stats.error_count}", style="bold red")]
    return out


def print_summary(stats: RunStats, verbose: bool = False, console: Optional[Console] = None) -> None:
    """The end-of-run summary, on stderr (see ``summary_renderables``)."""
    _emit(console or make_console(stderr=True), summary_renderables(stats, verbose))


def summary_text(stats: RunStats, verbose: bool = False, width: Optional[int] = None) -> str:
    """The summary as plain text, as it reads when stderr is not a terminal."""
    from rich.console import Console

    console = Console(width=width or plain_width(), force_terminal=False, color_system=None, markup=False, emoji=False,
                      highlight=False, file=io.StringIO())
    _emit(console, summary_renderables(stats, verbose))
    return console.file.getvalue().rstrip("\n")


# --- rules ------------------------------------------------------------------------------------

def print_rules(rules, console: Optional[Console] = None, costs=None) -> None:
    """The rules in the order they apply, on stdout; descriptions wrap to the width. With ``costs``
    (``cost.pattern_costs``), each rule's pattern cost on a sample instead of its description."""
    if costs is None:
        table = _table(("ORDER", _NUM), ("ID", _NAME), ("CATEGORY", _NAME), ("LANGUAGES", _NAME), ("DESCRIPTION", _WRAP))
        for i, r in enumerate(rules, 1):
            table.add_row(str(i), r.id, r.category, ",".join(r.languages) or "all", r.description or "")
    else:
        table = _table(("ORDER", _NUM), ("ID", _NAME), ("CATEGORY", _NAME), ("LINES TRIED", _NUM),
                       ("US A TRY", _NUM), ("MS PER MB", _NUM))
        for i, (r, c) in enumerate(zip(rules, costs), 1):
            table.add_row(str(i), r.id, r.category, f"{c.tried:,}", f"{c.us_per_try:.2f}", f"{c.ms_per_mb:.1f}")
    _emit(console or make_console(), [table])


# --- eval -------------------------------------------------------------------------------------

def _fmt(x) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def eval_renderables(s: dict) -> list:
    """The eval report: totals, the headline figures, per category, per rule, rules that never
    fired, and the documents that lost the most body text with the lines they lost."""
    out: list = [_text(f"documents: {s['docs']}   residue lines: {s['boilerplate_lines']}   "
                       f"body lines: {s['body_lines']}   removed lines: {s['removed_lines']}"), _text("")]
    from rich.table import Table

    figures = Table.grid(padding=(0, 3))
    figures.add_column(no_wrap=True)
    figures.add_column(no_wrap=True)
    figures.add_row("residue-line recall", _fmt(s["boilerplate_line_recall"]))
    figures.add_row("removal precision", _fmt(s["removal_precision"]))
    figures.add_row("body-token retention", _fmt(s["body_token_retention"]))
    if "token_f1" in s:
        figures.add_row("token P / R / F1 vs gold",
                        f"{_fmt(s['token_precision'])} / {_fmt(s['token_recall'])} / {_fmt(s['token_f1'])}")
    out.append(figures)

    cats = _table(("CATEGORY", _NAME), ("REMOVED", _NUM), ("BODY", _NUM), ("PRECISION", _NUM))
    for cat, c in s["categories"].items():
        cats.add_row(cat, str(c["removed_lines"]), str(c["body_lines"]), f"{c['precision']:.3f}")
    out += [_text(""), _heading("per category:"), cats]

    rules = _table(("RULE", _NAME), ("CATEGORY", _NAME), ("REMOVED", _NUM), ("BODY", _NUM), ("PRECISION", _NUM))
    for r in s["rules"]:
        rules.add_row(r["rule"], r.get("category", "?"), str(r["removed_lines"]), str(r["body_lines"]),
                      f"{r['precision']:.3f}")
    out += [_text(""), _heading("per rule:"), rules]

    if s.get("kinds"):
        kinds = _table(("KIND", _NAME), ("DOCUMENTS", _NUM), ("LINES", _NUM), ("REMOVED", _NUM), ("SHARE", _NUM))
        for kind, k in s["kinds"].items():
            kinds.add_row(kind, str(k["docs"]), str(k["lines"]), str(k["removed_lines"]), f"{k['removed_share']:.3f}")
        out += [_text(""), _heading("per line kind (share removed: recall for a residue kind, loss for body):"), kinds]
    if s.get("language_packs"):
        ran = ", ".join(f"{lang} ({n} document{'s' if n != 1 else ''})" for lang, n in s["language_packs"].items())
        out += [_text(""), _text(f"language packs that ran: {ran}")]

    if s["rules_never_fired"]:
        out += [_text(""), _text("rules that never fired: " + ", ".join(s["rules_never_fired"]))]
    if s["most_body_lost"]:
        lost = _table(("DOCUMENT", _NAME), ("BODY TOKENS LOST", _NUM), ("RULE", _NAME), ("LINE", _WRAP))
        for d in s["most_body_lost"]:
            first = True
            for line in d["lines"] or [{"rule": "", "text": ""}]:
                text = line["text"] if len(line["text"]) <= 200 else line["text"][:197] + "..."
                lost.add_row(d["id"] if first else "", f"{d['body_tokens_lost']} of {d['body_tokens']}" if first else "",
                             line["rule"], text)
                first = False
        out += [_text(""), _heading("documents that lost the most body text:"), lost]
    return out


def print_eval(s: dict, console: Optional[Console] = None) -> None:
    """The eval report (``cleaner.evaluate.summarise``'s dict), on stdout."""
    _emit(console or make_console(), eval_renderables(s))


#: How ``eval --page`` names a label.
_LABEL = {"body": "body", "boilerplate": "residue", None: "-"}
#: The widest RULE column of ``eval --page`` before rule ids are cut.
_RULE_WIDTH = 28


def _cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` terminal columns, ``...`` marking a cut; tabs as spaces."""
    from rich.cells import cell_len, set_cell_size

    text = text.replace("\t", " ")
    if cell_len(text) <= width:
        return text
    if width <= 3:
        return set_cell_size(text, max(width, 0)).rstrip()
    return set_cell_size(text, width - 3).rstrip() + "..."


def page_renderables(view, width: int) -> list:
    """``cleaner eval --page``: a page's non-blank lines, one a row - line number, label (and kind),
    prose score, place against the article span, lost (body removed) or missed (residue kept), the
    rule that removed it (``~rule``: changed part of it) and the line, cut to ``width``; under a
    removed line whose removal has a detail, that detail."""
    rows = view.lines
    residue = [x for x in rows if x.label == "boilerplate"]
    body = [x for x in rows if x.label == "body"]
    if view.span_first is None:
        span = "article span: none (no line reads as prose)"
    elif view.span_clear:
        span = f"article span: lines {view.span_first}-{view.span_last}, clear"
    else:
        span = (f"article span: lines {view.span_first}-{view.span_last}, not clear "
                "(outside_article never holds on this page)")
    out: list = [
        _heading(_cut(f"page {view.id}" + (f"  {view.url}" if view.url else ""), width)),
        _text(span),
        _text(f"lines: {len(rows)} non-blank; residue removed {sum(x.removed for x in residue)} of {len(residue)} "
              f"({sum(x.mismatch == 'missed' for x in rows)} missed); body removed "
              f"{sum(x.removed for x in body)} of {len(body)} ({sum(x.mismatch == 'lost' for x in rows)} lost)"),
        _text(""),
    ]
    with_kinds = any(x.kind for x in rows)

    def rule_of(x) -> str:
        return x.rule or ",".join("~" + r for r in x.edited_by)

    number_w = max([4] + [len(str(x.number)) for x in rows])
    kind_w = max([4] + [len(x.kind or "-") for x in rows]) if with_kinds else 0
    rule_w = min(max([4] + [len(rule_of(x)) for x in rows]), _RULE_WIDTH)
    cells = [("LINE", number_w, True), ("LABEL", 7, False)] + ([("KIND", kind_w, False)] if with_kinds else []) + \
        [("PROSE", 5, True), ("SPAN", 6, False), ("CHECK", 6, False), ("RULE", rule_w, False)]

    def line(values: list, text: str) -> str:
        parts = [v.rjust(w) if right else v.ljust(w) for v, (_, w, right) in zip(values, cells)]
        head = " ".join(parts) + " "
        return (head + _cut(text, width - len(head))).rstrip()

    out.append(_text(line([c[0] for c in cells], "TEXT"), "bold"))
    indent = " " * (number_w + 1)
    for x in rows:
        values = [str(x.number), _LABEL.get(x.label, str(x.label))] + ([x.kind or "-"] if with_kinds else []) + \
            [f"{x.score:.2f}", x.span, x.mismatch, _cut(rule_of(x), rule_w)]
        style = {"lost": "bold red", "missed": "yellow"}.get(x.mismatch, "dim" if x.removed else "")
        out.append(_text(line(values, x.text), style))
        if x.detail:  # whole, wrapped under the row: it is the answer to "why"
            for part in textwrap.wrap(x.detail.replace("\t", " "), max(width, 20), initial_indent=indent + "why: ",
                                      subsequent_indent=indent + "     "):
                out.append(_text(part, "dim"))
    return out


def print_page(view, console: Optional[Console] = None) -> None:
    """``cleaner eval --page`` (``cleaner.evaluate.page_view``'s PageView), on stdout."""
    console = console or make_console()
    _emit(console, page_renderables(view, console.width))


def print_mined(mined, console: Optional[Console] = None) -> None:
    """Lines that repeat within sites and that no rule removed, most pages first, on stdout."""
    table = _table(("PAGES", _NUM), ("OF", _NUM), ("SITE", _NAME), ("SITES", _NUM), ("LINE", _WRAP))
    for m in mined:
        table.add_row(f"{m.pages:,}", f"{m.group_pages:,}", m.group, str(m.groups), m.text)
    _emit(console or make_console(), [table])
