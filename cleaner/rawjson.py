"""Edit a JSON object's line in its own bytes: one value replaced, one member added, every other byte
as it was written.

A JSON parser and serialiser pair would rewrite what it does not understand the same way (``1.10``
becomes ``1.1``, ``NaN`` becomes ``null``, ``\\u00e9`` becomes ``é``). Corpus users expect the fields
the cleaner does not own to pass through untouched, so the cleaner only splices. The line has
already been parsed, so the scanner here only finds where members start and end.
"""
from __future__ import annotations

import json
import re
from typing import Optional

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_NESTED = re.compile(rb'"(?:[^"\\]|\\.)*"|[][{}]', re.S)
_SCALAR = re.compile(rb'[^,}\]\s]+')
_SPACE = re.compile(rb'\s*')


class Member:
    """One ``"key": value`` of an object; offsets into the line."""

    __slots__ = ("key", "value_start", "value_end")

    def __init__(self, key: str, value_start: int, value_end: int):
        self.key, self.value_start, self.value_end = key, value_start, value_end


def _skip_space(line: bytes, i: int) -> int:
    return _SPACE.match(line, i).end()


def _value_end(line: bytes, i: int) -> int:
    c = line[i:i + 1]
    if c == b'"':
        return _STRING.match(line, i).end()
    if c in (b"{", b"["):
        depth = 0
        for m in _NESTED.finditer(line, i):
            tok = m.group()
            if tok in (b"{", b"["):
                depth += 1
            elif tok in (b"}", b"]"):
                depth -= 1
                if depth == 0:
                    return m.end()
        raise ValueError("unbalanced value")
    m = _SCALAR.match(line, i)
    if not m:
        raise ValueError(f"no value at byte {i}")
    return m.end()


def members(line: bytes, start: int) -> tuple[list[Member], int]:
    """The members of the object whose ``{`` is at ``start``, and the offset of its ``}``."""
    out: list[Member] = []
    i = _skip_space(line, start + 1)
    if line[i:i + 1] == b"}":
        return out, i
    while True:
        key_end = _STRING.match(line, i).end()
        key = json.loads(line[i:key_end])
        i = _skip_space(line, key_end)
        i = _skip_space(line, i + 1)  # past ":"
        end = _value_end(line, i)
        out.append(Member(key, i, end))
        i = _skip_space(line, end)
        if line[i:i + 1] == b"}":
            return out, i
        i = _skip_space(line, i + 1)  # past ","


def _find(found: list[Member], key: str) -> Optional[Member]:
    """The member a parser keeps when a key repeats: the last."""
    hits = [m for m in found if m.key == key]
    return hits[-1] if hits else None


def _object_at(line: bytes, keys: list[str]) -> Optional[tuple[list[Member], int, int]]:
    """(members, offset of "{", offset of "}") of the object reached by ``keys`` from the top."""
    start = _skip_space(line, 0)
    found, close = members(line, start)
    for key in keys:
        m = _find(found, key)
        if m is None or line[m.value_start:m.value_start + 1] != b"{":
            return None
        start = m.value_start
        found, close = members(line, start)
    return found, start, close


def replace_value(line: bytes, path: list[str], value: bytes) -> bytes:
    """``line`` with the value at ``path`` (which exists) replaced by ``value`` (JSON bytes)."""
    found, _, _ = _object_at(line, path[:-1])
    m = _find(found, path[-1])
    return line[:m.value_start] + value + line[m.value_end:]


def set_member(line: bytes, path: list[str], value: bytes) -> bytes:
    """``line`` with ``path`` set to ``value``: replaced where it exists, otherwise added as the last
    member of its object, the objects on the way made where missing (``{"cleaner": …}``)."""
    for depth in range(len(path) - 1, -1, -1):
        reached = _object_at(line, path[:depth])
        if reached is None:
            continue
        found, start, close = reached
        key = path[depth]
        m = _find(found, key)
        if m is not None and depth == len(path) - 1:
            return line[:m.value_start] + value + line[m.value_end:]
        if m is not None:
            raise ValueError(f"{'.'.join(path[:depth + 1])} is not an object")
        for inner in reversed(path[depth + 1:]):
            value = b"{" + json.dumps(inner).encode() + b":" + value + b"}"
        member = json.dumps(key, ensure_ascii=False).encode("utf-8") + b":" + value
        if found:
            at = found[-1].value_end
            return line[:at] + b"," + member + line[at:]
        return line[:start + 1] + member + line[start + 1:]
    raise ValueError("not an object")
