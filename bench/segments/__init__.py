"""Segment evaluation benchmark (issue #9): the compiler on DuckDB against hand-written SQL,
pandas and PostgreSQL, over the sample shop.

    scripts/bench.sh [--contacts 1000000] [--repeats 5] [--skip-pg] [--segments vip,lapsed] [--write-docs]

See ``docs/benchmarks.md`` for what is measured and how.
"""
