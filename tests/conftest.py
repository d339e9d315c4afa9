import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SAMPLES = sorted(p for p in FIXTURES.glob("*.txt"))


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def run_cli(*args, input: bytes | None = None, cwd=None, timeout=60, env_extra=None, **kw) -> subprocess.CompletedProcess:
    """The real command line, in a child process: exit codes, stdout and stderr as a user sees them."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "cleaner", *map(str, args)],
        input=input if input is not None else b"",
        capture_output=True, cwd=cwd or ROOT, timeout=timeout, env=env, **kw,
    )


@pytest.fixture(scope="session")
def cleaner():
    from cleaner import Cleaner

    return Cleaner()
