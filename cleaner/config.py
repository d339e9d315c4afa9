"""Project settings from ``[tool.cleaner]`` in ``pyproject.toml``, found upward from a folder as black
and ruff find theirs.

```toml
[tool.cleaner]
rules = ["cleaner-rules/"]      # packs added after the defaults (paths relative to this file)
disable = ["stray-tokens"]
regex-timeout = 1.5
jobs = 2
```

A key is the long name of a command-line option without its dashes; a value set on the command line
wins over the file. Settings apply to every command that has that option.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from .model import CleanerError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: key -> (type, whether it holds paths). The options a project may set; outputs and inputs are
#: left to each run on purpose (a setting must never redirect where files are written).
KEYS: dict[str, tuple[type, bool]] = {
    "rules": (list, True),
    "only-rules": (list, True),
    "disable": (list, False),
    "regex-timeout": (float, False),
    "jobs": (int, False),
    "glob": (str, False),
    "format": (str, False),
    "text-field": (str, False),
    "id-field": (str, False),
    "log-text": (bool, False),
    "color": (bool, False),
}


@dataclass(frozen=True)
class Settings:
    path: Optional[Path]  # the file they came from; None when there is none
    values: dict  # option name as Python spells it (only_rules) -> value

    def describe(self) -> str:
        return str(self.path) if self.path else "no configuration file"


def find_pyproject(start: Path) -> Optional[Path]:
    """The nearest ``pyproject.toml`` with a ``[tool.cleaner]`` table, from ``start`` upward."""
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and "cleaner" in _read(candidate).get("tool", {}):
            return candidate
    return None


def load_settings(path: Optional[Path] = None, start: Optional[Path] = None) -> Settings:
    """Settings from ``path`` (a pyproject.toml or a TOML file of its own), or found from ``start``."""
    if path is None:
        path = find_pyproject((start or Path.cwd()).resolve())
        if path is None:
            return Settings(None, {})
    data = _read(path)
    table = data.get("tool", {}).get("cleaner") if path.name == "pyproject.toml" else data.get("tool", {}).get("cleaner", data)
    if table is None:
        raise CleanerError(f"{path}: no [tool.cleaner] table")
    return Settings(path, {key.replace("-", "_"): _value(path, key, value) for key, value in table.items()})


def _read(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as e:
        raise CleanerError(f"{path}: cannot read: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise CleanerError(f"{path}: not valid TOML: {e}") from None


def _value(path: Path, key: str, value: Any) -> Any:
    where = f"{path}: [tool.cleaner] {key}"
    if key not in KEYS:
        raise CleanerError(f"{path}: [tool.cleaner]: unknown key {key!r} (known: {', '.join(KEYS)})")
    kind, paths = KEYS[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if kind is list:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise CleanerError(f"{where}: must be a list of strings")
        if paths:
            value = [os.path.join(path.parent, v) for v in value]
        return value
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise CleanerError(f"{where}: must be {kind.__name__}, not {type(value).__name__}")
    return value
