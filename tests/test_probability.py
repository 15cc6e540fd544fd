"""The t and F distributions of cxassess.scoring.probability against scipy's, and scoring without scipy."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import special, stats

from cxassess.scoring.probability import betainc, f_sf, t_quantile, t_two_sided

RNG = np.random.default_rng(20261202)
# degrees of freedom as Welch's test gives them: tiny groups to tens of thousands of respondents
DF = np.concatenate([RNG.uniform(1, 10, 150), RNG.uniform(10, 1000, 150), RNG.uniform(1000, 60000, 150),
                     [1.0, 2.0, 3.0, 4.5, 25_000.0, 1e6]])
T = np.concatenate([RNG.uniform(0, 5, 200), RNG.exponential(8, 250), [0.0, 1e-9, 0.5, 1.96, 12.0, 40.0]])


def _close(ours: np.ndarray, ref: np.ndarray, rel: float) -> None:
    assert ours.shape == ref.shape
    assert np.allclose(ours, ref, rtol=rel, atol=0.0), np.max(np.abs(ours - ref) / np.abs(ref))


def test_two_sided_t_tail_matches_scipy():
    ref = 2 * special.stdtr(DF, -T)
    keep = ref > 1e-250  # far tails: both are ~0 and scores.json rounds them to 0
    _close(t_two_sided(DF, T)[keep], ref[keep], 1e-10)
    _close(t_two_sided(DF, -T)[keep], ref[keep], 1e-10)  # the sign does not matter
    assert t_two_sided(5.0, 0.0) == 1.0


@pytest.mark.parametrize("p", [0.975, 0.95, 0.995])
def test_t_quantile_matches_scipy(p):
    _close(t_quantile(DF, p), special.stdtrit(DF, p), 1e-10)


def test_t_quantile_keeps_the_shape_and_known_values():
    df = np.array([[1.0, 2.0], [10.0, 30.0]])
    q = t_quantile(df, 0.975)
    assert q.shape == (2, 2)
    # textbook table values of t(0.975)
    assert q.ravel() == pytest.approx([12.706205, 4.302653, 2.228139, 2.042272], abs=1e-6)


def test_f_tail_matches_scipy_and_the_anova_p_value():
    d1 = RNG.integers(1, 40, 300).astype(float)
    d2 = np.concatenate([RNG.integers(2, 100, 150), RNG.integers(100, 60000, 150)]).astype(float)
    f = np.concatenate([RNG.exponential(2, 150), RNG.exponential(20, 150)])
    ref = special.fdtrc(d1, d2, f)
    keep = ref > 1e-250
    _close(f_sf(d1, d2, f)[keep], ref[keep], 1e-10)
    assert f_sf(2.0, 6.0, 0.0) == 1.0
    anova = stats.f_oneway([1, 2, 3], [4, 5, 6], [2, 3, 4])
    assert f_sf(2.0, 6.0, anova.statistic) == pytest.approx(anova.pvalue, rel=1e-12)


def test_incomplete_beta_matches_scipy_on_both_sides_of_the_mean():
    a = RNG.uniform(0.5, 500, 400)
    b = RNG.uniform(0.5, 500, 400)
    x = RNG.uniform(0, 1, 400)
    ref = special.betainc(a, b, x)
    keep = (ref > 1e-250) & (ref < 1)
    _close(betainc(a, b, x)[keep], ref[keep], 1e-9)
    assert np.isnan(betainc(np.nan, 1.0, 0.5)) and betainc(2.0, 3.0, 0.0) == 0.0 and betainc(2.0, 3.0, 1.0) == 1.0


def test_scoring_from_the_command_line_imports_no_scipy(tmp_path):
    """scipy.special alone costs ~0.1 s to import: the score command (gaps, ICC) must not need it."""
    code = ("import sys\nfrom cxassess.cli.main import main\n"
            f"code = main(['score', {str(_demo())!r}, '--group-by', 'role', '--group-by', 'department', "
            f"'--format', 'json', '--out', {str(tmp_path / 'scores.json')!r}])\n"
            "print(code, sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[0] == "0 []"
    assert (tmp_path / "scores.json").stat().st_size > 1000


def _demo():
    from cxassess._util.paths import DEMO_DIR

    return DEMO_DIR / "acme-utilities.csv"
