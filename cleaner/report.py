"""What a corpus run did: counts that merge across workers, a summary for people, progress on a terminal."""
from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field

#: A document that loses more than this share of its characters is flagged for a look.
UNUSUAL_LOSS = 0.5


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

    def add_document(self, doc: str, text_in: str, result) -> None:
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
        if text_in and 1 - len(result.text) / len(text_in) > UNUSUAL_LOSS:
            self.heavy_loss_count += 1
            if len(self.heavy_losses) < 20:
                self.heavy_losses.append((doc, 1 - len(result.text) / len(text_in)))

    def add_error(self, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < 50:
            self.errors.append(message)

    def merge(self, other: "RunStats") -> None:
        for name in ("documents", "unchanged", "bytes_in", "bytes_out", "removals", "heavy_loss_count", "error_count"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.by_category.update(other.by_category)
        self.by_rule.update(other.by_rule)
        self.heavy_losses.extend(other.heavy_losses[: max(0, 20 - len(self.heavy_losses))])
        self.errors.extend(other.errors[: max(0, 50 - len(self.errors))])

    def summary(self) -> str:
        lines = [
            f"documents: {self.documents}  changed: {self.documents - self.unchanged}  unchanged: {self.unchanged}",
            f"bytes: {self.bytes_in} in, {self.bytes_out} out ({_share(self.bytes_in - self.bytes_out, self.bytes_in)} removed)",
            f"removals: {self.removals}",
        ]
        if self.by_category:
            lines.append("  by category: " + ", ".join(f"{k} {v}" for k, v in self.by_category.most_common()))
            lines.append("  by rule: " + ", ".join(f"{k} {v}" for k, v in self.by_rule.most_common()))
        if self.heavy_loss_count:
            lines.append(f"documents that lost more than {UNUSUAL_LOSS:.0%} of their text: {self.heavy_loss_count} (worth a look)")
            lines += [f"  {doc}: {share:.0%}" for doc, share in self.heavy_losses[:10]]
        if self.error_count:
            lines.append(f"problems: {self.error_count}")
        return "\n".join(lines)


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "0%"


class Progress:
    """A one-line progress report on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool | None = None, total_bytes: int | None = None):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.total_bytes = total_bytes  # the input's size where known (for a share done and time left)
        self.start = time.monotonic()
        self.last = 0.0
        self.documents = self.nbytes = 0

    def add(self, documents: int, nbytes: int) -> None:
        """Count more work done (for callers that report increments) and show the total."""
        self.documents += documents
        self.nbytes += nbytes
        self.update(self.documents, self.nbytes)

    def update(self, documents: int, nbytes: int, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.last < 0.2:
            return
        self.last = now
        rate = nbytes / 1e6 / max(now - self.start, 1e-6)
        sys.stderr.write(f"\r{documents} documents, {nbytes / 1e6:.1f} MB, {rate:.1f} MB/s ")
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
