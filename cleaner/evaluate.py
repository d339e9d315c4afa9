"""Measure a rule set on annotated documents: which lines it removed, and whether they were residue.

A record has ``noisy`` and either ``labels`` (one per line of ``noisy.split("\\n")``: "body",
"boilerplate" or null for a blank line) or ``gold`` (the article body; lines are then labelled by
aligning their tokens to it), and may have ``line_kinds`` (one per line: what the line is, such as
"body", "headline", "byline", "caption", "comments", or null), which adds figures per kind. Line
figures come from the removal log itself, so they are exact: a line counts as removed when removals
cover all of it.
"""
from __future__ import annotations

import bisect
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
    language: Optional[str] = None  # the language whose packs ran, if any
    kinds: Counter = field(default_factory=Counter)  # line kind -> non-blank lines of that kind
    kinds_removed: Counter = field(default_factory=Counter)  # line kind -> those removed
    result: Any = None  # the CleanResult, when kept for a report


def removed_lines(text: str, removals) -> dict[int, str]:
    """Line index -> rule id, for every non-blank line that the removals delete whole."""
    return {i: r.rule for i, r in removing_records(text, removals).items()}


def removing_records(text: str, removals) -> dict[int, Any]:
    """Line index -> the Removal that deletes it, for every non-blank line that removals delete whole."""
    out: dict[int, Any] = {}
    spans = [(r.start, r.end, r) for r in removals if r.replacement == ""]
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
    rep = DocReport(id=str(record.get("id", "?")), language=result.language)
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
    kinds = record.get("line_kinds")
    if isinstance(kinds, list) and len(kinds) == len(lines):
        for i, (line, kind) in enumerate(zip(lines, kinds)):
            if kind is not None and line.strip():
                rep.kinds[kind] += 1
                rep.kinds_removed[kind] += i in gone
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
    if any(r.kinds for r in reports):
        out["kinds"] = kind_figures(reports)
    languages = Counter(r.language for r in reports if r.language)
    if languages:  # which language packs ran, on how many documents
        out["language_packs"] = dict(sorted(languages.items()))
    losers = sorted((r for r in reports if r.body_tokens_lost), key=lambda r: -r.body_tokens_lost)[:worst]
    out["most_body_lost"] = [
        {"id": r.id, "body_tokens_lost": r.body_tokens_lost, "body_tokens": r.body_tokens,
         "lines": [{"rule": rule, "text": text} for rule, text in r.lost_lines]}
        for r in losers
    ]
    return out


def kind_figures(reports: list[DocReport]) -> dict:
    """Per line kind (records with ``line_kinds``), by name: documents that have the kind, its
    non-blank lines, those removed and their share - recall for a residue kind, loss for ``body``."""
    lines, removed, docs = Counter(), Counter(), Counter()
    for r in reports:
        lines.update(r.kinds)
        removed.update(r.kinds_removed)
        docs.update(r.kinds.keys())
    return {kind: {"docs": docs[kind], "lines": lines[kind], "removed_lines": removed[kind],
                   "removed_share": removed[kind] / lines[kind]}
            for kind in sorted(lines)}


@dataclass
class PageLine:
    """One non-blank line of a page, as ``cleaner eval --page`` shows it."""

    number: int  # 1-based, as in the log
    text: str
    label: Optional[str]  # "body" or "boilerplate" (from ``labels`` or aligned to ``gold``)
    kind: Optional[str]  # from ``line_kinds``, when the record has them
    score: float  # the prose score (linestats.py)
    words: int
    span: str  # "before", "in" or "after" the article's span; "none" when the page has no span
    rule: str = ""  # the rule that removed the line whole
    detail: str = ""  # that removal's detail
    edited_by: tuple = ()  # rules that changed part of the line without removing it

    @property
    def removed(self) -> bool:
        return bool(self.rule)

    @property
    def mismatch(self) -> str:
        """"lost" (body removed), "missed" (residue kept) or ""."""
        if self.label == BODY and self.removed:
            return "lost"
        if self.label == BOILER and not self.removed:
            return "missed"
        return ""

    def to_dict(self) -> dict:
        return {"line": self.number, "label": self.label, "kind": self.kind, "prose": round(self.score, 4),
                "words": self.words, "span": self.span, "rule": self.rule or None, "detail": self.detail or None,
                "edited_by": list(self.edited_by), "mismatch": self.mismatch or None, "text": self.text}


@dataclass
class PageView:
    """A page's non-blank lines with their label, prose score, place against the span and rule."""

    id: str
    lines: list  # of PageLine
    span_first: Optional[int] = None  # 1-based line numbers of the span, when there is one
    span_last: Optional[int] = None
    span_clear: bool = False
    url: str = ""

    def to_dict(self) -> dict:
        return {"id": self.id, "url": self.url or None,
                "span": None if self.span_first is None else
                {"first": self.span_first, "last": self.span_last, "clear": self.span_clear},
                "lines": [x.to_dict() for x in self.lines]}


def find_record(records: list[dict], doc_id: str) -> dict:
    """The record whose ``id`` is ``doc_id`` (compared as text); an error when there is none."""
    for record in records:
        if str(record.get("id", "")) == doc_id:
            return record
    raise CleanerError(f"no record with id {doc_id!r}")


def page_view(record: dict, clean) -> PageView:
    """What happened to each line of one annotated record, and why (``cleaner eval --page``).

    The span is found as the engine finds it (``span.find_span``) over the input's non-blank lines,
    before any rule ran; the engine finds it on the lines still there when a rule first asks, so
    after earlier removals the two can differ."""
    from .linestats import line_stats
    from .span import find_span

    noisy = record["noisy"]
    labels = record.get("labels")
    if labels is None:
        labels = label_from_gold(noisy, record["gold"])
    lines = noisy.split("\n")
    kinds = record.get("line_kinds")
    if not (isinstance(kinds, list) and len(kinds) == len(lines)):
        kinds = [None] * len(lines)
    result = clean(noisy)
    gone = removing_records(noisy, result.removals)
    starts, pos = [], 0
    for line in lines:
        starts.append(pos)
        pos += len(line) + 1
    edits: dict[int, list] = {}  # line -> rules that changed some of its characters
    for r in result.removals:
        i = bisect.bisect_right(starts, r.start) - 1
        while i < len(lines) and (starts[i] < r.end or starts[i] == r.start):
            if starts[i] + len(lines[i]) > r.start or r.start == r.end:
                if i not in gone and r.rule not in edits.setdefault(i, []):
                    edits[i].append(r.rule)
            i += 1
    present = [i for i, line in enumerate(lines) if line.strip()]
    stats = {i: line_stats(lines[i]) for i in present}
    span = find_span(present, [stats[i].score for i in present], [stats[i].words for i in present]) if present else None
    view = PageView(id=str(record.get("id", "?")), lines=[], url=str(record.get("url") or ""))
    if span is not None:
        view.span_first, view.span_last, view.span_clear = span.first + 1, span.last + 1, span.clear
    for i in present:
        where = "none" if span is None else "before" if i < span.first else "after" if i > span.last else "in"
        removal = gone.get(i)
        view.lines.append(PageLine(
            number=i + 1, text=lines[i], label=labels[i] if labels[i] is not None else None, kind=kinds[i],
            score=stats[i].score, words=stats[i].words, span=where,
            rule=removal.rule if removal else "", detail=(removal.detail or "") if removal else "",
            edited_by=tuple(edits.get(i, ())),
        ))
    return view


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
        if not isinstance(record.get("gold"), str):
            return "needs 'labels' (a list) or 'gold' (a string)"
        return _kinds_problem(record.get("line_kinds"), noisy.count("\n") + 1)
    if not isinstance(labels, list):
        return f"'labels' must be a list, one label per line, not {type(labels).__name__}"
    bad = next((x for x in labels if x not in (BODY, BOILER, None)), 0)
    if bad != 0:
        return f"'labels' holds {bad!r}: each label is {BODY!r}, {BOILER!r} or null"
    lines = noisy.count("\n") + 1
    if len(labels) != lines:
        return f"{len(labels)} labels for {lines} lines"
    problem = _kinds_problem(record.get("line_kinds"), lines)
    if problem:
        return problem
    try:
        noisy.encode("utf-8")
    except UnicodeEncodeError as e:
        return f"'noisy' holds a lone surrogate at character {e.start}"
    return None


def _kinds_problem(kinds, lines: int) -> Optional[str]:
    if kinds is None:
        return None
    if not isinstance(kinds, list):
        return f"'line_kinds' must be a list, one kind per line, not {type(kinds).__name__}"
    bad = next((x for x in kinds if not (x is None or isinstance(x, str))), 0)
    if bad != 0:
        return f"'line_kinds' holds {bad!r}: each kind is a string or null"
    if len(kinds) != lines:
        return f"{len(kinds)} line kinds for {lines} lines"
    return None
