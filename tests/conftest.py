"""Shared fixtures: stores on every backend of the matrix.

Each test module that asks for ``backend_url`` runs once per backend. Backends join the
matrix as they land (PostgreSQL and ClickHouse through chdb come with the backends issue).
"""

from __future__ import annotations

import itertools

import pytest

BACKENDS = ["duckdb"]
_counter = itertools.count()


@pytest.fixture(scope="module", params=BACKENDS)
def backend_name(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def new_store_url(backend_name, tmp_path_factory):
    """A function returning the URL of a new, empty store on the current backend."""

    def make() -> str:
        if backend_name == "duckdb":
            return f"duckdb://{tmp_path_factory.mktemp('store') / f'wb{next(_counter)}.duckdb'}"
        raise AssertionError(backend_name)

    return make


@pytest.fixture(scope="module")
def backend_url(new_store_url) -> str:
    return new_store_url()
