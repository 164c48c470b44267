"""Deterministic sample data (a Polish online shop) for demos, docs, tests and benchmarks.

``vocabulary`` holds the shop (products, pages, people, campaigns), ``arrays`` the vectorised
helpers, ``simulation`` the contacts and their events drawn batch by batch (``generate``):
a ``Batch`` draws its ``people``, then what they do — ``messaging``, ``web``, and
``offline`` (stores, app, loyalty) — each from its own random stream. ``writer`` writes the
Parquet part files (``write_parquet``) and ``load`` a store filled with them.
"""

from workbench.sample.simulation import generate
from workbench.sample.vocabulary import (
    BLOG_CATEGORIES,
    CROSS_SELL_PAIR,
    PRODUCT_CATEGORIES,
    PRODUCTS,
    SAMPLE_AS_OF,
    Campaign,
    Product,
    campaigns,
)
from workbench.sample.writer import write_parquet

__all__ = [
    "BLOG_CATEGORIES",
    "CROSS_SELL_PAIR",
    "PRODUCTS",
    "PRODUCT_CATEGORIES",
    "SAMPLE_AS_OF",
    "Campaign",
    "Product",
    "campaigns",
    "generate",
    "write_parquet",
]
