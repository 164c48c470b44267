"""Deterministic sample data (a Polish online shop) for demos, docs, tests and benchmarks."""

from workbench.sample.generate import (
    BLOG_CATEGORIES,
    CROSS_SELL_PAIR,
    PRODUCT_CATEGORIES,
    PRODUCTS,
    SAMPLE_AS_OF,
    Campaign,
    Product,
    campaigns,
    generate,
    write_parquet,
)

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
