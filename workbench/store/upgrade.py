"""Stores made by earlier versions, brought to the current schema by ``workbench init``.

- ``events.amount`` was a binary floating-point number; it is now an exact decimal
  (:data:`~workbench.store.schema.MONEY`). Each stored amount is read as the importer reads
  a double, by its shortest text (``12.34565``), rounded half away from zero to four places;
  one too large for an amount becomes null (the importer refuses those).
"""

from __future__ import annotations

import logging

import sqlglot.expressions as exp
from ibis.backends import BaseBackend

from workbench.expr.dialects import AMOUNT_LIMIT, EXPONENT_PLACES
from workbench.store.schema import MONEY
from workbench.store.statements import alter_column_type

log = logging.getLogger(__name__)


def outdated(con: BaseBackend) -> list[str]:
    """What this store lacks of the current schema, as short descriptions (empty: nothing)."""
    return ["events.amount is not an exact decimal"] if not con.get_schema("events")["amount"].is_decimal() else []


def upgrade(con: BaseBackend) -> None:
    """Apply every upgrade :func:`outdated` names, inside the caller's transaction."""
    if not outdated(con):
        return
    amount = exp.column("amount")
    # to EXPONENT_PLACES places first: DuckDB rounds text with an exponent wrongly (duckdb_amount)
    digits = exp.cast(exp.cast(amount, "TEXT"), exp.DataType.build(f"DECIMAL(38, {EXPONENT_PLACES})"))
    rounded = exp.Round(this=digits, decimals=exp.Literal.number(MONEY.scale))
    fits = exp.LT(this=exp.Abs(this=amount), expression=exp.Literal.number(AMOUNT_LIMIT))
    alter_column_type(con, "events", "amount", MONEY, using=exp.If(this=fits, true=rounded))
    log.info("events.amount is now an exact decimal (%s places)", MONEY.scale)
