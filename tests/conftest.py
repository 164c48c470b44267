"""Shared fixtures: stores on every backend of the matrix.

Each test module that asks for ``backend_url`` runs once per backend, as ibis's own
backend suite does. PostgreSQL comes from the server that ``scripts/test.sh`` starts
(``WORKBENCH_TEST_PG``); without it the PostgreSQL tests fail rather than skip, so a CI
that cannot reach the server is noticed.
"""

from __future__ import annotations

import itertools
import os
import uuid

import psycopg
import pytest

BACKENDS = ["duckdb", "postgres"]
# ClickHouse runs the compiled SQL in chdb (tests/chdb_store.py): modules that test evaluation
# take these as their ``backend_name`` params and open stores with ``new_store``
EVALUATION_BACKENDS = [*BACKENDS, "clickhouse"]
_counter = itertools.count()


def postgres_admin_url() -> str:
    url = os.environ.get("WORKBENCH_TEST_PG")
    if not url:
        raise RuntimeError("WORKBENCH_TEST_PG is not set: run the suite with scripts/test.sh, which starts PostgreSQL")
    return url


def new_postgres_database() -> str:
    """A new empty database on the test server; returns its URL."""
    admin = postgres_admin_url()
    name = f"wb_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="module", params=BACKENDS)
def backend_name(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def new_store_url(backend_name, tmp_path_factory):
    """A function returning the URL of a new, empty store on the current backend."""

    def make() -> str:
        if backend_name == "duckdb":
            return f"duckdb://{tmp_path_factory.mktemp('store') / f'wb{next(_counter)}.duckdb'}"
        if backend_name == "postgres":
            return new_postgres_database()
        raise AssertionError(backend_name)

    return make


@pytest.fixture(scope="module")
def new_store(backend_name, new_store_url):
    """A function returning a new, empty, initialised store on the current backend: a
    Workspace, or for ``"clickhouse"`` the chdb store (evaluation and ``append`` only)."""

    def make():
        if backend_name == "clickhouse":
            from tests.chdb_store import ChdbStore

            return ChdbStore()
        from workbench.store.workspace import Workspace

        ws = Workspace(new_store_url())
        ws.init()
        return ws

    return make


@pytest.fixture(scope="module")
def backend_url(new_store_url) -> str:
    return new_store_url()
