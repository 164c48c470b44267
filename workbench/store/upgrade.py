"""Stores made by earlier versions, brought to the current schema by ``workbench init``.

- ``events.amount`` was a binary floating-point number; it is now an exact decimal
  (:data:`~workbench.store.schema.MONEY`). Each stored amount is read as the importer reads
  a double, by its shortest text (``12.34565``), rounded half away from zero to four places;
  one too large for an amount becomes null (the importer refuses those).
- The collector kept its settings in a table of its own, ``wb_collector_settings``
  (``name``, ``value``); they are now rows of the store's one settings table, ``wb_settings``,
  under ``collector.<name>``. A key already there wins (a collector of this version wrote it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import sqlglot.expressions as exp
from ibis.backends import BaseBackend

from workbench.expr.dialects import AMOUNT_LIMIT, EXPONENT_PLACES
from workbench.store import catalog_store
from workbench.store.schema import MONEY
from workbench.store.statements import alter_column_type
from workbench.store.tables import SETTINGS

log = logging.getLogger(__name__)

OLD_COLLECTOR_SETTINGS = "wb_collector_settings"
# workbench.collector.tables.SETTING_PREFIX, spelled here because the store imports no
# package above it (and a migration writes the names of its time)
COLLECTOR_PREFIX = "collector."


def _exact_amounts(con: BaseBackend) -> None:
    amount = exp.column("amount")
    # to EXPONENT_PLACES places first: DuckDB rounds text with an exponent wrongly (duckdb_amount)
    digits = exp.cast(exp.cast(amount, "TEXT"), exp.DataType.build(f"DECIMAL(38, {EXPONENT_PLACES})"))
    rounded = exp.Round(this=digits, decimals=exp.Literal.number(MONEY.scale))
    fits = exp.LT(this=exp.Abs(this=amount), expression=exp.Literal.number(AMOUNT_LIMIT))
    alter_column_type(con, "events", "amount", MONEY, using=exp.If(this=fits, true=rounded))
    log.info("events.amount is now an exact decimal (%s places)", MONEY.scale)


def _one_settings_table(con: BaseBackend) -> None:
    if SETTINGS.name not in con.list_tables():
        con.create_table(SETTINGS.name, schema=SETTINGS.schema)
    current = catalog_store.read_settings(con)
    old = con.to_pyarrow(con.table(OLD_COLLECTOR_SETTINGS)).to_pylist()
    # should a name have two values, the smallest wins, as the collector read them
    for row in sorted(old, key=lambda r: (r["name"], r["value"]), reverse=True):
        key = COLLECTOR_PREFIX + row["name"]
        if key not in current:
            catalog_store.write_setting(con, key, row["value"])
    con.drop_table(OLD_COLLECTOR_SETTINGS)
    log.info("the collector's settings moved from %s to %s", OLD_COLLECTOR_SETTINGS, SETTINGS.name)


@dataclass(frozen=True)
class _Upgrade:
    what: str  # what an outdated store lacks, in words
    needed: Callable[[BaseBackend], bool]
    apply: Callable[[BaseBackend], None]


_UPGRADES = (
    _Upgrade(
        "events.amount is not an exact decimal",
        lambda con: not con.get_schema("events")["amount"].is_decimal(),
        _exact_amounts,
    ),
    _Upgrade(
        f"the collector's settings are in {OLD_COLLECTOR_SETTINGS}",
        lambda con: OLD_COLLECTOR_SETTINGS in con.list_tables(),
        _one_settings_table,
    ),
)


def outdated(con: BaseBackend) -> list[str]:
    """What this store lacks of the current schema, as short descriptions (empty: nothing)."""
    return [step.what for step in _UPGRADES if step.needed(con)]


def upgrade(con: BaseBackend) -> None:
    """Apply every upgrade :func:`outdated` names, inside the caller's transaction."""
    for step in _UPGRADES:
        if step.needed(con):
            step.apply(con)
