"""Measure a rule set on annotated documents: which lines it removed, and whether they were residue.

A record has ``noisy`` and either ``labels`` (one per line of ``noisy.split("\\n")``: "body",
"boilerplate" or null for a blank line) or ``gold`` (the article body; lines are then labelled by
aligning their tokens to it). Line figures come from the removal log itself, so they are exact: a
line counts as removed when removals cover all of it.
"""
from __future__ import annotations

import difflib
import json
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Optional

import regex

from .model import CleanerError

BODY, BOILER = "body", "boilerplate"
_TOKEN = regex.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    """Lower-cased runs of letters and digits after NFKC (as the benchmark's scorer counts them)."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).lower())


def label_from_gold(noisy: str, gold: str) -> list[Optional[str]]:
    """Label each line body when at least half its tokens align, in order, to the gold text."""
    lines = noisy.split("\n")
    toks, owner = [], []
    for i, line in enumerate(lines):
        t = tokens(line)
        toks += t
        owner += [i] * len(t)
    matched = Counter()
    for blk in difflib.SequenceMatcher(None, toks, tokens(gold), autojunk=False).get_matching_blocks():
        for k in range(blk.size):
            matched[owner[blk.a + k]] += 1
    out: list[Optional[str]] = []
    for i, line in enumerate(lines):
        n = len(tokens(line))
        if not line.strip():
            out.append(None)
        else:
            out.append(BODY if n and matched[i] / n >= 0.5 else BOILER)
    return out


@dataclass
class DocReport:
    id: str
    boiler: int = 0
    boiler_removed: int = 0
    body: int = 0
    body_removed: int = 0
    removed_by: Counter = field(default_factory=Counter)  # rule -> lines removed
    false_by: Counter = field(default_factory=Counter)  # rule -> body lines removed
    lost_lines: list = field(default_factory=list)  # (rule, text) of body lines removed
    body_tokens: int = 0
    body_tokens_lost: int = 0
    gold_tokens: int = 0
    out_tokens: int = 0
    tp_tokens: int = 0
    avail_tokens: int = 0
    result: Any = None  # the CleanResult, when kept for a report


def removed_lines(text: str, removals) -> dict[int, str]:
    """Line index -> rule id, for every non-blank line that the removals delete whole."""
    out: dict[int, str] = {}
    spans = [(r.start, r.end, r.rule) for r in removals if r.replacement == ""]
    if not spans:
        return out
    pos, k = 0, 0
    for i, line in enumerate(text.split("\n")):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line.strip():
            continue
        while k < len(spans) and spans[k][1] < end:
            k += 1
        if k < len(spans) and spans[k][0] <= start and spans[k][1] >= end:
            out[i] = spans[k][2]
    return out


def evaluate_all(records: list, cleaner, jobs: int = 1, keep_results: bool = False) -> Iterator[DocReport]:
    """Each record's report, in order; in ``jobs`` worker processes when there is enough to share.
    ``keep_results``: each report also holds its CleanResult (for ``--report``)."""
    from .parallel import map_in_order

    task = _EvaluateKeeping() if keep_results else evaluate_doc
    return map_in_order(task, records, cleaner, jobs if len(records) >= 2 * jobs else 1)


class _EvaluateKeeping:
    """``evaluate_doc`` that keeps the CleanResult on the report (picklable, for worker processes)."""

    def __call__(self, record: dict, clean) -> DocReport:
        kept = []

        def keep(text):
            kept.append(clean(text))
            return kept[-1]

        rep = evaluate_doc(record, keep)
        rep.result = kept[0]
        return rep


def evaluate_doc(record: dict, clean) -> DocReport:
    noisy = record.get("noisy")
    if not isinstance(noisy, str):
        raise CleanerError(f"record {record.get('id', '?')}: no 'noisy' text")
    labels = record.get("labels")
    gold = record.get("gold")
    if labels is None:
        if not isinstance(gold, str):
            raise CleanerError(f"record {record.get('id', '?')}: needs 'labels' or 'gold'")
        labels = label_from_gold(noisy, gold)
    lines = noisy.split("\n")
    if len(labels) != len(lines):
        raise CleanerError(f"record {record.get('id', '?')}: {len(labels)} labels for {len(lines)} lines")
    result = clean(noisy)
    gone = removed_lines(noisy, result.removals)
    rep = DocReport(id=str(record.get("id", "?")))
    for i, (line, lab) in enumerate(zip(lines, labels)):
        if lab is None or not line.strip():
            continue
        rule = gone.get(i)
        if rule:
            rep.removed_by[rule] += 1
        if lab == BODY:
            rep.body += 1
            n = len(tokens(line))
            rep.body_tokens += n
            if rule:
                rep.body_removed += 1
                rep.false_by[rule] += 1
                rep.body_tokens_lost += n
                rep.lost_lines.append((rule, line))
        else:
            rep.boiler += 1
            rep.boiler_removed += bool(rule)
    if isinstance(gold, str):
        g, o, n = Counter(tokens(gold)), Counter(tokens(result.text)), Counter(tokens(noisy))
        rep.gold_tokens, rep.out_tokens = sum(g.values()), sum(o.values())
        rep.tp_tokens = sum((g & o).values())
        rep.avail_tokens = sum((g & n).values())
    return rep


def _ratio(a: float, b: float) -> Optional[float]:
    return a / b if b else None


def summarise(reports: list[DocReport], rules: Iterable, worst: int = 10) -> dict:
    """The figures `cleaner eval` prints, as one JSON-ready dict."""
    br = sum(r.boiler_removed for r in reports)
    bl = sum(r.boiler for r in reports)
    yr = sum(r.body_removed for r in reports)
    yl = sum(r.body for r in reports)
    out: dict = {
        "docs": len(reports),
        "boilerplate_lines": bl,
        "body_lines": yl,
        "removed_lines": br + yr,
        "boilerplate_line_recall": _ratio(br, bl),
        "removal_precision": _ratio(br, br + yr),
        "body_line_kept": _ratio(yl - yr, yl),
    }
    with_gold = [r for r in reports if r.gold_tokens or r.avail_tokens]
    if with_gold:
        # As the scrapinghub benchmark: precision averaged over documents with output, recall over
        # documents with gold, F1 of the two means.
        ps = [r.tp_tokens / r.out_tokens for r in with_gold if r.out_tokens]
        rs = [r.tp_tokens / r.gold_tokens for r in with_gold if r.gold_tokens]
        p = sum(ps) / len(ps) if ps else 0.0
        rc = sum(rs) / len(rs) if rs else 0.0
        out.update({
            "body_token_retention": _ratio(sum(r.tp_tokens for r in with_gold), sum(r.avail_tokens for r in with_gold)),
            "token_precision": p,
            "token_recall": rc,
            "token_f1": 2 * p * rc / (p + rc) if p + rc else 0.0,
        })
    else:
        out["body_token_retention"] = _ratio(sum(r.body_tokens - r.body_tokens_lost for r in reports),
                                             sum(r.body_tokens for r in reports))
    removed, false = Counter(), Counter()
    for r in reports:
        removed.update(r.removed_by)
        false.update(r.false_by)
    rules = list(rules)
    category = {rule.id: rule.category for rule in rules}
    out["rules"] = [
        {"rule": rid, "category": category.get(rid, "?"), "removed_lines": n, "body_lines": false[rid],
         "precision": (n - false[rid]) / n}
        for rid, n in sorted(removed.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    out["rules_never_fired"] = [rule.id for rule in rules if rule.id not in removed and rule.action == "drop"]
    by_cat: dict[str, Counter] = {}
    for rid, n in removed.items():
        c = by_cat.setdefault(category.get(rid, "?"), Counter())
        c["removed"] += n
        c["body"] += false[rid]
    out["categories"] = {cat: {"removed_lines": c["removed"], "body_lines": c["body"],
                               "precision": (c["removed"] - c["body"]) / c["removed"]}
                         for cat, c in sorted(by_cat.items())}
    losers = sorted((r for r in reports if r.body_tokens_lost), key=lambda r: -r.body_tokens_lost)[:worst]
    out["most_body_lost"] = [
        {"id": r.id, "body_tokens_lost": r.body_tokens_lost, "body_tokens": r.body_tokens,
         "lines": [{"rule": rule, "text": text} for rule, text in r.lost_lines]}
        for r in losers
    ]
    return out


def read_records(path: str) -> list[dict]:
    """The annotated records of a JSONL file, each checked; a bad one is an error naming its line."""
    records = []
    try:
        f = open(path, "rb")
    except OSError as e:
        raise CleanerError(f"{path}: cannot read: {e.strerror}") from None
    with f:
        for n, raw in enumerate(f, 1):
            where = f"{path}:{n}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise CleanerError(f"{where}: invalid UTF-8 at byte {e.start} of the line") from None
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise CleanerError(f"{where}: not JSON: {e.msg}") from None
            problem = _record_problem(record)
            if problem:
                raise CleanerError(f"{where}: {problem}")
            records.append(record)
    return records


def _record_problem(record) -> Optional[str]:
    if not isinstance(record, dict):
        return "a record must be a JSON object"
    noisy = record.get("noisy")
    if not isinstance(noisy, str):
        return "needs 'noisy', the text to clean, as a string"
    labels = record.get("labels")
    if labels is None:
        return None if isinstance(record.get("gold"), str) else "needs 'labels' (a list) or 'gold' (a string)"
    if not isinstance(labels, list):
        return f"'labels' must be a list, one label per line, not {type(labels).__name__}"
    bad = next((x for x in labels if x not in (BODY, BOILER, None)), 0)
    if bad != 0:
        return f"'labels' holds {bad!r}: each label is {BODY!r}, {BOILER!r} or null"
    lines = noisy.count("\n") + 1
    if len(labels) != lines:
        return f"{len(labels)} labels for {lines} lines"
    try:
        noisy.encode("utf-8")
    except UnicodeEncodeError as e:
        return f"'noisy' holds a lone surrogate at character {e.start}"
    return None
