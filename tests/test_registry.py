"""Things kept by id: add or refuse, list in id order, get, remove (``workbench.store.registry``),
and the twin CLI commands built on it."""

from __future__ import annotations

import ibis
import pytest
from click.testing import CliRunner

from workbench.cli import main
from workbench.errors import NotFound, WorkbenchError
from workbench.store.connection import transaction
from workbench.store.registry import Registry
from workbench.store.statements import create_missing
from workbench.store.tables import Table
from workbench.store.workspace import Workspace

THINGS = Table("wb_test_things", ibis.schema({"thing_id": "!string", "size": "int64"}), key=("thing_id",))
REGISTRY = Registry(THINGS, "thing", "things")


@pytest.fixture(scope="module")
def ws(new_store_url) -> Workspace:
    workspace = Workspace(new_store_url())
    workspace.init()
    create_missing(workspace, (THINGS,))
    return workspace


def test_a_registry_adds_refuses_lists_gets_and_removes_by_id(ws):
    with ws.connector.writing() as con, transaction(con):
        REGISTRY.add(con, {"thing_id": "b", "size": 2})
        REGISTRY.add(con, {"thing_id": "a", "size": 1})
        with pytest.raises(WorkbenchError, match=r"^thing 'a' exists; remove it first or pick another --id$"):
            REGISTRY.add(con, {"thing_id": "a", "size": 9}, retry="pick another --id")
    with ws.connector.reading() as con:
        assert REGISTRY.rows(con) == [{"thing_id": "a", "size": 1}, {"thing_id": "b", "size": 2}]
        assert REGISTRY.get(con, "b") == {"thing_id": "b", "size": 2}
        with pytest.raises(NotFound, match=r"^no thing 'c'; things: a, b$"):
            REGISTRY.get(con, "c")
    with ws.connector.writing() as con, transaction(con):
        REGISTRY.remove(con, "a")
        with pytest.raises(NotFound, match=r"^no thing 'a'; things: b$"):
            REGISTRY.remove(con, "a")
    with ws.connector.reading() as con:
        assert [row["thing_id"] for row in REGISTRY.rows(con)] == ["b"]


def test_a_registry_needs_a_table_keyed_by_one_id():
    with pytest.raises(ValueError, match="not keyed by one id column"):
        Registry(Table("wb_pairs", ibis.schema({"a": "string", "b": "string"}), key=("a", "b")), "pair", "pairs")


@pytest.mark.parametrize(
    ("group", "noun"),
    [pytest.param("schedule", "schedule", id="schedule"), pytest.param("trigger", "trigger", id="trigger")],
)
def test_removing_an_unknown_id_exits_2_naming_the_ids_there_are(ws, group, noun):
    result = CliRunner().invoke(main, ["--db", ws.url.url, group, "remove", "nope"])
    assert (result.exit_code, result.output) == (2, f"error: no {noun} 'nope'; {noun}s: none\n")
