"""Campaign results: what each send achieved, per segment and channel, with a holdout that
proves the lift.

>>> from workbench.results import campaign_results
>>> results = campaign_results(ws, "come-back", as_of="2026-12-01T00:00:00Z")  # doctest: +SKIP
>>> results.recipients.rates["conversion_rate"], results.lift.verdict            # doctest: +SKIP

See ``docs/results.md`` for every definition.
"""

from workbench.results.lift import MIN_EACH, Lift, lift
from workbench.results.outcomes import COLUMNS, GROUPS, HOLDOUT, RECIPIENT, outcome_table
from workbench.results.report import (
    CampaignResults,
    Cell,
    breakdown,
    campaign_results,
    compare,
    many_results,
    outcome_expression,
    outcome_rows,
)
from workbench.results.summary import GroupOutcome

__all__ = [
    "COLUMNS",
    "GROUPS",
    "HOLDOUT",
    "MIN_EACH",
    "RECIPIENT",
    "CampaignResults",
    "Cell",
    "GroupOutcome",
    "Lift",
    "breakdown",
    "campaign_results",
    "compare",
    "lift",
    "many_results",
    "outcome_expression",
    "outcome_rows",
    "outcome_table",
]
