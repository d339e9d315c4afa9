"""Find, load, validate and compile rule packs.

A pack is a YAML file; loading reports every problem at once, each as ``path:line: what is wrong``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import regex
import yaml

from .actions import ACTIONS
from .conditions import CONDITIONS, Neighbour
from .model import CleanerError, Example, Rule, RulePack

PACK_KEYS = {"category", "description", "rules", "languages"}
LANGUAGE_RE = regex.compile(r"[a-z]{2}")  # an ISO 639-1 code
RULE_KEYS = {
    "id", "category", "description", "pattern", "action", "replacement", "window",
    "triggers", "max_length", "when", "examples", "region", "languages",
}
REGIONS = ("to_end", "from_top")
EXAMPLE_KEYS = {"remove", "change", "keep"}
ID_RE = regex.compile(r"[a-z0-9][a-z0-9._-]*")
# A pattern sees one line, so ^ and $ are its ends. A window rule's pattern sees several lines
# joined by "\n": MULTILINE makes ^ and $ mark each line's ends there. (Only there: MULTILINE makes
# a search of one line up to twice as slow.)
PATTERN_FLAGS = regex.VERSION0
WINDOW_FLAGS = regex.MULTILINE | regex.VERSION0
# How large one pack may be, so that a runaway file is refused at once rather than parsed, compiled
# and tested for minutes (the shipped packs hold 72 rules in 72 KB).
MAX_PACK_BYTES = 2_000_000
MAX_PACK_RULES = 5_000
# The largest value each number of a rule may take (a condition's is in its class). Beyond these a
# rule is a mistake (a window of a million lines), and some would cost time in proportion.
LIMITS = {"window": 20, "max_length": 10_000}


# --- YAML with line numbers --------------------------------------------------------------------

class _Map(dict):
    line = 0
    key_lines: dict


class _Seq(list):
    line = 0
    item_lines: list


# libyaml's parser where PyYAML was built with it (its wheels are): the pure-Python one took half a
# second of every start on the shipped packs. Both give the same nodes, with their line numbers.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):
    """SafeLoader that keeps line numbers and refuses duplicate keys (PyYAML keeps the last one)."""

    def __init__(self, stream, path):
        super().__init__(stream)
        self.path = path
        self.problems: list[str] = []


def _construct_map(loader: _Loader, node):
    m = _Map()
    m.line = node.start_mark.line + 1
    m.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            hash(key)
        except TypeError:
            loader.problems.append(f"{loader.path}:{line}: a mapping key must be a plain value")
            continue
        if key in m:
            loader.problems.append(
                f"{loader.path}:{line}: duplicate key {key!r} (first at line {m.key_lines[key]})"
            )
            continue
        m[key] = loader.construct_object(value_node, deep=True)
        m.key_lines[key] = line
    return m


def _construct_seq(loader: _Loader, node):
    s = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    s.line = node.start_mark.line + 1
    s.item_lines = [child.start_mark.line + 1 for child in node.value]
    return s


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


def _load_yaml(path: str, problems: list[str]):
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_PACK_BYTES + 1)
        if len(data) > MAX_PACK_BYTES:
            raise CleanerError(f"{path}: rule pack too large: over {MAX_PACK_BYTES:,} bytes (the limit of one pack)")
        source = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        problems.append(f"{path}:1: cannot read rule file: {e}")
        return None
    loader = _Loader(source, path)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        what = getattr(e, "problem", None) or str(e).splitlines()[0]
        problems.append(f"{path}:{line}: invalid YAML: {what}")
        return None
    finally:
        loader.dispose()
    problems.extend(loader.problems)
    return data


# --- finding packs -----------------------------------------------------------------------------

def default_rules_dir() -> Path:
    """The packs shipped with cleaner: inside the wheel, or at the repository root when editable."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "rules", here.parent / "rules"):
        if candidate.is_dir() and any(candidate.glob("*.yaml")):
            return candidate
    raise CleanerError(f"cannot find the default rule packs (looked in {here / 'rules'} and {here.parent / 'rules'})")


def pack_files(paths: Iterable[os.PathLike | str]) -> list[str]:
    """Expand files and folders into pack files: a folder gives its *.yaml/*.yml in name order."""
    files: list[str] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            # A folder's packs, and those of its language folders (de/, fr/: two-letter names).
            found = sorted((f for pattern in ("*.yaml", "*.yml", "[a-z][a-z]/*.yaml", "[a-z][a-z]/*.yml")
                            for f in p.glob(pattern)), key=lambda x: (x.name, str(x)))
            if not found:
                raise CleanerError(f"{p}: no rule packs (*.yaml) in this folder")
            files.extend(str(f) for f in found)
        elif p.is_file():
            files.append(str(p))
        else:
            raise CleanerError(f"{p}: no such rule file or folder")
    return files


# --- validation --------------------------------------------------------------------------------

class _Checker:
    """Collects problems for one file; every check names the line it is about."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems

    def bad(self, line: int, what: str) -> None:
        self.problems.append(f"{self.path}:{line}: {what}")

    def keys(self, m: _Map, allowed: set, what: str) -> None:
        for k in m:
            if k not in allowed:
                self.bad(m.key_lines.get(k, m.line), f"unknown key {k!r} in {what} (allowed: {', '.join(sorted(allowed))})")

    def typed(self, m: _Map, key: str, kind, what: str, default=None, most=None):
        if key not in m:
            return default
        value = m[key]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            self.bad(m.key_lines[key], f"{what}: {key!r} must be {names}, not {type(value).__name__}")
            return default
        if kind is int and value < 0:
            self.bad(m.key_lines[key], f"{what}: {key!r} must not be negative")
            return default
        most = most if most is not None else LIMITS.get(key)
        if kind is int and most is not None and value > most:
            self.bad(m.key_lines[key], f"{what}: {key!r} must be at most {most:,}, not {value:,}")
            return default
        return value

    def replacement(self, m: _Map, pattern, what: str) -> str:
        """The replacement, checked against the pattern's groups now rather than at the first
        match: a pattern that also matches the empty string gives a match to expand it with."""
        repl = self.typed(m, "replacement", str, what, default="")
        if pattern is None or not repl:
            return repl
        try:
            probe = regex.compile(f"(?:{pattern.pattern}\n)|", pattern.flags)
        except (regex.error, ValueError):  # not expected of a pattern that compiled; checked when it runs
            return repl
        try:
            probe.match("").expand(repl)
        except (regex.error, IndexError, ValueError) as e:
            self.bad(m.key_lines["replacement"], f"{what}: replacement {repl!r} is invalid: {e}")
        return repl

    def pattern(self, m: _Map, key: str, what: str, flags: int = PATTERN_FLAGS):
        src = self.typed(m, key, str, what)
        if src is None:
            return None, None
        try:
            return regex.compile(src, flags), src
        except regex.error as e:
            self.bad(m.key_lines[key], f"{what}: {key} does not compile: {e}")
            return None, src


def _conditions(c: _Checker, m, what: str) -> tuple:
    """The rule's conditions, in the registry's order (conditions.py)."""
    if m is None:
        return ()
    if not isinstance(m, _Map):
        c.bad(getattr(m, "line", 0), f"{what}: 'when' must be a mapping")
        return ()
    c.keys(m, set(CONDITIONS), f"{what} 'when'")
    found = (cls.parse(c, m, what) for key, cls in CONDITIONS.items() if key in m)
    return tuple(cond for cond in found if cond is not None)


def _examples(c: _Checker, m, what: str) -> tuple[Example, ...]:
    if m is None:
        return ()
    if not isinstance(m, _Map):
        c.bad(getattr(m, "line", 0), f"{what}: 'examples' must be a mapping with remove/change/keep")
        return ()
    c.keys(m, EXAMPLE_KEYS, f"{what} examples")
    out: list[Example] = []
    for key in ("remove", "change", "keep"):
        items = m.get(key)
        if items is None:
            continue
        if not isinstance(items, _Seq):
            c.bad(m.key_lines[key], f"{what}: examples.{key} must be a list")
            continue
        for item, line in zip(items, items.item_lines):
            if key == "change":
                if not (isinstance(item, _Map) and set(item) == {"text", "result"}
                        and isinstance(item["text"], str) and isinstance(item["result"], str)):
                    c.bad(line, f"{what}: each examples.change item needs 'text' and 'result' strings")
                    continue
                out.append(Example(item["text"], item["result"], line))
            elif not isinstance(item, str):
                c.bad(line, f"{what}: examples.{key} items must be strings")
            else:
                out.append(Example(item, "" if key == "remove" else None, line))
    return tuple(out)


def _languages(c: _Checker, m, what: str, default: tuple = ()) -> tuple:
    """A ``languages`` list of ISO 639-1 codes (lower case), or ``default`` where none is given."""
    codes = c.typed(m, "languages", list, what)
    if codes is None:
        return default
    if not codes or not all(isinstance(x, str) and LANGUAGE_RE.fullmatch(x) for x in codes):
        c.bad(m.key_lines["languages"], f"{what}: languages must list ISO 639-1 codes such as de, fr, pt")
        return default
    return tuple(sorted(set(codes)))


def _rule(c: _Checker, m, pack_category: str, pack_languages: tuple = ()) -> Rule | None:
    if not isinstance(m, _Map):
        c.bad(getattr(m, "line", 0), "each rule must be a mapping")
        return None
    rid = m.get("id")
    what = f"rule {rid!r}" if isinstance(rid, str) else "rule"
    c.keys(m, RULE_KEYS, what)
    before = len(c.problems)
    for key in ("id", "description", "pattern"):
        if key not in m:
            c.bad(m.line, f"{what}: missing required key {key!r}")
    rid = c.typed(m, "id", str, what)
    if rid is not None and not ID_RE.fullmatch(rid):
        c.bad(m.key_lines["id"], f"{what}: id must be lower-case letters, digits, '.', '_' or '-'")
    description = c.typed(m, "description", str, what, default="")
    window = c.typed(m, "window", int, what, default=1)
    pattern, source = c.pattern(m, "pattern", what, WINDOW_FLAGS if isinstance(window, int) and window > 1 else PATTERN_FLAGS)
    action = c.typed(m, "action", str, what, default="drop")
    if action not in ACTIONS:
        c.bad(m.key_lines["action"], f"{what}: action {action!r} is not one of {', '.join(ACTIONS)}")
    replacement = c.replacement(m, pattern, what)
    if "replacement" in m and action != "replace":
        c.bad(m.key_lines["replacement"], f"{what}: 'replacement' is only for action 'replace'")
    if action == "replace" and "replacement" not in m:
        c.bad(m.line, f"{what}: action 'replace' needs a 'replacement'")
    if window < 1:
        c.bad(m.key_lines["window"], f"{what}: window must be at least 1")
        window = 1
    if window > 1 and action != "drop":
        c.bad(m.key_lines["window"], f"{what}: a window of several lines can only be dropped (action: drop)")
    triggers = c.typed(m, "triggers", list, what, default=[])
    if not all(isinstance(t, str) and t for t in triggers):
        c.bad(m.key_lines["triggers"], f"{what}: triggers must be non-empty strings")
        triggers = []
    max_length = c.typed(m, "max_length", int, what)
    when = _conditions(c, m.get("when"), what)
    if window > 1 and any(cond.key == "min_run" for cond in when):
        c.bad(m.key_lines["window"], f"{what}: min_run works on single lines, not windows")
    region = c.typed(m, "region", str, what)
    if region is not None and region not in REGIONS:
        c.bad(m.key_lines["region"], f"{what}: region {region!r} is not one of {', '.join(REGIONS)}")
    if region is not None and (action != "drop" or window > 1):
        c.bad(m.key_lines["region"], f"{what}: a region is removed whole: it needs action 'drop' and a window of 1")
    examples = _examples(c, m.get("examples"), what)
    category = c.typed(m, "category", str, what, default=pack_category)
    languages = _languages(c, m, what, pack_languages)
    if pack_languages and not set(languages) <= set(pack_languages):
        c.bad(m.key_lines["languages"], f"{what}: languages {', '.join(languages)} are not all among the pack's "
              f"({', '.join(pack_languages)})")
    if len(c.problems) > before or pattern is None or rid is None:
        return None
    return Rule(
        id=rid, category=category, description=description.strip(), pattern=pattern, source=source,
        action=action, replacement=replacement, window=window,
        triggers=tuple(t.lower() for t in triggers), max_length=max_length, when=when,
        examples=examples, path=c.path, line=m.line, region=region, languages=languages,
    )


def _pack(path: str, problems: list[str]) -> RulePack | None:
    data = _load_yaml(path, problems)
    if data is None and not problems:
        problems.append(f"{path}:1: empty rule file")
    if data is None:
        return None
    c = _Checker(path, problems)
    if not isinstance(data, _Map):
        c.bad(1, "a rule pack must be a mapping with 'category', 'description' and 'rules'")
        return None
    c.keys(data, PACK_KEYS, "pack")
    category = c.typed(data, "category", str, "pack")
    if category is None:
        if "category" not in data:
            c.bad(data.line, "pack: missing required key 'category'")
        category = Path(path).stem
    rules_data = data.get("rules")
    if not isinstance(rules_data, _Seq):
        c.bad(data.key_lines.get("rules", data.line), "pack: 'rules' must be a list of rules")
        return None
    if len(rules_data) > MAX_PACK_RULES:
        raise CleanerError(f"{path}:{rules_data.line}: too many rules in one pack: {len(rules_data):,} "
                           f"(the limit is {MAX_PACK_RULES:,})")
    languages = _languages(c, data, "pack")
    folder = Path(path).parent.name
    if LANGUAGE_RE.fullmatch(folder) and languages != (folder,):
        # A pack in a language's folder is that language's: saying so in the file keeps it so when moved.
        c.bad(data.key_lines.get("languages", data.line), f"pack: a pack in the folder {folder!r} must say "
              f"languages: [{folder}]")
    rules = tuple(r for r in (_rule(c, m, category, languages) for m in rules_data) if r is not None)
    return RulePack(path=path, category=category, description=str(data.get("description", "")).strip(), rules=rules,
                    languages=languages)


def load_packs(paths: Iterable[os.PathLike | str]) -> list[RulePack]:
    """Load and validate packs in the order given; raise CleanerError listing every problem."""
    problems: list[str] = []
    files, seen_files = [], set()
    for f in pack_files(paths):  # a pack named twice (a default pack given again by path) loads once
        real = os.path.realpath(f)
        if real not in seen_files:
            seen_files.add(real)
            files.append(f)
    packs = [p for p in (_pack(f, problems) for f in files) if p is not None]
    seen: dict[str, Rule] = {}
    known = set()
    for pack in packs:
        for rule in pack.rules:
            if rule.id in seen:
                problems.append(f"{rule.where}: duplicate rule id {rule.id!r} (first at {seen[rule.id].where})")
            seen[rule.id] = rule
            known.update((rule.id, rule.category))
    for rule in seen.values():
        for side in (cond for cond in rule.when if isinstance(cond, Neighbour)):
            for name in side.value.removed_by:
                if name not in known:
                    problems.append(f"{rule.where}: rule {rule.id!r}: removed_by names {name!r}, which is no rule id or category")
    if problems:
        raise CleanerError(_summary(problems), problems)
    return packs


def _summary(problems: list[str]) -> str:
    head = f"{len(problems)} problem(s) in the rule packs" if len(problems) > 1 else problems[0]
    return head if len(problems) == 1 else head + ":\n" + "\n".join(problems)
