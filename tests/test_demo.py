"""Demo data: deterministic, three clearly different organisations, a visible perception gap."""

from __future__ import annotations

import filecmp

import pandas as pd

from cxassess._util.paths import DEMO_DIR
from cxassess.demo.organisations import ORGANISATIONS, write_demo_data
from cxassess.scoring.score import score_file


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    a = write_demo_data(tmp_path / "a", seed=3)
    b = write_demo_data(tmp_path / "b", seed=3)
    c = write_demo_data(tmp_path / "c", seed=4)
    assert all(filecmp.cmp(x, y, shallow=False) for x, y in zip(a, b, strict=True))
    assert not filecmp.cmp(a[0], c[0], shallow=False)


def test_bundled_demo_files_are_generated_by_the_command(tmp_path):
    fresh = write_demo_data(tmp_path)
    for path in fresh:
        assert filecmp.cmp(path, DEMO_DIR / path.name, shallow=False), (
            f"{path.name} differs: rerun cxassess demo-data --out data/demo")


def test_profiles_differ_and_leaders_rate_higher():
    overall = {}
    for org in ORGANISATIONS:
        path = DEMO_DIR / f"{org.slug}.csv"
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert 20 <= len(raw) <= 80
        assert set(raw["role"]) == {"leadership", "manager", "front line"}
        assert (raw == "").any().any() and (raw == "Don't know").any().any()
        s = score_file(path, group_by=["role"], min_group_size=1)
        overall[org.name] = s.overall["score"]
        roles = s.groups["role"]["overall"]
        assert roles["leadership"] > roles["front line"] + 0.3
    values = sorted(overall.values())
    assert values[1] - values[0] > 0.4 and values[2] - values[1] > 0.4


def test_demo_invited_counts_cover_who_answered():
    """A bundled client never shows more people answering than were invited (overall or per listed group)."""
    from cxassess.report.participation import load_invited

    checked = 0
    for path in sorted(DEMO_DIR.glob("*-invited.yaml")):
        inv = load_invited(str(path))
        frame = pd.read_csv(DEMO_DIR / path.name.replace("-invited.yaml", ".csv"))
        assert inv.total is not None and len(frame) <= inv.total
        for col, counts in inv.groups.items():
            answered = frame[col].value_counts()
            for group, invited in counts.items():
                assert answered.get(group, 0) <= invited, (path.name, col, group)
                checked += 1
    assert checked >= 3
