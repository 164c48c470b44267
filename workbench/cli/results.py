"""``workbench results CAMPAIGN``: what a campaign achieved, with its holdout's lift (workbench.results)."""

from __future__ import annotations

import json

import click

from workbench.cli.base import as_of_option, command, main
from workbench.store.workspace import connect


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def _count(n: int, rate: float | None = None) -> str:
    return f"{n:,}" if rate is None else f"{n:,} ({_pct(rate)})"


@command(main, "results")
@click.argument("campaign_id", metavar="CAMPAIGN")
@click.option("--as-of", help="The instant the results are as of (ISO 8601); default now.")
@click.option("--segment", "segments", multiple=True, metavar="SEGMENT", help="Break down by membership (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def results_cmd(db: str | None, campaign_id: str, as_of: str | None, segments: tuple[str, ...], as_json: bool) -> None:
    """A campaign's results: sent, delivered, opened, clicked, unsubscribed, bounced,
    conversions and revenue of its recipients and its holdout, and the lift with its 95%
    interval. An unknown campaign exits with status 2. See docs/results.md."""
    from workbench.results import campaign_results

    ws = connect(db)
    results = campaign_results(ws, campaign_id, as_of_option(as_of))
    by_segment = {seg: results.by_segment(ws, seg) for seg in segments}
    if as_json:
        out = results.to_dict()
        out["by_segment"] = {seg: [cell.to_dict() for cell in cells] for seg, cells in by_segment.items()}
        click.echo(json.dumps(out, default=str))
        return
    c, rec, hold, lift = results.campaign, results.recipients, results.holdout, results.lift
    where = f" where {c.conversion_where}" if c.conversion_where else ""
    click.echo(f"campaign {c.campaign_id} ({c.channel}), as of {results.as_of.isoformat()}")
    click.echo(f"conversions: {c.conversion_event}{where} within {c.attribution} after the message")
    rates = rec.rates
    lines = [
        ("contacts", _count(rec.contacts), _count(hold.contacts)),
        ("sent", _count(rec.sent), "-"),
        ("delivered", _count(rec.delivered, rates["delivery_rate"]), "-"),
        ("opened", _count(rec.opened, rates["open_rate"]), "-"),
        ("clicked", _count(rec.clicked, rates["click_rate"]), "-"),
        ("unsubscribed", _count(rec.unsubscribed, rates["unsubscribe_rate"]), "-"),
        ("bounced", _count(rec.bounced, rates["bounce_rate"]), "-"),
        (
            "converted",
            _count(rec.converted, rates["conversion_rate"]),
            _count(hold.converted, hold.rates["conversion_rate"]),
        ),
        ("revenue", rec.to_dict()["revenue"], hold.to_dict()["revenue"]),
        ("revenue/contact", str(rec.to_dict()["revenue_per_contact"]), str(hold.to_dict()["revenue_per_contact"])),
    ]
    click.echo(f"{'':16}{'recipients':>20}{'holdout':>20}")
    for label, a, b in lines:
        click.echo(f"{label:16}{a:>20}{b:>20}")
    if lift.difference_ci is not None:
        low, high = lift.difference_ci
        click.echo(
            f"lift: {lift.difference * 100:+.2f} points (95% interval {low * 100:+.2f} to {high * 100:+.2f})"
            # no ratio when the holdout converted nobody; its interval is still given
            + (f", ratio {lift.ratio:.2f}" if lift.ratio is not None else ", ratio –" if lift.ratio_ci else "")
            + (f" ({lift.ratio_ci[0]:.2f} to {lift.ratio_ci[1]:.2f})" if lift.ratio_ci else "")
        )
    click.echo(f"verdict: {lift.verdict}: {lift.explanation}")
    for seg, cells in by_segment.items():
        for cell in cells:
            click.echo(
                f"segment {seg} ({cell.key}): recipients {_count(cell.recipients.converted, cell.recipients.rates['conversion_rate'])}"
                f" of {cell.recipients.contacts:,}, holdout {_count(cell.holdout.converted, cell.holdout.rates['conversion_rate'])}"
                f" of {cell.holdout.contacts:,}: {cell.lift.verdict}"
            )
