"""A run as one self-contained HTML page for people to review, and its figures as JSON for pipelines.

``ReportData`` is what a run collects: counts per rule and per category, a few removals of each
rule with a line of context, the pages that lost the largest share of their text, and (from
``cleaner eval``) the headline figures and each rule's false positives. It stays small whatever
the corpus: every list is capped, every stored text is cut. Worker processes each fill one and the
parent merges them in input order; the merged data equals that of one pass over the same input.

``write_html`` turns it into one file: inline CSS and one small inline script (sorting tables by a
click on a header, opening a section the table of contents points into), no external resource of
any kind, readable without JavaScript. Every piece of page text is escaped, and a Content Security
Policy lets only that one script run and nothing load.

``stats_json`` gives the figures of the terminal summary as a JSON-ready dict (``--stats PATH``).
"""
from __future__ import annotations

import base64
import bisect
import hashlib
import html
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

from .model import CleanResult, Removal, Rule, apply_removals
from .report import UNUSUAL_LOSS, RunStats

#: Removals kept per rule as samples: the first ones in input order, at most a few from one page.
SAMPLES_PER_RULE = 8
SAMPLES_PER_PAGE = 2
#: Pages kept with their text: those that lost the largest share of their characters.
HEAVIEST_PAGES = 20
#: Characters of a heavy page's text kept for its diff (cut at a line end where one is near).
MAX_PAGE_CHARS = 20_000
#: Characters kept of a context line, and on each side of a removed span within its line.
MAX_CONTEXT_CHARS = 240
#: Characters kept of a removed span in a sample (the middle is cut).
MAX_SPAN_CHARS = 600
#: False positives kept per rule, and mined lines kept.
MAX_FALSE_POSITIVES = 20
MAX_MINED = 200
MAX_MINED_EXAMPLES = 5


# --- what a run collects ------------------------------------------------------------------------

@dataclass(frozen=True)
class Sample:
    """One removal shown in context: ``prefix`` + ``span`` + ``suffix`` is its line (or lines) in
    the original text; ``above`` and ``below`` are the nearest non-blank lines around it, each
    ``(line number, text)`` or None."""

    doc: str
    line: int
    rule: str
    category: str
    prefix: str
    span: str
    suffix: str
    replacement: str
    above: Optional[tuple]
    below: Optional[tuple]


@dataclass(frozen=True)
class HeavyPage:
    """A page that lost a large share of its characters, with (the start of) its original text and
    the removals inside that part; ``truncated`` says the text was cut."""

    doc: str
    chars_in: int
    chars_out: int
    share: float
    removal_count: int
    text: str
    removals: tuple
    truncated: bool


@dataclass(frozen=True)
class MinedEntry:
    line: str
    pages: int
    groups: int
    examples: tuple
    suggestion: str


@dataclass
class ReportData:
    """What a run collects for the report; bounded, picklable and mergeable (see the module)."""

    documents: int = 0
    changed: int = 0
    chars_in: int = 0
    chars_out: int = 0
    removals: int = 0
    by_rule: Counter = field(default_factory=Counter, repr=False)
    by_category: Counter = field(default_factory=Counter)
    rule_category: dict = field(default_factory=dict, repr=False)
    samples: dict = field(default_factory=dict, repr=False)  # rule -> [Sample], first ones
    heaviest: list = field(default_factory=list, repr=False)  # [HeavyPage], largest share first
    heavy_loss_count: int = 0  # pages that lost more than UNUSUAL_LOSS
    eval_summary: Optional[dict] = field(default=None, repr=False)
    false_positives: dict = field(default_factory=dict, repr=False)  # rule -> [(doc, line or None, text)]
    false_positive_count: Counter = field(default_factory=Counter)
    mined: Optional[list] = field(default=None, repr=False)  # None: no mining in this run

    def add(self, doc_id: str, text: str, result: CleanResult) -> None:
        """Count one document (changed or not) and keep what the report shows of it."""
        doc_id = str(doc_id)
        self.documents += 1
        self.chars_in += len(text)
        self.chars_out += len(result.text)
        if not result.removals:
            return
        self.changed += 1
        self.removals += len(result.removals)
        lines, here = None, Counter()
        for r in result.removals:
            self.by_rule[r.rule] += 1
            self.by_category[r.category] += 1
            self.rule_category.setdefault(r.rule, r.category)
            kept = self.samples.setdefault(r.rule, [])
            if len(kept) < SAMPLES_PER_RULE and here[r.rule] < SAMPLES_PER_PAGE:
                here[r.rule] += 1
                if lines is None:
                    lines = _Lines(text)
                kept.append(_sample(doc_id, lines, r))
        share = 1 - len(result.text) / len(text) if text else 0.0
        if share > UNUSUAL_LOSS:
            self.heavy_loss_count += 1
        if share > 0 and (len(self.heaviest) < HEAVIEST_PAGES or share > self.heaviest[-1].share):
            page = _heavy_page(doc_id, text, result, share)
            keys = [-p.share for p in self.heaviest]
            self.heaviest.insert(bisect.bisect_right(keys, -share), page)  # ties: the earlier page first
            del self.heaviest[HEAVIEST_PAGES:]

    def merge(self, other: "ReportData") -> None:
        """Add another part's data, which covers input after this one's."""
        for name in ("documents", "changed", "chars_in", "chars_out", "removals", "heavy_loss_count"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.by_rule.update(other.by_rule)
        self.by_category.update(other.by_category)
        for rule, category in other.rule_category.items():
            self.rule_category.setdefault(rule, category)
        for rule, samples in other.samples.items():
            kept = self.samples.setdefault(rule, [])
            kept.extend(samples[: max(0, SAMPLES_PER_RULE - len(kept))])
        # A stable sort keeps this part's pages before the other's on a tie, as one pass would.
        self.heaviest = sorted(self.heaviest + other.heaviest, key=lambda p: -p.share)[:HEAVIEST_PAGES]
        if self.eval_summary is None and other.eval_summary is not None:
            self.eval_summary = other.eval_summary
        for rule, lines in other.false_positives.items():
            kept = self.false_positives.setdefault(rule, [])
            kept.extend(lines[: max(0, MAX_FALSE_POSITIVES - len(kept))])
        self.false_positive_count.update(other.false_positive_count)
        if other.mined is not None:
            self.mined = (self.mined or []) + other.mined
            del self.mined[MAX_MINED:]

    def add_eval(self, summary: dict, reports: Iterable) -> None:
        """For ``cleaner eval``: ``summary`` from ``cleaner.evaluate.summarise`` and the
        ``DocReport``s it was made from (their ``lost_lines``: body lines a rule removed)."""
        self.eval_summary = summary
        for rep in reports:
            for rule, text in rep.lost_lines:
                self._add_false_positive(rule, rep.id, None, text)

    def add_false_positives(self, doc_id: str, lines: Iterable[tuple]) -> None:
        """False positives with line numbers, as ``false_positives(record, clean)`` gives them;
        use instead of the ``reports`` of ``add_eval`` (pass ``reports=()`` there)."""
        for rule, line_no, text in lines:
            self._add_false_positive(rule, str(doc_id), line_no, text)

    def _add_false_positive(self, rule: str, doc: str, line_no: Optional[int], text: str) -> None:
        self.false_positive_count[rule] += 1
        kept = self.false_positives.setdefault(rule, [])
        if len(kept) < MAX_FALSE_POSITIVES:
            kept.append((doc, line_no, _cut_end(text, MAX_SPAN_CHARS)))

    def add_mined(self, lines: list) -> None:
        """Mined repeated lines: objects with ``line``, ``pages``, ``groups``, ``examples`` (page
        ids) and ``suggestion`` (YAML text). An empty list says mining ran and found nothing."""
        mined = self.mined or []
        for m in lines:
            if len(mined) >= MAX_MINED:
                break
            mined.append(MinedEntry(
                line=_cut_end(str(m.line), MAX_SPAN_CHARS), pages=int(m.pages), groups=int(m.groups),
                examples=tuple(str(e) for e in list(m.examples)[:MAX_MINED_EXAMPLES]),
                suggestion=_cut_end(str(m.suggestion or ""), 4000)))
        self.mined = mined


def false_positives(record: dict, clean) -> list[tuple]:
    """Body lines of an annotated record (``labels``, or ``gold`` to label from) that ``clean``
    removed whole: ``[(rule, 1-based line number, text)]`` in line order."""
    from .evaluate import BODY, label_from_gold, removed_lines

    noisy = record["noisy"]
    labels = record.get("labels")
    if labels is None:
        labels = label_from_gold(noisy, record["gold"])
    gone = removed_lines(noisy, clean(noisy).removals)
    lines = noisy.split("\n")
    return [(gone[i], i + 1, lines[i]) for i in sorted(gone) if i < len(labels) and labels[i] == BODY]


class _Lines:
    """Line lookups in one text: 0-based line index of an offset, a line's text."""

    def __init__(self, text: str):
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def index(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) - 1

    def bounds(self, i: int) -> tuple[int, int]:
        start = self.starts[i]
        end = self.starts[i + 1] - 1 if i + 1 < len(self.starts) else len(self.text)
        return start, end

    def line(self, i: int) -> str:
        start, end = self.bounds(i)
        return self.text[start:end]

    def nearest(self, i: int, step: int) -> Optional[tuple]:
        """The nearest non-blank line from line ``i`` on, going by ``step``: (number, text)."""
        for _ in range(50):  # a page of blank lines is not worth the search
            if not 0 <= i < len(self.starts):
                return None
            text = self.line(i)
            if text.strip():
                return i + 1, _cut_end(text, MAX_CONTEXT_CHARS)
            i += step
        return None


def _sample(doc: str, lines: _Lines, r: Removal) -> Sample:
    first = lines.index(r.start)
    last = lines.index(max(r.start, r.end - 1))
    start, _ = lines.bounds(first)
    _, end = lines.bounds(last)
    text = lines.text
    span = text[r.start:r.end]
    return Sample(doc=doc, line=first + 1, rule=r.rule, category=r.category,
                  prefix=_cut_start(text[start:r.start], MAX_CONTEXT_CHARS),
                  span=_cut_middle(span, MAX_SPAN_CHARS),
                  suffix=_cut_end(text[r.end:end], MAX_CONTEXT_CHARS) if r.end < end else "",
                  replacement=_cut_middle(r.replacement, MAX_SPAN_CHARS),
                  above=lines.nearest(first - 1, -1), below=lines.nearest(last + 1, 1))


def _heavy_page(doc: str, text: str, result: CleanResult, share: float) -> HeavyPage:
    cut = len(text)
    if cut > MAX_PAGE_CHARS:
        nl = text.rfind("\n", MAX_PAGE_CHARS // 2, MAX_PAGE_CHARS)
        cut = nl + 1 if nl >= 0 else MAX_PAGE_CHARS
    kept = tuple(r for r in result.removals if r.end <= cut)
    return HeavyPage(doc=doc, chars_in=len(text), chars_out=len(result.text), share=share,
                     removal_count=len(result.removals), text=text[:cut], removals=kept,
                     truncated=cut < len(text))


def _cut_end(s: str, n: int) -> str:
    return s if len(s) <= n else s[: n - 1] + "\u2026"


def _cut_start(s: str, n: int) -> str:
    return s if len(s) <= n else "\u2026" + s[len(s) - n + 1:]


def _cut_middle(s: str, n: int) -> str:
    if len(s) <= n:
        return s
    half = (n - 1) // 2
    return s[:half] + "\u2026" + s[len(s) - half:]


# --- figures as JSON ----------------------------------------------------------------------------

def stats_json(stats: RunStats, data: Optional[ReportData] = None) -> dict:
    """The figures of the terminal summary as a JSON-ready dict (``--stats PATH``); with ``data``,
    also characters in and out, the heaviest pages and, after ``eval``, its summary."""
    changed = stats.documents - stats.unchanged
    total = sum(stats.by_rule.values()) or stats.removals
    out: dict = {
        "documents": stats.documents,
        "changed": changed,
        "unchanged": stats.unchanged,
        "bytes_in": stats.bytes_in,
        "bytes_out": stats.bytes_out,
        "bytes_removed_share": _ratio(stats.bytes_in - stats.bytes_out, stats.bytes_in),
        "removals": stats.removals,
        "by_category": {cat: {"removals": n, "share": _ratio(n, total)}
                        for cat, n in sorted(stats.by_category.items(), key=lambda kv: (-kv[1], kv[0]))},
        "by_rule": {rule: {"category": stats.rule_category.get(rule, "?"), "removals": n, "share": _ratio(n, total)}
                    for rule, n in sorted(stats.by_rule.items(), key=lambda kv: (-kv[1], kv[0]))},
        "heavy_losses": {
            "threshold": UNUSUAL_LOSS,
            "count": stats.heavy_loss_count,
            "listed": [{"doc": str(doc), "lost": round(share, 6)} for doc, share in stats.heavy_losses],
        },
        "problems": {"count": stats.error_count, "listed": list(stats.errors)},
    }
    if data is not None:
        out["characters"] = {"in": data.chars_in, "out": data.chars_out,
                             "removed_share": _ratio(data.chars_in - data.chars_out, data.chars_in)}
        out["heaviest_pages"] = [{"doc": p.doc, "chars_in": p.chars_in, "chars_out": p.chars_out,
                                  "lost": round(p.share, 6), "removals": p.removal_count} for p in data.heaviest]
        if data.eval_summary is not None:
            out["eval"] = data.eval_summary
            out["eval_false_positives"] = dict(sorted(data.false_positive_count.items()))
        if data.mined is not None:
            out["mined_lines"] = len(data.mined)
    return out


def _ratio(a: float, b: float) -> Optional[float]:
    return round(a / b, 6) if b else None


# --- the HTML page ------------------------------------------------------------------------------

#: Characters a reader cannot see, shown by a visible stand-in inside removed and inserted text.
_INVISIBLE = {
    "\u00a0": "\u2423", "\u200b": "\u27e8ZWSP\u27e9", "\u200c": "\u27e8ZWNJ\u27e9", "\u200d": "\u27e8ZWJ\u27e9",
    "\u2060": "\u27e8WJ\u27e9", "\ufeff": "\u27e8BOM\u27e9", "\u00ad": "\u27e8SHY\u27e9", "\t": "\u2192",
    "\r": "\u240d", "\n": "\u21b5",
}
_SHOW = re.compile("[" + "".join(_INVISIBLE) + "]")

_CSS = """
:root{--fg:#1d2125;--muted:#5f6b76;--line:#d9dee3;--bg:#fff;--alt:#f6f8fa;--accent:#2458a6;
--rm:#ffe1e1;--rmfg:#8a1010;--ins:#d9f5dd;--bar:#4a7fc9;--tag:#eef1f5}
*{box-sizing:border-box}
html{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
body{margin:0}
.wrap{display:grid;grid-template-columns:230px minmax(0,1fr);gap:32px;max-width:1400px;margin:0 auto;padding:24px}
nav.toc{position:sticky;top:16px;align-self:start;font-size:14px;max-height:calc(100vh - 32px);overflow:auto}
nav.toc h2{border:0;padding:0;font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:0 0 8px}
nav.toc ol{list-style:none;margin:0;padding:0}
nav.toc li{margin:2px 0}
nav.toc a{display:block;padding:3px 8px;border-radius:4px;color:var(--fg);text-decoration:none}
nav.toc a:hover{background:var(--alt)}
nav.toc .n{float:right;color:var(--muted);font-variant-numeric:tabular-nums}
main{min-width:0;max-width:1100px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:21px;margin:40px 0 8px;padding-top:8px;border-top:1px solid var(--line)}
h3{font-size:16px;margin:24px 0 6px}
p.lead,.note{color:var(--muted);margin:4px 0 12px}
a{color:var(--accent)}
code,pre,.mono,td.t,td.a,td.b,.ctx td{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"Liberation Mono",monospace;font-size:13px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px;margin:12px 0}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 12px;background:var(--alt)}
.card .v{font-size:22px;font-weight:600;font-variant-numeric:tabular-nums}
.card .k{color:var(--muted);font-size:13px}
table{border-collapse:collapse;width:100%;margin:8px 0 16px}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:13px;color:var(--muted);font-weight:600;white-space:nowrap;background:var(--bg)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tbody tr:hover{background:var(--alt)}
table.sort th{cursor:pointer;user-select:none}
table.sort th:hover{color:var(--fg)}
table.sort th::after{content:" \\2195";opacity:.35}
table.sort th[aria-sort=ascending]::after{content:" \\25B2";opacity:1}
table.sort th[aria-sort=descending]::after{content:" \\25BC";opacity:1}
td.bar{width:34%;min-width:120px}
td.bar span{display:block;height:14px;margin-top:3px;background:var(--bar);border-radius:2px;min-width:1px}
td.t{overflow-wrap:anywhere;white-space:pre-wrap}
td.id{white-space:nowrap}
td.doc{overflow-wrap:anywhere;min-width:12em}
.pill{display:inline-block;padding:0 7px;border-radius:10px;background:var(--tag);color:var(--muted);font-size:12px;font-weight:500;vertical-align:1px}
.tag{display:inline-block;margin:0 2px;padding:0 5px;border-radius:3px;background:#f3d0d0;color:var(--rmfg);font:600 11px/1.5 system-ui,sans-serif;vertical-align:1px;user-select:none;white-space:nowrap}
mark,del.rm{background:var(--rm);color:var(--rmfg);text-decoration:line-through;text-decoration-color:rgba(138,16,16,.45)}
ins{background:var(--ins);text-decoration:none;color:#0b5a1c}
.inv{opacity:.7;font-size:.9em}
.rule{border:1px solid var(--line);border-radius:6px;padding:4px 14px 10px;margin:14px 0}
.rule h3{margin:8px 0 2px}
.rule .desc{color:var(--muted);margin:0 0 6px}
ol.samples{list-style:none;margin:0;padding:0}
ol.samples li{margin:8px 0 0}
.src{font-size:12px;color:var(--muted)}
table.ctx{margin:2px 0 4px;background:var(--alt);border-radius:4px}
.ctx td{border:0;padding:1px 8px;white-space:pre-wrap;overflow-wrap:anywhere}
.ctx tr.o td{color:var(--muted)}
td.ln{width:1%;font-size:12px;color:var(--muted);text-align:right;white-space:nowrap;user-select:none;font-variant-numeric:tabular-nums}
details.page{border:1px solid var(--line);border-radius:6px;margin:10px 0}
details.page>summary{cursor:pointer;padding:8px 12px;background:var(--alt);border-radius:6px}
details.page[open]>summary{border-bottom:1px solid var(--line);border-radius:6px 6px 0 0}
table.diff{table-layout:fixed;margin:0}
table.diff col.ln{width:3.6em}
table.diff td{border-bottom:0;padding:1px 8px;white-space:pre-wrap;overflow-wrap:anywhere}
table.diff td.a{border-right:1px solid var(--line)}
table.diff tr.gone td.b{background:repeating-linear-gradient(135deg,#fafafa,#fafafa 4px,#f0f0f0 4px,#f0f0f0 8px)}
table.diff tr.chg td.ln{color:var(--rmfg);font-weight:600}
table.diff thead th{position:sticky;top:0}
pre.yaml{background:var(--alt);padding:8px 10px;border-radius:4px;overflow:auto;margin:4px 0}
.figs td:first-child{color:var(--muted)}
.empty{color:var(--muted);font-style:italic}
footer{margin:48px 0 16px;color:var(--muted);font-size:13px}
@media (max-width:900px){.wrap{grid-template-columns:1fr}nav.toc{position:static;max-height:none}}
@media print{nav.toc{display:none}.wrap{display:block}details.page{break-inside:avoid}}
"""

# Sorting: a click (or Enter) on a header sorts by that column, numbers as numbers (a cell's
# data-v holds its sort value); again reverses. Contents: following a link into a closed
# <details> opens it.
_SCRIPT = """
(function(){
"use strict";
function key(td){return td?(td.hasAttribute("data-v")?td.getAttribute("data-v"):td.textContent.trim()):"";}
var NUM=/^[-+]?(\\d+\\.?\\d*|\\.\\d+)(e[-+]?\\d+)?%?$/i;
function sortBy(table,th,col){
  var body=table.tBodies[0];if(!body)return;
  var rows=Array.prototype.slice.call(body.rows);
  var keys=rows.map(function(r){return key(r.cells[col]);});
  var numeric=keys.every(function(k){return k===""||NUM.test(k);});
  var cur=th.getAttribute("aria-sort");
  var dir=cur?(cur==="ascending"?-1:1):(numeric?-1:1);
  var idx=rows.map(function(r,i){return i;});
  idx.sort(function(a,b){
    var x=keys[a],y=keys[b],c;
    if(numeric){c=(parseFloat(x)||0)-(parseFloat(y)||0);}
    else{c=x.localeCompare(y,undefined,{numeric:true,sensitivity:"base"});}
    return c*dir||a-b;
  });
  var heads=table.tHead.rows[0].cells;
  for(var i=0;i<heads.length;i++)heads[i].removeAttribute("aria-sort");
  th.setAttribute("aria-sort",dir===1?"ascending":"descending");
  var frag=document.createDocumentFragment();
  idx.forEach(function(i){frag.appendChild(rows[i]);});
  body.appendChild(frag);
}
Array.prototype.forEach.call(document.querySelectorAll("table.sort"),function(table){
  if(!table.tHead)return;
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,col){
    th.tabIndex=0;th.title="Sort by this column";
    th.addEventListener("click",function(){sortBy(table,th,col);});
    th.addEventListener("keydown",function(e){if(e.key==="Enter"||e.key===" "){e.preventDefault();sortBy(table,th,col);}});
  });
});
function openTarget(){
  var id=decodeURIComponent(location.hash.slice(1));if(!id)return;
  var el=document.getElementById(id);
  for(var p=el;p;p=p.parentElement){if(p.tagName==="DETAILS")p.open=true;}
  if(el)el.scrollIntoView();
}
window.addEventListener("hashchange",openTarget);
openTarget();
})();
"""


def _e(s) -> str:
    return html.escape(str(s), quote=True)


def _vis(s: str) -> str:
    """Escaped, with invisible characters shown by name (inside removed or inserted text)."""
    out, pos = [], 0
    for m in _SHOW.finditer(s):
        out.append(_e(s[pos:m.start()]))
        out.append(f'<span class="inv">{_e(_INVISIBLE[m.group()])}</span>')
        pos = m.end()
    out.append(_e(s[pos:]))
    return "".join(out)


def _pct(part: float, whole: float, digits: int = 1) -> str:
    return f"{part / whole * 100:.{digits}f}%" if whole else "0%"


def _num(n) -> str:
    return f"{n:,}"


class _Ids:
    """Unique, safe element ids for names (rule ids, page ids are arbitrary text)."""

    def __init__(self):
        self.used: dict = {}
        self.taken: set = set()

    def __call__(self, prefix: str, name: str) -> str:
        key = (prefix, name)
        if key not in self.used:
            base = prefix + "-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:60] or "x")
            new, k = base, 1
            while new in self.taken:
                k += 1
                new = f"{base}-{k}"
            self.taken.add(new)
            self.used[key] = new
        return self.used[key]


def _table(headers: Sequence[tuple], rows: Iterable[str], sort: bool = True, cls: str = "") -> str:
    """``headers``: (label, css class) pairs; ``rows``: ready <tr> markup."""
    head = "".join(f'<th class="{c}" scope="col">{_e(h)}</th>' if c else f'<th scope="col">{_e(h)}</th>'
                   for h, c in headers)
    classes = " ".join(x for x in ("sort" if sort else "", cls) if x)
    return (f'<table class="{classes}"><thead><tr>{head}</tr></thead><tbody>'
            + "".join(rows) + "</tbody></table>")


def _bar_rows(counts: Counter, total: int, label, extra=None) -> list[str]:
    top = max(counts.values()) if counts else 1
    rows = []
    for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        cells = label(name) + (extra(name) if extra else "")
        rows.append(f'<tr>{cells}<td class="num" data-v="{n}">{_num(n)}</td>'
                    f'<td class="num" data-v="{n / total if total else 0:.6f}">{_pct(n, total)}</td>'
                    f'<td class="bar" data-v="{n}"><span style="width:{n / top * 100:.1f}%"></span></td></tr>')
    return rows


def write_html(path: str, data: ReportData, rules: Sequence[Rule], title: str = "cleaner run") -> None:
    """Write the review report for ``data`` (the run's ``rules`` name those that never fired) as
    one self-contained HTML file at ``path``; written whole or not at all."""
    from .textio import atomic_output

    page = render_html(data, rules, title)
    with atomic_output(path) as f:
        f.write(page.encode("utf-8", "replace"))


def render_html(data: ReportData, rules: Sequence[Rule], title: str = "cleaner run") -> str:
    """The report as one HTML string (see ``write_html``)."""
    from . import __version__

    rules = list(rules)
    ids = _Ids()
    described = {r.id: r for r in rules}
    category_of = {**{r.id: r.category for r in rules}, **data.rule_category}
    fired = set(data.by_rule)
    never = [r for r in rules if r.id not in fired]
    sections: list[tuple[str, str, str, str]] = []  # (id, heading, count shown in the contents, body)

    # Summary.
    removed = data.chars_in - data.chars_out
    cards = [
        (_num(data.documents), "documents"),
        (_num(data.changed), f"changed ({_pct(data.changed, data.documents)})"),
        (_num(data.documents - data.changed), "unchanged"),
        (_num(data.removals), "removals"),
        (_num(data.chars_in), "characters in"),
        (_num(data.chars_out), "characters out"),
        (_num(removed), f"characters removed ({_pct(removed, data.chars_in)})"),
        (f"{len(fired)} / {len(set(r.id for r in rules) | fired)}", "rules that fired"),
        (_num(data.heavy_loss_count), f"pages that lost over {UNUSUAL_LOSS:.0%}"),
    ]
    body = '<div class="cards">' + "".join(
        f'<div class="card"><div class="v">{_e(v)}</div><div class="k">{_e(k)}</div></div>' for v, k in cards) + "</div>"
    sections.append(("summary", "Summary", "", body))

    # Bar charts.
    total = sum(data.by_rule.values())
    if data.by_category:
        body = _table([("Category", ""), ("Removals", "num"), ("Share", "num"), ("", "")],
                      _bar_rows(data.by_category, total, lambda c: f"<td>{_e(c)}</td>"))
    else:
        body = '<p class="empty">Nothing was removed.</p>'
    sections.append(("categories", "Removals per category", str(len(data.by_category)), body))

    if data.by_rule:
        body = ('<p class="lead">Each rule links to its samples below.</p>'
                + _table([("Rule", ""), ("Category", ""), ("Removals", "num"), ("Share", "num"), ("", "")],
                         _bar_rows(data.by_rule, total,
                                   lambda r: f'<td class="id"><a href="#{ids("r", r)}">{_e(r)}</a></td>',
                                   lambda r: f"<td>{_e(category_of.get(r, '?'))}</td>")))
    else:
        body = '<p class="empty">No rule fired.</p>'
    sections.append(("rules", "Removals per rule", str(len(data.by_rule)), body))

    # Samples.
    parts = [f'<p class="lead">Up to {SAMPLES_PER_RULE} removals of each rule (the first in the input), each in '
             "its line with the nearest non-blank line above and below from the original text. "
             "The removed span is struck through and labelled with its rule; "
             "a replacement is shown in green.</p>"]
    for rule, n in sorted(data.by_rule.items(), key=lambda kv: (-kv[1], kv[0])):
        desc = described[rule].description if rule in described else ""
        items = "".join(_sample_html(s) for s in data.samples.get(rule, []))
        parts.append(f'<section class="rule" id="{ids("r", rule)}"><h3>{_e(rule)} '
                     f'<span class="pill">{_e(category_of.get(rule, "?"))}</span> '
                     f'<span class="pill">{_num(n)} removal{"s" if n != 1 else ""}</span></h3>'
                     + (f'<p class="desc">{_e(desc)}</p>' if desc else "")
                     + f'<ol class="samples">{items}</ol></section>')
    if not data.by_rule:
        parts.append('<p class="empty">No removals.</p>')
    sections.append(("samples", "Samples per rule", str(len(data.by_rule)), "".join(parts)))

    # Never fired.
    if never:
        rows = [f'<tr><td class="id">{_e(r.id)}</td><td>{_e(r.category)}</td><td class="id">{_e(r.action)}</td>'
                f'<td>{_e(r.description)}</td><td class="mono id">{_e(_where(r))}</td></tr>' for r in never]
        body = ('<p class="lead">Rules loaded for this run that removed nothing.</p>'
                + _table([("Rule", ""), ("Category", ""), ("Action", ""), ("Description", ""), ("Defined at", "")], rows))
    else:
        body = '<p class="empty">Every rule fired at least once.</p>'
    sections.append(("never", "Rules that never fired", str(len(never)), body))

    # Heaviest pages.
    if data.heaviest:
        rows, diffs = [], []
        for p in data.heaviest:
            pid = ids("p", p.doc)
            rules_here = Counter(r.rule for r in p.removals)
            rows.append(f'<tr><td class="doc"><a href="#{pid}">{_e(p.doc)}</a></td>'
                        f'<td class="num" data-v="{p.share:.6f}">{_pct(p.share, 1)}</td>'
                        f'<td class="num" data-v="{p.chars_in}">{_num(p.chars_in)}</td>'
                        f'<td class="num" data-v="{p.chars_out}">{_num(p.chars_out)}</td>'
                        f'<td class="num" data-v="{p.removal_count}">{_num(p.removal_count)}</td>'
                        f'<td>{_e(", ".join(r for r, _ in rules_here.most_common(4)))}'
                        f'{" …" if len(rules_here) > 4 else ""}</td></tr>')
            diffs.append(_page_html(p, pid))
        body = (f'<p class="lead">The {len(data.heaviest)} pages that lost the largest share of their characters. '
                "Open one for a side-by-side diff: the original on the left with every removed span marked and "
                "labelled with its rule, the cleaned text on the right.</p>"
                + _table([("Page", ""), ("Lost", "num"), ("Characters in", "num"), ("Characters out", "num"),
                          ("Removals", "num"), ("Rules", "")], rows)
                + "".join(diffs))
    else:
        body = '<p class="empty">No page lost any text.</p>'
    sections.append(("pages", "Pages that lost the most", str(len(data.heaviest)), body))

    # Mined lines.
    if data.mined is not None:
        if data.mined:
            rows = []
            for m in data.mined:
                ex = ", ".join(m.examples)
                sug = (f'<details><summary>YAML</summary><pre class="yaml">{_e(m.suggestion)}</pre></details>'
                       if m.suggestion else "")
                rows.append(f'<tr><td class="t">{_e(m.line)}</td><td class="num" data-v="{m.pages}">{_num(m.pages)}</td>'
                            f'<td class="num" data-v="{m.groups}">{_num(m.groups)}</td><td>{_e(ex)}</td>'
                            f"<td>{sug}</td></tr>")
            body = ('<p class="lead">Lines repeated across pages that no rule removed, with a suggested rule '
                    "for each.</p>" + _table([("Line", ""), ("Pages", "num"), ("Groups", "num"), ("Examples", ""),
                                              ("Suggested rule", "")], rows))
        else:
            body = '<p class="empty">No repeated lines found.</p>'
        sections.append(("mined", "Mined repeated lines", str(len(data.mined)), body))

    # Eval.
    if data.eval_summary is not None:
        sections.append(("eval", "Evaluation", "", _eval_html(data, ids, category_of)))

    toc = "".join(f'<li><a href="#{sid}">{_e(h)}' + (f' <span class="n">{_e(n)}</span>' if n else "")
                  + "</a></li>" for sid, h, n, _ in sections)
    main = "".join(f'<section id="{sid}"><h2>{_e(h)}</h2>{b}</section>' for sid, h, _, b in sections)
    digest = base64.b64encode(hashlib.sha256(_SCRIPT.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; "
           "base-uri 'none'; form-action 'none'")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        '<div class="wrap"><nav class="toc" aria-label="Contents"><h2>Contents</h2>'
        f"<ol>{toc}</ol></nav><main>"
        f"<h1>{_e(title)}</h1>"
        f'<p class="lead">A review report of cleaner {_e(__version__)}: what was removed, by which rule, and where. '
        "Click a table header to sort by it.</p>"
        f"{main}"
        f"<footer>Written by cleaner {_e(__version__)}. This file is self-contained: it loads nothing.</footer>"
        f"</main></div><script>{_SCRIPT}</script></body></html>\n"
    )


def _where(r: Rule) -> str:
    import os

    return f"{os.path.basename(r.path)}:{r.line}" if r.path else ""


def _sample_html(s: Sample) -> str:
    rows = []
    if s.above:
        rows.append(f'<tr class="o"><td class="ln">{s.above[0]}</td><td>{_e(s.above[1])}</td></tr>')
    span = s.span[:-1] if s.span.endswith("\n") else s.span  # the line's own end, not worth a mark
    marked = f'<del class="rm">{_vis(span) if span else _vis(s.span)}</del>'
    if s.replacement:
        marked += f"<ins>{_vis(s.replacement)}</ins>"
    rows.append(f'<tr><td class="ln">{s.line}</td><td>{_e(s.prefix)}{marked}'
                f'<span class="tag">{_e(s.rule)}</span>{_e(s.suffix)}</td></tr>')
    if s.below:
        rows.append(f'<tr class="o"><td class="ln">{s.below[0]}</td><td>{_e(s.below[1])}</td></tr>')
    return (f'<li><div class="src">page <b>{_e(s.doc)}</b>, line {s.line}</div>'
            f'<table class="ctx">{"".join(rows)}</table></li>')


def _page_html(p: HeavyPage, pid: str) -> str:
    lines = _Lines(p.text)
    removals = sorted(p.removals, key=lambda r: r.start)
    # Per line: the pieces of the original (plain or removed) and of the cleaned text.
    rows = []
    k = 0
    n_lines = len(lines.starts)
    if p.text.endswith("\n"):
        n_lines -= 1  # the empty "line" after a final newline
    for i in range(n_lines):
        start, end = lines.bounds(i)
        stop = end + 1 if end < len(p.text) else end  # the line with its newline
        while k < len(removals) and removals[k].end <= start and removals[k].start < start:
            k += 1  # removals are sorted and do not overlap: those before this line are done
        left, right, pos, touched = [], [], start, False
        j = k
        while j < len(removals) and removals[j].start < stop:
            r = removals[j]
            j += 1
            touched = True
            a, b = max(r.start, start), min(r.end, end)
            if a > pos:
                left.append(_e(p.text[pos:a]))
                right.append(_e(p.text[pos:a]))
            piece = p.text[a:b]
            if piece:
                left.append(f'<del class="rm">{_vis(piece)}</del>')
            elif r.end > end:  # only the line's end: lines joined, or a blank line removed
                left.append(f'<del class="rm">{_vis(chr(10))}</del>')
            if r.start >= start:  # its label and replacement on the line where it starts
                left.append(f'<span class="tag">{_e(r.rule)}</span>')
                if r.replacement:
                    right.append(f"<ins>{_vis(r.replacement)}</ins>")
            pos = max(pos, b)
        if pos < end:
            left.append(_e(p.text[pos:end]))
            right.append(_e(p.text[pos:end]))
        cls = (' class="gone chg"' if not right else ' class="chg"') if touched else ""
        rows.append(f'<tr{cls}><td class="ln">{i + 1}</td><td class="a">{"".join(left)}</td>'
                    f'<td class="b">{"".join(right)}</td></tr>')
    cut = (f' <span class="pill">first {_num(len(p.text))} of {_num(p.chars_in)} characters</span>'
           if p.truncated else "")
    clean_len = len(apply_removals(p.text, p.removals))
    return (f'<details class="page" id="{pid}"><summary><b>{_e(p.doc)}</b> lost {_pct(p.share, 1)} '
            f"({_num(p.chars_in)} \u2192 {_num(p.chars_out)} characters, {_num(p.removal_count)} removals){cut}"
            "</summary>"
            '<table class="diff"><colgroup><col class="ln"><col><col></colgroup>'
            '<thead><tr><th class="num">line</th><th>original (removed spans marked)</th>'
            f'<th>cleaned ({_num(clean_len)} characters shown)</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></details>')


def _fmt(x) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _eval_html(data: ReportData, ids: _Ids, category_of: dict) -> str:
    s = data.eval_summary or {}
    figs = [("documents", _num(s.get("docs", 0))), ("residue lines", _num(s.get("boilerplate_lines", 0))),
            ("body lines", _num(s.get("body_lines", 0))), ("removed lines", _num(s.get("removed_lines", 0))),
            ("residue-line recall", _fmt(s.get("boilerplate_line_recall"))),
            ("removal precision", _fmt(s.get("removal_precision"))),
            ("body-token retention", _fmt(s.get("body_token_retention")))]
    if "token_f1" in s:
        figs += [("token precision vs gold", _fmt(s["token_precision"])),
                 ("token recall vs gold", _fmt(s["token_recall"])), ("token F1 vs gold", _fmt(s["token_f1"]))]
    out = ['<div class="cards">' + "".join(
        f'<div class="card"><div class="v">{_e(v)}</div><div class="k">{_e(k)}</div></div>' for k, v in figs) + "</div>"]
    rule_rows = []
    for r in s.get("rules", []):
        fp = r.get("body_lines", 0)
        link = f'<a href="#{ids("fp", r["rule"])}">{_e(r["rule"])}</a>' if fp else _e(r["rule"])
        rule_rows.append(f'<tr><td class="id">{link}</td><td>{_e(r.get("category", "?"))}</td>'
                         f'<td class="num" data-v="{r.get("removed_lines", 0)}">{_num(r.get("removed_lines", 0))}</td>'
                         f'<td class="num" data-v="{fp}">{_num(fp)}</td>'
                         f'<td class="num" data-v="{r.get("precision", 0):.6f}">{r.get("precision", 0):.3f}</td></tr>')
    out.append("<h3>Per rule</h3>" + (_table([("Rule", ""), ("Category", ""), ("Removed lines", "num"),
                                              ("Body lines (false positives)", "num"), ("Precision", "num")], rule_rows)
                                      if rule_rows else '<p class="empty">No rule removed a line.</p>'))
    out.append("<h3>False positives per rule</h3>")
    if data.false_positives:
        out.append('<p class="lead">Lines labelled article body that a rule removed whole.</p>')
        for rule, n in sorted(data.false_positive_count.items(), key=lambda kv: (-kv[1], kv[0])):
            lines = data.false_positives.get(rule, [])
            items = "".join(
                f'<li><div class="src">page <b>{_e(doc)}</b>{f", line {line}" if line else ""}</div>'
                f'<table class="ctx"><tr><td><del class="rm">{_e(text)}</del><span class="tag">{_e(rule)}</span>'
                f"</td></tr></table></li>" for doc, line, text in lines)
            more = f'<p class="note">\u2026 and {n - len(lines)} more</p>' if n > len(lines) else ""
            out.append(f'<section class="rule" id="{ids("fp", rule)}"><h3>{_e(rule)} '
                       f'<span class="pill">{_e(category_of.get(rule, "?"))}</span> '
                       f'<span class="pill">{_num(n)} false positive{"s" if n != 1 else ""}</span></h3>'
                       f'<ol class="samples">{items}</ol>{more}</section>')
    else:
        out.append('<p class="empty">No rule removed a body line.</p>')
    return "".join(out)
