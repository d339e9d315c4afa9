"""What a corpus run did: counts that merge across workers, a summary for people, progress on a terminal."""
from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

#: A document that loses more than this share of its characters is flagged for a look.
UNUSUAL_LOSS = 0.5


#: How many problems and heavy losses a run keeps to show; the counts go on past them.
MAX_LISTED_ERRORS = 50
MAX_LISTED_LOSSES = 20


@dataclass
class RunStats:
    """Counts that add up across documents, files and worker processes."""

    documents: int = 0
    unchanged: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    removals: int = 0
    by_category: Counter = field(default_factory=Counter)
    by_rule: Counter = field(default_factory=Counter)
    heavy_losses: list = field(default_factory=list)  # (doc, share of characters lost), the first few
    heavy_loss_count: int = 0
    errors: list = field(default_factory=list)  # one-line messages, the first few
    error_count: int = 0
    rule_category: dict = field(default_factory=dict)  # rule id -> its category, for the summary
    # What a --report keeps of each document (an htmlreport.ReportData), or None: it travels with
    # the counts, so every mode and worker that counts a document also feeds the report.
    report: Any = None

    def add_document(self, doc: str, text_in: str, result) -> None:
        if self.report is not None:
            self.report.add(doc, text_in, result)
        self.documents += 1
        self.bytes_in += len(text_in.encode("utf-8"))
        self.bytes_out += len(result.text.encode("utf-8"))
        if not result.removals:
            self.unchanged += 1
            return
        self.removals += len(result.removals)
        for r in result.removals:
            self.by_category[r.category] += 1
            self.by_rule[r.rule] += 1
            if r.rule not in self.rule_category:
                self.rule_category[r.rule] = r.category
        if text_in and 1 - len(result.text) / len(text_in) > UNUSUAL_LOSS:
            self.heavy_loss_count += 1
            if len(self.heavy_losses) < MAX_LISTED_LOSSES:
                self.heavy_losses.append((doc, 1 - len(result.text) / len(text_in)))

    def add_error(self, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(message)

    def merge(self, other: "RunStats") -> None:
        for name in ("documents", "unchanged", "bytes_in", "bytes_out", "removals", "heavy_loss_count", "error_count"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.by_category.update(other.by_category)
        self.by_rule.update(other.by_rule)
        for rule, category in other.rule_category.items():
            self.rule_category.setdefault(rule, category)
        self.heavy_losses.extend(other.heavy_losses[: max(0, MAX_LISTED_LOSSES - len(self.heavy_losses))])
        self.errors.extend(other.errors[: max(0, MAX_LISTED_ERRORS - len(self.errors))])
        if other.report is not None:
            if self.report is None:
                self.report = other.report
            else:
                self.report.merge(other.report)

    def summary(self, verbose: bool = False) -> str:
        """The end-of-run summary as plain text (what ``cleaner clean`` prints to a non-terminal)."""
        from .display import summary_text

        return summary_text(self, verbose)


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "0%"




class Progress:
    """Progress of a run on stderr, only when stderr is a terminal; never a byte otherwise.

    With the input's size known (``total_bytes``): a bar, percent done, documents, MB of MB, MB/s
    and the time left. Without (gzip, stdin): documents, MB, MB/s and the time so far. With only a
    number of documents (``total_documents``): a bar over documents, percent and time left.

    One line, redrawn at most every ``interval`` seconds (between redraws a call costs a clock read;
    not on a terminal, nothing at all); ``done()`` clears it, leaving the terminal as it was.
    ``print(line)`` puts a line of text above it. ``console`` (a rich Console) and ``clock`` are for
    tests; rich is imported only when the progress is shown.
    """

    interval = 0.2  # a redraw costs ~2 ms (a rich table): about 1% of a core

    def __init__(self, enabled: bool | None = None, total_bytes: int | None = None, *,
                 total_documents: int | None = None, console=None, clock=time.monotonic):
        if enabled is None:
            enabled = console.is_terminal if console is not None else _isatty(sys.stderr)
        self.enabled = bool(enabled)
        self.total_bytes = total_bytes  # the input's size where known (for a share done and time left)
        self.total_documents = total_documents
        self._clock = clock
        self.start = clock()
        self.last = self.start
        self.documents = self.nbytes = 0
        self._shown = False
        self._line: list = []  # the progress line as last drawn (rich segments)
        self._bar = self._task = self._console = None
        if self.enabled:
            self._console = console if console is not None else _stderr_console()
            self._bar, self._task = _make_bar(self._console, total_bytes, total_documents, clock)

    def add(self, documents: int, nbytes: int) -> None:
        """Count more work done (for callers that report increments) and show the total."""
        self.documents += documents
        self.nbytes += nbytes
        self.update(self.documents, self.nbytes)

    def update(self, documents: int, nbytes: int, force: bool = False) -> None:
        """Show the totals so far (throttled; ``force`` redraws now if the line is showing)."""
        if not self.enabled:
            return
        now = self._clock()
        if now - self.last < self.interval and not force:
            return
        self.last = now
        # Never backwards (a caller's last figure may count differently, e.g. text and not file bytes).
        self.documents, self.nbytes = max(documents, self.documents), max(nbytes, self.nbytes)
        done = self.nbytes if self.total_bytes is not None or self.total_documents is None else self.documents
        self._bar.update(self._task, completed=min(done, self._bar.tasks[0].total or done),
                         documents=self.documents, nbytes=self.nbytes)
        self._draw()

    def print(self, line: str) -> None:
        """A line of text on stderr (``cleaned FILE (...)``), above the progress line if it shows."""
        if not self._shown:
            import typer

            typer.echo(line, err=True)
            return
        from rich.segment import Segment, Segments

        console = self._console
        with console:  # one write: clear the bar, the line, the bar as last drawn
            console.control(_clear_line())
            console.print(Segments([Segment(line), Segment.line()]), end="")
            console.print(Segments(self._line), end="")

    def done(self) -> None:
        """Clear the progress line (if it was drawn), leaving the terminal clean. Safe to call twice."""
        if self._shown:
            self._console.control(_clear_line())
            self._shown = False

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.done()

    def _draw(self) -> None:
        from rich.segment import Segments

        console = self._console
        table = self._bar.make_tasks_table(self._bar.tasks)
        options = console.options.update(width=max(console.width - 1, 10), no_wrap=True, height=None)
        lines = console.render_lines(table, options, pad=False)
        self._line = lines[0] if lines else []
        with console:  # one write
            console.control(_clear_line())
            console.print(Segments(self._line), end="")
        self._shown = True


def _isatty(stream) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (ValueError, OSError):
        return False


def _stderr_console():
    from .display import make_console

    return make_console(stderr=True, terminal=True)


def _clear_line():
    from rich.control import Control
    from rich.segment import ControlType

    return Control(ControlType.CARRIAGE_RETURN, (ControlType.ERASE_IN_LINE, 2))


def _make_bar(console, total_bytes, total_documents, clock):
    """A rich Progress used as a renderer: its columns and its speed estimate, drawn by Progress."""
    from rich import progress as rp
    from rich.text import Text

    def elapsed(task) -> float:
        return max(task.elapsed or 0.0, 0.0)

    class Documents(rp.ProgressColumn):
        def render(self, task) -> Text:
            n = task.fields.get("documents", 0)
            if total_documents is not None and total_bytes is None:
                return Text(f"{n:,}/{total_documents:,} documents")
            return Text(f"{n:,} documents")

    class Megabytes(rp.ProgressColumn):  # always MB, so the figure does not jump from kB to MB
        def render(self, task) -> Text:
            done = task.fields.get("nbytes", 0) / 1e6
            text = f"{done:,.1f}/{total_bytes / 1e6:,.1f} MB" if total_bytes is not None else f"{done:,.1f} MB"
            return Text(text, style="progress.download")

    class Speed(rp.ProgressColumn):  # the average so far: steady, and there from the first draw
        def render(self, task) -> Text:
            t = elapsed(task)
            rate = task.fields.get("nbytes", 0) / 1e6 / t if t > 0 else 0.0
            return Text(f"{rate:,.1f} MB/s", style="progress.data.speed")

    class TimeLeft(rp.ProgressColumn):  # rich's recent-speed estimate, else the average rate so far
        max_refresh = 0.5

        def render(self, task) -> Text:
            left = task.time_remaining
            if left is None and task.total is not None and task.completed and elapsed(task) > 0:
                left = (task.total - task.completed) * elapsed(task) / task.completed
            if left is None:
                return Text("-:--:-- left", style="progress.remaining")
            minutes, seconds = divmod(int(max(left, 0) + 0.5), 60)
            hours, minutes = divmod(minutes, 60)
            return Text(f"{hours}:{minutes:02d}:{seconds:02d} left", style="progress.remaining")

    dot = rp.TextColumn("•", style="dim")
    if total_bytes is not None:
        columns = [rp.BarColumn(bar_width=24), rp.TaskProgressColumn(), dot, Documents(), dot, Megabytes(),
                   dot, Speed(), dot, TimeLeft()]
        total = max(total_bytes, 1)
    elif total_documents is not None:
        columns = [rp.BarColumn(bar_width=24), rp.TaskProgressColumn(), dot, Documents(), dot, TimeLeft()]
        total = max(total_documents, 1)
    else:
        columns = [rp.SpinnerColumn(), Documents(), dot, Megabytes(), dot, Speed(), dot, rp.TimeElapsedColumn()]
        total = None
    bar = rp.Progress(*columns, console=console, auto_refresh=False, get_time=clock)
    return bar, bar.add_task("", total=total, documents=0, nbytes=0)
