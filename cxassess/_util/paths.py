"""Where the bundled data files live (questionnaires, recommendations, report templates, demo data)."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
PROJECT_DIR = PACKAGE_DIR.parent
TEMPLATES_DIR = PROJECT_DIR / "templates"
DEFAULT_QUESTIONNAIRE = TEMPLATES_DIR / "questionnaires" / "cx-maturity.yaml"
NOTEBOOKS_DIR = PROJECT_DIR / "notebooks"
DEMO_DIR = PROJECT_DIR / "data" / "demo"
