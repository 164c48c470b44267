"""Queries around compiled segment SQL: counting it, ordering it, counting several at once.

Compiled segments are SQL text (see :mod:`workbench.expr.template`); wrapping them in an
Ibis expression again would cost the compile time the template cache saves, so the few
shapes the workbench needs around them are written here, next to the compiler, and
nowhere else. The inner text is always compiler output; nothing here takes user text.
The shapes are plain SQL that DuckDB, PostgreSQL and ClickHouse all accept.
"""

from __future__ import annotations

from collections.abc import Sequence


def count_of(members_sql: str) -> str:
    """One row, one column ``n``: how many rows ``members_sql`` returns."""
    return f"SELECT COUNT(*) AS n FROM (\n{members_sql}\n) AS members"


def sorted_by_contact(sql: str) -> str:
    """Every column of ``sql``'s rows, ordered by ``contact_id``."""
    return f"SELECT * FROM (\n{sql}\n) AS rows_ ORDER BY contact_id"


def counts_of(members_sqls: Sequence[str]) -> str:
    """Rows (``point``, ``n``): for each query, its position in ``members_sqls`` and how many
    rows it returns; one statement."""
    parts = [f"SELECT {i} AS point, COUNT(*) AS n FROM (\n{sql}\n) AS point{i}" for i, sql in enumerate(members_sqls)]
    return "\nUNION ALL\n".join(parts)
