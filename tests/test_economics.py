"""CX economics: lifetime value and the value of better retention, checked against hand computations."""

from __future__ import annotations

import math

import pytest

from cxassess.errors import CxError
from cxassess.teach.economics import (
    ACQUISITION_MULTIPLE,
    RETENTION_AFTER_GOOD,
    RETENTION_AFTER_POOR,
    lifetime_value,
    retention_change,
    worked_example,
)


def test_lifetime_value_with_no_end():
    # m = 100, c = 10, d = 0.10, r = 0.74: G = 90 / (1 + 0.10 - 0.74) = 90 / 0.36 = 250
    # CLV = 250 - A(75) = 175; expected life = 1 / (1 - 0.74) = 3.846154
    v = lifetime_value(0.74, 100, 0.10, acquisition_cost=75, retention_cost=10)
    assert v.gross_value == pytest.approx(250.0)
    assert v.value == pytest.approx(175.0)
    assert v.expected_lifetime == pytest.approx(3.846154, abs=1e-6)


def test_lifetime_value_after_a_poor_experience():
    # r = 0.43: G = 90 / 0.67 = 134.328358; life = 1 / 0.57 = 1.754386
    v = lifetime_value(0.43, 100, 0.10, retention_cost=10)
    assert v.gross_value == pytest.approx(134.328358, abs=1e-6)
    assert v.expected_lifetime == pytest.approx(1.754386, abs=1e-6)
    assert v.value == v.gross_value  # no acquisition cost given


def test_lifetime_value_over_a_fixed_horizon_is_the_written_out_sum():
    # m = 100, r = 0.5, d = 0.1, T = 3:
    # 100/1.1 + 100*0.5/1.21 + 100*0.25/1.331 = 90.909091 + 41.322314 + 18.782870 = 151.014275
    # life = 1 + 0.5 + 0.25 = 1.75
    v = lifetime_value(0.5, 100, 0.10, periods=3)
    assert v.gross_value == pytest.approx(151.014275, abs=1e-6)
    assert v.expected_lifetime == pytest.approx(1.75)


def test_no_discount_and_no_retention():
    # r = 0: the customer buys once: G = m / (1 + d) = 100 / 1.0 = 100 with d = 0; life 1
    v = lifetime_value(0.0, 100, 0.0)
    assert v.gross_value == 100.0 and v.expected_lifetime == 1.0


def test_full_retention_needs_discounting_or_a_horizon():
    # r = 1, d = 0.25: G = 100 / 0.25 = 400; life has no end
    v = lifetime_value(1.0, 100, 0.25)
    assert v.gross_value == pytest.approx(400.0) and math.isinf(v.expected_lifetime)
    # r = 1, d = 0, T = 4: G = 4 * 100 = 400
    assert lifetime_value(1.0, 100, 0.0, periods=4).gross_value == pytest.approx(400.0)
    with pytest.raises(CxError, match="infinite"):
        lifetime_value(1.0, 100, 0.0)


def test_retention_change_per_customer_and_for_a_base():
    # G(0.74) - G(0.43) = 250 - 134.328358 = 115.671642 per customer; x 1000 = 115671.64
    # kept per year = 1000 * (0.74 - 0.43) = 310; saving = 310 * 75 = 23250
    ch = retention_change(0.43, 0.74, 100, 0.10, acquisition_cost=75, retention_cost=10, customers=1000)
    assert ch.value_per_customer == pytest.approx(115.671642, abs=1e-6)
    assert ch.total_value == pytest.approx(115671.642, abs=1e-3)
    assert ch.customers_kept_per_period == pytest.approx(310.0)
    assert ch.acquisition_saving_per_period == pytest.approx(23250.0)
    frame = ch.to_frame()
    assert frame.loc["customer lifetime value", "difference"] == pytest.approx(115.671642, abs=1e-6)
    assert list(frame.columns) == ["before", "after", "difference"]
    # the acquisition cost cancels out per customer, not for the base: 570 leave before, 260 after,
    # each replaced at 75: 42750 and 19500 a year, a difference of -23250 (the saving)
    assert frame.loc["acquisition cost", "difference"] == 0
    assert list(frame.loc["customers leaving per period, of 1,000 customers"]) == pytest.approx([570, 260, -310])
    assert list(frame.loc["spent replacing them per period"]) == pytest.approx([42750, 19500, -23250])


def test_worked_example_uses_the_reference_figures():
    assert (RETENTION_AFTER_POOR, RETENTION_AFTER_GOOD) == (0.43, 0.74)
    assert ACQUISITION_MULTIPLE == (5.0, 10.0)
    low, high = (worked_example(acquisition_multiple=k) for k in ACQUISITION_MULTIPLE)
    # acquisition cost = 5 x 10 = 50 and 10 x 10 = 100; saving = 310 kept x 50 = 15500 and x 100 = 31000
    assert (low.before.acquisition_cost, high.before.acquisition_cost) == (50.0, 100.0)
    assert (low.acquisition_saving_per_period, high.acquisition_saving_per_period) == pytest.approx((15500.0, 31000.0))
    # CLV after a good experience with A = 100: 250 - 100 = 150; after a poor one: 134.328358 - 100 = 34.328358
    assert high.after.value == pytest.approx(150.0)
    assert high.before.value == pytest.approx(34.328358, abs=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"retention": 43, "margin": 100}, r"retention must be a share between 0 and 1 \(write 0.43 for 43%\)"),
        ({"retention": -0.1, "margin": 100}, "retention must be a share"),
        ({"retention": 0.5, "margin": "lots"}, "margin must be a number"),
        ({"retention": 0.5, "margin": 100, "discount_rate": -0.05}, "discount_rate must be at least 0"),
        ({"retention": 0.5, "margin": 100, "acquisition_cost": -1}, "acquisition_cost must be at least 0"),
        ({"retention": 0.5, "margin": 100, "periods": 0}, "periods must be a whole number"),
        ({"retention": 0.5, "margin": 100, "periods": 2.5}, "periods must be a whole number"),
        ({"retention": 0.5, "margin": 100, "periods": "ten"}, "periods must be a whole number"),
        ({"retention": 0.5, "margin": float("nan")}, "margin must be a finite number"),
    ],
)
def test_bad_inputs_are_clear_errors(kwargs, message):
    with pytest.raises(CxError, match=message):
        lifetime_value(**kwargs)
