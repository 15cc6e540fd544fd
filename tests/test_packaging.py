"""The package works installed from its wheel, outside the checkout: templates, the report notebook
and demo data travel inside it, and every subpackage is listed for the build."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_built():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "cxassess").rglob("__init__.py")}
    assert found <= listed, f"subpackages missing from pyproject's packages: {sorted(found - listed)}"


def test_one_version_number():
    import cxassess

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "cxassess.__version__"}
    assert cxassess.__version__.count(".") == 2


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory):
    """A fresh venv outside the checkout with the built wheel installed; the dependencies come from this
    environment (a path entry, so nothing downloads), but cxassess only from the wheel."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(work / "dist"), str(ROOT)], check=True, capture_output=True, timeout=300)
    (wheel,) = (work / "dist").glob("cxassess-*.whl")
    env_dir = work / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    target = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                            capture_output=True, text=True, check=True).stdout.strip()
    # this environment's packages, as a plain path entry: its editable cxassess finder is not run from there
    Path(target, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    return python, work


def _run(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    # the dependencies' data files (nbconvert's templates, the kernel spec) are this environment's too
    env = {**os.environ, "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")}
    return subprocess.run([str(python), "-m", "cxassess", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600, env=env)


def test_installed_wheel_runs_demo_score_and_report_outside_the_checkout(wheel_env):
    python, work = wheel_env
    where = subprocess.run([str(python), "-c", "import cxassess, cxassess._util.paths as p; "
                            "print(cxassess.__file__); print(p.TEMPLATES_DIR); print(p.NOTEBOOKS_DIR)"],
                           capture_output=True, text=True, cwd=work, check=True).stdout.split()
    assert all(str(ROOT) not in line and "site-packages" in line for line in where), where
    run = work / "run"
    run.mkdir()
    made = _run(python, run, "demo-data", "--out", "demo")
    assert made.returncode == 0, made.stderr
    scored = _run(python, run, "score", "demo/acme-utilities.csv", "--format", "json", "--out", "acme.json")
    assert scored.returncode == 0, scored.stderr
    assert '"respondents"' in (run / "acme.json").read_text()
    report = _run(python, run, "report", "--client", "Acme Utilities", "--responses", "demo/acme-utilities.csv",
                  "--group-by", "role", "--out", "reports", "--format", "html")
    assert report.returncode == 0, report.stderr
    (html,) = (run / "reports").glob("*/report.html")
    text = html.read_text(encoding="utf-8")
    assert "Acme Utilities" in text and text.count("data:image/svg+xml") == 2  # the radar and the stage bars
    # the workshop's page templates travel too
    pages = subprocess.run([str(python), "-c", "from cxassess.workshop.app import TEMPLATE_DIR; "
                            "print(sorted(p.name for p in TEMPLATE_DIR.iterdir()))"],
                           capture_output=True, text=True, cwd=work, check=True).stdout
    assert "page.html.j2" in pages and "workshop.js" in pages
