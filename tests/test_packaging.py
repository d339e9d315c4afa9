"""The default packs ship inside the wheel, and an editable install finds them at the repo root."""
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLES, FIXTURES

SITE = sysconfig.get_paths()["purelib"]  # this environment's packages: the fresh venvs borrow them


def fresh_venv(path: Path) -> Path:
    """A new venv that sees the dependencies already installed here (no network, no cleaner)."""
    venv.EnvBuilder(with_pip=True).create(path)
    py = path / "bin" / "python"
    purelib = subprocess.check_output([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip()
    deps = Path(SITE)
    # A .pth line adds the folder to sys.path after the venv's own site-packages.
    (Path(purelib) / "_borrowed_deps.pth").write_text(str(deps) + "\n")
    return path


def install_and_locate(env: Path, pip_args: list, tmp_path: Path) -> Path:
    """Install into ``env``, clean a sample from an unrelated folder, and say where the packs were found."""
    subprocess.run([env / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps", *pip_args],
                   check=True, capture_output=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.run([env / "bin" / "cleaner", "clean", SAMPLES[1]], capture_output=True, cwd=elsewhere, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (FIXTURES / "expected" / SAMPLES[1].name).read_bytes()
    where = subprocess.check_output([env / "bin" / "python", "-c", "from cleaner.rules import default_rules_dir as d; print(d())"],
                                    cwd=elsewhere, text=True).strip()
    return Path(where)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", out, ROOT],
                   check=True, capture_output=True, timeout=300)
    (whl,) = out.glob("article_cleaner-*.whl")
    return whl


def test_wheel_contains_the_rule_packs(wheel):
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    for pack in sorted((ROOT / "rules").glob("*.yaml")):
        assert f"cleaner/rules/{pack.name}" in names
    assert "cleaner/data/prose_score.json" in names  # the prose score's weights
    assert "cleaner/py.typed" in names and any(n.endswith("licenses/LICENSE") or n.endswith("/LICENSE") for n in names)


def test_installed_wheel_finds_its_packs_from_another_folder(wheel, tmp_path):
    where = install_and_locate(fresh_venv(tmp_path / "venv"), ["--no-index", wheel], tmp_path)
    assert str(where).endswith(os.path.join("site-packages", "cleaner", "rules"))


def test_editable_install_finds_the_repo_packs(tmp_path):
    where = install_and_locate(fresh_venv(tmp_path / "venv"), ["--no-build-isolation", "-e", ROOT], tmp_path)
    assert where == ROOT / "rules"


def test_python_dash_m_works():
    proc = subprocess.run([sys.executable, "-m", "cleaner", "--help"], capture_output=True, timeout=60)
    assert proc.returncode == 0 and b"clean" in proc.stdout
