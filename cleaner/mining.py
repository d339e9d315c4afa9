"""Mining: the lines that repeat most within sites and that no rule removed, each with a suggested
rule for a pack.

``mine`` counts a JSONL corpus (``repetition.count_corpus``), then reads it again: every line the
rules left that stands on at least ``min_pages`` pages of its group is a candidate; the ``top`` with
the most pages are returned, with their count, their group's pages and up to 3 example page ids.
``suggest_rule`` writes a YAML rule for one: a general shape where the line has one (a share,
follow or newsletter prompt, a copyright line, an ``N comments`` counter, a ``Tags:`` list, a
``Read more`` link), else the exact line, anchored and escaped, with a comment that it is scoped to
that site and needs review. Every suggestion loads with ``cleaner.load_rules`` and passes its own
examples. The user reviews them and adds the good ones to a pack.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Optional

import regex

from .repetition import count_corpus, group_of, hash64, normalise_line


@dataclass
class MinedLine:
    text: str  # the line as it first appeared
    group: str  # the site (or group) it repeats in
    pages: int  # pages of the group it stands on
    group_pages: int  # pages of the group
    examples: list = field(default_factory=list)  # up to 3 page ids (or FILE:LINE where a page has none)
    groups: int = 1  # in how many groups the same line stands on min_pages or more


def mine(path: str, cleaner, text_field: str = "text", group_field: Optional[str] = None, top: int = 50,
         min_pages: int = 3, id_field: str = "id", jobs: int = 1, scratch: Optional[str] = None) -> list[MinedLine]:
    """The lines that repeat most within groups of a JSONL corpus and that no rule removed, most
    pages first (then the text): at most ``top``, each on at least ``min_pages`` pages of its group."""
    from .evaluate import removed_lines
    from .formats import open_in, read_lines
    from .jsonl import BadRecord, Options, read_record

    repeated = count_corpus(path, text_field, group_field, jobs=jobs, scratch=scratch)
    found: dict[tuple[str, str], MinedLine] = {}
    opts = Options(text_field=text_field, id_field=id_field)
    with open_in(path) as stream:
        for n, line in enumerate(read_lines(stream, path), 1):
            if not line.strip():
                continue
            try:
                record, text, doc = read_record(line, opts)
            except BadRecord:
                continue
            group = group_of(record, group_field)
            if group is None:
                continue
            gp = repeated.group_pages(group)
            if gp < min_pages:
                continue
            result = cleaner.clean(text)
            gone = removed_lines(text, result.removals)
            seen = set()
            for i, t in enumerate(text.split("\n")):
                t = t.rstrip("\r")
                if not t.strip() or i in gone:
                    continue
                key = normalise_line(t)
                if key in seen:
                    continue
                seen.add(key)
                pages = repeated.pages(group, t)
                if pages < min_pages:
                    continue
                m = found.get((group, key))
                if m is None:
                    m = found[(group, key)] = MinedLine(t.strip(), group, pages, gp)
                if len(m.examples) < 3:
                    m.examples.append(str(doc) if doc is not None else f"{path}:{n}")
    by_line: dict[str, int] = {}
    for (_, key) in found:
        by_line[key] = by_line.get(key, 0) + 1
    for (_, key), m in found.items():
        m.groups = by_line[key]
    return sorted(found.values(), key=lambda m: (-m.pages, -m.pages / m.group_pages, m.group, m.text))[:top]


# --- suggested rules --------------------------------------------------------------------------

# (name, shape, category, description, a text that must stay): a general rule where the line has
# one of these shapes. Each pattern matches a whole line and is a `regex` pattern as packs write it.
SHAPES = [
    ("share-prompt", r"(?i)^\W*(?:share|tweet|email|print|pin)\b(?:\s+(?:this|it|the)\b)?(?:\s+(?:article|story|post|page))?(?:\s+(?:on|via|with|to)\b.{0,60})?\W*$",
     "navigation", "A share prompt of the page's furniture.", "Share the load with your partner."),
    ("follow-prompt", r"(?i)^\W*(?:follow|like|find)\s+(?:us|me|\S+)\s+on\s+(?:twitter|facebook|instagram|linkedin|youtube|tiktok)\b.{0,60}(?<![.;])$",
     "navigation", "A follow-us prompt.", "Follow the money, the old rule says."),
    ("newsletter-prompt", r"(?i)^\W*(?:sign\s*up|subscribe|get|join)\b.{0,60}\b(?:newsletters?|updates|e-?mails?|alerts|inbox)\b.{0,40}(?<![.;])$",
     "promo", "A newsletter or subscription prompt.", "Subscribers got the letter on Monday, and they were not happy about it at all."),
    ("copyright-line", r"(?i)^\W*(?:©|\(c\)|copyright\b).{0,120}$",
     "credits", "A copyright line.", "Copying is how artists learn, she said."),
    ("comment-counter", r"(?i)^\W*(?:\d+|no|one)\s+(?:comments?|responses?|replies|reactions?)\W*$",
     "comments", "A comment counter.", "Two comments stood out in the thread."),
    ("tag-list", r"(?i)^\W*(?:tags?|tagged|filed\s+under|categories|topics)\s*:.{0,200}$",
     "navigation", "A tag or category list.", "Tags are sewn into the collar."),
    ("read-more-link", r"(?i)^\W*(?:read|see|view)\s+(?:more|the\s+full|all)\b.{0,60}(?<![.!?;])$",
     "navigation", "A read-more link.", "Read more books, the teacher told them."),
]


def _slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", normalise_line(text))
    slug = "-".join(words[:6])[:40].strip("-")
    return slug or "line"


def _tag(m: "MinedLine") -> str:
    """A short stable hash of the line and its group: rule ids stay unique when slugs collide."""
    return f"{hash64(m.group + chr(0) + normalise_line(m.text)) & 0xFFFFFF:06x}"


def _quote(text: str) -> str:
    """A YAML double-quoted scalar."""
    return json.dumps(text, ensure_ascii=False)


def _shape(m: MinedLine):
    """The first general shape that takes the whole line and leaves its own keep example."""
    for name, pattern, category, description, keep in SHAPES:
        if regex.search(pattern, m.text.strip()) and not regex.search(pattern, keep):
            return name, pattern, category, description, keep
    return None


def suggest_rule(m: MinedLine) -> str:
    """A YAML rule (one entry of a pack's ``rules:`` list, with a ``category`` comment) for a mined
    line: a general shape where one fits, else the exact line, anchored and escaped, scoped to the
    site in a comment. It loads with ``cleaner.load_rules`` and its examples pass."""
    shape = _shape(m)
    examples = ", ".join(_quote(x) for x in m.examples)
    head = [f"# mined: on {m.pages} of {m.group_pages} pages of {m.group}"
            + (f" (and {m.groups - 1} other site{'s' if m.groups > 2 else ''})" if m.groups > 1 else ""),
            f"# example pages: {examples}"]
    if shape is not None:
        name, pattern, category, description, keep = shape
        rule_id = f"mined-{name}-{_slug(m.text)[:30].rstrip('-')}-{_tag(m)}"
        head.append(f"# a general shape ({name}, category {category}): review what else it removes before adding it")
        body = [
            f"- id: {rule_id}",
            f"  description: {_quote(description + ' Mined from ' + m.group + '.')}",
            f"  pattern: {_quote(pattern)}",
            "  action: drop",
            "  examples:",
            f"    remove: [{_quote(m.text)}]",
            f"    keep: [{_quote(keep)}]",
        ]
    else:
        rule_id = f"mined-{_slug(m.group)[:20].rstrip('-')}-{_slug(m.text)[:30].rstrip('-')}-{_tag(m)}"
        exact = "(?i)^\\s*" + _escape(m.text.strip()) + "\\s*$"
        head.append(f"# the exact line, scoped to {m.group}: it is an exact string of that site - review it, "
                    "and keep it in a pack for that site's pages only")
        body = [
            f"- id: {rule_id}",
            f"  description: {_quote('A line repeated across pages of ' + m.group + '.')}",
            f"  pattern: {_quote(exact)}",
            "  action: drop",
            "  examples:",
            f"    remove: [{_quote(m.text)}]",
            f"    keep: [{_quote('The article goes on: ' + m.text + ' and more.')}]",
        ]
    return "\n".join(head + body) + "\n"


def _escape(text: str) -> str:
    """``text`` as a literal in a `regex` pattern, spacing matched loosely."""
    return r"\s+".join(regex.escape(w) for w in text.split())


def suggest_pack(mined: list[MinedLine], category: str = "mined") -> str:
    """A whole pack file of suggestions (``category: mined``), ready to review."""
    rules = "\n".join(_indent(suggest_rule(m)) for m in mined)
    return (f"category: {category}\ndescription: Lines that repeat across pages of a site, mined by `cleaner mine`;"
            " review before use.\nrules:\n" + rules)


def _indent(text: str) -> str:
    return "".join("  " + line if line.strip() else line for line in text.splitlines(True))
