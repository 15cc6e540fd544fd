"""Where the bundled data files live: questionnaires, recommendations, templates, notebooks, demo data.

In a checkout (or an editable install) they are the top-level folders ``templates/``, ``notebooks/``
and ``data/``. A wheel carries the same folders inside the package, under ``cxassess/_data/``
(``pyproject.toml`` maps them there), so an installed cxassess works outside the source tree.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
PROJECT_DIR = PACKAGE_DIR.parent  # the checkout; not there in an installed wheel
BUNDLED_DIR = PACKAGE_DIR / "_data"


def _folder(bundled: str, checkout: str) -> Path:
    """The wheel's copy when installed from a wheel, else the checkout's folder."""
    inside = BUNDLED_DIR / bundled
    return inside if inside.is_dir() else PROJECT_DIR / checkout


TEMPLATES_DIR = _folder("templates", "templates")
NOTEBOOKS_DIR = _folder("notebooks", "notebooks")
DEMO_DIR = _folder("demo", "data/demo")
SAMPLES_DIR = _folder("samples", "data/samples")
DEFAULT_QUESTIONNAIRE = TEMPLATES_DIR / "questionnaires" / "cx-maturity.yaml"

__all__ = ["PACKAGE_DIR", "PROJECT_DIR", "TEMPLATES_DIR", "NOTEBOOKS_DIR", "DEMO_DIR", "SAMPLES_DIR",
           "DEFAULT_QUESTIONNAIRE"]
