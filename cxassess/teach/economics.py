"""The economics of customer experience: lifetime value, and what better retention is worth.

A small calculator for teaching and for the report appendix. It turns "good experiences keep
customers" into money, using the simplest model that still discounts the future.

The model, per customer (all rates are shares 0..1, one *period* is usually a year):

- ``m`` margin per period, ``c`` cost of keeping the customer per period (service, loyalty
  perks), ``r`` retention rate (chance a customer of this period is still one next period),
  ``d`` discount rate per period, ``A`` acquisition cost (paid once, at the start), ``T`` horizon
  in periods (``None`` = no end).
- The customer is with us in period 1 for sure and in period ``t`` with probability ``r^(t-1)``;
  each period's net margin ``m - c`` arrives at the end of the period and is discounted by
  ``(1 + d)^t``::

      gross value  G = sum_{t=1..T} (m - c) * r^(t-1) / (1 + d)^t
                     = (m - c) / (1 + d) * (1 - q^T) / (1 - q),   q = r / (1 + d)
                     = (m - c) / (1 + d - r)                        when T has no end
      lifetime value   CLV = G - A
      expected life    L = sum_{t=1..T} r^(t-1) = (1 - r^T) / (1 - r),  or 1 / (1 - r) with no end

- Moving retention from ``r1`` to ``r2`` is worth ``G(r2) - G(r1)`` per customer (the
  acquisition cost is paid either way). For a base of ``N`` customers, ``N * (r2 - r1)`` fewer
  customers leave each period, so ``N * (r2 - r1) * A`` less is spent each period replacing them.

The worked example uses the reference figures: customers of a subscription business stayed a year
with probability 0.74 after a good experience and 0.43 after a poor one, and winning a new customer
costs 5 to 10 times as much as keeping an existing one (``A = 5c .. 10c``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from cxassess.errors import CxError

RETENTION_AFTER_POOR = 0.43
RETENTION_AFTER_GOOD = 0.74
ACQUISITION_MULTIPLE = (5.0, 10.0)  # acquiring a customer costs 5-10x keeping one


@dataclass(frozen=True)
class LifetimeValue:
    """The inputs and results of :func:`lifetime_value` (money in the margin's currency)."""

    retention: float
    margin: float
    discount_rate: float
    acquisition_cost: float
    retention_cost: float
    periods: int | None
    expected_lifetime: float  # periods a customer stays on average (undiscounted)
    gross_value: float  # discounted net margin over the customer's life, G
    value: float  # G minus the acquisition cost, the CLV


@dataclass(frozen=True)
class RetentionChange:
    """What moving retention from ``before.retention`` to ``after.retention`` is worth."""

    before: LifetimeValue
    after: LifetimeValue
    customers: float
    value_per_customer: float  # G(after) - G(before)
    total_value: float  # customers * value_per_customer
    customers_kept_per_period: float  # customers * (r2 - r1)
    acquisition_saving_per_period: float  # customers_kept_per_period * acquisition cost

    def to_frame(self) -> pd.DataFrame:
        """Before, after and the difference side by side, for a notebook or the report appendix."""
        rows = {
            "retention per period": (self.before.retention, self.after.retention),
            "expected lifetime (periods)": (self.before.expected_lifetime, self.after.expected_lifetime),
            "lifetime margin, discounted": (self.before.gross_value, self.after.gross_value),
            "acquisition cost": (self.before.acquisition_cost, self.after.acquisition_cost),
            "customer lifetime value": (self.before.value, self.after.value),
        }
        # The acquisition cost is the same for each customer before and after, so it cancels out of the
        # value per customer; it matters for the base, where each customer who leaves must be replaced.
        base = f"{self.customers:,.0f} customers"
        leaving = (self.customers * (1 - self.before.retention), self.customers * (1 - self.after.retention))
        rows[f"customers leaving per period, of {base}"] = leaving
        rows["spent replacing them per period"] = (leaving[0] * self.before.acquisition_cost,
                                                   leaving[1] * self.after.acquisition_cost)
        frame = pd.DataFrame(rows, index=["before", "after"]).T
        frame["difference"] = frame["after"] - frame["before"]
        return frame


def _share(value: float, name: str, allow_one: bool = True) -> float:
    value = _number(value, name)
    high_ok = value <= 1 if allow_one else value < 1
    if not (0 <= value and high_ok):
        hint = f" (write {value / 100:g} for {value:g}%)" if 1 < value <= 100 else ""
        raise CxError(f"{name} must be a share between 0 and 1{hint}, got {value:g}")
    return value


def _number(value: float, name: str, minimum: float | None = None) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise CxError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(value):
        raise CxError(f"{name} must be a finite number, got {value}")
    if minimum is not None and value < minimum:
        raise CxError(f"{name} must be at least {minimum:g}, got {value:g}")
    return value


def lifetime_value(
    retention: float,
    margin: float,
    discount_rate: float = 0.10,
    acquisition_cost: float = 0.0,
    retention_cost: float = 0.0,
    periods: int | None = None,
) -> LifetimeValue:
    """Customer lifetime value from retention, margin, discount rate and costs (formulas in the module docstring)."""
    r = _share(retention, "retention")
    d = _number(discount_rate, "discount_rate", minimum=0.0)
    m = _number(margin, "margin")
    a = _number(acquisition_cost, "acquisition_cost", minimum=0.0)
    c = _number(retention_cost, "retention_cost", minimum=0.0)
    if periods is not None and (not isinstance(periods, (int, float)) or isinstance(periods, bool)
                                or periods != int(periods) or periods < 1):
        raise CxError(f"periods must be a whole number of at least 1 (or None for no end), got {periods!r}")
    q = r / (1 + d)
    if periods is None:
        if q >= 1:
            raise CxError("with no end to the horizon, retention of 1 needs a discount rate above 0 "
                          "(the value would be infinite)")
        gross = (m - c) / (1 + d - r)
        life = math.inf if r == 1 else 1 / (1 - r)
    else:
        periods = int(periods)
        gross = (m - c) / (1 + d) * (periods if q == 1 else (1 - q**periods) / (1 - q))
        life = float(periods) if r == 1 else (1 - r**periods) / (1 - r)
    return LifetimeValue(r, m, d, a, c, periods, life, gross, gross - a)


def retention_change(
    from_rate: float,
    to_rate: float,
    margin: float,
    discount_rate: float = 0.10,
    acquisition_cost: float = 0.0,
    retention_cost: float = 0.0,
    customers: float = 1,
    periods: int | None = None,
) -> RetentionChange:
    """The value of moving retention from ``from_rate`` to ``to_rate``, per customer and for ``customers``."""
    n = _number(customers, "customers", minimum=0.0)
    before = lifetime_value(from_rate, margin, discount_rate, acquisition_cost, retention_cost, periods)
    after = lifetime_value(to_rate, margin, discount_rate, acquisition_cost, retention_cost, periods)
    per_customer = after.gross_value - before.gross_value
    kept = n * (after.retention - before.retention)
    return RetentionChange(before, after, n, per_customer, n * per_customer, kept, kept * before.acquisition_cost)


def worked_example(
    margin: float = 100.0,
    retention_cost: float = 10.0,
    discount_rate: float = 0.10,
    customers: float = 1000,
    acquisition_multiple: float = ACQUISITION_MULTIPLE[0],
) -> RetentionChange:
    """The teaching example: retention 0.43 (after a poor experience) vs 0.74 (after a good one).

    The acquisition cost is ``acquisition_multiple`` times the yearly cost of keeping a customer;
    the reference range is 5-10 (:data:`ACQUISITION_MULTIPLE`).
    """
    multiple = _number(acquisition_multiple, "acquisition_multiple", minimum=0.0)
    return retention_change(RETENTION_AFTER_POOR, RETENTION_AFTER_GOOD, margin, discount_rate,
                            acquisition_cost=multiple * retention_cost, retention_cost=retention_cost,
                            customers=customers)
