"""Lift: did the recipients convert more than the holdout, and by how much?

The intervals come from statsmodels, not from formulas of our own:

- the difference of conversion rates (recipients − holdout), 95% interval by Newcombe's
  hybrid score method, ``confint_proportions_2indep(compare="diff", method="newcomb")``;
- their ratio, 95% interval by the adjusted log method (``compare="ratio",
  method="log-adjusted"``), which stays finite when a group has no conversions;
- the p-value of "no difference", ``test_proportions_2indep`` (score test);
- revenue per recipient minus revenue per holdout contact, Welch's t interval
  (``CompareMeans(...).tconfint_diff(usevar="unequal")``).

**Too small to tell.** The intervals lean on large-sample approximations. Unless each group
has at least :data:`MIN_EACH` contacts who converted and as many who did not, the verdict
says so plainly instead of reading anything into the numbers (the intervals are still given).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal

from workbench.i18n import N_

MIN_EACH = 5
"""Converted and non-converted contacts each group needs before a verdict is drawn."""

# the verdicts, in English; the app shows them in its visitor's language (``N_``: extracted there)
TOO_SMALL = N_("too small to tell")
MORE = N_("recipients converted more than the holdout")
LESS = N_("recipients converted less than the holdout")
UNCLEAR = N_("no clear difference")
NO_HOLDOUT = N_("no holdout to compare with")


@dataclass(frozen=True)
class Lift:
    """Recipients against the holdout: conversion rates, their difference and ratio with 95%
    intervals, revenue per contact, and a verdict in words."""

    recipient_rate: float | None
    holdout_rate: float | None
    difference: float | None
    difference_ci: tuple[float, float] | None
    ratio: float | None
    ratio_ci: tuple[float, float] | None
    p_value: float | None
    revenue_per_recipient: float | None
    revenue_per_holdout: float | None
    revenue_difference_ci: tuple[float, float] | None
    verdict: str
    explanation: str

    def to_dict(self) -> dict:
        return asdict(self)


def _floats(pair: tuple) -> tuple[float, float]:
    return float(pair[0]), float(pair[1])


def lift(
    converted: int,
    recipients: int,
    holdout_converted: int,
    holdout: int,
    revenue: Sequence[Decimal] = (),
    holdout_revenue: Sequence[Decimal] = (),
) -> Lift:
    """Compare ``converted`` of ``recipients`` with ``holdout_converted`` of ``holdout``;
    ``revenue`` and ``holdout_revenue`` are per contact (one value per contact of the group)."""
    rate = converted / recipients if recipients else None
    base = holdout_converted / holdout if holdout else None
    per_recipient = float(sum(revenue, Decimal(0))) / recipients if recipients else None
    per_holdout = float(sum(holdout_revenue, Decimal(0))) / holdout if holdout else None
    if not holdout or not recipients:
        return Lift(
            rate,
            base,
            None,
            None,
            None,
            None,
            None,
            per_recipient,
            per_holdout,
            None,
            NO_HOLDOUT,
            "the campaign kept no holdout (or sent nothing), so there is nothing to compare with",
        )
    # imported here: only results need statsmodels (the "results" extra)
    from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep

    with warnings.catch_warnings():
        # a group where everyone (or no one) converted divides by zero inside the odds ratio
        # statsmodels also computes; the verdict below says such groups are too small anyway
        warnings.simplefilter("ignore", RuntimeWarning)
        diff_ci = _floats(
            confint_proportions_2indep(
                converted, recipients, holdout_converted, holdout, compare="diff", method="newcomb"
            )
        )
        ratio_ci = _floats(
            confint_proportions_2indep(
                converted, recipients, holdout_converted, holdout, compare="ratio", method="log-adjusted"
            )
        )
        p_value = float(
            test_proportions_2indep(converted, recipients, holdout_converted, holdout, method="score").pvalue
        )
    ratio = rate / base if base else None
    revenue_ci = _revenue_interval(revenue, holdout_revenue)
    smallest = min(converted, recipients - converted, holdout_converted, holdout - holdout_converted)
    if smallest < MIN_EACH:
        verdict = TOO_SMALL
        explanation = (
            f"each group needs at least {MIN_EACH} contacts who converted and {MIN_EACH} who did not "
            f"(recipients {converted} of {recipients}, holdout {holdout_converted} of {holdout})"
        )
    elif diff_ci[0] > 0:
        verdict, explanation = MORE, _spelled(diff_ci, "higher")
    elif diff_ci[1] < 0:
        verdict, explanation = LESS, _spelled(diff_ci, "lower")
    else:
        verdict = UNCLEAR
        explanation = f"the 95% interval of the difference, {diff_ci[0]:+.2%} to {diff_ci[1]:+.2%}, includes zero"
    return Lift(
        rate,
        base,
        rate - base,
        diff_ci,
        ratio,
        ratio_ci,
        p_value,
        per_recipient,
        per_holdout,
        revenue_ci,
        verdict,
        explanation,
    )


def _spelled(ci: tuple[float, float], word: str) -> str:
    low, high = sorted((abs(ci[0]), abs(ci[1])))
    return f"the recipients' conversion rate is {word} by {low * 100:.2f} to {high * 100:.2f} percentage points (95% interval)"


def _revenue_interval(revenue: Sequence[Decimal], holdout_revenue: Sequence[Decimal]) -> tuple[float, float] | None:
    if len(revenue) < 2 or len(holdout_revenue) < 2:
        return None
    import numpy as np
    from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

    a = np.array([float(v) for v in revenue])
    b = np.array([float(v) for v in holdout_revenue])
    if a.std() == 0 and b.std() == 0:
        return None  # no spread: Welch's interval is undefined
    return _floats(CompareMeans(DescrStatsW(a), DescrStatsW(b)).tconfint_diff(usevar="unequal"))
